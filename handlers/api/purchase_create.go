package api

import (
	"github.com/gofiber/fiber/v2"

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
	out, err := models.RecordPurchase(c.UserContext(), h.DB, h.Now(), ledgerIdem(c, req), models.PurchaseInput{
		MemberID: req.MemberID, Items: req.Items, Payments: req.Payments, PointsToRedeem: req.PointsToRedeem,
		CouponCodes: req.CouponCodes, Actor: render.Actor(c)})
	if err != nil {
		return err
	}
	return ledgerSend(c, out)
}
