package api

import (
	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
)

type refundRequest struct {
	Amount *int64 `json:"amount,omitempty"`
	Reason string `json:"reason"`
}

func (h handler) refundCreate(c *fiber.Ctx) error {
	id, err := ledgerParamID(c, models.ErrPurchaseNotFound)
	if err != nil {
		return err
	}
	var req refundRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	out, err := models.RecordRefund(c.UserContext(), h.DB, h.Now(), ledgerIdem(c, req), models.RefundInput{
		PurchaseID: id, Amount: req.Amount, Reason: req.Reason, Actor: render.Actor(c)})
	if err != nil {
		return err
	}
	return ledgerSend(c, out)
}

func (h handler) topupRefundCreate(c *fiber.Ctx) error {
	id, err := ledgerParamID(c, models.ErrTopupNotFound)
	if err != nil {
		return err
	}
	var req refundRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	out, err := models.RecordTopupRefund(c.UserContext(), h.DB, h.Now(), ledgerIdem(c, req), models.TopupRefundInput{
		TopupID: id, Amount: req.Amount, Reason: req.Reason, Actor: render.Actor(c)})
	if err != nil {
		return err
	}
	return ledgerSend(c, out)
}
