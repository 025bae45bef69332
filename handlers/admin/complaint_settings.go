package admin

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
	"starcard/models/care"
)

// complaintSettingsPage shows the limits (first answer, principal's line,
// auto-confirm, resolution target) and the owner rules.
func (h handler) complaintSettingsPage(c *fiber.Ctx, status int, v render.View) error {
	ctx := c.UserContext()
	set, err := care.LoadSettings(ctx, h.DB.R)
	if err != nil {
		return err
	}
	routes, err := care.Routes(ctx, h.DB.R)
	if err != nil {
		return err
	}
	owners, err := care.Owners(ctx, h.DB.R, 0)
	if err != nil {
		return err
	}
	campuses, err := models.ListCampuses(ctx, h.DB.R)
	if err != nil {
		return err
	}
	if v.Form == nil {
		v.Form = map[string]string{"sla_hours": strconv.Itoa(set.SLAHours), "escalate2_hours": strconv.Itoa(set.Escalate2Hours),
			"confirm_days": strconv.Itoa(set.ConfirmDays), "resolve_days": strconv.Itoa(set.ResolveDays)}
	}
	if ok := c.Query("ok"); ok != "" && v.Flash == "" {
		v.Flash, v.FlashKind = h.T(c, "care.ok."+ok), "ok"
	}
	v.Title = h.T(c, "care.settings.title")
	v.D = fiber.Map{"Routes": routes, "Owners": owners, "Campuses": campuses, "Categories": models.ComplaintCategories}
	return h.Page(c, status, "admin/complaint_settings", "", v)
}

func (h handler) complaintSettings(c *fiber.Ctx) error {
	return h.complaintSettingsPage(c, fiber.StatusOK, render.View{})
}

func (h handler) complaintSettingsSave(c *fiber.Ctx) error {
	num := func(k string) int { n, _ := strconv.Atoi(c.FormValue(k)); return n }
	s := care.Settings{SLAHours: num("sla_hours"), Escalate2Hours: num("escalate2_hours"), ConfirmDays: num("confirm_days"),
		ResolveDays: num("resolve_days")}
	if err := care.SaveSettings(c.UserContext(), h.DB, h.Now(), render.User(c), s); err != nil {
		if e, ok := models.AsError(err); ok && e.Kind == models.KindInvalid {
			form := map[string]string{}
			for _, k := range []string{"sla_hours", "escalate2_hours", "confirm_days", "resolve_days"} {
				form[k] = c.FormValue(k)
			}
			return h.complaintSettingsPage(c, fiber.StatusUnprocessableEntity, render.View{Form: form, Errors: h.FieldErrors(c, err),
				Flash: h.T(c, "care.fix_fields"), FlashKind: "error"})
		}
		return err
	}
	return render.Redirect(c, "/admin/complaints/settings?ok=saved")
}

func (h handler) complaintRouteSave(c *fiber.Ctx) error {
	r := care.Route{Category: c.FormValue("category")}
	r.CampusID, _ = strconv.ParseInt(c.FormValue("campus_id"), 10, 64)
	r.OwnerID, _ = strconv.ParseInt(c.FormValue("owner_id"), 10, 64)
	if err := care.SaveRoute(c.UserContext(), h.DB, h.Now(), render.User(c), r); err != nil {
		if e, ok := models.AsError(err); ok && e.Kind == models.KindInvalid {
			return h.complaintSettingsPage(c, fiber.StatusUnprocessableEntity, render.View{Errors: h.FieldErrors(c, err),
				Flash: h.T(c, "care.fix_fields"), FlashKind: "error"})
		}
		return err
	}
	return render.Redirect(c, "/admin/complaints/settings?ok=route_saved")
}
