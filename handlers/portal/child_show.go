package portal

import (
	"github.com/gofiber/fiber/v2"

	"starcard/models"
)

// homeData is a child's dashboard: balances, the next points expiry, tier
// progress and the ways into everything else.
type homeData struct {
	shell
	Summary   *models.ChildSummary
	Pct       int64 // progress to the next tier, 0–100
	Coupons   int   // usable coupons
	NextTier  string
	Redeeming int // redemptions waiting to be collected
	Surveys   int // surveys waiting for this family's answer (issue 14)
}

// home shows the first child's dashboard (the switcher picks another).
func (h handler) home(c *fiber.Ctx) error {
	s, err := h.load(c, 0, "home", "", "")
	if err != nil {
		return err
	}
	if len(s.Children) == 0 {
		return h.Page(c, fiber.StatusOK, "portal/home", "", h.view(c, h.T(c, "portal.title"), homeData{shell: s}))
	}
	s.Child = &s.Children[0]
	return h.dashboard(c, s)
}

// childShow is one child's dashboard.
func (h handler) childShow(c *fiber.Ctx) error {
	s, err := h.childLoad(c, "", "")
	if err != nil {
		return err
	}
	return h.dashboard(c, s)
}

func (h handler) dashboard(c *fiber.Ctx, s shell) error {
	ctx := c.UserContext()
	now := h.Now()
	sum, err := models.PortalChildSummary(ctx, h.DB.R, principal(c), s.Child.ID, now)
	if err != nil {
		return err
	}
	d := homeData{shell: s, Summary: sum, Pct: 100}
	if p := sum.Progress; p.Next != "" && p.Spend+p.Needed > 0 {
		d.Pct = p.Spend * 100 / (p.Spend + p.Needed)
	}
	coupons, err := models.MemberCoupons(ctx, h.DB.R, s.Child.ID, now)
	if err != nil {
		return err
	}
	for _, cp := range coupons {
		if cp.Usable {
			d.Coupons++
		}
	}
	reds, err := models.MemberRedemptions(ctx, h.DB.R, s.Child.ID, 20)
	if err != nil {
		return err
	}
	for _, r := range reds {
		if r.Status == models.RedemptionReserved {
			d.Redeeming++
		}
	}
	if d.Surveys, err = h.openSurveys(c); err != nil {
		return err
	}
	return h.Page(c, fiber.StatusOK, "portal/home", "", h.view(c, s.Child.Name, d))
}

// meShow is the "me" tab: the parent's own settings and the family pages.
func (h handler) meShow(c *fiber.Ctx) error {
	s, err := h.load(c, 0, "me", "", h.T(c, "portal.me.title"))
	if err != nil {
		return err
	}
	p := principal(c)
	has, err := models.GuardianHasPassword(c.UserContext(), h.DB.R, p.Phone)
	if err != nil {
		return err
	}
	d := struct {
		shell
		Phone       string
		HasPassword bool
	}{s, models.MaskPhone(p.Phone), has}
	return h.Page(c, fiber.StatusOK, "portal/me", "", h.view(c, s.Heading, d))
}
