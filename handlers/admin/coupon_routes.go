package admin

import (
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"starcard/models"
)

// loyalty serves coupons, rewards, stamp cards and referrals under /admin.
// worker names this instance for bulk-issue leases.
type loyalty struct {
	handler
	worker string
}

// registerLoyalty mounts the loyalty pages under /admin.
func (h handler) registerLoyalty(r fiber.Router) {
	l := loyalty{handler: h, worker: models.NewWorkerID()}
	r.Get("/coupons", l.couponList)
	r.Post("/coupons", l.couponCreate)
	r.Post("/coupons/settings", l.couponSettingsSave)
	r.Get("/coupons/campaigns/:cid", l.couponCampaignShow)
	r.Get("/coupons/:id", l.couponShow)
	r.Post("/coupons/:id/archive", l.couponArchive)
	r.Post("/coupons/:id/activate", l.couponActivate)
	r.Post("/coupons/:id/issue", l.couponIssue)
	r.Get("/coupons/:id/segment", l.couponSegmentCount)
	r.Post("/coupons/:id/campaigns", l.couponCampaignStart)
	r.Get("/rewards", l.rewardList)
	r.Post("/rewards", l.rewardCreate)
	r.Get("/rewards/images/:name", l.rewardImage)
	r.Post("/rewards/:id/restock", l.rewardRestock)
	r.Post("/rewards/:id/toggle", l.rewardToggle)
	r.Get("/stamps", l.stampList)
	r.Post("/stamps", l.stampCreate)
	r.Post("/stamps/:id/toggle", l.stampToggle)
	r.Post("/stamps/:id/issue", l.stampIssue)
	r.Get("/referrals", l.referralList)
	r.Post("/referrals/invite", l.referralInvite)
	r.Post("/referrals/register", l.referralRegister)
	r.Get("/referrals/poster", l.referralPoster)
	r.Get("/referrals/qr/:code", l.referralQR)
}

// lyYuan reads "20", "20.5" or "¥1,200.00" as fen without floats; ok is
// false for anything else. An empty string is 0.
func lyYuan(s string) (int64, bool) {
	s = strings.NewReplacer("¥", "", "￥", "", ",", "", " ", "").Replace(strings.TrimSpace(s))
	if s == "" {
		return 0, true
	}
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" {
		whole = "0"
	}
	if len(frac) > 2 {
		return 0, false
	}
	frac += strings.Repeat("0", 2-len(frac))
	y, err1 := strconv.ParseInt(whole, 10, 64)
	f, err2 := strconv.ParseInt(frac, 10, 64)
	if err1 != nil || err2 != nil || y < 0 || y > 100_000_000 {
		return 0, false
	}
	return y*100 + f, true
}

// lyInt reads a whole number; empty is 0.
func lyInt(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, true
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

// lyDay reads a YYYY-MM-DD date as midnight school time; the end of a
// window is exclusive, so an "until" day means the midnight after it.
func lyDay(s string, loc *time.Location, endOfDay bool) (*time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, true
	}
	t, err := time.ParseInLocation("2006-01-02", s, loc)
	if err != nil {
		return nil, false
	}
	if endOfDay {
		t = t.AddDate(0, 0, 1)
	}
	u := t.UTC()
	return &u, true
}

// lyID reads :name as a positive id.
func lyID(c *fiber.Ctx, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Params(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, models.ErrNotFound
	}
	return id, nil
}

// lyForm collects the submitted values to re-fill a form.
func lyForm(c *fiber.Ctx, names ...string) map[string]string {
	m := make(map[string]string, len(names))
	for _, n := range names {
		m[n] = c.FormValue(n)
	}
	return m
}
