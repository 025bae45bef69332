package cashier

import (
	"encoding/base64"
	"encoding/json"
	"html/template"
	"sort"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	qrcode "github.com/skip2/go-qrcode"

	"starcard/handlers/render"
	"starcard/models"
)

// receipt is what a printed receipt shows.
type receipt struct {
	No          string
	At          time.Time
	CampusName  string
	CampusAddr  string
	CashierName string
	Member      *models.MemberView
	Purchase    *models.Purchase
	Items       []models.PurchaseItem
	Pays        []payLine
	Topup       *models.Topup
	Refunds     []models.PurchaseRefund
	Lines       *models.PurchaseReceipt // every line of a purchase: they add up to what was paid
	Refund      *models.PurchaseRefund  // a refund receipt: the refund
	RefundOf    string                  // …and the receipt it refunds
	RefundItems []models.ReceiptLine    // the lines it gave back (none: an amount refund)
	RefundSplit models.RefundSplit      // where its money went
	After       models.Balances
	QR          template.URL
	Auto        bool // print on open
}

type payLine struct {
	Method string
	Amount int64
}

// receiptShow renders a purchase's or a top-up's receipt for a 58/80 mm
// thermal printer, with a QR of the receipt number (scanned at the desk it
// opens the refund).
func (h handler) receiptShow(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	r := &receipt{Auto: c.Query("print") == "1"}
	var memberID, campusID, actorID int64
	refType, kind := "purchase", models.KindPurchase
	if strings.HasPrefix(c.Path(), "/cashier/topups/") {
		t, err := models.DeskTopup(ctx, h.DB.R, id)
		if err != nil {
			return err
		}
		r.Topup, r.No, r.At = t, models.DeskReceiptNo(models.ReceiptTopup, id), t.At
		memberID, campusID, actorID = t.MemberID, t.CampusID, t.ActorID
		refType, kind = "topup", models.KindTopup
	} else {
		p, err := models.GetPurchase(ctx, h.DB.R, id)
		if err != nil {
			return err
		}
		r.Purchase, r.No, r.At = p, models.DeskReceiptNo(models.ReceiptPurchase, id), p.At
		memberID, campusID, actorID = p.MemberID, p.CampusID, p.ActorID
		_ = json.Unmarshal([]byte(p.Items), &r.Items)
		for m, v := range p.PaymentMap() {
			r.Pays = append(r.Pays, payLine{m, v})
		}
		sort.Slice(r.Pays, func(i, j int) bool { return methodRank(r.Pays[i].Method) < methodRank(r.Pays[j].Method) })
		lines, refunds, err := models.LoadPurchaseReceipt(ctx, h.DB.R, id)
		if err != nil {
			return err
		}
		r.Lines, r.Refunds = &lines, refunds
	}
	return h.renderReceipt(c, r, memberID, campusID, actorID, func() (models.Balances, error) {
		return models.DeskBalancesAfter(ctx, h.DB.R, memberID, refType, kind, id)
	})
}

// refundReceipt prints a purchase refund: the lines given back (or the
// amount), where the money went, the points, and the balances after it.
func (h handler) refundReceipt(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	rf, err := models.DeskRefundRow(ctx, h.DB.R, id)
	if err != nil {
		return err
	}
	p, err := models.GetPurchase(ctx, h.DB.R, rf.PurchaseID)
	if err != nil {
		return err
	}
	lines, _, err := models.LoadPurchaseReceipt(ctx, h.DB.R, p.ID)
	if err != nil {
		return err
	}
	r := &receipt{Auto: c.Query("print") == "1", No: models.DeskReceiptNo(models.ReceiptRefund, rf.ID), At: rf.At,
		Refund: rf, RefundOf: models.DeskReceiptNo(models.ReceiptPurchase, p.ID)}
	for _, n := range models.ParseLineNos(rf.LineNos) {
		if n < len(lines.Items) {
			r.RefundItems = append(r.RefundItems, lines.Items[n])
		}
	}
	r.RefundSplit = models.RefundSplit{Amount: rf.Amount, StoredValue: rf.SVBonus + rf.SVPrincipal, Owed: rf.OwedMap()}
	return h.renderReceipt(c, r, p.MemberID, p.CampusID, rf.ActorID, func() (models.Balances, error) {
		return models.BalancesAfterJournal(ctx, h.DB.R, p.MemberID, rf.JournalID)
	})
}

// renderReceipt fills in what every receipt prints (campus, member,
// cashier, balances after, QR) and renders it.
func (h handler) renderReceipt(c *fiber.Ctx, r *receipt, memberID, campusID, actorID int64,
	after func() (models.Balances, error)) error {
	ctx, u := c.UserContext(), render.User(c)
	var err error
	if !u.CanSeeCampus(campusID) {
		return models.ErrNotFound
	}
	if r.Member, err = models.MemberViewFor(ctx, h.DB.R, u, memberID); err != nil {
		return err
	}
	if r.After, err = after(); err != nil {
		return err
	}
	campuses, err := models.ListCampuses(ctx, h.DB.R)
	if err != nil {
		return err
	}
	for _, cp := range campuses {
		if cp.ID == campusID {
			r.CampusName, r.CampusAddr = cp.Name, cp.Address
		}
	}
	if st, err := models.GetStaff(ctx, h.DB.R, actorID); err == nil {
		r.CashierName = st.Name
	}
	png, err := qrcode.Encode(r.No, qrcode.Medium, 160)
	if err != nil {
		return err
	}
	r.QR = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png))
	return h.Page(c, fiber.StatusOK, "cashier/receipt", "", render.View{Title: h.T(c, "cashier.receipt") + " " + r.No, D: r})
}

func methodRank(m string) int {
	for i, x := range models.PaymentMethods {
		if x == m {
			return i
		}
	}
	return len(models.PaymentMethods)
}
