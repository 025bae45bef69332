package models

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Card statuses. A member has at most one card that is active or frozen;
// replaced cards stay on file so that an old QR can say when it was replaced.
const (
	CardActive   = "active"
	CardFrozen   = "frozen"
	CardReplaced = "replaced"
)

// CardNoLen is the length of a card number: "8", eight random digits and a
// Luhn check digit, so a mistyped digit or a swap of neighbours is caught.
const CardNoLen = 10

// Card is a member card (会员卡): a number and a QR token derived from it.
// Balances belong to the member, never to the card.
type Card struct {
	ID         int64
	MemberID   int64
	CardNo     string
	Version    int
	Status     string
	IssuedAt   time.Time
	FrozenAt   *time.Time
	ReplacedAt *time.Time
	ReplacedBy *int64
}

// TableName maps Card to its table.
func (Card) TableName() string { return "cards" }

// Errors a card lookup can end in. The messages say what a parent at the
// door can do about it.
var (
	ErrUnknownCard   = NewError(KindNotFound, "unknown-card", "err.card_unknown")
	ErrCardFrozen    = NewError(KindConflict, "card-frozen", "err.card_frozen")
	ErrCardReplaced  = NewError(KindConflict, "card-replaced", "err.card_replaced")
	ErrCardCheck     = NewError(KindInvalid, "card-check-digit", "err.card_check_digit")
	ErrNoCard        = NewError(KindConflict, "no-card", "err.card_none")
	ErrCardNotFrozen = NewError(KindConflict, "card-not-frozen", "err.card_not_frozen")
)

// LuhnDigit returns the Luhn check digit for a string of digits.
func LuhnDigit(body string) byte {
	sum := 0
	double := true // the check digit will sit right of body
	for i := len(body) - 1; i >= 0; i-- {
		d := int(body[i] - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return byte('0' + (10-sum%10)%10)
}

// ValidCardNo reports whether s is a well-formed card number whose check
// digit is right.
func ValidCardNo(s string) bool {
	if len(s) != CardNoLen || s[0] != '8' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return LuhnDigit(s[:len(s)-1]) == s[len(s)-1]
}

// NewCardNo draws a random card number with its check digit.
func NewCardNo() string {
	n, err := rand.Int(rand.Reader, big.NewInt(100_000_000))
	if err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	body := fmt.Sprintf("8%08d", n.Int64())
	return body + string(LuhnDigit(body))
}

// cardTokenPrefix starts every QR token. Tokens use only the QR
// alphanumeric alphabet (digits, A–Z, ':'), so the code stays at version 2
// (25×25 modules) and scans from a phone screen at a few centimetres.
const cardTokenPrefix = "SC1:"

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

func cardMAC(secret []byte, cardNo string, version int) string {
	m := hmac.New(sha256.New, secret)
	fmt.Fprintf(m, "starcard-card|%s|%d", cardNo, version)
	return b32.EncodeToString(m.Sum(nil))[:16] // 80 bits
}

// CardToken is the QR payload of a card: "SC1:<card no>:<version>:<mac>"
// where mac is 80 bits of HMAC-SHA256 under the server secret, in base32.
// It carries no member id, and without the secret it cannot be made.
func CardToken(secret []byte, cardNo string, version int) string {
	return cardTokenPrefix + cardNo + ":" + strconv.Itoa(version) + ":" + cardMAC(secret, cardNo, version)
}

// ParseCardToken checks a QR token's signature and returns its card number
// and version; a forged or damaged token is ErrUnknownCard.
func ParseCardToken(secret []byte, token string) (string, int, error) {
	token = strings.ToUpper(strings.TrimSpace(token))
	rest, ok := strings.CutPrefix(token, cardTokenPrefix)
	if !ok {
		return "", 0, ErrUnknownCard
	}
	parts := strings.Split(rest, ":")
	if len(parts) != 3 || !ValidCardNo(parts[0]) {
		return "", 0, ErrUnknownCard
	}
	v, err := strconv.Atoi(parts[1])
	if err != nil || v < 1 || parts[1] != strconv.Itoa(v) {
		// One canonical form: "01", "+1" or "1 " name version 1 but are
		// not what was printed, so they are refused like a forgery.
		return "", 0, ErrUnknownCard
	}
	want := cardMAC(secret, parts[0], v)
	if subtle.ConstantTimeCompare([]byte(want), []byte(parts[2])) != 1 {
		return "", 0, ErrUnknownCard
	}
	return parts[0], v, nil
}

// CardInput is what a scanner gives us: a QR token, or a typed card number.
type CardInput struct {
	QR     string
	CardNo string
}

// ScanInput sorts what a kiosk or cashier scanner typed into a QR token or a
// card number: scanner guns type either.
func ScanInput(s string) CardInput {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(strings.ToUpper(s), cardTokenPrefix) {
		return CardInput{QR: s}
	}
	return CardInput{CardNo: strings.ReplaceAll(s, " ", "")}
}

// ResolveCard finds the live card behind a QR token or a card number. A
// forged token or an unknown number is ErrUnknownCard; a frozen card is
// ErrCardFrozen and a replaced one ErrCardReplaced, both carrying the time
// it happened (school time zone loc) as their message argument.
func ResolveCard(ctx context.Context, db *gorm.DB, secret []byte, loc *time.Location, in CardInput) (*Card, error) {
	var cardNo string
	version := 0
	switch {
	case in.QR != "":
		no, v, err := ParseCardToken(secret, in.QR)
		if err != nil {
			return nil, err
		}
		cardNo, version = no, v
	case in.CardNo != "":
		if !ValidCardNo(in.CardNo) {
			if len(in.CardNo) == CardNoLen {
				return nil, ErrCardCheck.Field("card_no", ErrCardCheck.Key)
			}
			return nil, ErrUnknownCard
		}
		cardNo = in.CardNo
	default:
		return nil, Invalid(map[string]string{"card_no": "err.required"})
	}
	var c Card
	err := db.WithContext(ctx).Where("card_no = ?", cardNo).Take(&c).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrUnknownCard
	}
	if err != nil {
		return nil, fmt.Errorf("models: resolve card: %w", err)
	}
	switch {
	case c.Status == CardReplaced:
		return &c, ErrCardReplaced.With(fmtTime(c.ReplacedAt, loc))
	case version != 0 && version != c.Version:
		// An older print of the same number: treated as replaced.
		return &c, ErrCardReplaced.With(fmtTime(&c.IssuedAt, loc))
	case c.Status == CardFrozen:
		return &c, ErrCardFrozen.With(fmtTime(c.FrozenAt, loc))
	}
	return &c, nil
}

func fmtTime(t *time.Time, loc *time.Location) string {
	if t == nil {
		return ""
	}
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc).Format("2006-01-02 15:04")
}

