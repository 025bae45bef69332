package cashier

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"starcard/models"
)

// purchaseNew shows a fresh purchase form (with a new idempotency key).
func (h handler) purchaseNew(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	p, err := h.loadPanel(c, id, false)
	if err != nil {
		return err
	}
	p.Action, p.Purchase = "purchase", newPurchaseForm(p)
	d := &deskData{P: p}
	if err := h.withShift(c, d); err != nil {
		return err
	}
	return h.desk(c, fiber.StatusOK, "action", d)
}

// purchasePreview prices the typed purchase without recording anything:
// discounts, points-for-cash, points earned, what remains to pay. A "fill"
// button puts what is left to pay on one method (stored value: as much as
// the wallet holds).
func (h handler) purchasePreview(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	p, err := h.loadPanel(c, id, false)
	if err != nil {
		return err
	}
	f, pr := readPurchaseForm(c)
	if f.Key == "" {
		f.Key = newKey()
	}
	if tile, _ := strconv.ParseInt(c.FormValue("tile"), 10, 64); tile > 0 {
		it, err := models.GetPriceItem(c.UserContext(), h.DB.R, tile)
		if err != nil {
			return err
		}
		addTile(f, pr, it)
	}
	p.Action, p.Purchase = "purchase", f
	h.quote(c, p, f, pr, c.FormValue("fill"))
	d := &deskData{P: p}
	if err := h.withShift(c, d); err != nil {
		return err
	}
	status := fiber.StatusOK
	if len(f.Errors) > 0 {
		status = fiber.StatusUnprocessableEntity
	}
	return h.desk(c, status, "action", d)
}

// quote fills the form's preview and field messages.
func (h handler) quote(c *fiber.Ctx, p *panel, f *purchaseForm, pr *parsed, fill string) {
	f.Errors = map[string]string{}
	for k, key := range pr.fields {
		f.Errors[k] = h.T(c, key)
	}
	if len(pr.items) == 0 {
		if len(f.Errors) > 0 {
			f.Message = h.T(c, "cashier.fix_fields")
		}
		f.focus(0)
		return
	}
	q, err := models.QuotePurchase(p.Rules, p.M.Tier, pr.items, 0)
	var couponLines []int64
	if err == nil && len(pr.coupons) > 0 {
		// Ticked coupons are priced as the purchase will price them; one that
		// does not fit this bill is explained at the coupon list.
		res, cerr := models.ValidateCoupons(c.UserContext(), h.DB.R, h.Now(), p.M.ID, pr.coupons, q.CouponLines(pr.items))
		if e, ok := models.AsError(cerr); ok {
			f.Errors["coupons"] = h.T(c, e.Key, e.Args...)
		} else if cerr != nil {
			f.Message = h.T(c, "err.internal")
			return
		} else {
			couponLines = res.PerLine
			q, err = models.QuoteWithCoupons(p.Rules, p.M.Tier, pr.items, 0, couponLines)
		}
	}
	if err == nil && pr.points > 0 {
		q, err = models.QuoteWithCoupons(p.Rules, p.M.Tier, pr.items, pr.points, couponLines)
	}
	if err != nil {
		msg, fields, ierr := h.formError(c, err, pr.fieldName)
		if ierr != nil {
			f.Message = h.T(c, "err.internal")
			return
		}
		f.Message = msg
		for k, v := range fields {
			f.Errors[k] = v
		}
		// Still show the bill without the refused points.
		if q2, err2 := models.QuoteWithCoupons(p.Rules, p.M.Tier, pr.items, 0, couponLines); err2 == nil {
			q = q2
		} else {
			f.focus(0)
			return
		}
	}
	f.Quote = &q
	capPoints := models.MulDiv(q.RedeemCap, p.Rules.RedeemPointsPerYuan, 100)
	f.MaxPoints = min(capPoints, p.M.Balances.Points)
	if pr.points > p.M.Balances.Points {
		f.Errors["points"] = h.T(c, "err.cashier_points_short", p.M.Balances.Points)
	}
	if fill != "" {
		h.fill(p, f, pr, fill)
	}
	for _, pay := range pr.payments {
		f.Paying += pay.Amount
	}
	f.Left = q.Due - f.Paying
	sv := int64(0)
	for _, pay := range pr.payments {
		if pay.Method == "stored_value" {
			sv += pay.Amount
		}
	}
	if sv > p.M.Balances.StoredValue() {
		f.Errors["pay_stored_value"] = h.T(c, "err.cashier_sv_short", models.Yuan(p.M.Balances.StoredValue()))
	}
	if p.Progress.Next != "" && p.Progress.Needed > 0 && q.Due >= p.Progress.Needed {
		f.Upgrade = p.Progress.Next
	}
	f.Ready = len(f.Errors) == 0 && f.Left == 0
	if len(f.Errors) > 0 && f.Message == "" {
		f.Message = h.T(c, "cashier.fix_fields")
	}
	f.focus(p.M.Balances.StoredValue())
}

// fill puts what is left to pay on one method.
func (h handler) fill(p *panel, f *purchaseForm, pr *parsed, method string) {
	ok := false
	for _, m := range models.PaymentMethods {
		ok = ok || m == method
	}
	if !ok || f.Quote == nil {
		return
	}
	var others int64
	kept := pr.payments[:0]
	for _, pay := range pr.payments {
		if pay.Method != method {
			others += pay.Amount
			kept = append(kept, pay)
		}
	}
	left := f.Quote.Due - others
	if method == "stored_value" {
		left = min(left, p.M.Balances.StoredValue())
	}
	pr.payments = kept
	if left <= 0 {
		f.Pay[method] = ""
		return
	}
	pr.payments = append(pr.payments, models.Payment{Method: method, Amount: left})
	f.Pay[method] = yuanInput(left)
	delete(pr.fields, "pay_"+method)
	delete(f.Errors, "pay_"+method)
}

// yuanInput formats fen for an input field: 128050 → "1280.50".
func yuanInput(fen int64) string {
	s := models.Yuan(fen) // "¥1,280.50"
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' || s[i] == '.' || s[i] == '-' {
			out = append(out, s[i])
		}
	}
	return string(out)
}
