package api

import (
	"errors"

	"github.com/gofiber/fiber/v2"
	"gorm.io/gorm"

	"starcard/handlers/render"
	"starcard/models"
)

type purchaseRequest struct {
	MemberID       int64                 `json:"member_id"`
	Items          []models.PurchaseItem `json:"items"`
	Payments       []models.Payment      `json:"payments"`
	PointsToRedeem int64                 `json:"points_to_redeem,omitempty"`
	CouponCodes    []string              `json:"coupon_codes,omitempty"`
}

func (h handler) purchaseCreate(c *fiber.Ctx) error {
	var req purchaseRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	// The member's campus is checked on the row the purchase locks
	// (Viewer): one read fewer on the busiest route than memberInScope.
	out, err := models.RecordPurchase(c.UserContext(), h.DB, h.Now(), ledgerIdem(c, req), models.PurchaseInput{
		MemberID: req.MemberID, Items: req.Items, Payments: req.Payments, PointsToRedeem: req.PointsToRedeem,
		CouponCodes: req.CouponCodes, Actor: render.Actor(c), Viewer: render.User(c)})
	if err != nil {
		return err
	}
	return ledgerSend(c, out)
}

// memberInScope refuses a member named in a request body (member_id) who
// is on a campus the caller does not work at, as if unknown (404), like a
// member named in the path. A missing id is left to the use case's
// validation.
func memberInScope(c *fiber.Ctx, db *gorm.DB, memberID int64) error {
	if memberID <= 0 {
		return nil
	}
	err := models.CheckMemberAccess(c.UserContext(), db, render.User(c), memberID)
	if errors.Is(err, models.ErrNotFound) {
		return models.ErrMemberNotFound
	}
	return err
}