// issueCard gives a member a new active card inside tx and points the member
// at it. Card numbers are random: a collision (one in tens of millions) is
// retried with a fresh number.
func issueCard(ctx context.Context, tx *gorm.DB, now time.Time, memberID, campusID int64) (*Card, error) {
	for attempt := 0; attempt < 5; attempt++ {
		c := &Card{MemberID: memberID, CardNo: NewCardNo(), Version: 1, Status: CardActive, IssuedAt: now}
		err := tx.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(c).Error
		if err != nil {
			return nil, fmt.Errorf("models: issue card: %w", err)
		}
		if c.ID == 0 {
			continue // the number exists: draw again
		}
		if err := tx.WithContext(ctx).Exec("UPDATE members SET card_id = ?, updated_at = ? WHERE id = ?", c.ID, now, memberID).Error; err != nil {
			return nil, fmt.Errorf("models: issue card: %w", err)
		}
		if err := addSearchTerms(ctx, tx, memberID, campusID, []string{termCard + c.CardNo}); err != nil {
			return nil, err
		}
		return c, nil
	}
	return nil, fmt.Errorf("models: issue card: no free card number after 5 tries")
}

// currentCard loads the member's card (active or frozen) under a row lock.
func currentCard(ctx context.Context, tx *gorm.DB, memberID int64) (*Card, error) {
	var c Card
	err := tx.WithContext(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).
		Where("member_id = ? AND status IN ?", memberID, []string{CardActive, CardFrozen}).
		Order("id DESC").Take(&c).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNoCard
	}
	if err != nil {
		return nil, fmt.Errorf("models: current card: %w", err)
	}
	return &c, nil
}

