package cashier

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
)

// refundList is the refunds tab: what the member bought and topped up that
// can still be refunded.
type refundList struct {
	Purchases []models.Purchase
	Topups    []models.Topup
}

// refundForm is the refund of one purchase or one top-up.
type refundForm struct {
	Kind      string // models.ReceiptPurchase or models.ReceiptTopup
	ID        int64
	ReceiptNo string
	Purchase  *models.Purchase
	Receipt   *models.PurchaseReceipt // the purchase's lines, to pick from
	Items     []models.PurchaseItem
	Pays      map[string]int64
	Topup     *models.Topup
	Refunds   []models.PurchaseRefund

	Left      int64
	Threshold int64
	// SelfApprove: the user at the desk is the campus manager (or an admin).
	SelfApprove bool

	Key      string
	Amount   string
	Reason   string
	Approver string
	Lines    map[int]bool // the lines picked
	// Approvers are the managers who may approve here with their PIN.
	Approvers []models.ApproverChoice
	// Split is where the money goes back, shown before the cashier confirms.
	Split   *models.RefundSplit
	Errors  map[string]string
	Message string

	Done *models.DeskRefundOutcome
}

// NeedsApproval reports whether refunding everything left needs a manager.
func (f *refundForm) NeedsApproval() bool { return f.Left > f.Threshold }

// loadRefund loads the purchase or top-up a refund is about, refusing one of
// a campus the user does not work at as unknown.
func (h handler) loadRefund(c *fiber.Ctx, kind string, id int64) (*refundForm, int64, error) {
	ctx, u := c.UserContext(), render.User(c)
	f := &refundForm{Kind: kind, ID: id, ReceiptNo: models.DeskReceiptNo(kind, id), Errors: map[string]string{}}
	var memberID, campusID int64
	if kind == models.ReceiptTopup {
		t, err := models.DeskTopup(ctx, h.DB.R, id)
		if err != nil {
			return nil, 0, err
		}
		f.Topup, f.Left, memberID, campusID = t, t.Amount-t.Refunded, t.MemberID, t.CampusID
		if !u.CanSeeCampus(campusID) {
			return nil, 0, models.ErrTopupNotFound
		}
	} else {
		p, err := models.GetPurchase(ctx, h.DB.R, id)
		if err != nil {
			return nil, 0, err
		}
		f.Purchase, f.Left, memberID, campusID = p, p.Paid-p.Refunded, p.MemberID, p.CampusID
		if !u.CanSeeCampus(campusID) {
			return nil, 0, models.ErrPurchaseNotFound
		}
		_ = json.Unmarshal([]byte(p.Items), &f.Items)
		f.Pays = p.PaymentMap()
		r, refunds, err := models.LoadPurchaseReceipt(ctx, h.DB.R, id)
		if err != nil {
			return nil, 0, err
		}
		f.Receipt, f.Refunds = &r, refunds
	}
	f.SelfApprove = models.CanApproveRefund(u, campusID)
	if !f.SelfApprove {
		var err error
		if f.Approvers, err = models.DeskApprovers(ctx, h.DB.R, campusID); err != nil {
			return nil, 0, err
		}
	}
	f.Lines = map[int]bool{}
	return f, memberID, nil
}

// splitFor works out where a refund of amount goes back, by the rule the
// refund posts with: a purchase's over what is left of each way it was paid,
// a top-up's to the way it was paid.
func (f *refundForm) splitFor(amount int64) {
	if amount <= 0 || amount > f.Left {
		f.Split = nil
		return
	}
	if f.Purchase != nil {
		s := models.PreviewRefundSplit(f.Purchase, f.Refunds, amount)
		f.Split = &s
		return
	}
	f.Split = &models.RefundSplit{Amount: amount, Owed: map[string]int64{f.Topup.Method: amount}}
}

