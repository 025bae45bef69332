package models

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
	"gorm.io/gorm"
)

// A family's own data, for the parent to download (PIPL art. 45) and the
// request to erase it (art. 47).

// ErasureRequest is a family's request to have its data erased.
type ErasureRequest struct {
	ID           int64
	FamilyID     int64
	GuardianID   int64
	Reason       string
	Status       string // requested, done, declined
	OpenFamilyID *int64
	CreatedAt    time.Time
	ClosedAt     *time.Time
}

// TableName maps ErasureRequest to its table.
func (ErasureRequest) TableName() string { return "erasure_requests" }

// ErrErasurePending refuses a second request while one is open.
var ErrErasurePending = NewError(KindConflict, "erasure-pending", "err.portal_erasure_pending")

// RequestErasure records the parent's request to erase their family's data;
// the school handles it (balances owed must be settled first, and the law
// keeps some records). One open request per family.
func RequestErasure(ctx context.Context, db *DB, now time.Time, p *GuardianPrincipal, ip, reason string) error {
	now = now.UTC()
	reason = strings.TrimSpace(reason)
	if len([]rune(reason)) > 500 {
		return Invalid(map[string]string{"reason": "err.portal_erasure_reason"})
	}
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		for _, g := range p.Guardians {
			fam := g.FamilyID
			r := ErasureRequest{FamilyID: fam, GuardianID: g.ID, Reason: reason, Status: "requested", OpenFamilyID: &fam, CreatedAt: now}
			if err := tx.Create(&r).Error; err != nil {
				if errors.Is(err, gorm.ErrDuplicatedKey) {
					return ErrErasurePending
				}
				return err
			}
			if err := Audit(ctx, tx, now, p.Actor(ip), "family.erasure_request", "family", fam, ""); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("models: request erasure: %w", err)
	}
	return nil
}

// FamilyErasureRequests lists the erasure requests of the parent's families, newest first.
func FamilyErasureRequests(ctx context.Context, db *gorm.DB, p *GuardianPrincipal) ([]ErasureRequest, error) {
	var out []ErasureRequest
	if err := db.WithContext(ctx).Where("family_id IN ?", p.FamilyIDs).Order("id DESC").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("models: erasure requests: %w", err)
	}
	return out, nil
}

// FamilyExport is everything the school holds about a parent's families
// that the parent may take away.
type FamilyExport struct {
	ExportedAt time.Time              `json:"exported_at"`
	Phone      string                 `json:"phone"`
	Guardians  []GuardianView         `json:"guardians"`
	Children   []ExportChild          `json:"children"`
	Complaints []ComplaintView        `json:"complaints"`
	Erasure    []ErasureRequest       `json:"erasure_requests"`
	Inbox      []InboxMessage         `json:"inbox"`
	Prefs      map[string]NotifyPrefs `json:"notification_preferences"`
}

// ExportChild is one child's data in an export.
type ExportChild struct {
	Profile     MemberView       `json:"profile"`
	Ledger      []LedgerEntry    `json:"ledger"`
	Coupons     []Coupon         `json:"coupons"`
	Checkins    []Checkin        `json:"checkins"`
	Redemptions []RedemptionView `json:"reward_redemptions"`
	TierHistory []TierChange     `json:"tier_history"`
}

// allLedger reads a member's whole statement for one asset.
func allLedger(ctx context.Context, db *gorm.DB, memberID int64, asset string) ([]LedgerEntry, error) {
	var out []LedgerEntry
	cursor := ""
	for {
		page, err := MemberLedger(ctx, db, memberID, asset, cursor, 200)
		if err != nil {
			return nil, err
		}
		out = append(out, page.Entries...)
		if page.NextCursor == nil {
			return out, nil
		}
		cursor = *page.NextCursor
	}
}

