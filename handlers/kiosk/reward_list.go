package kiosk

import (
	"os"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
)

// registerRewards mounts the student-facing rewards page at /kiosk/rewards:
// scan the card, see "你有 1,280 积分" and what that buys, redeem, and show
// the redemption QR to staff.
func (h handler) registerRewards(r fiber.Router) {
	r.Get("/rewards", h.rewardHome)
	r.Post("/rewards", h.rewardCatalogue)
	r.Post("/rewards/redeem", h.rewardRedeem)
	r.Get("/rewards/qr/:token", h.rewardQR)
	r.Get("/rewards/images/:name", h.rewardImage)
}

// rewardData is what the rewards page shows. Card is the scanned input,
// carried in a hidden field so no member id ever appears in a URL.
type rewardData struct {
	Card       string
	Catalogue  *models.Catalogue
	Redemption *models.RedemptionView
	Error      string
	IdemKey    string
}

func (h handler) rewardPage(c *fiber.Ctx, status int, fragment string, d rewardData) error {
	return h.Page(c, status, "kiosk/rewards", fragment, render.View{Title: h.T(c, "kiosk_rewards.title"), D: d})
}

func (h handler) rewardHome(c *fiber.Ctx) error {
	return h.rewardPage(c, fiber.StatusOK, "", rewardData{})
}

// lookup resolves the scanned card; a refusal becomes a friendly message.
func (h handler) lookup(c *fiber.Ctx, card string) (*models.Member, string, error) {
	m, err := models.MemberByScan(c.UserContext(), h.DB.R, h.Secret, h.Loc, card)
	if e, ok := models.AsError(err); ok {
		return nil, h.T(c, e.Key, e.Args...), nil
	}
	return m, "", err
}

func (h handler) rewardCatalogue(c *fiber.Ctx) error {
	card := strings.TrimSpace(c.FormValue("card"))
	m, msg, err := h.lookup(c, card)
	if err != nil {
		return err
	}
	if m == nil {
		return h.rewardPage(c, fiber.StatusOK, "panel", rewardData{Error: msg})
	}
	cat, err := models.RewardCatalogue(c.UserContext(), h.DB.R, m.ID, h.Now())
	if err != nil {
		return err
	}
	return h.rewardPage(c, fiber.StatusOK, "panel", rewardData{Card: card, Catalogue: cat, IdemKey: models.NewWorkerID()})
}

func (h handler) rewardRedeem(c *fiber.Ctx) error {
	card := strings.TrimSpace(c.FormValue("card"))
	m, msg, err := h.lookup(c, card)
	if err != nil {
		return err
	}
	if m == nil {
		return h.rewardPage(c, fiber.StatusOK, "panel", rewardData{Error: msg})
	}
	rid, _ := strconv.ParseInt(c.FormValue("reward_id"), 10, 64)
	ctx := c.UserContext()
	red, err := models.RedeemReward(ctx, h.DB, h.Now(), render.Actor(c), m.ID, rid, c.FormValue("idem"))
	if e, ok := models.AsError(err); ok {
		cat, cerr := models.RewardCatalogue(ctx, h.DB.R, m.ID, h.Now())
		if cerr != nil {
			return cerr
		}
		return h.rewardPage(c, fiber.StatusOK, "panel", rewardData{Card: card, Catalogue: cat, Error: h.T(c, e.Key, e.Args...),
			IdemKey: models.NewWorkerID()})
	}
	if err != nil {
		return err
	}
	v, err := models.GetRedemption(ctx, h.DB.W, red.Token)
	if err != nil {
		return err
	}
	return h.rewardPage(c, fiber.StatusOK, "panel", rewardData{Card: card, Redemption: v})
}

// rewardQR is the redemption QR the child shows at the desk.
func (h handler) rewardQR(c *fiber.Ctx) error {
	v, err := models.GetRedemption(c.UserContext(), h.DB.R, c.Params("token"))
	if err != nil {
		return err
	}
	png, err := models.RedemptionQR(v.Token, 320)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "image/png")
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(png)
}

func (h handler) rewardImage(c *fiber.Ctx) error {
	path, ct, err := models.RewardImagePath(h.DataDir, c.Params("name"))
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
