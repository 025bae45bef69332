package cashier

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
)

// familyForm is a walk-in family as the cashier types it.
type familyForm struct {
	Key       string
	Child     string
	BirthDate string
	Guardian  string
	Phone     string
	Relation  string
	Consent   bool
	Relations []string
}

// familyNew shows the walk-in registration form in the desk area.
func (h handler) familyNew(c *fiber.Ctx) error {
	return h.familyPage(c, fiber.StatusOK, &familyForm{Key: newKey(), Relation: "mother", Phone: c.Query("phone")}, nil, "")
}

// familyCreate registers the family at the shift's campus and opens the
// child's member panel, ready for the first top-up or purchase.
func (h handler) familyCreate(c *fiber.Ctx) error {
	f := &familyForm{Key: strings.TrimSpace(c.FormValue("key")), Child: strings.TrimSpace(c.FormValue("child")),
		BirthDate: strings.TrimSpace(c.FormValue("birth_date")), Guardian: strings.TrimSpace(c.FormValue("guardian")),
		Phone: strings.TrimSpace(c.FormValue("phone")), Relation: c.FormValue("relation"), Consent: c.FormValue("consent") == "1"}
	errs := map[string]string{}
	if !f.Consent {
		errs["consent"] = h.T(c, "desk.family_consent_required")
	}
	if !models.ValidIdempotencyKey(f.Key) {
		f.Key = newKey()
		return h.familyPage(c, fiber.StatusUnprocessableEntity, f, errs, h.T(c, "err.cashier_stale_form"))
	}
	s, err := h.shift(c)
	if err != nil {
		return err
	}
	var campusID int64
	if s != nil {
		campusID = s.CampusID
	}
	u := render.User(c)
	if campusID, err = models.ResolveCampus(c.UserContext(), h.DB.R, u, campusID); err != nil {
		msg, fields, ierr := h.formError(c, err, nil)
		if ierr != nil {
			return ierr
		}
		return h.familyPage(c, fiber.StatusUnprocessableEntity, f, fields, msg)
	}
	if len(errs) > 0 {
		return h.familyPage(c, fiber.StatusUnprocessableEntity, f, errs, h.T(c, "cashier.fix_fields"))
	}
	id, err := models.DeskRegisterFamily(c.UserContext(), h.DB, h.Now(), actor(c, s), scope(c), f.Key, models.NewMember{
		Name: f.Child, BirthDate: f.BirthDate, CampusID: campusID,
		Guardians: []models.NewGuardian{{Name: f.Guardian, Phone: f.Phone, Relation: f.Relation, Consent: true}}})
	if err != nil {
		msg, fields, ierr := h.formError(c, err, familyField)
		if ierr != nil {
			return ierr
		}
		return h.familyPage(c, fiber.StatusUnprocessableEntity, f, fields, msg)
	}
	return render.Redirect(c, "/cashier/members/"+strconv.FormatInt(id, 10))
}

// familyField maps the members use case's field names to the form's.
func familyField(k string) string {
	switch {
	case k == "name":
		return "child"
	case strings.HasSuffix(k, ".name"):
		return "guardian"
	case strings.HasSuffix(k, ".phone"):
		return "phone"
	case strings.HasSuffix(k, ".relation"):
		return "relation"
	case strings.HasPrefix(k, "guardians"):
		return "phone"
	}
	return k
}

func (h handler) familyPage(c *fiber.Ctx, status int, f *familyForm, errs map[string]string, msg string) error {
	f.Relations = models.Relations
	d := &deskData{Family: f}
	if err := h.withShift(c, d); err != nil {
		return err
	}
	v := render.View{Title: h.T(c, "desk.family_title"), D: d, Errors: errs}
	if msg != "" {
		v.Flash, v.FlashKind = msg, "error"
	}
	return h.Page(c, status, "cashier/home", "desk", v)
}
