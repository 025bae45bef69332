package admin

import (
	"context"
	"log/slog"
	"time"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
)

// couponShowData is one template's page: its figures, hand issue, the bulk
// issue form with its live count, campaigns and the newest coupons.
type couponShowData struct {
	Template   models.CouponTemplate
	Campaigns  []models.CouponCampaign
	Coupons    []models.CouponView
	Campuses   []models.Campus
	Tiers      []string
	Lifecycles []string
	Months     []int
	Count      int64
	Counted    bool
	Campaign   *models.CouponCampaign
}

func (l loyalty) couponShowPage(c *fiber.Ctx, status int, fragment string, v render.View, mut func(*couponShowData)) error {
	id, err := lyID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	tp, err := models.GetCouponTemplate(ctx, l.DB.R, id)
	if err != nil {
		return err
	}
	d := couponShowData{Template: *tp, Tiers: models.TierOrder, Lifecycles: models.Lifecycles,
		Months: []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}}
	if d.Campaigns, err = models.ListCouponCampaigns(ctx, l.DB.R, id); err != nil {
		return err
	}
	if d.Coupons, err = models.TemplateCoupons(ctx, l.DB.R, id, l.Now(), 20); err != nil {
		return err
	}
	if d.Campuses, err = models.ListCampuses(ctx, l.DB.R); err != nil {
		return err
	}
	if mut != nil {
		mut(&d)
	}
	v.Title = tp.Name
	v.D = d
	return l.Page(c, status, "admin/coupon_show", fragment, v)
}

func (l loyalty) couponShow(c *fiber.Ctx) error {
	return l.couponShowPage(c, fiber.StatusOK, "", render.View{}, nil)
}

// couponIssue gives one coupon to one member found by card or #id.
func (l loyalty) couponIssue(c *fiber.Ctx) error {
	id, err := lyID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	form := lyForm(c, "member")
	m, err := models.MemberByScan(ctx, l.DB.R, l.Secret, l.Loc, form["member"])
	if err == nil {
		var cp *models.Coupon
		cp, err = models.IssueCouponByHand(ctx, l.DB, l.Now(), render.Actor(c), id, m.ID)
		if err == nil {
			return l.couponShowPage(c, fiber.StatusOK, "issue", render.View{FlashKind: "ok",
				Flash: l.T(c, "coupon.issued_to", cp.Name, m.Name, cp.VerifyCode)}, nil)
		}
	}
	e, ok := models.AsError(err)
	if !ok {
		return err
	}
	return l.couponShowPage(c, fiber.StatusUnprocessableEntity, "issue", render.View{Form: form, FlashKind: "error",
		Flash: l.T(c, e.Key, e.Args...)}, nil)
}

// segmentFrom reads the bulk-issue filters.
func segmentFrom(c *fiber.Ctx) (models.Segment, map[string]string) {
	form := lyForm(c, "no_visit_days", "min_points", "tier", "campus_id", "class_id", "tag", "lifecycle", "birth_month")
	var s models.Segment
	days, ok1 := lyInt(form["no_visit_days"])
	pts, ok2 := lyInt(form["min_points"])
	campus, ok3 := lyInt(form["campus_id"])
	class, ok4 := lyInt(form["class_id"])
	month, ok5 := lyInt(form["birth_month"])
	s = models.Segment{NoVisitDays: int(days), MinPoints: pts, Tier: form["tier"], CampusID: campus, ClassID: class,
		Tag: form["tag"], Lifecycle: form["lifecycle"], BirthMonth: int(month)}
	if !(ok1 && ok2 && ok3 && ok4 && ok5) {
		s.NoVisitDays = -1 // fails validation with a message
	}
	return s, form
}

// couponSegmentCount answers the live count while the filters change.
func (l loyalty) couponSegmentCount(c *fiber.Ctx) error {
	seg, form := segmentFrom(c)
	n, err := models.SegmentCount(c.UserContext(), l.DB.R, l.Now(), seg)
	if err != nil {
		if _, ok := models.AsError(err); !ok {
			return err
		}
		return l.couponShowPage(c, fiber.StatusOK, "count", render.View{Form: form, Errors: l.FieldErrors(c, err)}, nil)
	}
	return l.couponShowPage(c, fiber.StatusOK, "count", render.View{Form: form}, func(d *couponShowData) {
		d.Count, d.Counted = n, true
	})
}

// couponCampaignStart records a bulk issue and runs it in the background;
// the answer is the progress bar, which polls until the job is done.
func (l loyalty) couponCampaignStart(c *fiber.Ctx) error {
	id, err := lyID(c, "id")
	if err != nil {
		return err
	}
	seg, form := segmentFrom(c)
	camp, err := models.StartCouponCampaign(c.UserContext(), l.DB, l.Now(), render.Actor(c), id, c.FormValue("name"), seg)
	if err != nil {
		e, ok := models.AsError(err)
		if !ok {
			return err
		}
		return l.couponShowPage(c, fiber.StatusUnprocessableEntity, "bulk", render.View{Form: form, FlashKind: "error",
			Flash: l.T(c, e.Key, e.Args...), Errors: l.FieldErrors(c, err)}, nil)
	}
	// The job outlives the request; a crash leaves it to ResumeCouponCampaigns.
	go func(db *models.DB, now func() time.Time, cid int64, worker string) {
		if err := models.RunCouponCampaign(context.Background(), db, now, cid, worker); err != nil {
			slog.Error("bulk coupon issue", "campaign", cid, "err", err)
		}
	}(l.DB, l.Now, camp.ID, l.worker)
	return l.couponShowPage(c, fiber.StatusOK, "bulk", render.View{}, func(d *couponShowData) { d.Campaign = camp })
}

// couponCampaignShow is the progress fragment (or page) of one campaign.
func (l loyalty) couponCampaignShow(c *fiber.Ctx) error {
	cid, err := lyID(c, "cid")
	if err != nil {
		return err
	}
	camp, err := models.GetCouponCampaign(c.UserContext(), l.DB.R, cid)
	if err != nil {
		return err
	}
	tp, err := models.GetCouponTemplate(c.UserContext(), l.DB.R, camp.TemplateID)
	if err != nil {
		return err
	}
	return l.Page(c, fiber.StatusOK, "admin/coupon_campaign", "progress", render.View{Title: camp.Name,
		D: fiber.Map{"Campaign": camp, "Template": tp}})
}
