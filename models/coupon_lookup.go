package models

import (
	"context"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
)

// MemberByScan resolves what staff typed or scanned into a member: a card
// QR token, a card number, or "#id" (the member number the back office
// shows). A frozen or replaced card is refused as the check-in refuses it.
func MemberByScan(ctx context.Context, db *gorm.DB, secret []byte, loc *time.Location, s string) (*Member, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, Invalid(map[string]string{"member": "err.required"})
	}
	if id, err := strconv.ParseInt(strings.TrimPrefix(s, "#"), 10, 64); err == nil && strings.HasPrefix(s, "#") {
		return GetMember(ctx, db, id)
	}
	card, err := ResolveCard(ctx, db, secret, loc, ScanInput(s))
	if err != nil {
		return nil, err
	}
	return GetMember(ctx, db, card.MemberID)
}
