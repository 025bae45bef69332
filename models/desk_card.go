package models

import (
	"context"
	"strconv"
	"time"

	"gorm.io/gorm"
)

// DeskReplaceCard issues a member a new card at the desk (补卡) once per
// idempotency key: a double tap or a resent form replaces the card once,
// and the answer is the new card's number. The old card, lost or worn, stops
// working in the same transaction.
func DeskReplaceCard(ctx context.Context, db *DB, now time.Time, actor Actor, scope, key string, memberID int64) (string, error) {
	out, err := RunIdempotent(ctx, db, now, Idem{Scope: scope, Key: key,
		Hash: RequestHash([]byte("card.replace"), []byte(strconv.FormatInt(memberID, 10)))},
		func(tx *gorm.DB) (int, []byte, error) {
			nc, err := ReplaceCard(ctx, tx, now, actor, memberID)
			if err != nil {
				return 0, nil, err
			}
			return 200, []byte(nc.CardNo), nil
		})
	if err != nil {
		return "", err
	}
	return string(out.Body), nil
}
