package portal

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"starcard/models"
)

// couponItem is a coupon with its face value and condition in words.
type couponItem struct {
	models.CouponView
	Face string // ¥20 / 8.5折 / a free lesson
	Cond string // 满 ¥200 可用 / 无门槛
}

// couponData is the coupons wallet in three groups.
type couponData struct {
	shell
	Show    string // valid, used, expired
	Valid   []couponItem
	Used    []couponItem
	Expired []couponItem
}

// List is the group on show.
func (d couponData) List() []couponItem {
	switch d.Show {
	case "used":
		return d.Used
	case "expired":
		return d.Expired
	}
	return d.Valid
}

// zhe writes a percent-off as the Chinese 折: 15% off → "8.5", 20% → "8".
func zhe(percentOff int64) string {
	left := 100 - percentOff
	if left%10 == 0 {
		return strconv.FormatInt(left/10, 10)
	}
	return strconv.FormatInt(left/10, 10) + "." + strconv.FormatInt(left%10, 10)
}

func (h handler) couponItem(c *fiber.Ctx, cv models.CouponView) couponItem {
	it := couponItem{CouponView: cv}
	switch cv.Kind {
	case models.CouponPercent:
		it.Face = h.T(c, "portal.coupon.percent", zhe(cv.PercentOff), cv.PercentOff)
	case models.CouponGift:
		it.Face = h.T(c, "portal.coupon.gift")
	default:
		it.Face = models.Yuan(cv.AmountOff)
	}
	if cv.MinSpend > 0 {
		it.Cond = h.T(c, "portal.coupon.min_spend", models.Yuan(cv.MinSpend))
	} else {
		it.Cond = h.T(c, "portal.coupon.no_min")
	}
	return it
}

func (h handler) couponList(c *fiber.Ctx) error {
	s, err := h.childLoad(c, "coupons", "portal.coupons.title")
	if err != nil {
		return err
	}
	cs, err := models.MemberCoupons(c.UserContext(), h.DB.R, s.Child.ID, h.Now())
	if err != nil {
		return err
	}
	d := couponData{shell: s, Show: c.Query("show", "valid")}
	for _, cp := range cs {
		it := h.couponItem(c, cp)
		switch {
		case cp.Usable || cp.NotYet:
			d.Valid = append(d.Valid, it)
		case cp.Status == models.CouponUsed:
			d.Used = append(d.Used, it)
		default: // past its date, or withdrawn by the school
			d.Expired = append(d.Expired, it)
		}
	}
	return h.Page(c, fiber.StatusOK, "portal/coupons", "", h.view(c, s.Heading, d))
}
