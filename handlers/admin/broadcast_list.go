package admin

import (
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
	"starcard/models/messaging"
)

// broadcastForm reads the compose form: the message, its segment and its
// local send time ("" = now).
func (m members2) broadcastForm(c *fiber.Ctx) (map[string]string, messaging.Draft, error) {
	form := map[string]string{}
	for _, k := range []string{"kind", "title", "body", "campus_id", "tier", "lifecycle", "no_visit_days", "min_points", "tag",
		"birth_month", "send_on", "send_at"} {
		form[k] = strings.TrimSpace(c.FormValue(k))
	}
	d := messaging.Draft{Key: c.FormValue("key"), Kind: form["kind"], Title: form["title"], Body: form["body"]}
	bad := map[string]string{}
	num := func(k string) int64 {
		if form[k] == "" {
			return 0
		}
		n, err := strconv.ParseInt(form[k], 10, 64)
		if err != nil || n < 0 {
			bad[k] = "bcast.err_number"
		}
		return n
	}
	d.Segment = models.Segment{CampusID: num("campus_id"), Tier: form["tier"], Lifecycle: form["lifecycle"],
		NoVisitDays: int(num("no_visit_days")), MinPoints: num("min_points"), Tag: form["tag"], BirthMonth: int(num("birth_month"))}
	if u := render.User(c); d.Segment.CampusID == 0 && !u.Role.AllCampuses() {
		bad["campus_id"] = "bcast.err_campus"
	} else if d.Segment.CampusID != 0 && !u.CanSeeCampus(d.Segment.CampusID) {
		bad["campus_id"] = "bcast.err_campus"
	}
	if form["send_on"] != "" {
		at := form["send_at"]
		if at == "" {
			at = "09:00"
		}
		t, err := time.ParseInLocation("2006-01-02 15:04", form["send_on"]+" "+at, m.Loc)
		if err != nil {
			bad["send_on"] = "bcast.err_time"
		} else {
			d.ScheduledAt = t
		}
	}
	if len(bad) > 0 {
		return form, d, models.Invalid(bad)
	}
	return form, d, nil
}

func (m members2) broadcastPage(c *fiber.Ctx, status int, v render.View, pv *messaging.Preview) error {
	ctx := c.UserContext()
	list, err := messaging.ListBroadcasts(ctx, m.DB.R, 50)
	if err != nil {
		return err
	}
	campuses, err := m.campusesFor(c)
	if err != nil {
		return err
	}
	s, err := messaging.LoadSettings(ctx, m.DB.R, m.Now())
	if err != nil {
		return err
	}
	if v.Form == nil {
		v.Form = map[string]string{"kind": messaging.KindNews}
	}
	// The form keeps its key through previews and refusals, so sending it
	// twice (a double click, a resent form) makes one broadcast.
	key := c.FormValue("key")
	if key == "" || len(key) > 64 {
		key = models.NewToken(12)
	}
	if _, ok := v.Form["points_threshold"]; !ok {
		v.Form["points_threshold"] = strconv.FormatInt(s.PointsThreshold, 10)
	}
	v.Title = m.T(c, "bcast.title")
	v.D = fiber.Map{"List": list, "Campuses": campuses, "Kinds": messaging.Kinds, "Tiers": models.TierOrder,
		"Lifecycles": models.Lifecycles, "Preview": pv, "MaxBody": messaging.MaxBody, "Key": key}
	return m.Page(c, status, "admin/broadcasts", "compose", v)
}

func (m members2) broadcastList(c *fiber.Ctx) error {
	v := m.OKFlash(c, map[string]string{"scheduled": "bcast.scheduled_ok", "sent": "bcast.sent_ok",
		"cancelled": "bcast.cancelled_ok", "settings": "mem2.settings_saved"})
	return m.broadcastPage(c, fiber.StatusOK, v, nil)
}

// broadcastPreview answers the compose form's "preview" button with the
// text, the families, the opted-out guardians and the SMS cost.
func (m members2) broadcastPreview(c *fiber.Ctx) error {
	form, d, err := m.broadcastForm(c)
	var pv messaging.Preview
	if err == nil {
		pv, err = messaging.PreviewDraft(c.UserContext(), m.DB, m.Now(), d)
	}
	if e, ok := models.AsError(err); ok && e.Kind == models.KindInvalid {
		return m.broadcastPage(c, fiber.StatusUnprocessableEntity, render.View{Form: form, Errors: m.FieldErrors(c, err),
			Flash: m.T(c, "mem2.fix_fields"), FlashKind: "error"}, nil)
	}
	if err != nil {
		return err
	}
	return m.broadcastPage(c, fiber.StatusOK, render.View{Form: form}, &pv)
}

func (m members2) broadcastCreate(c *fiber.Ctx) error {
	form, d, err := m.broadcastForm(c)
	if err == nil {
		_, err = messaging.CreateBroadcast(c.UserContext(), m.DB, m.Now(), render.Actor(c), d)
	}
	if e, ok := models.AsError(err); ok && e.Kind == models.KindInvalid {
		return m.broadcastPage(c, fiber.StatusUnprocessableEntity, render.View{Form: form, Errors: m.FieldErrors(c, err),
			Flash: m.T(c, "mem2.fix_fields"), FlashKind: "error"}, nil)
	}
	if err != nil {
		return err
	}
	return render.Redirect(c, "/admin/broadcasts?ok=scheduled")
}

func (m members2) broadcastSend(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	err = messaging.SendNow(c.UserContext(), m.DB, m.Now(), render.Actor(c), id)
	if e, ok := models.AsError(err); ok && e.Kind == models.KindConflict {
		return m.broadcastPage(c, fiber.StatusConflict, render.View{Flash: m.T(c, e.Key), FlashKind: "error"}, nil)
	}
	if err != nil {
		return err
	}
	return render.Redirect(c, "/admin/broadcasts?ok=sent")
}

func (m members2) broadcastCancel(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	err = messaging.CancelBroadcast(c.UserContext(), m.DB, m.Now(), render.Actor(c), id)
	if e, ok := models.AsError(err); ok && e.Kind == models.KindConflict {
		return m.broadcastPage(c, fiber.StatusConflict, render.View{Flash: m.T(c, e.Key), FlashKind: "error"}, nil)
	}
	if err != nil {
		return err
	}
	return render.Redirect(c, "/admin/broadcasts?ok=cancelled")
}

// messagingSettingsSave stores the points-notice threshold.
func (m members2) messagingSettingsSave(c *fiber.Ctx) error {
	v := strings.TrimSpace(c.FormValue("points_threshold"))
	n, perr := strconv.ParseInt(v, 10, 64)
	var err error
	if perr != nil {
		err = models.Invalid(map[string]string{"points_threshold": "mem2.err_limit"})
	} else {
		err = messaging.SaveSettings(c.UserContext(), m.DB, m.Now(), render.Actor(c), messaging.Settings{PointsThreshold: n})
	}
	if e, ok := models.AsError(err); ok && e.Kind == models.KindInvalid {
		return m.broadcastPage(c, fiber.StatusUnprocessableEntity, render.View{Form: map[string]string{"points_threshold": v},
			Errors: m.FieldErrors(c, err), Flash: m.T(c, "mem2.fix_fields"), FlashKind: "error"}, nil)
	}
	if err != nil {
		return err
	}
	return render.Redirect(c, "/admin/broadcasts?ok=settings")
}