// readLines reads the picked purchase lines ("line" checkboxes) and, when
// there are some, the amount they come to.
func (f *refundForm) readLines(c *fiber.Ctx) ([]int, int64, error) {
	var lines []int
	for _, v := range c.Request().PostArgs().PeekMulti("line") {
		n, err := strconv.Atoi(string(v))
		if err != nil {
			return nil, 0, models.Invalid(map[string]string{"lines": "desk.refund_bad_line"})
		}
		lines = append(lines, n)
		f.Lines[n] = true
	}
	if len(lines) == 0 || f.Receipt == nil {
		return nil, 0, nil
	}
	fen, err := models.LinesAmount(*f.Receipt, lines)
	return lines, fen, err
}

// refundPreview re-shows where the money goes as the cashier picks lines or
// types an amount: the split is on screen before the confirm button is.
func (h handler) refundPreview(c *fiber.Ctx) error {
	kind := c.FormValue("kind")
	if kind != models.ReceiptTopup {
		kind = models.ReceiptPurchase
	}
	id, err := strconv.ParseInt(c.FormValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return fiber.ErrNotFound
	}
	f, _, err := h.loadRefund(c, kind, id)
	if err != nil {
		return err
	}
	_, fen, err := f.readLines(c)
	if err != nil {
		msg, fields, ierr := h.formError(c, err, nil)
		if ierr != nil {
			return ierr
		}
		f.Message = msg
		for k, v := range fields {
			f.Errors[k] = v
		}
	} else if len(f.Lines) == 0 {
		var blank, ok bool
		fen, blank, ok = parseFen(c.FormValue("amount"))
		if blank {
			fen = f.Left
		} else if !ok {
			fen = 0
		}
	}
	f.splitFor(fen)
	if !render.IsFragmentRequest(c) {
		return fiber.ErrBadRequest // only the form's own htmx asks for this
	}
	return h.Page(c, fiber.StatusOK, "cashier/home", "refund-split", render.View{D: &deskData{P: &panel{Refund: f}}})
}

// refundList shows the refunds tab.
func (h handler) refundList(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	p, err := h.loadPanel(c, id, false)
	if err != nil {
		return err
	}
	l := &refundList{}
	if l.Purchases, err = models.DeskPurchases(ctx, h.DB.R, id, 20); err != nil {
		return err
	}
	if l.Topups, err = models.DeskTopups(ctx, h.DB.R, id, 10); err != nil {
		return err
	}
	p.Action, p.Refunds = "refunds", l
	d := &deskData{P: p}
	if err := h.withShift(c, d); err != nil {
		return err
	}
	return h.desk(c, fiber.StatusOK, "action", d)
}

// refundFind opens the refund of a receipt number typed in the refunds tab.
func (h handler) refundFind(c *fiber.Ctx) error {
	kind, id, ok := models.ParseDeskReceiptNo(c.Query("no"))
	if !ok {
		return models.ErrBadReceiptNo
	}
	path := "/cashier/purchases/" + strconv.FormatInt(id, 10) + "/refund"
	if kind == models.ReceiptTopup {
		path = "/cashier/topups/" + strconv.FormatInt(id, 10) + "/refund"
	}
	return render.Redirect(c, path)
}

// refundNew shows the refund form of a purchase or a top-up, inside the
// member's panel.
func (h handler) refundNew(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	kind := models.ReceiptPurchase
	if strings.HasPrefix(c.Path(), "/cashier/topups/") {
		kind = models.ReceiptTopup
	}
	f, memberID, err := h.loadRefund(c, kind, id)
	if err != nil {
		return err
	}
	p, err := h.loadPanel(c, memberID, !render.IsFragmentRequest(c))
	if err != nil {
		return err
	}
	f.Key, f.Threshold = newKey(), p.Rules.RefundApprovalAmount
	if f.Left > 0 {
		f.Amount = yuanInput(f.Left)
		f.splitFor(f.Left)
	}
	p.Action, p.Refund = "refund", f
	d := &deskData{P: p}
	if err := h.withShift(c, d); err != nil {
		return err
	}
	return h.desk(c, fiber.StatusOK, "action", d)
}
