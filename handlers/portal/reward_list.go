package portal

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
)

// rewardData is the rewards catalogue as one child sees it, with the
// redemptions waiting to be collected.
type rewardData struct {
	shell
	Catalogue *models.Catalogue
	Waiting   []models.RedemptionView
	Past      []models.RedemptionView
	IdemKey   string
}

func (h handler) rewardPage(c *fiber.Ctx, status int, s shell, v render.View) error {
	ctx := c.UserContext()
	cat, err := models.RewardCatalogue(ctx, h.DB.R, s.Child.ID, h.Now())
	if err != nil {
		return err
	}
	reds, err := models.MemberRedemptions(ctx, h.DB.R, s.Child.ID, 20)
	if err != nil {
		return err
	}
	d := rewardData{shell: s, Catalogue: cat, IdemKey: models.NewToken(16)}
	for _, r := range reds {
		if r.Status == models.RedemptionReserved {
			d.Waiting = append(d.Waiting, r)
		} else {
			d.Past = append(d.Past, r)
		}
	}
	v.Title, v.D = s.Heading, d
	return h.Page(c, status, "portal/rewards", "", v)
}

func (h handler) rewardList(c *fiber.Ctx) error {
	s, err := h.childLoad(c, "rewards", "portal.rewards.title")
	if err != nil {
		return err
	}
	return h.rewardPage(c, fiber.StatusOK, s, h.view(c, "", nil))
}

// rewardRedeem reserves a reward with the child's points. The form carries
// a fresh idempotency key, so a double tap on a slow connection reserves
// once and both taps land on the same redemption QR.
func (h handler) rewardRedeem(c *fiber.Ctx) error {
	s, err := h.childLoad(c, "rewards", "portal.rewards.title")
	if err != nil {
		return err
	}
	rid, err := strconv.ParseInt(c.Params("rid"), 10, 64)
	if err != nil {
		return models.ErrNotFound
	}
	key := c.FormValue("idem")
	if !models.ValidIdempotencyKey(key) {
		key = ""
	}
	p := principal(c)
	red, err := models.RedeemReward(c.UserContext(), h.DB, h.Now(), p.Actor(c.IP()), s.Child.ID, rid, key)
	if err != nil {
		status, msg, _, ok := h.refusal(c, err)
		if !ok {
			return err
		}
		return h.rewardPage(c, status, s, render.View{Flash: msg, FlashKind: "error"})
	}
	return render.Redirect(c, "/portal/kids/"+strconv.FormatInt(s.Child.ID, 10)+"/redemptions/"+red.Token+"?ok=redeemed")
}

// rewardImage serves a catalogue picture to parents.
func (h handler) rewardImage(c *fiber.Ctx) error {
	path, ct, err := models.RewardImagePath(h.DataDir, c.Params("name"))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, ct)
	c.Set(fiber.HeaderCacheControl, "private, max-age=86400")
	return c.SendFile(path)
}
