package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"starcard/models/ledgerchain"
)

// The ledger keeps points and stored value as double-entry postings. Every
// business operation is one journal whose postings sum to zero per asset.
// Member and family accounts hold a running balance and a sequence number,
// updated under a row lock in the operation's own transaction; system
// accounts are never updated (their balance is the sum of their postings),
// so no shared row serialises the whole school.

// Assets a posting is denominated in.
const (
	AssetPoints = "points"
	AssetCNY    = "cny" // fen
)

// Names of a member's (or family's) accounts.
const (
	AcctPoints    = "points"
	AcctPrincipal = "principal"
	AcctBonus     = "bonus"
)

// System accounts, seeded with fixed ids by migration 0010.
const (
	SysPointsIssued   int64 = 1
	SysPointsSpent    int64 = 2
	SysPointsExpired  int64 = 3
	SysPointsHeld     int64 = 4
	SysPointsAdjust   int64 = 5
	SysClearingCash   int64 = 10
	SysClearingWechat int64 = 11
	SysClearingAlipay int64 = 12
	SysClearingCard   int64 = 13
	SysRevenue        int64 = 14
	SysBonusExpense   int64 = 15
	SysPointsDiscount int64 = 16
	SysBonusForfeited int64 = 17
	SysValueHeld      int64 = 18
	SysCNYAdjust      int64 = 19
	SysCouponDiscount int64 = 20
)

// clearingAccount maps a recorded payment method to its clearing account.
var clearingAccount = map[string]int64{
	"cash": SysClearingCash, "wechat": SysClearingWechat, "alipay": SysClearingAlipay, "bank_card": SysClearingCard,
}

// Journal kinds.
const (
	KindEarn         = "earn"
	KindPurchase     = "purchase"
	KindTopup        = "topup"
	KindRefund       = "refund"
	KindTopupRefund  = "topup_refund"
	KindExpire       = "expire"
	KindHold         = "hold"
	KindCapture      = "capture"
	KindRelease      = "release"
	KindAdjust       = "adjust"
	KindPointsReturn = "points_return"
)

// Expected ledger failures.
var (
	ErrMemberNotFound      = NewError(KindNotFound, "unknown-member", "err.ledger_unknown_member")
	ErrInsufficientBalance = NewError(KindConflict, "insufficient-balance", "err.ledger_insufficient_balance")
	ErrInsufficientPoints  = NewError(KindConflict, "insufficient-points", "err.ledger_insufficient_points")
	ErrBadAmount           = NewError(KindInvalid, "bad-amount", "err.ledger_bad_amount")
)

// Balances are a member's balances; stored value is the family's when the family wallet is on.
type Balances struct {
	Points               int64 `json:"points"`
	StoredValuePrincipal int64 `json:"stored_value_principal"`
	StoredValueBonus     int64 `json:"stored_value_bonus"`
}

// StoredValue is principal plus bonus.
func (b Balances) StoredValue() int64 { return b.StoredValuePrincipal + b.StoredValueBonus }

// Account is one ledger account.
type Account struct {
	ID        int64
	OwnerType string // "member", "family", "system"
	OwnerID   int64
	Name      string
	Asset     string
	Balance   int64
	Seq       int64
	ChainHash string // hash of the last journal that moved it (models/ledgerchain)
	CampusID  int64  // the campus its balance counts at (ledger_totals.go)
	CreatedAt time.Time
}

// TableName maps Account to its table.
func (Account) TableName() string { return "ledger_accounts" }

// Journal is one business operation in the ledger.
type Journal struct {
	ID         int64
	Kind       string
	CampusID   int64
	ActorType  string
	ActorID    int64
	Device     string
	RefType    string
	RefID      int64
	Reason     string
	ReversesID *int64
	At         time.Time
	ChainHash  string // see models/ledgerchain
}

// TableName maps Journal to its table.
func (Journal) TableName() string { return "ledger_journals" }

// Posting is one immutable line of a journal.
type Posting struct {
	ID           int64
	JournalID    int64
	AccountID    int64
	Asset        string
	Amount       int64
	Seq          *int64
	BalanceAfter *int64
	At           time.Time
}

// TableName maps Posting to its table.
func (Posting) TableName() string { return "ledger_postings" }

