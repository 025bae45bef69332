package models_test

import (
	"context"
	"strconv"
	"testing"

	"gorm.io/gorm"

	"starcard/models"
	_ "starcard/models/crm" // grading runs in every purchase's transaction, as in the app
	"starcard/models/dbtest"
)

// BenchmarkRecordPurchase is the model side of one API purchase (the bench's
// ¥12.34 meal, ¥0.50 from stored value) on SQLite, one client: its allocs/op
// and B/op compare versions without the machine's load distorting them.
//
//	go test ./models/ -run '^$' -bench RecordPurchase -benchmem -benchtime 2000x
func BenchmarkRecordPurchase(b *testing.B) {
	db := dbtest.SQLite(b)
	ctx := context.Background()
	f := newFixture(b, db)
	m := f.member(b, false)
	r, err := models.LoadRules(ctx, db.R, t0)
	if err != nil {
		b.Fatal(err)
	}
	if err := db.Tx(ctx, func(tx *gorm.DB) error {
		_, err := models.PostTopup(ctx, tx, t0, r, models.TopupInput{MemberID: m, Amount: 400000, Method: "cash", Actor: f.actor})
		return err
	}); err != nil {
		b.Fatal(err)
	}
	in := models.PurchaseInput{MemberID: m, Items: []models.PurchaseItem{{Category: "meals", Amount: 1234}},
		Payments: []models.Payment{{Method: "stored_value", Amount: 50}, {Method: "cash", Amount: 1184}}, Actor: f.actor}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := models.RecordPurchase(ctx, db, t0, models.Idem{Scope: "bench", Key: "k" + strconv.Itoa(i), Hash: "h"}, in); err != nil {
			b.Fatal(err)
		}
	}
}
