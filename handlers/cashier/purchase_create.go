package cashier

import (
	"encoding/json"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
)

// purchaseCreate records the purchase once per form: the form's hidden key
// makes a double click, a re-submit or a retried request after a network
// failure return the first answer instead of charging again.
func (h handler) purchaseCreate(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	p, err := h.loadPanel(c, id, false)
	if err != nil {
		return err
	}
	f, pr := readPurchaseForm(c)
	p.Action, p.Purchase = "purchase", f
	d := &deskData{P: p}
	if err := h.withShift(c, d); err != nil {
		return err
	}
	// Only what the form itself says is checked here: balances are the
	// ledger's to judge, after the key has been looked up, so that a second
	// click replays the first answer instead of failing on the new balance.
	refuse := func(msg string, fields map[string]string) error {
		h.quote(c, p, f, pr, "")
		if msg != "" {
			f.Message = msg
		}
		for k, v := range fields {
			f.Errors[k] = v
		}
		f.Ready = false
		f.focus(p.M.Balances.StoredValue())
		return h.desk(c, fiber.StatusUnprocessableEntity, "action", d)
	}
	switch {
	case len(pr.fields) > 0:
		return refuse("", nil)
	case !models.ValidIdempotencyKey(f.Key):
		f.Key = newKey()
		return refuse(h.T(c, "err.cashier_stale_form"), nil)
	case d.Shift == nil:
		return refuse(h.T(c, "err.shift_none"), nil)
	}
	out, err := models.RecordPurchase(ctx, h.DB, h.Now(), models.Idem{Scope: scope(c), Key: f.Key, Hash: pr.hash(id)},
		models.PurchaseInput{MemberID: id, Items: pr.items, Payments: pr.payments, PointsToRedeem: pr.points,
			CouponCodes: pr.coupons, Actor: actor(c, d.Shift)})
	if err != nil {
		msg, fields, ierr := h.formError(c, err, pr.fieldName)
		if ierr != nil {
			return ierr
		}
		return refuse(msg, fields)
	}
	var res models.PurchaseResult
	if err := json.Unmarshal(out.Body, &res); err != nil {
		return err
	}
	// Reload the panel: balances, tier and the recent purchases changed.
	if p, err = h.loadPanel(c, id, false); err != nil {
		return err
	}
	p.Action, p.OOB = "purchase-done", render.IsFragmentRequest(c)
	p.Purchase = &purchaseForm{Result: &res, Replayed: out.Replayed}
	d.P = p
	return h.desk(c, fiber.StatusCreated, "action", d)
}
