package portal

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
)

// settingsData is the notification preferences and the password form.
type settingsData struct {
	shell
	Prefs       models.NotifyPrefs
	QuietStart  string
	QuietEnd    string
	HasPassword bool
}

func hhmm(min int) string { return fmt.Sprintf("%02d:%02d", min/60, min%60) }

// parseHHMM reads "22:00" as minutes after midnight.
func parseHHMM(s string) (int, bool) {
	hs, ms, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok {
		return 0, false
	}
	hr, err1 := strconv.Atoi(hs)
	mn, err2 := strconv.Atoi(ms)
	if err1 != nil || err2 != nil || hr < 0 || hr > 23 || mn < 0 || mn > 59 {
		return 0, false
	}
	return hr*60 + mn, true
}

func (h handler) settingsPage(c *fiber.Ctx, status int, prefs *models.NotifyPrefs, v render.View) error {
	s, err := h.load(c, 0, "me", "", h.T(c, "portal.settings.title"))
	if err != nil {
		return err
	}
	s.Back = "/portal/me"
	p := principal(c)
	if prefs == nil {
		pr, err := models.PortalNotifyPrefs(c.UserContext(), h.DB.R, p)
		if err != nil {
			return err
		}
		prefs = &pr
	}
	has, err := models.GuardianHasPassword(c.UserContext(), h.DB.R, p.Phone)
	if err != nil {
		return err
	}
	v.Title, v.D = s.Heading, settingsData{shell: s, Prefs: *prefs, QuietStart: hhmm(prefs.QuietStart), QuietEnd: hhmm(prefs.QuietEnd), HasPassword: has}
	return h.Page(c, status, "portal/settings", "", v)
}

func (h handler) settingsShow(c *fiber.Ctx) error {
	return h.settingsPage(c, fiber.StatusOK, nil, h.view(c, "", nil))
}

// prefsSave stores channels, quiet hours and the marketing opt-out.
func (h handler) prefsSave(c *fiber.Ctx) error {
	p := principal(c)
	pr, err := models.PortalNotifyPrefs(c.UserContext(), h.DB.R, p)
	if err != nil {
		return err
	}
	pr.Channel = c.FormValue("channel")
	pr.Email = strings.TrimSpace(c.FormValue("email"))
	pr.Lang = c.FormValue("lang", pr.Lang)
	pr.QuietEnabled = c.FormValue("quiet_enabled") == "1"
	pr.MarketingOptOut = c.FormValue("marketing") != "1"
	start, ok1 := parseHHMM(c.FormValue("quiet_start"))
	end, ok2 := parseHHMM(c.FormValue("quiet_end"))
	if !ok1 || !ok2 {
		err = models.Invalid(map[string]string{"quiet": "err.notify_bad_quiet_hours"})
	} else {
		pr.QuietStart, pr.QuietEnd = start, end
		err = models.SavePortalNotifyPrefs(c.UserContext(), h.DB, h.Now(), p, c.IP(), pr)
	}
	if err != nil {
		status, msg, fields, ok := h.refusal(c, err)
		if !ok {
			return err
		}
		return h.settingsPage(c, status, &pr, render.View{Flash: msg, FlashKind: "error", Errors: fields})
	}
	return render.Redirect(c, "/portal/settings?ok=prefs")
}

// passwordSave sets the optional login password.
func (h handler) passwordSave(c *fiber.Ctx) error {
	err := models.SetGuardianPassword(c.UserContext(), h.DB, h.Now(), principal(c), c.IP(), c.FormValue("password"), c.FormValue("confirm"))
	if err != nil {
		status, msg, fields, ok := h.refusal(c, err)
		if !ok {
			return err
		}
		return h.settingsPage(c, status, nil, render.View{Flash: msg, FlashKind: "error", Errors: fields})
	}
	return render.Redirect(c, "/portal/settings?ok=password")
}
