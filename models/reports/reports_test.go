package reports_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"gorm.io/gorm"

	"starcard/models"
	"starcard/models/courses"
	"starcard/models/dbtest"
	"starcard/models/reports"
)

// t0 is Tuesday 1 December 2026, 16:30 in Shanghai.
var t0 = time.Date(2026, 12, 1, 8, 30, 0, 0, time.UTC)

var shanghai, _ = time.LoadLocation("Asia/Shanghai")

type fix struct {
	db      *models.DB
	campus  [2]int64
	actor   [2]models.Actor
	course  *courses.Course
	n       int
	members []int64
}

func (f *fix) idem(key string) models.Idem { return models.Idem{Scope: "test", Key: key, Hash: key} }

func (f *fix) member(t *testing.T, at int, name string) *models.Member {
	t.Helper()
	ctx := context.Background()
	var m *models.Member
	err := f.db.Tx(ctx, func(tx *gorm.DB) error {
		var err error
		m, err = models.CreateMember(ctx, tx, t0, f.actor[at], models.NewMember{Name: name, CampusID: f.campus[at],
			Guardians: []models.NewGuardian{{Name: name + "妈妈", Phone: fmt.Sprintf("1390001%04d", f.n), Relation: "mother", Consent: true}}})
		return err
	})
	f.n++
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func (f *fix) topup(t *testing.T, at int, member, amount int64) {
	t.Helper()
	f.n++
	if _, err := models.RecordTopup(context.Background(), f.db, t0, f.idem(fmt.Sprintf("topup-%d", f.n)),
		models.TopupInput{MemberID: member, Amount: amount, Method: "cash", Actor: f.actor[at]}); err != nil {
		t.Fatal(err)
	}
}

func (f *fix) buy(t *testing.T, at int, member, amount int64) {
	t.Helper()
	f.n++
	if _, err := models.RecordPurchase(context.Background(), f.db, t0, f.idem(fmt.Sprintf("buy-%d", f.n)), models.PurchaseInput{
		MemberID: member, Items: []models.PurchaseItem{{Category: models.CategoryMeals, Amount: amount}},
		Payments: []models.Payment{{Method: "wechat", Amount: amount}}, Actor: f.actor[at]}); err != nil {
		t.Fatal(err)
	}
}

// seed builds two campuses with members, top-ups (with bonus), purchases
// (earning points), a family's shared wallet, a class-hour package with
// bonus hours and a lesson consumed (so its refund value is floored).
func seed(t *testing.T, db *models.DB) *fix {
	t.Helper()
	ctx := context.Background()
	f := &fix{db: db}
	if _, err := models.PublishConsent(ctx, db.W, t0, "v1", "同意"); err != nil {
		t.Fatal(err)
	}
	for i, code := range []string{"N", "S"} {
		c, err := models.CreateCampus(ctx, db.W, t0, code, code+"校区", "")
		if err != nil {
			t.Fatal(err)
		}
		f.campus[i] = c.ID
		f.actor[i] = models.Actor{Type: "staff", ID: 1, CampusID: c.ID, Device: "test"}
	}
	var err error
	f.course, err = courses.CreateCourse(ctx, db.W, t0, f.actor[0], courses.NewCourse{CampusID: f.campus[0], Name: "美术",
		Category: models.CategoryInterestClass, PricePerHour: 3333, Weekdays: "2,4", LessonTime: "16:00"})
	if err != nil {
		t.Fatal(err)
	}
	a := f.member(t, 0, "张小明")
	f.topup(t, 0, a.ID, 300000)
	f.buy(t, 0, a.ID, 12345)
	b := f.member(t, 0, "李小红")
	f.buy(t, 0, b.ID, 9900)
	if _, err := courses.SellPackage(ctx, db, t0, f.idem("sale-1"), courses.SaleInput{MemberID: b.ID, CourseID: f.course.ID,
		Hours: 3, BonusHours: 1, Amount: 10000, Payments: []models.Payment{{Method: "cash", Amount: 10000}}, Actor: f.actor[0]}); err != nil {
		t.Fatal(err)
	}
	if _, err := courses.MarkAttendance(ctx, db, t0, shanghai, f.idem("att-1"), courses.AttendanceInput{
		CourseID: f.course.ID, MemberID: b.ID, On: "2026-12-01", Status: courses.StatusPresent, Actor: f.actor[0]}); err != nil {
		t.Fatal(err)
	}
	// A family at the south campus shares one wallet.
	c := f.member(t, 1, "王小华")
	if err := db.W.Exec("UPDATE families SET shared_wallet = 1 WHERE id = ?", c.FamilyID).Error; err != nil {
		t.Fatal(err)
	}
	f.topup(t, 1, c.ID, 100000)
	f.buy(t, 1, c.ID, 20000)
	d := f.member(t, 1, "赵小刚")
	f.buy(t, 1, d.ID, 5000)
	f.members = []int64{a.ID, b.ID, c.ID, d.ID}
	return f
}

// ledgerSums is what the ledger's postings hold on member and family
// accounts per account kind — the sums `starcard verify` proves equal to
// the account balances.
func ledgerSums(t *testing.T, db *models.DB) reports.Liabilities {
	t.Helper()
	var rows []struct {
		Name  string
		Total int64
	}
	if err := db.R.Raw(`SELECT CASE WHEN a.asset = 'hours' THEN 'hours' ELSE a.name END AS name, SUM(p.amount) AS total
		FROM ledger_postings p JOIN ledger_accounts a ON a.id = p.account_id
		WHERE a.owner_type IN ('member', 'family') GROUP BY CASE WHEN a.asset = 'hours' THEN 'hours' ELSE a.name END`).Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	var l reports.Liabilities
	for _, r := range rows {
		switch r.Name {
		case models.AcctPoints:
			l.PointsOutstanding = r.Total
		case models.AcctPrincipal:
			l.StoredValuePrincipal = r.Total
		case models.AcctBonus:
			l.StoredValueBonus = r.Total
		case "hours":
			l.ClassHoursOutstanding = r.Total
		}
	}
	var pkgs []courses.Package
	if err := db.R.Where("status = ?", courses.PackageActive).Find(&pkgs).Error; err != nil {
		t.Fatal(err)
	}
	for _, p := range pkgs {
		l.ClassHoursValue += courses.QuoteRefund(p).Amount
	}
	return l
}

func TestLiabilitiesEqualTheLedger(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		f := seed(t, db)
		rep, err := models.Verify(ctx, db)
		if err != nil || !rep.Clean() {
			t.Fatalf("verify: %v %v", err, rep.Problems)
		}
		want := ledgerSums(t, db)
		if want.PointsOutstanding == 0 || want.StoredValueBonus == 0 || want.ClassHoursOutstanding != 3 || want.ClassHoursValue != 6666 {
			t.Fatalf("the fixture does not exercise every figure: %+v", want)
		}
		got, err := reports.LiabilitiesFor(ctx, db.R, nil)
		if err != nil {
			t.Fatal(err)
		}
		want.CampusID = got.CampusID
		if got != want {
			t.Fatalf("school liabilities %+v, ledger %+v", got, want)
		}
		// Per campus: the lines add up to the school, the shared wallet counts
		// once at its family's campus, the hours at the member's.
		rows, err := reports.LiabilitiesByCampus(ctx, db.R, nil)
		if err != nil || len(rows) != 2 {
			t.Fatalf("by campus: %v %+v", err, rows)
		}
		var sum reports.Liabilities
		for _, r := range rows {
			sum = sum.Add(r)
		}
		sum.CampusID = want.CampusID
		if sum != want {
			t.Fatalf("campus lines sum to %+v, ledger %+v", sum, want)
		}
		south, err := reports.LiabilitiesFor(ctx, db.R, []int64{f.campus[1]})
		if err != nil {
			t.Fatal(err)
		}
		var famPrincipal int64
		if err := db.R.Raw(`SELECT COALESCE(SUM(balance), 0) FROM ledger_accounts WHERE owner_type = 'family' AND name = 'principal'`).
			Scan(&famPrincipal).Error; err != nil {
			t.Fatal(err)
		}
		if famPrincipal != 100000 || south.StoredValuePrincipal != famPrincipal || south.ClassHoursOutstanding != 0 {
			t.Fatalf("south campus %+v, family principal %d", south, famPrincipal)
		}
		if none, err := reports.LiabilitiesFor(ctx, db.R, []int64{}); err != nil || none != (reports.Liabilities{}) {
			t.Fatalf("no campus: %+v %v", none, err)
		}

		m, err := reports.MembersFor(ctx, db.R, []int64{f.campus[0]})
		if err != nil {
			t.Fatal(err)
		}
		var byTier, byGrade, byLife int64
		for _, n := range m.ByTier {
			byTier += n
		}
		for _, n := range m.ByGrade {
			byGrade += n
		}
		for _, n := range m.ByLifecycle {
			byLife += n
		}
		if m.Total != 2 || byTier != 2 || byGrade != 2 || byLife != 2 {
			t.Fatalf("north members: %+v", m)
		}
	})
}