// Lot is a batch of earned points with its expiry.
type Lot struct {
	ID          int64
	AccountID   int64
	JournalID   int64
	Amount      int64
	Remaining   int64
	EarnedAt    time.Time
	AvailableAt time.Time
	ExpiresAt   time.Time
}

// TableName maps Lot to its table.
func (Lot) TableName() string { return "points_lots" }

type lotDraw struct {
	ID        int64
	LotID     int64
	JournalID int64
	Amount    int64
}

func (lotDraw) TableName() string { return "points_lot_draws" }

// wallet is one member's accounts, locked for the current transaction.
type wallet struct {
	MemberID  int64
	CampusID  int64
	FamilyID  int64
	Shared    bool
	Tier      string
	Grade     string
	Points    *Account
	Principal *Account
	Bonus     *Account
	Days      seenDays
}

func (w *wallet) balances() Balances {
	return Balances{Points: w.Points.Balance, StoredValuePrincipal: w.Principal.Balance, StoredValueBonus: w.Bonus.Balance}
}

func isMySQL(tx *gorm.DB) bool { return tx.Dialector.Name() == "mysql" }

// forUpdate is the locking suffix: SQLite has no FOR UPDATE, and needs none
// because its writer holds an immediate lock for the whole transaction.
func forUpdate(tx *gorm.DB) string {
	if isMySQL(tx) {
		return " FOR UPDATE"
	}
	return ""
}

type memberRow struct {
	ID           int64
	CampusID     int64
	FamilyID     int64
	Tier         string
	SharedWallet bool
}

// walletRow is one row of lockWallet's query: the member, and one of its
// accounts (or none yet).
type walletRow struct {
	MemberID     int64
	CampusID     int64
	FamilyID     int64
	Tier         string
	SharedWallet bool
	Grade        string
	Spend        int64
	Days         seenDays
	AcctID       *int64
	OwnerType    string
	OwnerID      int64
	Name         string
	Asset        string
	Balance      int64
	Seq          int64
	ChainHash    string
	AcctCampusID int64
}