// FreezeCard reports the member's card lost (挂失): it stops working at
// once. Freezing a frozen card changes nothing, so the call is safe to repeat.
func FreezeCard(ctx context.Context, db *DB, now time.Time, actor Actor, memberID int64) (*Card, error) {
	var out *Card
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		if err := lockMember(ctx, tx, memberID); err != nil {
			return err
		}
		c, err := currentCard(ctx, tx, memberID)
		if err != nil {
			return err
		}
		out = c
		if c.Status == CardFrozen {
			return nil
		}
		c.Status, c.FrozenAt = CardFrozen, &now
		if err := tx.Model(&Card{}).Where("id = ?", c.ID).
			Updates(map[string]any{"status": CardFrozen, "frozen_at": now}).Error; err != nil {
			return err
		}
		return Audit(ctx, tx, now, actor, "card.freeze", "member", memberID, "card_no="+c.CardNo)
	})
	if err != nil {
		return nil, fmt.Errorf("models: freeze card: %w", err)
	}
	return out, nil
}

// UnfreezeCard lifts a loss report (解除挂失) when the card turns up again.
func UnfreezeCard(ctx context.Context, db *DB, now time.Time, actor Actor, memberID int64) (*Card, error) {
	var out *Card
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		if err := lockMember(ctx, tx, memberID); err != nil {
			return err
		}
		c, err := currentCard(ctx, tx, memberID)
		if err != nil {
			return err
		}
		out = c
		if c.Status != CardFrozen {
			return ErrCardNotFrozen
		}
		c.Status, c.FrozenAt = CardActive, nil
		if err := tx.Model(&Card{}).Where("id = ?", c.ID).
			Updates(map[string]any{"status": CardActive, "frozen_at": nil}).Error; err != nil {
			return err
		}
		return Audit(ctx, tx, now, actor, "card.unfreeze", "member", memberID, "card_no="+c.CardNo)
	})
	if err != nil {
		return nil, fmt.Errorf("models: unfreeze card: %w", err)
	}
	return out, nil
}

// ReplaceCard issues a new card number and QR (换卡); the old card is marked
// replaced and its QR stops working. Nothing else moves: balances belong to
// the member. A member without a card simply gets one.
//
// Replacing is not naturally idempotent (each call is a new card), so it runs
// inside tx, which callers that may retry open with RunIdempotent.
func ReplaceCard(ctx context.Context, db *gorm.DB, now time.Time, actor Actor, memberID int64) (*Card, error) {
	if err := lockMember(ctx, db, memberID); err != nil {
		return nil, fmt.Errorf("models: replace card: %w", err)
	}
	var campusID int64
	if err := db.WithContext(ctx).Raw("SELECT campus_id FROM members WHERE id = ?", memberID).Scan(&campusID).Error; err != nil {
		return nil, fmt.Errorf("models: replace card: %w", err)
	}
	old, err := currentCard(ctx, db, memberID)
	if err != nil && !errors.Is(err, ErrNoCard) {
		return nil, fmt.Errorf("models: replace card: %w", err)
	}
	nc, err := issueCard(ctx, db, now, memberID, campusID)
	if err != nil {
		return nil, err
	}
	detail := "new=" + nc.CardNo
	if old != nil {
		if err := db.WithContext(ctx).Model(&Card{}).Where("id = ?", old.ID).
			Updates(map[string]any{"status": CardReplaced, "replaced_at": now, "replaced_by": nc.ID}).Error; err != nil {
			return nil, fmt.Errorf("models: replace card: %w", err)
		}
		if err := removeSearchTerms(ctx, db, memberID, []string{termCard + old.CardNo}); err != nil {
			return nil, err
		}
		detail = "old=" + old.CardNo + " " + detail
	}
	if err := Audit(ctx, db, now, actor, "card.replace", "member", memberID, detail); err != nil {
		return nil, err
	}
	return nc, nil
}

// lockMember takes the member's row lock (FOR UPDATE on MySQL; SQLite's
// immediate transaction already serialises writers) and reports
// ErrNotFound for a missing member.
func lockMember(ctx context.Context, tx *gorm.DB, memberID int64) error {
	var ids []int64
	err := tx.WithContext(ctx).Table("members").Clauses(clause.Locking{Strength: "UPDATE"}).
		Where("id = ?", memberID).Pluck("id", &ids).Error
	if err != nil {
		return fmt.Errorf("models: lock member: %w", err)
	}
	if len(ids) == 0 {
		return ErrNotFound
	}
	return nil
}

// CurrentCard returns the member's card that is active or frozen.
func CurrentCard(ctx context.Context, db *gorm.DB, memberID int64) (*Card, error) {
	var c Card
	err := db.WithContext(ctx).Where("member_id = ? AND status IN ?", memberID, []string{CardActive, CardFrozen}).
		Order("id DESC").Take(&c).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNoCard
	}
	if err != nil {
		return nil, fmt.Errorf("models: current card: %w", err)
	}
	return &c, nil
}
