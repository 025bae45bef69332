package cashier

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
)

// refundCreate refunds (part of) a purchase or a top-up once per form key,
// with the campus manager's approval on the same form when the amount is
// above the threshold.
func (h handler) refundCreate(c *fiber.Ctx) error {
	kind := c.FormValue("kind")
	if kind != models.ReceiptTopup {
		kind = models.ReceiptPurchase
	}
	id, err := strconv.ParseInt(c.FormValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return fiber.ErrNotFound
	}
	f, memberID, err := h.loadRefund(c, kind, id)
	if err != nil {
		return err
	}
	p, err := h.loadPanel(c, memberID, false)
	if err != nil {
		return err
	}
	f.Key, f.Threshold = strings.TrimSpace(c.FormValue("key")), p.Rules.RefundApprovalAmount
	f.Amount, f.Reason = strings.TrimSpace(c.FormValue("amount")), strings.TrimSpace(c.FormValue("reason"))
	f.Approver = strings.TrimSpace(c.FormValue("approver_username"))
	p.Action, p.Refund = "refund", f
	d := &deskData{P: p}
	if err := h.withShift(c, d); err != nil {
		return err
	}
	refuse := func(msg string) error {
		f.Message = msg
		return h.desk(c, fiber.StatusUnprocessableEntity, "action", d)
	}
	lines, lineFen, lerr := f.readLines(c)
	fen, blank, ok := parseFen(f.Amount)
	switch {
	case lerr != nil:
		msg, fields, ierr := h.formError(c, lerr, nil)
		if ierr != nil {
			return ierr
		}
		for k, v := range fields {
			f.Errors[k] = v
		}
		f.Message = msg
	case len(lines) > 0:
		fen, blank, ok = lineFen, false, true
		f.Amount = yuanInput(lineFen)
	case !ok:
		f.Errors["amount"] = h.T(c, "err.cashier_bad_money")
	}
	if ok {
		if blank {
			f.splitFor(f.Left)
		} else {
			f.splitFor(fen)
		}
	}
	if f.Reason == "" {
		f.Errors["reason"] = h.T(c, "err.cashier_reason_required")
	}
	switch {
	case len(f.Errors) > 0:
		return refuse(h.T(c, "cashier.fix_fields"))
	case !models.ValidIdempotencyKey(f.Key):
		f.Key = newKey()
		return refuse(h.T(c, "err.cashier_stale_form"))
	case d.Shift == nil:
		return refuse(h.T(c, "err.shift_none"))
	}
	var amount *int64
	if !blank {
		amount = &fen
	}
	out, err := models.DeskRefund(c.UserContext(), h.DB, h.Now(), scope(c), f.Key, models.DeskRefundInput{
		Kind: kind, ID: id, Amount: amount, Reason: f.Reason, User: render.User(c), Actor: actor(c, d.Shift),
		Lines: lines, Approver: h.approverFrom(c, f)})
	if err != nil {
		msg, fields, ierr := h.formError(c, err, nil)
		if ierr != nil {
			return ierr
		}
		for k, v := range fields {
			f.Errors[k] = v
		}
		return refuse(msg)
	}
	if p, err = h.loadPanel(c, memberID, false); err != nil {
		return err
	}
	f.Done = out
	p.Action, p.Refund, p.OOB = "refund-done", f, render.IsFragmentRequest(c)
	d.P = p
	return h.desk(c, fiber.StatusCreated, "action", d)
}

// approverFrom reads who approves: a manager picked from the list with
// their PIN, or (the fallback) a username and password.
func (h handler) approverFrom(c *fiber.Ctx, f *refundForm) models.Approver {
	if pin := strings.TrimSpace(c.FormValue("approver_pin")); pin != "" {
		f.Approver = strings.TrimSpace(c.FormValue("approver_pick"))
		return models.Approver{Username: f.Approver, PIN: pin}
	}
	return models.Approver{Username: f.Approver, Password: c.FormValue("approver_password")}
}
