package admin

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
	"starcard/models/care"
)

// surveyListPage lists surveys newest first with response rate and NPS, a
// chart of the NPS trend over them, the CSAT checks after complaints, and
// the form to send a new one.
func (h handler) surveyListPage(c *fiber.Ctx, status int, v render.View) error {
	ctx := c.UserContext()
	u := render.User(c)
	list, err := care.Surveys(ctx, h.DB.R, u, care.KindSurvey, 50)
	if err != nil {
		return err
	}
	csat, err := care.Surveys(ctx, h.DB.R, u, care.KindCSAT, 20)
	if err != nil {
		return err
	}
	campuses, err := visibleCampuses(c, h, u)
	if err != nil {
		return err
	}
	var ids []int64
	for _, cp := range campuses {
		ids = append(ids, cp.ID)
	}
	if u.Role.AllCampuses() {
		ids = nil
	}
	classes, err := models.ListClasses(ctx, h.DB.R, ids)
	if err != nil {
		return err
	}
	// The trend, oldest first: NPS and response rate per survey.
	trend := struct {
		Labels []string  `json:"labels"`
		NPS    []any     `json:"nps"`
		Rate   []int     `json:"rate"`
		Names  [2]string `json:"names"`
	}{Names: [2]string{"NPS", h.T(c, "care.survey.rate")}}
	for i := len(list) - 1; i >= 0; i-- {
		s := list[i]
		trend.Labels = append(trend.Labels, fmt.Sprintf("#%d %s", s.ID, s.CreatedAt.In(h.Loc).Format("01-02")))
		if s.HasNPS {
			trend.NPS = append(trend.NPS, s.NPS)
		} else {
			trend.NPS = append(trend.NPS, nil)
		}
		trend.Rate = append(trend.Rate, s.Rate)
	}
	js, _ := json.Marshal(trend)
	if v.Form == nil {
		v.Form = map[string]string{"ask_nps": "1", "points": "0"}
		for _, d := range care.Dimensions {
			v.Form["dim_"+d] = "1"
		}
	}
	if ok := c.Query("ok"); ok != "" && v.Flash == "" {
		v.Flash, v.FlashKind = h.T(c, "care.ok."+ok), "ok"
	}
	v.Title = h.T(c, "care.survey.list_title")
	v.D = fiber.Map{"Surveys": list, "CSAT": csat, "Trend": string(js), "Campuses": campuses, "Classes": classes,
		"Dimensions": care.Dimensions, "Tiers": models.TierOrder, "Lifecycles": models.Lifecycles}
	return h.Page(c, status, "admin/surveys", "", v)
}

func (h handler) surveyList(c *fiber.Ctx) error {
	return h.surveyListPage(c, fiber.StatusOK, render.View{})
}

// surveyCreate sends a survey to the chosen segment.
func (h handler) surveyCreate(c *fiber.Ctx) error {
	in := care.NewSurvey{Title: c.FormValue("title"), TitleTW: c.FormValue("title_tw"), TitleEN: c.FormValue("title_en"),
		AskNPS: c.FormValue("ask_nps") == "1"}
	form := map[string]string{"title": in.Title, "title_tw": in.TitleTW, "title_en": in.TitleEN, "ask_nps": c.FormValue("ask_nps"),
		"points": c.FormValue("points"), "campus_id": c.FormValue("campus_id"), "class_id": c.FormValue("class_id"),
		"grade": c.FormValue("grade"), "tier": c.FormValue("tier"), "lifecycle": c.FormValue("lifecycle")}
	for _, d := range care.Dimensions {
		if c.FormValue("dim_"+d) == "1" {
			in.Dimensions = append(in.Dimensions, d)
			form["dim_"+d] = "1"
		}
	}
	in.Points, _ = strconv.ParseInt(c.FormValue("points"), 10, 64)
	in.Segment.CampusID, _ = strconv.ParseInt(c.FormValue("campus_id"), 10, 64)
	in.Segment.ClassID, _ = strconv.ParseInt(c.FormValue("class_id"), 10, 64)
	in.Segment.Grade, in.Segment.Tier, in.Segment.Lifecycle = c.FormValue("grade"), c.FormValue("tier"), c.FormValue("lifecycle")
	s, err := care.Send(c.UserContext(), h.DB, h.Now(), render.User(c), in)
	if e, ok := models.AsError(err); ok && e.Kind == models.KindInvalid {
		return h.surveyListPage(c, fiber.StatusUnprocessableEntity, render.View{Form: form, Errors: h.FieldErrors(c, err),
			Flash: h.T(c, "care.fix_fields"), FlashKind: "error"})
	}
	if err != nil {
		return err
	}
	return render.Redirect(c, "/admin/surveys/"+strconv.FormatInt(s.ID, 10)+"?ok=sent")
}
