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

// members2 serves a member's timeline, manual adjustments (maker-checker),
// the tier override, broadcasts and the families' privacy requests.
type members2 struct{ members }

// registerMembers2 mounts those pages under /admin.
func (h handler) registerMembers2(r fiber.Router) {
	m := members2{members{handler: h}}
	r.Get("/members/:id/timeline", m.timelineShow)
	r.Get("/members/:id/adjust", m.adjustForm)
	r.Post("/members/:id/adjust", m.adjustCreate)
	r.Post("/members/:id/adjustments/:aid/approve", m.adjustApprove)
	r.Post("/members/:id/adjustments/:aid/reject", m.adjustReject)
	r.Get("/adjustments", m.adjustQueue)
	r.Post("/adjustments/settings", m.adjustSettingsSave)
	r.Get("/members/:id/tier", m.tierForm)
	r.Post("/members/:id/tier", m.tierSave)
	r.Get("/broadcasts", m.broadcastList)
	r.Post("/broadcasts/preview", m.broadcastPreview)
	r.Post("/broadcasts", m.broadcastCreate)
	r.Post("/broadcasts/:id/send", m.broadcastSend)
	r.Post("/broadcasts/:id/cancel", m.broadcastCancel)
	r.Post("/broadcasts/settings", m.messagingSettingsSave)
	r.Get("/privacy-requests", m.privacyList)
	r.Post("/privacy-requests/:id", m.privacyClose)
}

// userCampuses is nil for school-wide roles, else the user's campuses.
func userCampuses(u *models.StaffUser) []int64 {
	if u.Role.AllCampuses() {
		return nil
	}
	return u.CampusIDs
}

// --- timeline ---------------------------------------------------------

func (m members2) timelineShow(c *fiber.Ctx) error {
	id, err := m.memberParam(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	mv, err := models.MemberViewFor(ctx, m.DB.R, render.User(c), id)
	if err != nil {
		return err
	}
	f := messaging.TimelineFilter{Limit: 50}
	if b := c.Query("before"); b != "" {
		if t, err := time.Parse(time.RFC3339Nano, b); err == nil {
			f.Before = t
		}
	}
	tl, err := messaging.Timeline(ctx, m.DB.R, id, f)
	if err != nil {
		return err
	}
	next := ""
	if len(tl) == f.Limit {
		next = tl[len(tl)-1].At.UTC().Format(time.RFC3339Nano)
	}
	return m.Page(c, fiber.StatusOK, "admin/member_timeline", "", render.View{Title: mv.Name,
		D: fiber.Map{"M": mv, "Entries": tl, "Next": next}})
}

// --- adjustments --------------------------------------------------------

func (m members2) adjustPage(c *fiber.Ctx, id int64, status int, v render.View) error {
	ctx := c.UserContext()
	mv, err := models.MemberViewFor(ctx, m.DB.R, render.User(c), id)
	if err != nil {
		return err
	}
	list, err := models.ListAdjustments(ctx, m.DB.R, id, nil, 50)
	if err != nil {
		return err
	}
	s, err := models.LoadAdjustSettings(ctx, m.DB.R, m.Now())
	if err != nil {
		return err
	}
	if v.Form == nil {
		v.Form = map[string]string{"asset": models.AdjustPoints, "direction": "add"}
	}
	v.Title = mv.Name
	v.D = fiber.Map{"M": mv, "List": list, "Settings": s, "Assets": models.AdjustAssets, "Key": models.NewToken(12),
		"Me": render.User(c).ID}
	return m.Page(c, status, "admin/member_adjust", "", v)
}

func (m members2) adjustForm(c *fiber.Ctx) error {
	id, err := m.memberParam(c)
	if err != nil {
		return err
	}
	v := m.OKFlash(c, map[string]string{"applied": "mem2.adjust_applied", "pending": "mem2.adjust_pending",
		"approved": "mem2.adjust_approved", "rejected": "mem2.adjust_rejected"})
	return m.adjustPage(c, id, fiber.StatusOK, v)
}

// parseAmount reads a whole number of points, or yuan with up to two
// decimals as fen; ok is false for anything else.
func parseAmount(asset, s string) (int64, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false
	}
	if asset == models.AdjustPoints {
		n, err := strconv.ParseInt(s, 10, 64)
		return n, err == nil && n > 0
	}
	n, err := models.ParseYuan(s)
	return n, err == nil && n > 0
}

