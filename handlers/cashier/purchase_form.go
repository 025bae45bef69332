package cashier

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"starcard/models"
)

// lineForm is one purchase line as typed.
type lineForm struct {
	Category string
	Amount   string
	Desc     string
}

// purchaseForm is the purchase form as typed, with its preview.
type purchaseForm struct {
	Key    string
	Lines  []lineForm
	Points string
	Pay    map[string]string // method → typed amount
	// Chosen are the codes of the coupons ticked for this purchase.
	Chosen map[string]bool

	Quote   *models.Quote
	Paying  int64 // what the typed payments add up to
	Left    int64 // due − paying (negative: too much)
	Ready   bool  // the payments add up: Confirm may be pressed
	Upgrade string
	// MaxPoints is the most points the member can redeem on this bill.
	MaxPoints int64
	Errors    map[string]string
	Message   string
	// Focus is the id of the input the cursor goes to after a swap.
	Focus string

	Result   *models.PurchaseResult
	Replayed bool
}

// purchaseLines is how many line rows a fresh form shows: two, so that the
// whole form fits a 1366×768 desk (tiles and "add a line" make more).
const purchaseLines = 2

func newPurchaseForm(p *panel) *purchaseForm {
	f := &purchaseForm{Key: newKey(), Pay: map[string]string{}, Focus: "amt0"}
	for i := 0; i < purchaseLines; i++ {
		cat := models.CategoryTuition
		if i > 0 {
			cat = models.Categories[i%len(models.Categories)]
		}
		f.Lines = append(f.Lines, lineForm{Category: cat})
	}
	return f
}

// parsed is a purchase form read into model values, or field messages
// (message keys) for what could not be read.
type parsed struct {
	items    []models.PurchaseItem
	lineOf   []int // items[i] came from form line lineOf[i]
	payments []models.Payment
	points   int64
	coupons  []string
	fields   map[string]string
}

// readPurchaseForm reads the posted form. Blank lines are skipped; amounts
// are parsed strictly (two decimals at most, no sign).
func readPurchaseForm(c *fiber.Ctx) (*purchaseForm, *parsed) {
	args := c.Request().PostArgs()
	f := &purchaseForm{Key: strings.TrimSpace(c.FormValue("key")), Pay: map[string]string{},
		Points: strings.TrimSpace(c.FormValue("points"))}
	cats, amts, descs := args.PeekMulti("cat"), args.PeekMulti("amt"), args.PeekMulti("desc")
	pr := &parsed{fields: map[string]string{}}
	for i := range amts {
		l := lineForm{Amount: string(amts[i])}
		if i < len(cats) {
			l.Category = string(cats[i])
		}
		if i < len(descs) {
			l.Desc = strings.TrimSpace(string(descs[i]))
		}
		f.Lines = append(f.Lines, l)
		fen, blank, ok := parseFen(l.Amount)
		switch {
		case !ok:
			pr.fields["amt"+strconv.Itoa(i)] = "err.cashier_bad_money"
		case !blank && fen == 0:
			pr.fields["amt"+strconv.Itoa(i)] = "err.ledger_bad_amount"
		case !blank:
			pr.items = append(pr.items, models.PurchaseItem{Category: l.Category, Amount: fen, Description: truncate(l.Desc, 100)})
			pr.lineOf = append(pr.lineOf, i)
		}
	}
	for len(f.Lines) < purchaseLines {
		f.Lines = append(f.Lines, lineForm{Category: models.CategoryOther})
	}
	for _, m := range models.PaymentMethods {
		v := strings.TrimSpace(c.FormValue("pay_" + m))
		f.Pay[m] = v
		fen, blank, ok := parseFen(v)
		switch {
		case !ok:
			pr.fields["pay_"+m] = "err.cashier_bad_money"
		case !blank && fen > 0:
			pr.payments = append(pr.payments, models.Payment{Method: m, Amount: fen})
		}
	}
	f.Chosen = map[string]bool{}
	for _, code := range args.PeekMulti("coupon") {
		if c := strings.TrimSpace(string(code)); c != "" && !f.Chosen[c] {
			f.Chosen[c] = true
			pr.coupons = append(pr.coupons, c)
		}
	}
	pts, ok := parsePoints(f.Points)
	if !ok {
		pr.fields["points"] = "err.cashier_bad_points"
	}
	pr.points = pts
	if len(pr.items) == 0 && len(pr.fields) == 0 {
		pr.fields["amt0"] = "err.cashier_no_lines"
	}
	return f, pr
}

// fieldName maps a models field key to the form's input name.
func (pr *parsed) fieldName(k string) string {
	switch {
	case k == "points_to_redeem":
		return "points"
	case k == "items":
		return "amt0"
	case strings.HasPrefix(k, "items["):
		i, _ := strconv.Atoi(k[len("items["):strings.Index(k, "]")])
		line := 0
		if i < len(pr.lineOf) {
			line = pr.lineOf[i]
		}
		if strings.HasSuffix(k, ".category") {
			return "cat" + strconv.Itoa(line)
		}
		return "amt" + strconv.Itoa(line)
	case strings.HasPrefix(k, "payments["):
		i, _ := strconv.Atoi(k[len("payments["):strings.Index(k, "]")])
		if i < len(pr.payments) {
			return "pay_" + pr.payments[i].Method
		}
		return "payments"
	}
	return k
}

// hash fingerprints the purchase for its idempotency key: the same key with
// another purchase is refused, never applied.
func (pr *parsed) hash(memberID int64) string {
	b, _ := json.Marshal(struct {
		M int64                 `json:"m"`
		I []models.PurchaseItem `json:"i"`
		P []models.Payment      `json:"p"`
		R int64                 `json:"r"`
		C []string              `json:"c,omitempty"`
	}{memberID, pr.items, pr.payments, pr.points, pr.coupons})
	return models.RequestHash([]byte("desk-purchase"), b)
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n])
	}
	return s
}

// focus picks where the cursor goes: Confirm when the payments add up, the
// first field with a message, else the next thing to type.
func (f *purchaseForm) focus(svBalance int64) {
	switch {
	case f.Ready:
		f.Focus = "confirm"
	case len(f.Errors) > 0:
		for i := range f.Lines {
			if k := "amt" + strconv.Itoa(i); f.Errors[k] != "" {
				f.Focus = k
				return
			}
		}
		for _, k := range append([]string{"points"}, payKeys()...) {
			if f.Errors[k] != "" {
				f.Focus = k
				return
			}
		}
		f.Focus = "amt0"
	case f.Quote != nil && f.Left > 0 && svBalance > 0:
		f.Focus = "pay_stored_value"
	case f.Quote != nil && f.Left > 0:
		f.Focus = "pay_cash"
	default:
		f.Focus = "amt0"
	}
}

func payKeys() []string {
	ks := make([]string, len(models.PaymentMethods))
	for i, m := range models.PaymentMethods {
		ks[i] = "pay_" + m
	}
	return ks
}

// Over is how much the typed payments exceed what is due.
func (f *purchaseForm) Over() int64 { return -f.Left }
