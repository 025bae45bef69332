package admin

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/gofiber/fiber/v2"
	"gorm.io/gorm"

	"starcard/handlers/render"
	"starcard/models"
)

// setupSteps are the first-run wizard's steps in order. Each can be skipped
// and done later from the back office (school settings, campuses, classes,
// staff, rules).
var setupSteps = []string{"school", "campus", "class", "staff", "notify", "rules"}

// nextStep is the step after step, or "done".
func nextStep(step string) string {
	i := slices.Index(setupSteps, step)
	if i < 0 || i+1 >= len(setupSteps) {
		return "done"
	}
	return setupSteps[i+1]
}

func (h handler) setupPage(c *fiber.Ctx, status int, step string, v render.View) error {
	ctx := c.UserContext()
	school, err := models.GetSchool(ctx, h.DB.R)
	if err != nil {
		return err
	}
	campuses, err := models.ListCampuses(ctx, h.DB.R)
	if err != nil {
		return err
	}
	classes, err := models.ListClasses(ctx, h.DB.R, nil)
	if err != nil {
		return err
	}
	users, err := models.ListStaff(ctx, h.DB.R)
	if err != nil {
		return err
	}
	if step == "school" && v.Form == nil {
		v.Form = schoolFormOf(school)
	}
	var outbox []models.OutboxItem
	if step == "notify" {
		if v.Form == nil {
			me, err := models.GetStaff(ctx, h.DB.R, render.User(c).ID)
			if err != nil {
				return err
			}
			v.Form = map[string]string{"phone": me.Phone, "email": me.Email}
		}
		// The last test notices, to see whether they went out.
		if outbox, err = models.ListOutbox(ctx, h.DB.R, models.OutboxFilter{Event: "setup_test", Limit: 3}); err != nil {
			return err
		}
	}
	v.Title = h.T(c, "setup.wizard_title")
	v.D = fiber.Map{"Step": step, "Steps": setupSteps, "Index": slices.Index(setupSteps, step) + 1, "Next": nextStep(step),
		"School": school, "Campuses": campuses, "Classes": classes, "Users": users, "Roles": models.Roles,
		"Delivery": delivery(h.Delivery), "Outbox": outbox}
	return h.Page(c, status, "admin/setup", "", v)
}

// delivery fills in what an unconfigured instance (tests) leaves blank.
func delivery(d render.Delivery) render.Delivery {
	if d.SMS != "log" && d.SMS != "http" {
		d.SMS = "none"
	}
	return d
}

// setupShow shows a step; /admin/setup resumes where the admin left off.
func (h handler) setupShow(c *fiber.Ctx) error {
	step := c.Params("step")
	if step == "" {
		s, err := models.GetSchool(c.UserContext(), h.DB.R)
		if err != nil {
			return err
		}
		step = s.SetupStep
		if !slices.Contains(setupSteps, step) {
			step = setupSteps[0]
		}
		return render.Redirect(c, "/admin/setup/"+step)
	}
	if !slices.Contains(setupSteps, step) {
		return models.ErrNotFound
	}
	return h.setupPage(c, fiber.StatusOK, step, render.View{})
}

// setupGo records the step reached and moves the browser there; past the
// last step the wizard is done and the admin lands on the back office.
func (h handler) setupGo(c *fiber.Ctx, step string) error {
	done := step == "done"
	if err := models.SetSetupStep(c.UserContext(), h.DB.W, h.Now(), step, done); err != nil {
		return err
	}
	if done {
		return render.Redirect(c, "/admin?setup=done")
	}
	return render.Redirect(c, "/admin/setup/"+step)
}

// setupSkip goes on without saving; "done" leaves the wizard altogether.
func (h handler) setupSkip(c *fiber.Ctx) error {
	step := c.Params("step")
	if step == "done" {
		return h.setupGo(c, "done")
	}
	if !slices.Contains(setupSteps, step) {
		return models.ErrNotFound
	}
	return h.setupGo(c, nextStep(step))
}

