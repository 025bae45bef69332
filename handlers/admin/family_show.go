package admin

import (
	"fmt"
	"strconv"

	"github.com/gofiber/fiber/v2"
	"gorm.io/gorm"

	"starcard/handlers/render"
	"starcard/models"
)

// familyPage shows a family: its guardians (with consent) and children.
func (m members) familyPage(c *fiber.Ctx, status int, id int64, v render.View) error {
	ctx := c.UserContext()
	f, err := models.GetFamily(ctx, m.DB.R, id)
	if err != nil {
		return err
	}
	u := render.User(c)
	visible := false
	for i := range f.Children {
		visible = visible || u.CanSeeCampus(f.Children[i].CampusID)
		f.Children[i] = f.Children[i].Masked(u.Role)
	}
	if !visible && len(f.Children) > 0 {
		return models.ErrNotFound
	}
	for i := range f.Guardians {
		if !u.Role.SeesFullPhone() {
			f.Guardians[i].Phone = models.MaskPhone(f.Guardians[i].Phone)
		}
	}
	classes, err := models.ListClasses(ctx, m.DB.R, models.StaffCampusScope(u))
	if err != nil {
		return err
	}
	consent, err := models.CurrentConsent(ctx, m.DB.R)
	if err != nil {
		return err
	}
	if v.Flash == "" && c.Query("created") == "1" {
		v.Flash, v.FlashKind = m.T(c, "family.created", len(f.Children)), "ok"
	}
	v.Title = f.Name
	v.D = fiber.Map{"F": f, "Classes": classes, "Consent": consent, "Relations": models.Relations}
	return m.Page(c, status, "admin/family", "", v)
}

func (m members) familyShow(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	return m.familyPage(c, fiber.StatusOK, id, render.View{})
}

// familyChildAdd adds a sibling to the family at the first child's campus.
func (m members) familyChildAdd(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	f, err := models.GetFamily(ctx, m.DB.R, id)
	if err != nil {
		return err
	}
	if len(f.Children) == 0 || !render.User(c).CanSeeCampus(f.Children[0].CampusID) {
		return models.ErrNotFound
	}
	cls, _ := strconv.ParseInt(c.FormValue("class"), 10, 64)
	campus := f.Children[0].CampusID
	if cls != 0 {
		if cl, err := models.GetClass(ctx, m.DB.R, cls); err == nil {
			campus = cl.CampusID
		}
	}
	in := models.NewMember{Name: c.FormValue("name"), Gender: c.FormValue("gender"), BirthDate: c.FormValue("birth"),
		ClassID: cls, CampusID: campus, FamilyID: id}
	err = m.DB.Tx(ctx, func(tx *gorm.DB) error {
		_, err := models.CreateMember(ctx, tx, m.Now(), render.Actor(c), in)
		return err
	})
	if e, ok := models.AsError(err); ok {
		form := map[string]string{"name": in.Name, "gender": in.Gender, "birth": in.BirthDate, "class": c.FormValue("class")}
		return m.familyPage(c, fiber.StatusUnprocessableEntity, id, render.View{Form: form, Errors: m.FieldErrors(c, err),
			Flash: m.T(c, e.Key, e.Args...), FlashKind: "error"})
	}
	if err != nil {
		return err
	}
	return render.Redirect(c, fmt.Sprintf("/admin/families/%d", id))
}

func (m members) familyGuardianAdd(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	g := models.NewGuardian{Name: c.FormValue("name"), Phone: c.FormValue("phone"), Relation: c.FormValue("relation"),
		Occupation: c.FormValue("occupation"), Position: c.FormValue("position"), Consent: c.FormValue("consent") != ""}
	_, err = models.AddGuardian(c.UserContext(), m.DB, m.Now(), render.Actor(c), id, g)
	if e, ok := models.AsError(err); ok {
		form := map[string]string{"g_name": g.Name, "g_phone": g.Phone, "g_relation": g.Relation}
		errs := map[string]string{}
		for k, v := range m.FieldErrors(c, err) {
			errs["g_"+k] = v
		}
		return m.familyPage(c, fiber.StatusUnprocessableEntity, id, render.View{Form: form, Errors: errs,
			Flash: m.T(c, e.Key, e.Args...), FlashKind: "error"})
	}
	if err != nil {
		return err
	}
	return render.Redirect(c, fmt.Sprintf("/admin/families/%d", id))
}

// guardianConsent records that a guardian signed the current consent text.
func (m members) guardianConsent(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	if err := models.RecordConsent(c.UserContext(), m.DB, m.Now(), render.Actor(c), id, "paper"); err != nil {
		return err
	}
	fam, _ := strconv.ParseInt(c.FormValue("family"), 10, 64)
	return render.Redirect(c, fmt.Sprintf("/admin/families/%d", fam))
}
