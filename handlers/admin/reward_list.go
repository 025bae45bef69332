package admin

import (
	"io"
	"os"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
)

func (l loyalty) rewardPage(c *fiber.Ctx, status int, v render.View) error {
	rs, err := models.ListRewards(c.UserContext(), l.DB.R)
	if err != nil {
		return err
	}
	open, err := models.OpenRedemptions(c.UserContext(), l.DB.R, 0, 50)
	if err != nil {
		return err
	}
	coupons, err := models.ListCouponTemplates(c.UserContext(), l.DB.R)
	if err != nil {
		return err
	}
	v.Title = l.T(c, "reward.title")
	v.D = fiber.Map{"Rewards": rs, "Kinds": models.RewardKinds, "Open": open, "Coupons": coupons}
	return l.Page(c, status, "admin/rewards", "rewards", v)
}

func (l loyalty) rewardList(c *fiber.Ctx) error {
	return l.rewardPage(c, fiber.StatusOK, render.View{})
}

// rewardCreate adds a catalogue item from a multipart form, with its
// picture when one is attached.
func (l loyalty) rewardCreate(c *fiber.Ctx) error {
	form := lyForm(c, "name", "description", "kind", "points_price", "points_gold", "points_platinum", "cash_price",
		"normal_price", "stock", "per_member_limit", "available_from", "available_until", "coupon_template_id")
	errs := map[string]string{}
	num := func(name string) int64 {
		v, ok := lyInt(form[name])
		if !ok {
			errs[name] = l.T(c, "err.loyalty_number")
		}
		return v
	}
	money := func(name string) int64 {
		v, ok := lyYuan(form[name])
		if !ok {
			errs[name] = l.T(c, "err.loyalty_money")
		}
		return v
	}
	n := models.NewReward{Name: form["name"], Description: form["description"], Kind: form["kind"],
		PointsPrice: num("points_price"), PointsGold: num("points_gold"), PointsPlatinum: num("points_platinum"),
		CashPrice: money("cash_price"), NormalPrice: money("normal_price"), Stock: num("stock"),
		PerMemberLimit: int(num("per_member_limit"))}
	if n.Kind == models.RewardCoupon {
		n.CouponTemplateID = num("coupon_template_id")
	}
	var ok bool
	if n.AvailableFrom, ok = lyDay(form["available_from"], l.Loc, false); !ok {
		errs["available_from"] = l.T(c, "err.loyalty_date")
	}
	if n.AvailableUntil, ok = lyDay(form["available_until"], l.Loc, true); !ok {
		errs["available_until"] = l.T(c, "err.loyalty_date")
	}
	var img []byte
	if fh, err := c.FormFile("image"); err == nil && fh.Size > 0 {
		if fh.Size > models.MaxRewardImage {
			errs["image"] = l.T(c, "err.reward_image")
		} else if f, err := fh.Open(); err == nil {
			img, _ = io.ReadAll(io.LimitReader(f, models.MaxRewardImage+1))
			f.Close()
		}
	}
	fail := func(errs map[string]string) error {
		return l.rewardPage(c, fiber.StatusUnprocessableEntity, render.View{Form: form, Errors: errs,
			Flash: l.T(c, "err.validation"), FlashKind: "error"})
	}
	if len(errs) > 0 {
		return fail(errs)
	}
	ctx := c.UserContext()
	r, err := models.CreateReward(ctx, l.DB, l.Now(), render.Actor(c), n)
	if err != nil {
		if _, isModel := models.AsError(err); !isModel {
			return err
		}
		return fail(l.FieldErrors(c, err))
	}
	if img != nil {
		name, err := models.SaveRewardImage(l.DataDir, r.ID, img)
		if err != nil {
			if _, isModel := models.AsError(err); !isModel {
				return err
			}
			return l.rewardPage(c, fiber.StatusUnprocessableEntity, render.View{Flash: l.T(c, "reward.created_no_image", r.Name),
				FlashKind: "error"})
		}
		if err := models.SetRewardImage(ctx, l.DB, l.Now(), render.Actor(c), r.ID, name); err != nil {
			return err
		}
	}
	return l.rewardPage(c, fiber.StatusOK, render.View{Flash: l.T(c, "reward.created", r.Name), FlashKind: "ok"})
}

func (l loyalty) rewardRestock(c *fiber.Ctx) error {
	id, err := lyID(c, "id")
	if err != nil {
		return err
	}
	delta, ok := lyInt(c.FormValue("delta"))
	if !ok || delta == 0 {
		return l.rewardPage(c, fiber.StatusUnprocessableEntity, render.View{Flash: l.T(c, "err.loyalty_number"), FlashKind: "error"})
	}
	if err := models.RestockReward(c.UserContext(), l.DB, l.Now(), render.Actor(c), id, delta); err != nil {
		e, isModel := models.AsError(err)
		if !isModel {
			return err
		}
		return l.rewardPage(c, fiber.StatusUnprocessableEntity, render.View{Flash: l.T(c, e.Key), FlashKind: "error"})
	}
	return l.rewardPage(c, fiber.StatusOK, render.View{Flash: l.T(c, "reward.restocked"), FlashKind: "ok"})
}

func (l loyalty) rewardToggle(c *fiber.Ctx) error {
	id, err := lyID(c, "id")
	if err != nil {
		return err
	}
	r, err := models.GetReward(c.UserContext(), l.DB.R, id)
	if err != nil {
		return err
	}
	if err := models.SetRewardActive(c.UserContext(), l.DB, l.Now(), render.Actor(c), id, !r.Active); err != nil {
		return err
	}
	return l.rewardPage(c, fiber.StatusOK, render.View{Flash: l.T(c, "reward.saved"), FlashKind: "ok"})
}

// rewardImage serves an uploaded reward picture.
func (l loyalty) rewardImage(c *fiber.Ctx) error {
	return ServeRewardImage(c, l.DataDir)
}

// ServeRewardImage sends a stored reward picture with its sniffed type; the
// kiosk and the portal serve the same files.
func ServeRewardImage(c *fiber.Ctx, dataDir string) error {
	path, ct, err := models.RewardImagePath(dataDir, c.Params("name"))
	if err != nil {
		return err
	}
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return models.ErrNotFound
	}
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, ct)
	c.Set(fiber.HeaderCacheControl, "private, max-age=86400")
	c.Set("X-Content-Type-Options", "nosniff")
	return c.Send(b)
}