// ExportFamilyData gathers the parent's families' data and records the
// export in the audit log (a read of children's profiles).
func ExportFamilyData(ctx context.Context, db *DB, now time.Time, p *GuardianPrincipal, ip, format string) (*FamilyExport, error) {
	now = now.UTC()
	r := db.R
	kids, err := PortalChildren(ctx, r, p)
	if err != nil {
		return nil, err
	}
	ex := &FamilyExport{ExportedAt: now, Phone: p.Phone, Prefs: map[string]NotifyPrefs{}}
	seen := map[int64]bool{}
	for _, k := range kids {
		for _, g := range k.Guardians {
			if !seen[g.ID] {
				seen[g.ID] = true
				ex.Guardians = append(ex.Guardians, g)
			}
		}
		c := ExportChild{Profile: k}
		for _, asset := range []string{AssetPoints, "stored_value"} {
			es, err := allLedger(ctx, r, k.ID, asset)
			if err != nil {
				return nil, err
			}
			c.Ledger = append(c.Ledger, es...)
		}
		if err := r.WithContext(ctx).Where("member_id = ?", k.ID).Order("id").Find(&c.Coupons).Error; err != nil {
			return nil, fmt.Errorf("models: export: %w", err)
		}
		if err := r.WithContext(ctx).Where("member_id = ?", k.ID).Order("id").Find(&c.Checkins).Error; err != nil {
			return nil, fmt.Errorf("models: export: %w", err)
		}
		if c.Redemptions, err = MemberRedemptions(ctx, r, k.ID, 1000); err != nil {
			return nil, err
		}
		if c.TierHistory, err = TierHistory(ctx, r, k.ID); err != nil {
			return nil, err
		}
		ex.Children = append(ex.Children, c)
	}
	if ex.Complaints, err = FamilyComplaints(ctx, r, p, 1000); err != nil {
		return nil, err
	}
	if ex.Erasure, err = FamilyErasureRequests(ctx, r, p); err != nil {
		return nil, err
	}
	if ex.Inbox, err = PortalInbox(ctx, r, p, 200); err != nil {
		return nil, err
	}
	for _, id := range p.GuardianIDs() {
		pr, err := LoadNotifyPrefs(ctx, r, id, 0, DefaultNotifyPrefs(DefaultQuietStart, DefaultQuietEnd))
		if err != nil {
			return nil, err
		}
		ex.Prefs[fmt.Sprint(id)] = pr
	}
	if err := Audit(ctx, db.W, now, p.Actor(ip), "family.export", "guardian", p.GuardianID(), "format="+format); err != nil {
		return nil, err
	}
	return ex, nil
}

// JSON encodes the export, indented for people to read.
func (ex *FamilyExport) JSON() ([]byte, error) {
	b, err := json.MarshalIndent(ex, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("models: export json: %w", err)
	}
	return b, nil
}

// ExportLabels are the column and sheet names of the Excel export in the
// parent's language, keyed by an English id (the JSON field name).
type ExportLabels func(id string) string

