package admin

import (
	"fmt"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
)

func (h handler) campusPage(c *fiber.Ctx, status int, v render.View) error {
	cs, err := models.ListAllCampuses(c.UserContext(), h.DB.R)
	if err != nil {
		return err
	}
	v.Title = h.T(c, "setup.campuses_title")
	v.D = fiber.Map{"Campuses": cs}
	return h.Page(c, status, "admin/campuses", "", v)
}

func (h handler) campusList(c *fiber.Ctx) error {
	return h.campusPage(c, fiber.StatusOK, render.View{})
}

func campusForm(c *fiber.Ctx) (models.CampusInput, map[string]string) {
	in := models.CampusInput{Code: c.FormValue("code"), Name: c.FormValue("name"), Address: c.FormValue("address")}
	return in, map[string]string{"code": in.Code, "name": in.Name, "address": in.Address}
}

func (h handler) campusCreate(c *fiber.Ctx) error {
	in, form := campusForm(c)
	ctx := c.UserContext()
	now := h.Now()
	cp, err := models.CreateCampus(ctx, h.DB.W, now, in.Code, in.Name, in.Address)
	if _, ok := models.AsError(err); ok {
		return h.campusPage(c, fiber.StatusUnprocessableEntity, render.View{Form: form, Errors: h.FieldErrors(c, err)})
	}
	if err != nil {
		return err
	}
	if err := models.Audit(ctx, h.DB.W, now, render.Actor(c), "campus.create", "campus", cp.ID, cp.Code); err != nil {
		return err
	}
	return h.campusPage(c, fiber.StatusOK, render.View{Flash: h.T(c, "setup.campus_created", cp.Name), FlashKind: "ok"})
}

func (h handler) campusEdit(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	cp, err := models.GetCampus(c.UserContext(), h.DB.R, id)
	if err != nil {
		return err
	}
	return h.Page(c, fiber.StatusOK, "admin/campus_edit", "", render.View{Title: h.T(c, "setup.campus_edit_title", cp.Name),
		D: fiber.Map{"Campus": cp}, Form: map[string]string{"code": cp.Code, "name": cp.Name, "address": cp.Address}})
}

func (h handler) campusSave(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	in, form := campusForm(c)
	ctx := c.UserContext()
	cp, err := models.UpdateCampus(ctx, h.DB.W, id, in)
	if e, ok := models.AsError(err); ok && e.Kind != models.KindNotFound {
		old, gerr := models.GetCampus(ctx, h.DB.R, id)
		if gerr != nil {
			return gerr
		}
		return h.Page(c, fiber.StatusUnprocessableEntity, "admin/campus_edit", "", render.View{Title: h.T(c, "setup.campus_edit_title", old.Name),
			D: fiber.Map{"Campus": old}, Form: form, Errors: h.FieldErrors(c, err)})
	}
	if err != nil {
		return err
	}
	if err := models.Audit(ctx, h.DB.W, h.Now(), render.Actor(c), "campus.update", "campus", cp.ID, cp.Code); err != nil {
		return err
	}
	return render.Redirect(c, "/admin/campuses")
}

func (h handler) setCampusClosed(c *fiber.Ctx, closed bool) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	now := h.Now()
	if err := models.SetCampusClosed(ctx, h.DB.W, now, id, closed); err != nil {
		return err
	}
	action := "campus.reopen"
	if closed {
		action = "campus.close"
	}
	if err := models.Audit(ctx, h.DB.W, now, render.Actor(c), action, "campus", id, fmt.Sprint(closed)); err != nil {
		return err
	}
	return render.Redirect(c, "/admin/campuses")
}

func (h handler) campusClose(c *fiber.Ctx) error  { return h.setCampusClosed(c, true) }
func (h handler) campusReopen(c *fiber.Ctx) error { return h.setCampusClosed(c, false) }
