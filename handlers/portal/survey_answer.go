package portal

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models/care"
)

// openSurveys counts the surveys waiting for the family's answer (the card
// on the home page).
func (h handler) openSurveys(c *fiber.Ctx) (int, error) {
	list, err := care.FamilySurveys(c.UserContext(), h.DB.R, principal(c))
	if err != nil {
		return 0, err
	}
	n := 0
	for _, s := range list {
		if !s.Answered && s.Status == "open" {
			n++
		}
	}
	return n, nil
}

// surveyList shows the surveys sent to the family, unanswered first.
func (h handler) surveyList(c *fiber.Ctx) error {
	s, err := h.load(c, 0, "me", "", h.T(c, "care.portal.title"))
	if err != nil {
		return err
	}
	s.Back = "/portal/me"
	list, err := care.FamilySurveys(c.UserContext(), h.DB.R, principal(c))
	if err != nil {
		return err
	}
	d := struct {
		shell
		Surveys []care.FamilySurvey
	}{s, list}
	return h.Page(c, fiber.StatusOK, "portal/surveys", "", h.view(c, s.Heading, d))
}

type surveyData struct {
	shell
	S      *care.FamilySurvey
	Scale  []int
	NPS    []int
	Thanks bool
}

func (h handler) surveyPage(c *fiber.Ctx, status int, id int64, v render.View) error {
	sv, err := care.FamilySurveyOne(c.UserContext(), h.DB.R, principal(c), id)
	if err != nil {
		return err
	}
	s, err := h.load(c, 0, "me", "", sv.TitleIn(render.Lang(c)))
	if err != nil {
		return err
	}
	s.Back = "/portal/surveys"
	v.Title = s.Heading
	v.D = surveyData{shell: s, S: sv, Scale: []int{1, 2, 3, 4, 5}, NPS: []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10},
		Thanks: c.Query("ok") == "answered"}
	if v.Form == nil {
		v.Form = map[string]string{}
	}
	return h.Page(c, status, "portal/survey", "", v)
}

// surveyShow is the questionnaire: each dimension 1–5, NPS 0–10, a comment.
func (h handler) surveyShow(c *fiber.Ctx) error {
	id, err := h.feedbackID(c)
	if err != nil {
		return err
	}
	return h.surveyPage(c, fiber.StatusOK, id, h.view(c, "", nil))
}

// surveyAnswer records the family's one answer.
func (h handler) surveyAnswer(c *fiber.Ctx) error {
	id, err := h.feedbackID(c)
	if err != nil {
		return err
	}
	sv, err := care.FamilySurveyOne(c.UserContext(), h.DB.R, principal(c), id)
	if err != nil {
		return err
	}
	a := care.Answer{Scores: map[string]int{}, Comment: c.FormValue("comment")}
	form := map[string]string{"comment": a.Comment, "nps": c.FormValue("nps")}
	for _, d := range sv.Dims() {
		a.Scores[d], _ = strconv.Atoi(c.FormValue("score_" + d))
		form["score_"+d] = c.FormValue("score_" + d)
	}
	if n, err := strconv.Atoi(c.FormValue("nps")); err == nil {
		a.NPS = &n
	}
	if _, err := care.Respond(c.UserContext(), h.DB, h.Now(), principal(c), c.IP(), id, a); err != nil {
		status, msg, fields, ok := h.refusal(c, err)
		if !ok {
			return err
		}
		v := h.view(c, "", nil)
		v.Flash, v.FlashKind, v.Errors, v.Form = msg, "error", fields, form
		return h.surveyPage(c, status, id, v)
	}
	return render.Redirect(c, "/portal/surveys/"+strconv.FormatInt(id, 10)+"?ok=answered")
}
