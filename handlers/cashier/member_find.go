package cashier

import (
	"errors"
	"regexp"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
)

// receiptRe matches a scanned or typed receipt number (P00000123, T00000045).
var receiptRe = regexp.MustCompile(`^[PpTt]\d{8}$`)

// memberFind answers the scan box: a card's QR or number opens that
// member's panel at once; a receipt number opens its refund; anything else
// is a one-box search (name, pinyin initials, phone tail), where a single
// match opens the panel and several are listed.
func (h handler) memberFind(c *fiber.Ctx) error {
	ctx, u := c.UserContext(), render.User(c)
	q := strings.TrimSpace(c.Query("q"))
	d := &deskData{Q: q}
	if err := h.withShift(c, d); err != nil {
		return err
	}
	if q == "" {
		d.ScanError = h.T(c, "cashier.scan_empty")
		return h.desk(c, fiber.StatusOK, "desk", d)
	}
	if receiptRe.MatchString(q) {
		kind, id, _ := models.ParseDeskReceiptNo(q)
		path := "/cashier/purchases/" + strconv.FormatInt(id, 10) + "/refund"
		if kind == models.ReceiptTopup {
			path = "/cashier/topups/" + strconv.FormatInt(id, 10) + "/refund"
		}
		return render.Redirect(c, path)
	}
	in := models.ScanInput(q)
	if in.QR != "" || models.ValidCardNo(in.CardNo) {
		card, err := models.ResolveCard(ctx, h.DB.R, h.Secret, h.Loc, in)
		switch {
		case err == nil:
			return h.showMember(c, d, card.MemberID)
		case in.QR != "" || !errors.Is(err, models.ErrUnknownCard):
			e, ok := models.AsError(err)
			if !ok {
				return err
			}
			d.ScanError = h.T(c, e.Key, e.Args...)
			return h.desk(c, fiber.StatusOK, "desk", d)
		}
		// A valid-looking number that is no card may be a phone: search.
	}
	ms, _, err := models.SearchMembers(ctx, h.DB.R, u, q, "", 8)
	if err != nil {
		return err
	}
	switch len(ms) {
	case 0:
		d.NoMatch = true
	case 1:
		return h.showMember(c, d, ms[0].ID)
	default:
		d.Matches = ms
	}
	return h.desk(c, fiber.StatusOK, "desk", d)
}

// memberShow opens a member's panel by id (a click in the match list, or a
// reload of the page).
func (h handler) memberShow(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	d := &deskData{}
	if err := h.withShift(c, d); err != nil {
		return err
	}
	return h.showMember(c, d, id)
}

func (h handler) showMember(c *fiber.Ctx, d *deskData, id int64) error {
	p, err := h.loadPanel(c, id, true)
	if err != nil {
		return err
	}
	p.Action = "purchase"
	p.Purchase = newPurchaseForm(p)
	d.P = p
	if render.IsFragmentRequest(c) {
		c.Set("HX-Push-Url", "/cashier/members/"+strconv.FormatInt(id, 10))
	}
	return h.desk(c, fiber.StatusOK, "desk", d)
}
