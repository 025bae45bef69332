package cashier

import (
	"errors"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
)

// deskData is what the desk page and its fragments show.
type deskData struct {
	Shift     *models.Shift
	Q         string
	Matches   []models.MemberView
	NoMatch   bool
	ScanError string
	P         *panel
	Family    *familyForm // the walk-in registration form
}

// panel is the member panel: who they are, their balances, and the action
// area on the right (purchase, top-up, refunds).
type panel struct {
	M         *models.MemberView
	Expiring  int64
	Progress  models.TierProgress
	Purchases []models.Purchase
	Topups    []models.Topup
	Coupons   int                 // how many the member can use now
	Usable    []models.CouponView // those coupons, for the purchase form
	Rules     models.Rules
	Prices    []models.PriceItem // the price list's tiles (purchase form)

	Action   string // purchase, purchase-done, topup, topup-done, refunds, refund, refund-done
	Purchase *purchaseForm
	Topup    *topupForm
	Refund   *refundForm
	Refunds  *refundList
	Card     *cardForm
	// OOB asks the fragment to refresh the member card out of band (after
	// money moved).
	OOB bool
}

// ProgressMax is the spend the next tier needs (the progress bar's end).
func (p *panel) ProgressMax() int64 { return p.Progress.Spend + p.Progress.Needed }

// Frozen reports whether the member's card is reported lost.
func (p *panel) Frozen() bool { return p.M.Status == models.CardFrozen }

// scope is the idempotency scope of the desk's forms: keys are per user.
func scope(c *fiber.Ctx) string {
	if u := render.User(c); u != nil {
		return "web:" + strconv.FormatInt(u.ID, 10)
	}
	return "web:0"
}

// newKey is a fresh idempotency key for a form about to be rendered.
func newKey() string { return models.NewToken(16) }

func (h handler) shift(c *fiber.Ctx) (*models.Shift, error) {
	s, err := models.CurrentShift(c.UserContext(), h.DB.R, render.User(c).ID)
	if errors.Is(err, models.ErrNoShift) {
		return nil, nil
	}
	return s, err
}

// actor is the request's actor placed at the shift's campus, so everything a
// cashier records lands in the campus of the shift they opened.
func actor(c *fiber.Ctx, s *models.Shift) models.Actor {
	a := render.Actor(c)
	if s != nil {
		a.CampusID = s.CampusID
	}
	a.Device = "cashier"
	return a
}

func idParam(c *fiber.Ctx) (int64, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, fiber.ErrNotFound
	}
	return id, nil
}

// loadPanel loads the member panel. audited says whether this is the read of
// the child's profile that the audit log must record (opening the panel);
// re-renders of a form after it use the plain read.
func (h handler) loadPanel(c *fiber.Ctx, memberID int64, audited bool) (*panel, error) {
	ctx, now, u := c.UserContext(), h.Now(), render.User(c)
	var m *models.MemberView
	var err error
	if audited {
		m, err = models.ViewMemberProfile(ctx, h.DB, now, render.Actor(c), u, memberID)
	} else {
		m, err = models.MemberViewFor(ctx, h.DB.R, u, memberID)
	}
	if err != nil {
		return nil, err
	}
	p := &panel{M: m}
	if p.Rules, err = models.LoadRules(ctx, h.DB.R, now); err != nil {
		return nil, err
	}
	if p.Expiring, err = models.ExpiringPoints(ctx, h.DB.R, memberID, now, now.AddDate(0, 0, 30)); err != nil {
		return nil, err
	}
	if p.Progress, err = models.MemberTierProgress(ctx, h.DB.R, now, memberID); err != nil {
		return nil, err
	}
	if p.Purchases, err = models.DeskPurchases(ctx, h.DB.R, memberID, 5); err != nil {
		return nil, err
	}
	if p.Topups, err = models.DeskTopups(ctx, h.DB.R, memberID, 3); err != nil {
		return nil, err
	}
	// The price list's tiles: the purchase form is the panel's first tab.
	if p.Prices, err = models.ListPriceItems(ctx, h.DB.R, true); err != nil {
		return nil, err
	}
	cs, err := models.MemberCoupons(ctx, h.DB.R, memberID, now)
	if err != nil {
		return nil, err
	}
	for _, cp := range cs {
		if cp.Usable {
			p.Coupons++
			p.Usable = append(p.Usable, cp)
		}
	}
	return p, nil
}

// desk renders the desk page, or for htmx the fragment asked for.
func (h handler) desk(c *fiber.Ctx, status int, fragment string, d *deskData) error {
	title := h.T(c, "cashier.title")
	if d.P != nil {
		title = d.P.M.Name + " · " + title
	}
	var errs map[string]string
	if d.P != nil {
		switch {
		case d.P.Purchase != nil:
			errs = d.P.Purchase.Errors
		case d.P.Topup != nil:
			errs = d.P.Topup.Errors
		case d.P.Refund != nil:
			errs = d.P.Refund.Errors
		}
	}
	return h.Page(c, status, "cashier/home", fragment, render.View{Title: title, D: d, Errors: errs})
}

// withShift loads the current shift into d for full-page renders.
func (h handler) withShift(c *fiber.Ctx, d *deskData) error {
	if render.IsFragmentRequest(c) && d.Shift != nil {
		return nil
	}
	s, err := h.shift(c)
	if err != nil || s == nil {
		return err
	}
	d.Shift, err = models.GetShift(c.UserContext(), h.DB.R, s.ID) // with the campus name
	return err
}

// formError turns an expected refusal into a message and field messages for
// a form; anything else is returned for the error handler.
func (h handler) formError(c *fiber.Ctx, err error, fieldMap func(string) string) (string, map[string]string, error) {
	e, ok := models.AsError(err)
	if !ok {
		return "", nil, err
	}
	fields := map[string]string{}
	for f, key := range e.Fields {
		if fieldMap != nil {
			f = fieldMap(f)
		}
		fields[f] = h.T(c, key)
	}
	msg := h.T(c, e.Key, e.Args...)
	if e.Code == "validation" && len(fields) > 0 {
		msg = h.T(c, "cashier.fix_fields")
	}
	return msg, fields, nil
}

// schoolDay parses a yyyy-mm-dd day in the school's zone (today when blank).
func schoolDay(s string, loc *time.Location, now time.Time) (time.Time, bool) {
	if s == "" {
		n := now.In(loc)
		return time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, loc), true
	}
	t, err := time.ParseInLocation("2006-01-02", s, loc)
	return t, err == nil
}
