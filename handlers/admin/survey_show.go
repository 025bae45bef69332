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

// surveyShowPage is a survey's results: response rate, NPS, the average per
// dimension (with a chart), by campus, class and grade, the comments, and
// the improvement actions that follow from it.
func (h handler) surveyShowPage(c *fiber.Ctx, status int, id int64, v render.View) error {
	ctx := c.UserContext()
	u := render.User(c)
	res, err := care.SurveyResultsFor(ctx, h.DB.R, u, id)
	if err != nil {
		return err
	}
	owners, err := care.Owners(ctx, h.DB.R, 0)
	if err != nil {
		return err
	}
	chart := struct {
		Labels []string  `json:"labels"`
		Values []float64 `json:"values"`
	}{}
	for _, d := range res.Dimensions {
		chart.Labels = append(chart.Labels, h.T(c, "care.dim."+d.Dimension))
		chart.Values = append(chart.Values, float64(int(d.Average*100+0.5))/100)
	}
	js, _ := json.Marshal(chart)
	if ok := c.Query("ok"); ok != "" && v.Flash == "" {
		v.Flash, v.FlashKind = h.T(c, "care.ok."+ok), "ok"
	}
	if v.Form == nil {
		v.Form = map[string]string{"due_on": h.Now().In(h.Loc).AddDate(0, 0, 30).Format("2006-01-02")}
	}
	v.Title = res.Survey.TitleIn(render.Lang(c))
	v.D = fiber.Map{"R": res, "Chart": string(js), "Owners": owners, "Today": h.Now().In(h.Loc).Format("2006-01-02"),
		"ActionStatuses": care.ActionStatuses}
	return h.Page(c, status, "admin/survey", "", v)
}

func (h handler) surveyShow(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	return h.surveyShowPage(c, fiber.StatusOK, id, render.View{})
}

func (h handler) surveyExport(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	res, err := care.SurveyResultsFor(c.UserContext(), h.DB.R, render.User(c), id)
	if err != nil {
		return err
	}
	b, err := care.ResultsXLSX(res, h.Loc, func(k string) string { return h.T(c, k) })
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="survey-%d.xlsx"`, id))
	return c.Send(b)
}

func (h handler) surveyClose(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	if err := care.CloseSurvey(c.UserContext(), h.DB, h.Now(), render.User(c), id); err != nil {
		return err
	}
	return render.Redirect(c, "/admin/surveys/"+strconv.FormatInt(id, 10)+"?ok=closed")
}

func (h handler) surveyActionAdd(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	owner, _ := strconv.ParseInt(c.FormValue("owner_id"), 10, 64)
	if _, err := care.AddAction(c.UserContext(), h.DB, h.Now(), render.User(c), id, c.FormValue("title"), owner, c.FormValue("due_on")); err != nil {
		if e, ok := models.AsError(err); ok && e.Kind == models.KindInvalid {
			form := map[string]string{"title": c.FormValue("title"), "owner_id": c.FormValue("owner_id"), "due_on": c.FormValue("due_on")}
			return h.surveyShowPage(c, fiber.StatusUnprocessableEntity, id, render.View{Form: form, Errors: h.FieldErrors(c, err),
				Flash: h.T(c, "care.fix_fields"), FlashKind: "error"})
		}
		return err
	}
	return render.Redirect(c, "/admin/surveys/"+strconv.FormatInt(id, 10)+"?ok=action_added")
}

func (h handler) surveyActionStatus(c *fiber.Ctx) error {
	id, err := paramID(c, "aid")
	if err != nil {
		return err
	}
	a, err := care.SetActionStatus(c.UserContext(), h.DB, h.Now(), render.User(c), id, c.FormValue("status"))
	if err != nil {
		return err
	}
	back := "/admin/surveys"
	if a.SurveyID != nil {
		back += "/" + strconv.FormatInt(*a.SurveyID, 10)
	}
	return render.Redirect(c, back+"?ok=action_saved")
}