func (m members2) adjustCreate(c *fiber.Ctx) error {
	id, err := m.memberParam(c)
	if err != nil {
		return err
	}
	form := map[string]string{"asset": c.FormValue("asset"), "direction": c.FormValue("direction"),
		"amount": c.FormValue("amount"), "reason": c.FormValue("reason")}
	in := models.AdjustInput{Key: c.FormValue("key"), MemberID: id, Asset: form["asset"], Reason: form["reason"],
		Actor: render.Actor(c)}
	amount, ok := parseAmount(in.Asset, form["amount"])
	if form["direction"] == "sub" {
		amount = -amount
	}
	in.Amount = amount
	var a *models.Adjustment
	if !ok {
		err = models.Invalid(map[string]string{"amount": "mem2.err_amount"})
	} else {
		a, err = models.RequestAdjustment(c.UserContext(), m.DB, m.Now(), in)
	}
	if e, isErr := models.AsError(err); isErr && (e.Kind == models.KindInvalid || e.Kind == models.KindConflict) {
		v := render.View{Form: form, Errors: m.FieldErrors(c, err), FlashKind: "error"}
		v.Flash = m.T(c, e.Key)
		if e.Kind == models.KindInvalid {
			v.Flash = m.T(c, "mem2.fix_fields")
		}
		status := fiber.StatusUnprocessableEntity
		if e.Kind == models.KindConflict {
			status = fiber.StatusConflict
		}
		return m.adjustPage(c, id, status, v)
	}
	if err != nil {
		return err
	}
	ok2 := "applied"
	if a.Status == models.AdjustPending {
		ok2 = "pending"
	}
	return render.Redirect(c, "/admin/members/"+strconv.FormatInt(id, 10)+"/adjust?ok="+ok2)
}

// adjustDecide approves or rejects; the adjustment must be the member's.
func (m members2) adjustDecide(c *fiber.Ctx, approve bool) error {
	id, err := m.memberParam(c)
	if err != nil {
		return err
	}
	aid, err := paramID(c, "aid")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	a, err := models.GetAdjustment(ctx, m.DB.R, aid)
	if err != nil {
		return err
	}
	if a.MemberID != id {
		return models.ErrNotFound
	}
	if approve {
		_, err = models.ApproveAdjustment(ctx, m.DB, m.Now(), render.Actor(c), aid)
	} else {
		_, err = models.RejectAdjustment(ctx, m.DB, m.Now(), render.Actor(c), aid)
	}
	if e, ok := models.AsError(err); ok && (e.Kind == models.KindConflict || e.Kind == models.KindForbidden) {
		return m.adjustPage(c, id, fiber.StatusConflict, render.View{Flash: m.T(c, e.Key), FlashKind: "error"})
	}
	if err != nil {
		return err
	}
	back := c.FormValue("back")
	if back == "queue" {
		return render.Redirect(c, "/admin/adjustments")
	}
	done := "rejected"
	if approve {
		done = "approved"
	}
	return render.Redirect(c, "/admin/members/"+strconv.FormatInt(id, 10)+"/adjust?ok="+done)
}

func (m members2) adjustApprove(c *fiber.Ctx) error { return m.adjustDecide(c, true) }
func (m members2) adjustReject(c *fiber.Ctx) error  { return m.adjustDecide(c, false) }

func (m members2) adjustQueuePage(c *fiber.Ctx, status int, v render.View) error {
	ctx := c.UserContext()
	u := render.User(c)
	list, err := models.ListAdjustments(ctx, m.DB.R, 0, userCampuses(u), 100)
	if err != nil {
		return err
	}
	s, err := models.LoadAdjustSettings(ctx, m.DB.R, m.Now())
	if err != nil {
		return err
	}
	if v.Form == nil {
		v.Form = map[string]string{"points_limit": strconv.FormatInt(s.PointsLimit, 10), "fen_limit": models.Yuan(s.FenLimit)}
		v.Form["fen_limit"] = strings.TrimPrefix(strings.ReplaceAll(v.Form["fen_limit"], ",", ""), "¥")
	}
	v.Title = m.T(c, "mem2.queue_title")
	v.D = fiber.Map{"List": list, "Me": u.ID, "CanSet": u.Role == models.RoleAdmin || u.Role == models.RoleServiceHead}
	return m.Page(c, status, "admin/adjustments", "", v)
}

func (m members2) adjustQueue(c *fiber.Ctx) error {
	v := render.View{}
	if c.Query("ok") == "saved" {
		v.Flash, v.FlashKind = m.T(c, "mem2.settings_saved"), "ok"
	}
	return m.adjustQueuePage(c, fiber.StatusOK, v)
}

func (m members2) adjustSettingsSave(c *fiber.Ctx) error {
	form := map[string]string{"points_limit": c.FormValue("points_limit"), "fen_limit": c.FormValue("fen_limit")}
	pts, err1 := strconv.ParseInt(strings.TrimSpace(form["points_limit"]), 10, 64)
	fen, err2 := models.ParseYuan(strings.TrimSpace(form["fen_limit"]))
	f := map[string]string{}
	if err1 != nil {
		f["points_limit"] = "mem2.err_limit"
	}
	if err2 != nil {
		f["fen_limit"] = "mem2.err_limit"
	}
	var err error
	if len(f) > 0 {
		err = models.Invalid(f)
	} else {
		err = models.SaveAdjustSettings(c.UserContext(), m.DB, m.Now(), render.Actor(c), models.AdjustSettings{PointsLimit: pts, FenLimit: fen})
	}
	if e, ok := models.AsError(err); ok && e.Kind == models.KindInvalid {
		return m.adjustQueuePage(c, fiber.StatusUnprocessableEntity, render.View{Form: form, Errors: m.FieldErrors(c, err),
			Flash: m.T(c, "mem2.fix_fields"), FlashKind: "error"})
	}
	if err != nil {
		return err
	}
	return render.Redirect(c, "/admin/adjustments?ok=saved")
}

