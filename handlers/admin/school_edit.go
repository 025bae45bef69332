package admin

import (
	"io"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
)

func (h handler) schoolEdit(c *fiber.Ctx) error {
	s, err := models.GetSchool(c.UserContext(), h.DB.R)
	if err != nil {
		return err
	}
	return h.Page(c, fiber.StatusOK, "admin/school", "", render.View{Title: h.T(c, "setup.school_title"),
		D: fiber.Map{"School": s}, Form: schoolFormOf(s)})
}

func schoolFormOf(s models.School) map[string]string {
	return map[string]string{"name": s.Name, "short_name": s.ShortName, "phone": s.Phone, "address": s.Address}
}

// readSchoolForm reads the school form, the logo from a multipart upload.
func readSchoolForm(c *fiber.Ctx) (models.SchoolInput, error) {
	in := models.SchoolInput{Name: c.FormValue("name"), ShortName: c.FormValue("short_name"),
		Phone: c.FormValue("phone"), Address: c.FormValue("address")}
	fh, err := c.FormFile("logo")
	if err != nil || fh.Size == 0 {
		return in, nil
	}
	if fh.Size > models.MaxLogoBytes {
		return in, models.Invalid(map[string]string{"logo": models.ErrBadLogo.Key})
	}
	f, err := fh.Open()
	if err != nil {
		return in, err
	}
	defer f.Close()
	in.Logo, err = io.ReadAll(io.LimitReader(f, models.MaxLogoBytes+1))
	return in, err
}

// saveSchool saves the school form and shows the new name at once.
func (h handler) saveSchool(c *fiber.Ctx) (models.School, map[string]string, error) {
	in, err := readSchoolForm(c)
	form := map[string]string{"name": in.Name, "short_name": in.ShortName, "phone": in.Phone, "address": in.Address}
	if err != nil {
		return models.School{}, form, err
	}
	ctx := c.UserContext()
	now := h.Now()
	s, err := models.SaveSchool(ctx, h.DB.W, now, in)
	if err != nil {
		return s, form, err
	}
	if err := models.Audit(ctx, h.DB.W, now, render.Actor(c), "school.update", "school", 1, s.Name); err != nil {
		return s, form, err
	}
	h.SchoolChanged(s)
	return s, form, nil
}

func (h handler) schoolSave(c *fiber.Ctx) error {
	s, form, err := h.saveSchool(c)
	if _, ok := models.AsError(err); ok {
		old, gerr := models.GetSchool(c.UserContext(), h.DB.R)
		if gerr != nil {
			return gerr
		}
		return h.Page(c, fiber.StatusUnprocessableEntity, "admin/school", "", render.View{Title: h.T(c, "setup.school_title"),
			D: fiber.Map{"School": old}, Form: form, Errors: h.FieldErrors(c, err)})
	}
	if err != nil {
		return err
	}
	return h.Page(c, fiber.StatusOK, "admin/school", "", render.View{Title: h.T(c, "setup.school_title"),
		D: fiber.Map{"School": s}, Form: schoolFormOf(s), Flash: h.T(c, "setup.school_saved"), FlashKind: "ok"})
}
