package cashier

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"starcard/models"
)

// topupForm is the top-up form as typed, with its preview.
type topupForm struct {
	Key    string
	Amount string
	Method string

	Fen         int64
	Bonus       int64
	BonusPoints int64
	After       int64 // stored value after the top-up
	Cap         int64
	Room        int64 // most that can still be added (bonus included)
	Ready       bool
	Errors      map[string]string
	Message     string

	Result   *models.TopupResult
	Replayed bool
}

func newTopupForm() *topupForm { return &topupForm{Key: newKey(), Method: "cash"} }

func readTopupForm(c *fiber.Ctx) *topupForm {
	return &topupForm{Key: strings.TrimSpace(c.FormValue("key")), Amount: strings.TrimSpace(c.FormValue("amount")),
		Method: c.FormValue("method"), Errors: map[string]string{}}
}

// preview works out the bonus band and the prepaid cap for the typed amount.
func (h handler) priceTopup(c *fiber.Ctx, p *panel, f *topupForm) {
	if f.Errors == nil {
		f.Errors = map[string]string{}
	}
	fen, blank, ok := parseFen(f.Amount)
	switch {
	case !ok:
		f.Errors["amount"] = h.T(c, "err.cashier_bad_money")
	case blank || fen == 0:
		f.Errors["amount"] = h.T(c, "err.ledger_bad_amount")
	}
	valid := false
	for _, m := range models.TopupMethods {
		valid = valid || m == f.Method
	}
	if !valid {
		f.Errors["method"] = h.T(c, "err.topup_bad_method")
	}
	held := p.M.Balances.StoredValue()
	f.Cap = p.Rules.CapFor(p.M.CampusID)
	f.Room = models.MaxTopup(p.Rules, p.M.Tier, max(0, f.Cap-held))
	if len(f.Errors) > 0 {
		f.Message = h.T(c, "cashier.fix_fields")
		return
	}
	f.Fen = fen
	band, _ := models.TopupBonus(p.Rules, p.M.Tier, fen)
	f.Bonus, f.BonusPoints = band.BonusAmount, band.BonusPoints
	f.After = held + fen + band.BonusAmount
	if f.After > f.Cap {
		f.Errors["amount"] = h.T(c, "err.cashier_over_cap_short", models.Yuan(f.Room))
		f.Message = h.T(c, "err.topup_prepaid_cap", models.Yuan(f.Cap), models.Yuan(held), models.Yuan(f.Room))
		return
	}
	f.Ready = true
}
