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

// DeskRegisterFamily registers a walk-in family at the desk (a child and a
// guardian, with the guardian's consent recorded) once per idempotency key:
// a double tap registers one family. It returns the new member's id.
func DeskRegisterFamily(ctx context.Context, db *DB, now time.Time, actor Actor, scope, key string, in NewMember) (int64, error) {
	in.Channel = "desk"
	hash := RequestHash([]byte("desk.family"), []byte(in.Name), []byte(in.BirthDate),
		[]byte(strconv.FormatInt(in.CampusID, 10)))
	for _, g := range in.Guardians {
		hash = RequestHash([]byte(hash), []byte(g.Name), []byte(g.Phone), []byte(g.Relation))
	}
	out, err := RunIdempotent(ctx, db, now, Idem{Scope: scope, Key: key, Hash: hash},
		func(tx *gorm.DB) (int, []byte, error) {
			m, err := CreateMember(ctx, tx, now, actor, in)
			if err != nil {
				return 0, nil, err
			}
			return 201, []byte(strconv.FormatInt(m.ID, 10)), nil
		})
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(string(out.Body), 10, 64)
}
