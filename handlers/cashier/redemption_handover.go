package cashier

import (
	"os"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
)

// registerRedemptions mounts the reward hand-over desk at /cashier/redemptions:
// scan the child's redemption QR, then hand the item over or cancel.
func (h handler) registerRedemptions(r fiber.Router) {
	r.Get("/redemptions", h.redemptionList)
	r.Post("/redemptions/lookup", h.redemptionLookup)
	r.Post("/redemptions/handover", h.redemptionHandover)
	r.Post("/redemptions/cancel", h.redemptionCancel)
	r.Get("/rewards/images/:name", h.rewardImage)
}

// redemptionData is the desk: the scanned order and the open ones.
type redemptionData struct {
	Current *models.RedemptionView
	Open    []models.RedemptionView
	Done    bool
}

func (h handler) redemptionPage(c *fiber.Ctx, status int, fragment string, d redemptionData, v render.View) error {
	campus := int64(0)
	if u := render.User(c); u != nil && len(u.CampusIDs) > 0 {
		campus = u.CampusIDs[0]
	}
	open, err := models.OpenRedemptions(c.UserContext(), h.DB.R, campus, 30)
	if err != nil {
		return err
	}
	d.Open = open
	v.Title = h.T(c, "redemption.title")
	v.D = d
	return h.Page(c, status, "cashier/redemptions", fragment, v)
}

func (h handler) redemptionList(c *fiber.Ctx) error {
	return h.redemptionPage(c, fiber.StatusOK, "", redemptionData{}, render.View{})
}

func (h handler) redemptionFail(c *fiber.Ctx, err error) error {
	e, ok := models.AsError(err)
	if !ok {
		return err
	}
	return h.redemptionPage(c, fiber.StatusOK, "desk", redemptionData{}, render.View{Flash: h.T(c, e.Key, e.Args...), FlashKind: "error"})
}

func (h handler) redemptionLookup(c *fiber.Ctx) error {
	v, err := models.GetRedemption(c.UserContext(), h.DB.R, c.FormValue("token"))
	if err != nil {
		return h.redemptionFail(c, err)
	}
	view := render.View{}
	switch v.Status {
	case models.RedemptionHandedOver:
		view = render.View{Flash: h.T(c, "redemption.already_handed_over"), FlashKind: "error"}
	case models.RedemptionCancelled:
		view = render.View{Flash: h.T(c, "redemption.already_cancelled"), FlashKind: "error"}
	}
	return h.redemptionPage(c, fiber.StatusOK, "desk", redemptionData{Current: v}, view)
}

func (h handler) redemptionHandover(c *fiber.Ctx) error {
	v, err := models.HandOverRedemption(c.UserContext(), h.DB, h.Now(), render.Actor(c), c.FormValue("token"), c.FormValue("method"))
	if err != nil {
		return h.redemptionFail(c, err)
	}
	msg := h.T(c, "redemption.handed", v.RewardName, v.MemberName)
	if v.Cash > 0 {
		msg += " " + h.T(c, "redemption.collect_cash", models.Yuan(v.Cash))
	}
	return h.redemptionPage(c, fiber.StatusOK, "desk", redemptionData{Current: v, Done: true}, render.View{Flash: msg, FlashKind: "ok"})
}

func (h handler) redemptionCancel(c *fiber.Ctx) error {
	v, err := models.CancelRedemption(c.UserContext(), h.DB, h.Now(), render.Actor(c), c.FormValue("token"))
	if err != nil {
		return h.redemptionFail(c, err)
	}
	return h.redemptionPage(c, fiber.StatusOK, "desk", redemptionData{Current: v, Done: true},
		render.View{Flash: h.T(c, "redemption.cancelled", v.RewardName, v.Points), FlashKind: "ok"})
}

// rewardImage serves a reward picture to the desk.
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
	c.Set("X-Content-Type-Options", "nosniff")
	return c.Send(b)
}