// setupSave saves one step's form. The school moves on at once; campuses,
// classes and staff stay on their step so that several can be added, with
// "next" to go on.
func (h handler) setupSave(c *fiber.Ctx) error {
	step := c.Params("step")
	ctx := c.UserContext()
	now := h.Now()
	actor := render.Actor(c)
	var (
		flash string
		form  map[string]string
		err   error
	)
	switch step {
	case "school":
		_, form, err = h.saveSchool(c)
		if err == nil {
			return h.setupGo(c, nextStep(step))
		}
	case "campus":
		var in models.CampusInput
		in, form = campusForm(c)
		var cp *models.Campus
		if cp, err = models.CreateCampus(ctx, h.DB.W, now, in.Code, in.Name, in.Address); err == nil {
			flash = h.T(c, "setup.campus_created", cp.Name)
			err = models.Audit(ctx, h.DB.W, now, actor, "campus.create", "campus", cp.ID, cp.Code)
			form = nil
		}
	case "class":
		asked, _ := strconv.ParseInt(c.FormValue("campus_id"), 10, 64)
		form = map[string]string{"name": c.FormValue("name"), "campus_id": c.FormValue("campus_id")}
		var campusID int64
		if campusID, err = models.ResolveCampus(ctx, h.DB.R, render.User(c), asked); err == nil {
			var cl *models.Class
			if cl, err = models.CreateClass(ctx, h.DB.W, now, campusID, c.FormValue("name")); err == nil {
				flash = h.T(c, "setup.class_created", cl.Name)
				form = nil
			}
		}
	case "staff":
		var u *models.StaffUser
		u, form, err = h.createStaffFromForm(c, true)
		if err == nil {
			flash = h.T(c, "staff.created", u.Username)
			err = models.Audit(ctx, h.DB.W, now, actor, "staff.create", "staff", u.ID, fmt.Sprintf("role=%s", u.Role))
			form = nil
		}
	case "notify":
		// Send a test to the admin's own phone and e-mail (kept on the
		// account, so the admin gets staff notices there from now on).
		u := render.User(c)
		form = map[string]string{"phone": c.FormValue("phone"), "email": c.FormValue("email")}
		if err = models.SetStaffContact(ctx, h.DB.W, now, u.ID, form["phone"], form["email"]); err == nil {
			err = h.DB.Tx(ctx, func(tx *gorm.DB) error {
				return models.EnqueueStaffNotice(ctx, tx, now, u.ID, "setup_test", fmt.Sprintf("setup_test:%d", now.UnixNano()), map[string]any{})
			})
			flash = h.T(c, "setup.test_queued")
		}
	case "rules":
		return h.setupGo(c, "done")
	default:
		return models.ErrNotFound
	}
	if _, ok := models.AsError(err); ok {
		return h.setupPage(c, fiber.StatusUnprocessableEntity, step, render.View{Form: form, Errors: h.FieldErrors(c, err)})
	}
	if err != nil {
		return err
	}
	if err := models.SetSetupStep(ctx, h.DB.W, now, step, false); err != nil {
		return err
	}
	return h.setupPage(c, fiber.StatusOK, step, render.View{Flash: flash, FlashKind: "ok"})
}

// createStaffFromForm creates a staff account from the staff form; a
// campus-bound role (cashier, teacher, kiosk, campus manager) left without
// a campus gets the school's only campus; strict refuses it when the school
// has several (the wizard), else it is left to work without one.
func (h handler) createStaffFromForm(c *fiber.Ctx, strict bool) (*models.StaffUser, map[string]string, error) {
	in := models.NewStaff{Username: c.FormValue("username"), Name: c.FormValue("name"),
		Password: c.FormValue("password"), Role: c.FormValue("role"), Phone: c.FormValue("phone"), Email: c.FormValue("email")}
	form := map[string]string{"username": in.Username, "name": in.Name, "role": in.Role, "campus_id": c.FormValue("campus_id"),
		"phone": in.Phone, "email": in.Email}
	ctx := c.UserContext()
	asked, _ := strconv.ParseInt(c.FormValue("campus_id"), 10, 64)
	if role, ok := models.ParseRole(in.Role); ok && (asked > 0 || role.CampusBound()) {
		id, err := models.ResolveCampus(ctx, h.DB.R, nil, asked)
		switch {
		case err == nil:
			in.CampusIDs = []int64{id}
		case strict || asked > 0:
			return nil, form, err
		}
	}
	u, err := models.CreateStaff(ctx, h.DB.W, h.Now(), in)
	if e, ok := models.AsError(err); ok && e.Code == models.ErrDuplicateUsername.Code {
		err = e.Field("username", e.Key)
	}
	return u, form, err
}