// scanWalletRows runs the wallet lock query on tx's connection and reads
// its rows by hand (every purchase, top-up and arrival runs it; GORM's
// reflecting Scan was a tenth of the purchase's CPU). The account columns
// are NULL for a member with no accounts yet.
func scanWalletRows(ctx context.Context, tx *gorm.DB, query string, args ...any) ([]walletRow, error) {
	rs, err := querySQL(ctx, tx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	out := make([]walletRow, 0, 3)
	for rs.Next() {
		var r walletRow
		var tier, ownerType, name, asset, chain sql.NullString
		var acct, ownerID, balance, seq, acctCampus sql.NullInt64
		if err := rs.Scan(&r.MemberID, &r.CampusID, &r.FamilyID, &tier, &r.SharedWallet, &r.Grade, &r.Spend,
			&r.Days.Seen, &r.Days.LastBuy, &r.Days.PrevBuy, &r.Days.Cohort, &r.Days.Months, &r.Days.CreatedAt, &acct, &ownerType, &ownerID, &name, &asset, &balance, &seq, &chain, &acctCampus); err != nil {
			return nil, err
		}
		r.Tier, r.OwnerType, r.Name, r.Asset, r.ChainHash = tier.String, ownerType.String, name.String, asset.String, chain.String
		r.OwnerID, r.Balance, r.Seq, r.AcctCampusID = ownerID.Int64, balance.Int64, seq.Int64, acctCampus.Int64
		if acct.Valid {
			id := acct.Int64
			r.AcctID = &id
		}
		out = append(out, r)
	}
	return out, rs.Err()
}

// lockWallet locks the member (and family) row and the member's accounts,
// creating missing accounts, in a fixed order: member row, then accounts by
// the unique index. Everything that moves a member's balances goes through
// here, so two operations on one member (or one family wallet) serialise on
// the database, whichever app instance runs them.
func lockWallet(ctx context.Context, tx *gorm.DB, now time.Time, memberID int64) (*wallet, error) {
	w, _, err := lockWalletSpend(ctx, tx, now, memberID, 0)
	return w, err
}

// lockWalletSpend is lockWallet that also returns the member's net spend
// on the school days after sinceDay (yyyymmdd; 0: not needed), all in one statement: on MySQL every round
// trip inside the transaction is time the member's row stays locked.
func lockWalletSpend(ctx context.Context, tx *gorm.DB, now time.Time, memberID int64, sinceDay int64) (*wallet, int64, error) {
	spendCol, args := "0 AS spend", []any{}
	if sinceDay > 0 {
		// A locking read does not lock the rows of a subquery: purchases stay unlocked.
		spendCol = "(SELECT COALESCE(SUM(s.amount), 0) FROM member_spend_days s WHERE s.member_id = m.id AND s.day > ?) AS spend"
		args = append(args, sinceDay)
	}
	args = append(args, memberID)
	rows, err := scanWalletRows(ctx, tx, `SELECT m.id AS member_id, m.campus_id, m.family_id, m.tier, f.shared_wallet, m.grade, `+spendCol+`,
		m.last_seen_day, m.last_buy_day, m.prev_buy_day, m.cohort, m.seen_months, m.created_at,
		a.id AS acct_id, a.owner_type, a.owner_id, a.name, a.asset, a.balance, a.seq, a.chain_hash, a.campus_id AS acct_campus_id
		FROM members m JOIN families f ON f.id = m.family_id
		LEFT JOIN ledger_accounts a ON a.owner_type = 'member' AND a.owner_id = m.id
		WHERE m.id = ? AND m.archived_at IS NULL ORDER BY a.id`+forUpdate(tx), args...)
	if err != nil {
		return nil, 0, fmt.Errorf("models: lock wallet: %w", err)
	}
	if len(rows) == 0 {
		return nil, 0, ErrMemberNotFound
	}
	m := rows[0]
	w := &wallet{MemberID: m.MemberID, CampusID: m.CampusID, FamilyID: m.FamilyID, Shared: m.SharedWallet, Tier: m.Tier, Grade: m.Grade, Days: m.Days}
	if w.Tier == "" {
		w.Tier = TierSilver
	}
	accts := make([]Account, 0, 3)
	for _, r := range rows {
		if r.AcctID != nil {
			accts = append(accts, Account{ID: *r.AcctID, OwnerType: r.OwnerType, OwnerID: r.OwnerID, Name: r.Name,
				Asset: r.Asset, Balance: r.Balance, Seq: r.Seq, ChainHash: r.ChainHash, CampusID: r.AcctCampusID})
		}
	}
	svType, svID := "member", m.MemberID
	if m.SharedWallet {
		svType, svID = "family", m.FamilyID
		var fam []Account
		if err := tx.WithContext(ctx).Raw(`SELECT * FROM ledger_accounts WHERE owner_type = 'family' AND owner_id = ? ORDER BY id`+
			forUpdate(tx), m.FamilyID).Scan(&fam).Error; err != nil {
			return nil, 0, fmt.Errorf("models: lock wallet: %w", err)
		}
		accts = append(accts, fam...)
	}
	for i := range accts {
		a := &accts[i]
		switch {
		case a.OwnerType == "member" && a.Name == AcctPoints:
			w.Points = a
		case a.OwnerType == svType && a.Name == AcctPrincipal:
			w.Principal = a
		case a.OwnerType == svType && a.Name == AcctBonus:
			w.Bonus = a
		}
	}
	need := []struct {
		slot      **Account
		ownerType string
		ownerID   int64
		name      string
		asset     string
	}{
		{&w.Points, "member", m.MemberID, AcctPoints, AssetPoints},
		{&w.Principal, svType, svID, AcctPrincipal, AssetCNY},
		{&w.Bonus, svType, svID, AcctBonus, AssetCNY},
	}
	for _, n := range need {
		if *n.slot != nil {
			continue
		}
		a, err := createWalletAccount(ctx, tx, now, w, n.ownerType, n.ownerID, n.name, n.asset)
		if err != nil {
			return nil, 0, err
		}
		*n.slot = a
	}
	return w, m.Spend, nil
}

// createAccount inserts an account, or locks and returns the one a
// concurrent transaction created first.
func createAccount(ctx context.Context, tx *gorm.DB, now time.Time, ownerType string, ownerID int64, name, asset string) (*Account, error) {
	campus, err := accountCampus(ctx, tx, ownerType, ownerID)
	if err != nil {
		return nil, err
	}
	return createAccountAt(ctx, tx, now, ownerType, ownerID, campus, name, asset)
}

// createAccountAt is createAccount for an account counting at campus.
func createAccountAt(ctx context.Context, tx *gorm.DB, now time.Time, ownerType string, ownerID, campus int64, name, asset string) (*Account, error) {
	a := &Account{OwnerType: ownerType, OwnerID: ownerID, Name: name, Asset: asset, CampusID: campus, CreatedAt: now.UTC()}
	err := tx.WithContext(ctx).Create(a).Error
	if err == nil {
		return a, nil
	}
	if !errors.Is(err, gorm.ErrDuplicatedKey) {
		return nil, fmt.Errorf("models: create account: %w", err)
	}
	var got Account
	if err := tx.WithContext(ctx).Raw(`SELECT * FROM ledger_accounts WHERE owner_type = ? AND owner_id = ? AND name = ?`+
		forUpdate(tx), ownerType, ownerID, name).Scan(&got).Error; err != nil {
		return nil, fmt.Errorf("models: create account: %w", err)
	}
	return &got, nil
}

// line is one posting before it is written: either a locked member account
// or a system account id.
type line struct {
	acct   *Account
	sys    int64
	asset  string
	amount int64
}

// draft is a journal being built.
type draft struct {
	Kind       string
	CampusID   int64
	Actor      Actor
	RefType    string
	RefID      int64
	Reason     string
	ReversesID *int64
	lines      []line
}

// add appends a posting to a member/family account.
func (d *draft) add(a *Account, amount int64) {
	if amount != 0 {
		d.lines = append(d.lines, line{acct: a, asset: a.Asset, amount: amount})
	}
}

// sys appends a posting to a system account.
func (d *draft) sys(id int64, asset string, amount int64) {
	if amount != 0 {
		d.lines = append(d.lines, line{sys: id, asset: asset, amount: amount})
	}
}

// errUnbalanced is a programming error: a journal must sum to zero per asset.
var errUnbalanced = errors.New("journal does not balance")

// post writes the journal, its postings and the new balances. A member
// account may not go below zero: that is refused with ErrInsufficientBalance
// (callers check first and give a better message; this is the last guard).
func post(ctx context.Context, tx *gorm.DB, now time.Time, d *draft) (int64, error) {
	sums := map[string]int64{}
	for _, l := range d.lines {
		sums[l.asset] += l.amount
	}
	for asset, s := range sums {
		if s != 0 {
			return 0, fmt.Errorf("models: post %s: %w (%s off by %d)", d.Kind, errUnbalanced, asset, s)
		}
	}
	// The columns keep milliseconds: the hash covers what is stored.
	now = now.UTC().Truncate(time.Millisecond)
	j := Journal{Kind: d.Kind, CampusID: d.CampusID, ActorType: d.Actor.Type, ActorID: d.Actor.ID,
		Device: truncate(d.Actor.Device, 64), RefType: d.RefType, RefID: d.RefID, Reason: truncate(d.Reason, 255),
		ReversesID: d.ReversesID, At: now}
	if j.ActorType == "" {
		j.ActorType = "system"
	}
	ps := make([]Posting, 0, len(d.lines))
	hps := make([]ledgerchain.Posting, 0, len(d.lines))
	var touched []*Account
	var prevs []ledgerchain.Prev
	for _, l := range d.lines {
		p := Posting{Asset: l.asset, Amount: l.amount, At: now}
		if l.acct != nil {
			a := l.acct
			a.Balance += l.amount
			if a.Balance < 0 {
				if a.Asset == AssetPoints {
					return 0, ErrInsufficientPoints
				}
				return 0, ErrInsufficientBalance
			}
			a.Seq++
			seq, bal := a.Seq, a.Balance
			p.AccountID, p.Seq, p.BalanceAfter = a.ID, &seq, &bal
			if !containsAcct(touched, a) {
				touched = append(touched, a)
				prevs = append(prevs, ledgerchain.Prev{AccountID: a.ID, Hash: a.ChainHash})
			}
		} else {
			p.AccountID = l.sys
		}
		ps = append(ps, p)
		hps = append(hps, ledgerchain.Posting{AccountID: p.AccountID, Asset: p.Asset, Amount: p.Amount, Seq: p.Seq,
			BalanceAfter: p.BalanceAfter})
	}
	// Every account moved here is locked by this transaction, so extending
	// their chains takes no further lock.
	j.ChainHash = ledgerchain.Sum(ledgerchain.Journal{Kind: j.Kind, CampusID: j.CampusID, ActorType: j.ActorType,
		ActorID: j.ActorID, Device: j.Device, RefType: j.RefType, RefID: j.RefID, Reason: j.Reason,
		ReversesID: j.ReversesID, At: j.At}, prevs, hps)
	id, err := insertID(ctx, tx, `INSERT INTO ledger_journals (kind, campus_id, actor_type, actor_id, device, ref_type,
		ref_id, reason, reverses_id, at, chain_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, j.Kind, j.CampusID,
		j.ActorType, j.ActorID, j.Device, j.RefType, j.RefID, j.Reason, j.ReversesID, j.At, j.ChainHash)
	if err != nil {
		return 0, fmt.Errorf("models: post %s: %w", d.Kind, err)
	}
	j.ID = id
	if len(ps) == 0 {
		return j.ID, nil
	}
	var sb strings.Builder
	sb.WriteString("INSERT INTO ledger_postings (journal_id, account_id, asset, amount, seq, balance_after, at) VALUES ")
	valuesList(&sb, "(?, ?, ?, ?, ?, ?, ?)", len(ps))
	args := make([]any, 0, 7*len(ps))
	for i := range ps {
		ps[i].JournalID = j.ID
		p := &ps[i]
		args = append(args, p.JournalID, p.AccountID, p.Asset, p.Amount, p.Seq, p.BalanceAfter, p.At)
	}
	if _, err := ExecSQL(ctx, tx, sb.String(), args...); err != nil {
		return 0, fmt.Errorf("models: post %s: postings: %w", d.Kind, err)
	}
	for _, a := range touched {
		a.ChainHash = j.ChainHash
	}
	if err := saveBalances(ctx, tx, touched, j.ChainHash); err != nil {
		return 0, fmt.Errorf("models: post %s: %w", d.Kind, err)
	}
	if err := addPostingTotals(ctx, tx, d.lines); err != nil {
		return 0, fmt.Errorf("models: post %s: %w", d.Kind, err)
	}
	return j.ID, nil
}

func containsAcct(as []*Account, a *Account) bool {
	for _, x := range as {
		if x == a {
			return true
		}
	}
	return false
}

// saveBalances writes the new balance, sequence and chain head of every
// touched account in one statement.
func saveBalances(ctx context.Context, tx *gorm.DB, as []*Account, head string) error {
	switch len(as) {
	case 0:
		return nil
	case 1:
		_, err := ExecSQL(ctx, tx, `UPDATE ledger_accounts SET balance = ?, seq = ?, chain_hash = ? WHERE id = ?`,
			as[0].Balance, as[0].Seq, head, as[0].ID)
		return err
	}
	var sb strings.Builder
	args := make([]any, 0, len(as)*5)
	sb.WriteString("UPDATE ledger_accounts SET balance = CASE id")
	for _, a := range as {
		sb.WriteString(" WHEN ? THEN ?")
		args = append(args, a.ID, a.Balance)
	}
	sb.WriteString(" END, seq = CASE id")
	for _, a := range as {
		sb.WriteString(" WHEN ? THEN ?")
		args = append(args, a.ID, a.Seq)
	}
	sb.WriteString(" END, chain_hash = ? WHERE id IN (")
	args = append(args, head)
	for i, a := range as {
		if i > 0 {
			sb.WriteString(",")
		}
		sb.WriteString("?")
		args = append(args, a.ID)
	}
	sb.WriteString(")")
	_, err := ExecSQL(ctx, tx, sb.String(), args...)
	return err
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	// cut on a rune boundary
	for n > 0 && (s[n]&0xC0) == 0x80 {
		n--
	}
	return s[:n]
}

// campusOf is the campus an operation is recorded under: the member's, never
// the caller's (a desk or token of another campus must not move a member's
// money into its own books); the actor's only for a member of no campus.
func campusOf(a Actor, w *wallet) int64 {
	if w.CampusID != 0 {
		return w.CampusID
	}
	return a.CampusID
}

// MemberBalances returns balances for each member id (zero balances for members with no accounts yet).
func MemberBalances(ctx context.Context, db *gorm.DB, memberIDs ...int64) (map[int64]Balances, error) {
	out := make(map[int64]Balances, len(memberIDs))
	if len(memberIDs) == 0 {
		return out, nil
	}
	for _, id := range memberIDs {
		out[id] = Balances{}
	}
	type row struct {
		MemberID int64
		Name     string
		Balance  int64
	}
	var rows []row
	err := db.WithContext(ctx).Raw(`
		SELECT m.id AS member_id, a.name, a.balance
		FROM members m JOIN families f ON f.id = m.family_id
		JOIN ledger_accounts a ON a.owner_type = 'member' AND a.owner_id = m.id
		WHERE m.id IN ? AND (a.name = 'points' OR f.shared_wallet = 0)
		UNION ALL
		SELECT m.id AS member_id, a.name, a.balance
		FROM members m JOIN families f ON f.id = m.family_id AND f.shared_wallet = 1
		JOIN ledger_accounts a ON a.owner_type = 'family' AND a.owner_id = m.family_id
		WHERE m.id IN ?`, memberIDs, memberIDs).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("models: member balances: %w", err)
	}
	for _, r := range rows {
		b := out[r.MemberID]
		switch r.Name {
		case AcctPoints:
			b.Points = r.Balance
		case AcctPrincipal:
			b.StoredValuePrincipal = r.Balance
		case AcctBonus:
			b.StoredValueBonus = r.Balance
		}
		out[r.MemberID] = b
	}
	return out, nil
}

// Award describes points given for a reason (attendance, behaviour, birthday, referral, survey…).
type Award struct {
	MemberID int64
	Points   int64  // > 0
	Reason   string // "attendance", "behaviour", "birthday", "referral", "survey", "manual"…
	RefType  string // e.g. "checkin"
	RefID    int64
	Actor    Actor
}

// AwardPoints posts an earn journal inside the caller's transaction tx (creating a lot with the default expiry) and
// returns the journal id. Callers make it idempotent through their own reference (one award per RefType/RefID/Reason).
func AwardPoints(ctx context.Context, tx *gorm.DB, now time.Time, a Award) (int64, error) {
	if a.Points <= 0 {
		return 0, ErrBadAmount.Field("points", "err.ledger_bad_amount")
	}
	rules, err := LoadRules(ctx, tx, now)
	if err != nil {
		return 0, err
	}
	w, err := lockWallet(ctx, tx, now, a.MemberID)
	if err != nil {
		return 0, err
	}
	d := &draft{Kind: KindEarn, CampusID: campusOf(a.Actor, w), Actor: a.Actor, RefType: a.RefType, RefID: a.RefID,
		Reason: a.Reason}
	d.add(w.Points, a.Points)
	d.sys(SysPointsIssued, AssetPoints, -a.Points)
	jid, err := post(ctx, tx, now, d)
	if err != nil {
		return 0, fmt.Errorf("models: award points: %w", err)
	}
	// Awards are available at once; only purchase points wait PendingDays.
	if err := addLot(ctx, tx, w.Points.ID, jid, a.Points, now, now, LotExpiry(now, rules)); err != nil {
		return 0, fmt.Errorf("models: award points: %w", err)
	}
	if err := Emit(ctx, tx, DomainEvent{Type: EventPointsEarned, At: now, CampusID: w.CampusID, MemberID: a.MemberID, ObjectID: jid, Actor: a.Actor, Object: map[string]any{"member_id": a.MemberID, "points": a.Points, "reason": a.Reason, "ref_type": a.RefType, "reference": Ref(a.RefType, a.RefID), "balance": w.Points.Balance}}); err != nil {
		return 0, err
	}
	return jid, nil
}

// LotExpiry is when points earned at t expire: the end (midnight starting the
// next month, school time) of the ExpiryMonths-th month after t's month.
func LotExpiry(t time.Time, r Rules) time.Time {
	loc := r.Location()
	lt := t.In(loc)
	return time.Date(lt.Year(), lt.Month()+time.Month(r.ExpiryMonths)+1, 1, 0, 0, 0, 0, loc).UTC()
}

func addLot(ctx context.Context, tx *gorm.DB, accountID, journalID, amount int64, earned, available, expires time.Time) error {
	_, err := ExecSQL(ctx, tx, `INSERT INTO points_lots (account_id, journal_id, amount, remaining, earned_at, available_at,
		expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)`, accountID, journalID, amount, amount, earned.UTC(), available.UTC(), expires.UTC())
	return err
}

// spendableLots returns the account's lots that can be spent at now, soonest-expiring first.
func spendableLots(ctx context.Context, tx *gorm.DB, accountID int64, now time.Time) ([]Lot, error) {
	var ls []Lot
	err := tx.WithContext(ctx).Raw(`SELECT * FROM points_lots WHERE account_id = ? AND remaining > 0
		AND expires_at > ? AND available_at <= ? ORDER BY expires_at, id`, accountID, now.UTC(), now.UTC()).Scan(&ls).Error
	if err != nil {
		return nil, fmt.Errorf("models: spendable lots: %w", err)
	}
	return ls, nil
}

// lotMove is a change to one lot: a positive draw takes points out of it, a
// negative one puts them back.
type lotMove struct {
	LotID  int64
	Amount int64
}

// planDraw takes need points from lots in the given order; it returns the
// moves and how many points it could not find.
func planDraw(lots []Lot, need int64) ([]lotMove, int64) {
	var mv []lotMove
	for _, l := range lots {
		if need == 0 {
			break
		}
		take := min(l.Remaining, need)
		if take <= 0 {
			continue
		}
		mv = append(mv, lotMove{LotID: l.ID, Amount: take})
		need -= take
	}
	return mv, need
}

// applyLotMoves records the draws and updates the lots' remaining points.
func applyLotMoves(ctx context.Context, tx *gorm.DB, journalID int64, mv []lotMove) error {
	// One lot may appear twice (points put back and taken again in one
	// refund): merge per lot, or the CASE below would apply only the first.
	merged := make([]lotMove, 0, len(mv))
	at := map[int64]int{}
	for _, m := range mv {
		if i, ok := at[m.LotID]; ok {
			merged[i].Amount += m.Amount
			continue
		}
		at[m.LotID] = len(merged)
		merged = append(merged, m)
	}
	mv = merged[:0]
	for _, m := range merged {
		if m.Amount != 0 {
			mv = append(mv, m)
		}
	}
	if len(mv) == 0 {
		return nil
	}
	draws := make([]lotDraw, len(mv))
	var sb strings.Builder
	args := make([]any, 0, len(mv)*3)
	sb.WriteString("UPDATE points_lots SET remaining = remaining - CASE id")
	for i, m := range mv {
		draws[i] = lotDraw{LotID: m.LotID, JournalID: journalID, Amount: m.Amount}
		sb.WriteString(" WHEN ? THEN ?")
		args = append(args, m.LotID, m.Amount)
	}
	sb.WriteString(" ELSE 0 END WHERE id IN (")
	for i, m := range mv {
		if i > 0 {
			sb.WriteString(",")
		}
		sb.WriteString("?")
		args = append(args, m.LotID)
	}
	sb.WriteString(")")
	if err := tx.WithContext(ctx).Exec(sb.String(), args...).Error; err != nil {
		return fmt.Errorf("models: lots: %w", err)
	}
	if err := tx.WithContext(ctx).Create(&draws).Error; err != nil {
		return fmt.Errorf("models: lot draws: %w", err)
	}
	return nil
}

// Ref formats a journal reference as "type:id".
func Ref(refType string, id int64) string {
	if refType == "" {
		return ""
	}
	return refType + ":" + strconv.FormatInt(id, 10)
}

// runIdem is RunIdempotent, retried when a concurrent request with the same
// key won the race: on MySQL the loser's claim fails with a duplicate key
// (RunIdempotent only retries its own errIdemTwin, which nothing returns
// yet), and the retry then finds the winner's stored answer and replays it.
// Inside fn, account creation handles its own duplicates, so a duplicate
// key reaching here is the idempotency claim.
func runIdem(ctx context.Context, db *DB, now time.Time, id Idem, fn func(tx *gorm.DB) (int, []byte, error)) (Outcome, error) {
	var out Outcome
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		out, err = RunIdempotent(ctx, db, now, id, fn)
		if !errors.Is(err, gorm.ErrDuplicatedKey) {
			return out, err
		}
	}
	return out, err
}
