package admin

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
)

// The new-family form has two guardian rows and three child rows.
const (
	formGuardians = 2
	formChildren  = 3
)

func (m members) familyForm(c *fiber.Ctx, status int, v render.View) error {
	campuses, err := m.campusesFor(c)
	if err != nil {
		return err
	}
	classes, err := models.ListClasses(c.UserContext(), m.DB.R, models.StaffCampusScope(render.User(c)))
	if err != nil {
		return err
	}
	v.Title = m.T(c, "family.new_title")
	v.D = fiber.Map{"Campuses": campuses, "Classes": classes, "Relations": models.Relations}
	if v.Form == nil {
		v.Form = map[string]string{"g0_relation": "mother", "g1_relation": "father"}
		if len(campuses) > 0 {
			v.Form["campus_id"] = strconv.FormatInt(campuses[0].ID, 10)
		}
	}
	return m.Page(c, status, "admin/member_new", "", v)
}

func (m members) familyNew(c *fiber.Ctx) error { return m.familyForm(c, fiber.StatusOK, render.View{}) }

// familyCreate registers a family with its guardians and children at once.
func (m members) familyCreate(c *fiber.Ctx) error {
	form := map[string]string{}
	for _, k := range []string{"campus_id"} {
		form[k] = c.FormValue(k)
	}
	campus, _ := strconv.ParseInt(c.FormValue("campus_id"), 10, 64)
	in := models.NewFamily{Channel: "paper"}
	for i := 0; i < formGuardians; i++ {
		p := fmt.Sprintf("g%d_", i)
		for _, f := range []string{"name", "phone", "relation", "occupation", "position", "consent"} {
			form[p+f] = strings.TrimSpace(c.FormValue(p + f))
		}
		if form[p+"name"] == "" && form[p+"phone"] == "" && i > 0 {
			continue
		}
		in.Guardians = append(in.Guardians, models.NewGuardian{Name: form[p+"name"], Phone: form[p+"phone"],
			Relation: form[p+"relation"], Occupation: form[p+"occupation"], Position: form[p+"position"],
			Payer: i == 0, Consent: form[p+"consent"] != ""})
	}
	for i := 0; i < formChildren; i++ {
		p := fmt.Sprintf("c%d_", i)
		for _, f := range []string{"name", "gender", "birth", "class", "tags"} {
			form[p+f] = strings.TrimSpace(c.FormValue(p + f))
		}
		if form[p+"name"] == "" && i > 0 {
			continue
		}
		cls, _ := strconv.ParseInt(form[p+"class"], 10, 64)
		in.Children = append(in.Children, models.NewMember{Name: form[p+"name"], Gender: form[p+"gender"],
			BirthDate: form[p+"birth"], ClassID: cls, Tags: []string{form[p+"tags"]}})
	}
	u := render.User(c)
	campusID, err := models.ResolveCampus(c.UserContext(), m.DB.R, u, campus)
	if err != nil {
		return m.familyForm(c, fiber.StatusUnprocessableEntity, render.View{Form: form, Errors: m.FieldErrors(c, err)})
	}
	in.CampusID = campusID
	famID, _, err := models.CreateFamily(c.UserContext(), m.DB, m.Now(), render.Actor(c), in)
	if e, ok := models.AsError(err); ok {
		v := render.View{Form: form, Errors: m.FieldErrors(c, err), Flash: m.T(c, e.Key, e.Args...), FlashKind: "error"}
		return m.familyForm(c, fiber.StatusUnprocessableEntity, v)
	}
	if err != nil {
		return err
	}
	return render.Redirect(c, fmt.Sprintf("/admin/families/%d?created=1", famID))
}