// XLSX writes the export as an Excel workbook, one sheet per kind of record.
// Amounts of money are in yuan with two decimals, computed from fen with
// integer arithmetic.
func (ex *FamilyExport) XLSX(label ExportLabels, loc *time.Location) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	ts := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(loc).Format("2006-01-02 15:04:05")
	}
	tsp := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return ts(*t)
	}
	type sheet struct {
		name string
		head []string
		rows [][]any
	}
	var sheets []sheet
	gs := sheet{name: label("sheet.guardians"), head: []string{"id", "name", "phone", "relation", "occupation", "position", "consent", "consent_at"}}
	for _, g := range ex.Guardians {
		gs.rows = append(gs.rows, []any{g.ID, g.Name, g.Phone, g.Relation, g.Occupation, g.Position, g.Consent, tsp(g.ConsentAt)})
	}
	sheets = append(sheets, gs)
	ks := sheet{name: label("sheet.children"), head: []string{"id", "name", "gender", "birth_date", "campus", "class", "card_no",
		"tier", "points", "stored_value_principal", "stored_value_bonus"}}
	ls := sheet{name: label("sheet.ledger"), head: []string{"child", "at", "asset", "kind", "amount", "balance_after", "reference"}}
	cs := sheet{name: label("sheet.coupons"), head: []string{"child", "name", "code", "status", "valid_from", "valid_until", "used_at"}}
	ci := sheet{name: label("sheet.checkins"), head: []string{"child", "at", "kind"}}
	rs := sheet{name: label("sheet.redemptions"), head: []string{"child", "reward", "points", "status", "created_at"}}
	for _, c := range ex.Children {
		p := c.Profile
		ks.rows = append(ks.rows, []any{p.ID, p.Name, p.Gender, p.BirthDate, p.CampusName, p.ClassName, p.CardNo, p.Tier,
			p.Balances.Points, exportYuan(p.Balances.StoredValuePrincipal), exportYuan(p.Balances.StoredValueBonus)})
		for _, e := range c.Ledger {
			amt, bal := any(e.Amount), any(e.BalanceAfter)
			if e.Asset != AssetPoints {
				amt, bal = exportYuan(e.Amount), exportYuan(e.BalanceAfter)
			}
			ls.rows = append(ls.rows, []any{p.Name, ts(e.At), e.Asset, e.Kind, amt, bal, e.Reference})
		}
		for _, k := range c.Coupons {
			cs.rows = append(cs.rows, []any{p.Name, k.Name, k.Code, k.Status, ts(k.ValidFrom), ts(k.ValidUntil), tsp(k.UsedAt)})
		}
		for _, k := range c.Checkins {
			ci.rows = append(ci.rows, []any{p.Name, ts(k.At), k.Kind})
		}
		for _, k := range c.Redemptions {
			rs.rows = append(rs.rows, []any{p.Name, k.RewardName, k.Points, k.Status, ts(k.CreatedAt)})
		}
	}
	sheets = append(sheets, ks, ls, cs, ci, rs)
	fb := sheet{name: label("sheet.complaints"), head: []string{"id", "kind", "category", "status", "body", "created_at"}}
	for _, k := range ex.Complaints {
		fb.rows = append(fb.rows, []any{k.ID, k.Kind, k.Category, k.Status, k.Body, ts(k.CreatedAt)})
	}
	in := sheet{name: label("sheet.inbox"), head: []string{"at", "title", "body", "read_at"}}
	for _, m := range ex.Inbox {
		in.rows = append(in.rows, []any{ts(m.CreatedAt), m.Title, m.Body, tsp(m.ReadAt)})
	}
	sheets = append(sheets, fb, in)
	for i, s := range sheets {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", s.name); err != nil {
				return nil, fmt.Errorf("models: export xlsx: %w", err)
			}
		} else if _, err := f.NewSheet(s.name); err != nil {
			return nil, fmt.Errorf("models: export xlsx: %w", err)
		}
		head := make([]any, len(s.head))
		for j, h := range s.head {
			head[j] = label("col." + h)
		}
		if err := f.SetSheetRow(s.name, "A1", &head); err != nil {
			return nil, fmt.Errorf("models: export xlsx: %w", err)
		}
		for j, row := range s.rows {
			cell, _ := excelize.CoordinatesToCellName(1, j+2)
			if err := f.SetSheetRow(s.name, cell, &row); err != nil {
				return nil, fmt.Errorf("models: export xlsx: %w", err)
			}
		}
		last, _ := excelize.ColumnNumberToName(len(s.head))
		_ = f.SetColWidth(s.name, "A", last, 16)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, fmt.Errorf("models: export xlsx: %w", err)
	}
	return buf.Bytes(), nil
}

// exportYuan writes fen as yuan with two decimals ("-12.05"), by integer
// arithmetic, for the spreadsheet.
func exportYuan(fen int64) string {
	sign := ""
	if fen < 0 {
		sign, fen = "-", -fen
	}
	return fmt.Sprintf("%s%d.%02d", sign, fen/100, fen%100)
}
