package api

import (
	"fmt"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
)

// approverRequest is the second person a refund above the approval
// threshold needs, as at the desk: a campus manager of the refund's campus
// (or an admin) by username and password. A caller who is that manager
// approves their own refund and sends none.
type approverRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

type refundRequest struct {
	Amount   *int64           `json:"amount,omitempty"`
	Reason   string           `json:"reason"`
	Approver *approverRequest `json:"approver,omitempty"`
}

// hashed is what identifies the request for idempotency: the approver's
// password is not part of it (and so never reaches the stored hash).
func (r refundRequest) hashed() any {
	out := struct {
		Amount   *int64 `json:"amount,omitempty"`
		Reason   string `json:"reason"`
		Approver string `json:"approver,omitempty"`
	}{Amount: r.Amount, Reason: r.Reason}
	if r.Approver != nil {
		out.Approver = r.Approver.Username
	}
	return out
}

func (h handler) refundCreate(c *fiber.Ctx) error {
	return h.refund(c, models.ReceiptPurchase, models.ErrPurchaseNotFound)
}

func (h handler) topupRefundCreate(c *fiber.Ctx) error {
	return h.refund(c, models.ReceiptTopup, models.ErrTopupNotFound)
}

// refund refunds a purchase or a top-up; above the threshold only with an
// approval, checked before anything moves and audited with the refund.
func (h handler) refund(c *fiber.Ctx, kind string, notFound error) error {
	id, err := ledgerParamID(c, notFound)
	if err != nil {
		return err
	}
	var req refundRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	if err := checkLimits(req.Reason, "reason", maxReason); err != nil {
		return err
	}
	ctx := c.UserContext()
	now := h.Now()
	actor := render.Actor(c)
	in := models.DeskRefundInput{Kind: kind, ID: id, Amount: req.Amount, Reason: req.Reason, User: render.User(c), Actor: actor}
	if req.Approver != nil {
		in.Approver = models.Approver{Username: req.Approver.Username, Password: req.Approver.Password}
	}
	approver, amount, err := models.RefundApproval(ctx, h.DB, now, in)
	if err != nil {
		return err
	}
	idem := ledgerIdem(c, req.hashed())
	var out models.Outcome
	if kind == models.ReceiptPurchase {
		out, err = models.RecordRefund(ctx, h.DB, now, idem, models.RefundInput{
			PurchaseID: id, Amount: req.Amount, Reason: req.Reason, Actor: actor})
	} else {
		out, err = models.RecordTopupRefund(ctx, h.DB, now, idem, models.TopupRefundInput{
			TopupID: id, Amount: req.Amount, Reason: req.Reason, Actor: actor})
	}
	if err != nil {
		return err
	}
	if approver != nil && !out.Replayed {
		obj := "purchase"
		if kind == models.ReceiptTopup {
			obj = "topup"
		}
		if err := models.Audit(ctx, h.DB.W, now, actor, "refund.approve", obj, id,
			fmt.Sprintf("approver=%d (%s) amount=%d via=api", approver.ID, approver.Username, amount)); err != nil {
			return err
		}
	}
	return ledgerSend(c, out)
}