// --- tier override --------------------------------------------------------

func (m members2) tierPage(c *fiber.Ctx, id int64, status int, v render.View) error {
	ctx := c.UserContext()
	mv, err := models.MemberViewFor(ctx, m.DB.R, render.User(c), id)
	if err != nil {
		return err
	}
	hist, err := models.TierHistory(ctx, m.DB.R, id)
	if err != nil {
		return err
	}
	if v.Form == nil {
		v.Form = map[string]string{"tier": mv.Tier, "expires_at": m.Now().In(m.Loc).AddDate(0, 6, 0).Format("2006-01-02")}
	}
	v.Title = mv.Name
	v.D = fiber.Map{"M": mv, "History": hist, "Tiers": models.TierOrder}
	return m.Page(c, status, "admin/member_tier", "", v)
}

func (m members2) tierForm(c *fiber.Ctx) error {
	id, err := m.memberParam(c)
	if err != nil {
		return err
	}
	v := render.View{}
	if c.Query("ok") == "saved" {
		v.Flash, v.FlashKind = m.T(c, "mem2.tier_saved"), "ok"
	}
	return m.tierPage(c, id, fiber.StatusOK, v)
}

func (m members2) tierSave(c *fiber.Ctx) error {
	id, err := m.memberParam(c)
	if err != nil {
		return err
	}
	form := map[string]string{"tier": c.FormValue("tier"), "reason": strings.TrimSpace(c.FormValue("reason")),
		"expires_at": c.FormValue("expires_at")}
	exp, perr := time.ParseInLocation("2006-01-02", strings.TrimSpace(form["expires_at"]), m.Loc)
	if perr != nil {
		err = models.Invalid(map[string]string{"expires_at": "mem2.err_date"})
	} else {
		// The override holds through the whole last day.
		err = models.OverrideTier(c.UserContext(), m.DB, m.Now(), render.Actor(c), id, form["tier"], form["reason"], exp.AddDate(0, 0, 1))
	}
	if e, ok := models.AsError(err); ok && e.Kind == models.KindInvalid {
		errs := m.FieldErrors(c, err)
		if _, bad := e.Fields["expires_at"]; bad {
			errs["expires_at"] = m.T(c, "mem2.err_date")
		}
		if _, bad := e.Fields["reason"]; bad {
			errs["reason"] = m.T(c, "mem2.err_reason")
		}
		return m.tierPage(c, id, fiber.StatusUnprocessableEntity, render.View{Form: form, Errors: errs,
			Flash: m.T(c, "mem2.fix_fields"), FlashKind: "error"})
	}
	if err != nil {
		return err
	}
	return render.Redirect(c, "/admin/members/"+strconv.FormatInt(id, 10)+"/tier?ok=saved")
}

// --- privacy requests -------------------------------------------------------

func (m members2) privacyPage(c *fiber.Ctx, status int, v render.View) error {
	list, err := messaging.ListErasureRequests(c.UserContext(), m.DB.R, 100)
	if err != nil {
		return err
	}
	v.Title = m.T(c, "mem2.privacy_title")
	v.D = fiber.Map{"List": list}
	return m.Page(c, status, "admin/privacy_requests", "", v)
}

func (m members2) privacyList(c *fiber.Ctx) error {
	v := m.OKFlash(c, map[string]string{messaging.ErasureDone: "mem2.erasure_done_ok",
		messaging.ErasureDeclined: "mem2.erasure_declined_ok"})
	return m.privacyPage(c, fiber.StatusOK, v)
}

func (m members2) privacyClose(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	outcome := c.FormValue("outcome")
	if outcome == messaging.ErasureDone && c.FormValue("confirm") != "1" {
		return m.privacyPage(c, fiber.StatusUnprocessableEntity, render.View{Flash: m.T(c, "mem2.err_confirm"), FlashKind: "error"})
	}
	err = messaging.CloseErasure(c.UserContext(), m.DB, m.Now(), render.Actor(c), id, outcome)
	if e, ok := models.AsError(err); ok && (e.Kind == models.KindConflict || e.Kind == models.KindInvalid) {
		status := fiber.StatusConflict
		if e.Kind == models.KindInvalid {
			status = fiber.StatusUnprocessableEntity
		}
		msg := m.T(c, e.Key, e.Args...)
		if e.Kind == models.KindInvalid {
			msg = m.T(c, "mem2.err_outcome")
		}
		return m.privacyPage(c, status, render.View{Flash: msg, FlashKind: "error"})
	}
	if err != nil {
		return err
	}
	return render.Redirect(c, "/admin/privacy-requests?ok="+outcome)
}
