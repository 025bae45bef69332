package cashier_test

import (
	"context"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"testing"
	"time"

	"starcard/models"
	"starcard/models/dbtest"
)

// BenchmarkDeskScan measures scan-to-panel: a card number typed by a scanner
// gun, answered with the member panel fragment (card lookup, the audited
// profile read, balances, expiring points, tier progress, recent purchases
// and top-ups, coupons, rendering), for a member with 60 purchases. It
// reports p50 and p99 besides the mean.
//
//	go test ./handlers/cashier/ -run '^$' -bench DeskScan -benchtime 2000x
func BenchmarkDeskScan(b *testing.B) {
	db := dbtest.SQLite(b)
	s := newDeskSchoolTB(b, db)
	ctx := context.Background()
	if _, err := models.RecordTopup(ctx, db, s.a.Clock.Now(), models.Idem{Scope: "b", Key: "t", Hash: "t"},
		models.TopupInput{MemberID: s.m.ID, Amount: 300000, Method: "cash", Actor: models.SystemActor}); err != nil {
		b.Fatal(err)
	}
	for i := 0; i < 60; i++ {
		if _, err := models.RecordPurchase(ctx, db, s.a.Clock.Now(), models.Idem{Scope: "b", Key: "p" + strconv.Itoa(i), Hash: "h"},
			models.PurchaseInput{MemberID: s.m.ID, Items: []models.PurchaseItem{{Category: "meals", Amount: 1500}},
				Payments: []models.Payment{{Method: "stored_value", Amount: 1500}}, Actor: models.SystemActor}); err != nil {
			b.Fatal(err)
		}
	}
	cl := s.a.Client(b)
	cl.Login("desk", "password123")
	req := func() {
		r, _ := http.NewRequest("GET", "/cashier/find?q="+url.QueryEscape(s.m.CardNo), nil)
		r.Header.Set("HX-Request", "true")
		resp, body := cl.Do(r)
		if resp.StatusCode != 200 || len(body) < 1000 {
			b.Fatalf("scan: %d", resp.StatusCode)
		}
	}
	req()
	d := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		req()
		d = append(d, time.Since(t0))
	}
	b.StopTimer()
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	b.ReportMetric(float64(d[len(d)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(d[len(d)*99/100].Microseconds())/1000, "p99-ms")
}
