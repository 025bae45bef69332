package reports_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"starcard/models"
	"starcard/models/dbtest"
	"starcard/models/reports"
)

// The members report's counts (member_counts, kept by triggers) equal a
// count of the members themselves after every kind of member write.
func TestMemberCountsFollowEveryWrite(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		f := seed(t, db)
		a, b, c, d := f.members[0], f.members[1], f.members[2], f.members[3]
		check := func(step string) {
			t.Helper()
			for _, campuses := range [][]int64{nil, {f.campus[0]}, {f.campus[1]}, {}} {
				for _, flt := range []reports.Filter{{}, {Tier: models.TierGold}, {Grade: "key"}, {Grade: reports.UngradedKey}} {
					got, err := reports.MembersFiltered(ctx, db.R, campuses, flt)
					if err != nil {
						t.Fatal(err)
					}
					want, err := reports.MembersFromRows(ctx, db.R, campuses, flt)
					if err != nil {
						t.Fatal(err)
					}
					if !reflect.DeepEqual(got, want) {
						t.Fatalf("%s, campuses %v, filter %+v: counts %+v, members %+v", step, campuses, flt, got, want)
					}
				}
			}
			rep, err := models.Verify(ctx, db)
			if err != nil || !rep.Clean() {
				t.Fatalf("%s: verify: %v %v", step, err, rep.Problems)
			}
		}
		check("seed")
		all, err := reports.MembersFor(ctx, db.R, nil)
		if err != nil || all.Total != 4 {
			t.Fatalf("school: %+v %v", all, err)
		}
		// Whoever writes the row, the counts follow: a tier and a grade set
		// directly, a lifecycle move, a campus move, an archive and its undo.
		for i, w := range []string{
			fmt.Sprintf("UPDATE members SET tier = 'gold' WHERE id = %d", a),
			fmt.Sprintf("UPDATE members SET grade = 'key' WHERE id IN (%d, %d)", b, c),
			fmt.Sprintf("UPDATE members SET grade = '' WHERE id = %d", d),
			fmt.Sprintf("UPDATE members SET notes = 'x', updated_at = updated_at WHERE id = %d", a),
		} {
			if err := db.W.Exec(w).Error; err != nil {
				t.Fatalf("write %d: %v", i, err)
			}
			check(w)
		}
		if moved, err := models.AdvanceLifecycle(ctx, db.W, t0, f.actor[0], b,
			[]string{models.LifecycleProspect, models.LifecycleEnrolled, models.LifecycleActive}, models.LifecycleChurned, "left"); err != nil || !moved {
			t.Fatalf("lifecycle not moved: %v", err)
		}
		check("lifecycle")
		if err := models.UpdateMember(ctx, db, t0, f.actor[0], a, models.MemberEdit{Name: "张小明", CampusID: f.campus[1]}); err != nil {
			t.Fatal(err)
		}
		check("campus move")
		if err := models.SetArchived(ctx, db, t0, f.actor[1], d, true); err != nil {
			t.Fatal(err)
		}
		check("archived")
		south, err := reports.MembersFor(ctx, db.R, []int64{f.campus[1]})
		if err != nil || south.Total != 2 || south.ByTier[models.TierGold] != 1 {
			t.Fatalf("south after the moves: %+v %v", south, err)
		}
		if err := models.SetArchived(ctx, db, t0, f.actor[1], d, false); err != nil {
			t.Fatal(err)
		}
		check("unarchived")
		codes, err := reports.GradeCodes(ctx, db.R, nil)
		var want []string
		if err := db.R.Raw(`SELECT DISTINCT grade FROM members WHERE archived_at IS NULL ORDER BY grade`).Scan(&want).Error; err != nil {
			t.Fatal(err)
		}
		for i, g := range want {
			if g == "" {
				want[i] = reports.UngradedKey
			}
		}
		if err != nil || !reflect.DeepEqual(codes, want) || len(want) < 2 {
			t.Fatalf("grade codes %v, members hold %v: %v", codes, want, err)
		}
	})
}

// Where the database has no triggers (TiDB), member_counts stands still:
// the report and the dashboard count the members themselves, and verify does
// not hold the stale table against them.
func TestMemberCountsWithoutTriggers(t *testing.T) {
	db := dbtest.SQLite(t)
	ctx := context.Background()
	for _, tr := range []string{"members_count_insert", "members_count_update", "members_count_delete"} {
		if err := db.W.Exec("DROP TRIGGER " + tr).Error; err != nil {
			t.Fatal(err)
		}
	}
	f := seed(t, db) // four members the triggers did not count
	got, err := reports.MembersFor(ctx, db.R, nil)
	if err != nil || got.Total != 4 {
		t.Fatalf("members report without triggers: %+v %v, want 4", got, err)
	}
	one, err := reports.MembersFor(ctx, db.R, []int64{f.campus[0]})
	want, _ := reports.MembersFromRows(ctx, db.R, []int64{f.campus[0]}, reports.Filter{})
	if err != nil || !reflect.DeepEqual(one, want) {
		t.Fatalf("one campus: %+v, members %+v (%v)", one, want, err)
	}
	c, err := models.SchoolCounts(ctx, db.R, time.Now(), nil)
	if err != nil || c.Members != 4 {
		t.Fatalf("dashboard members %d (%v), want 4", c.Members, err)
	}
	rep, err := models.Verify(ctx, db)
	if err != nil || !rep.Clean() {
		t.Fatalf("verify: %v %v", err, rep.Problems)
	}
}
