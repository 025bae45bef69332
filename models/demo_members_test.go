package models_test

import (
	"context"
	"testing"

	"starcard/models"
	"starcard/models/dbtest"
)

func TestDemoSchoolHasMembersCardsAndCheckins(t *testing.T) {
	db := dbtest.DemoSQLite(t, memNow, memLoc)
	members := countRows(t, db, "SELECT COUNT(*) FROM members")
	classes := countRows(t, db, "SELECT COUNT(*) FROM classes")
	cards := countRows(t, db, "SELECT COUNT(*) FROM cards WHERE status = 'active'")
	twoKids := countRows(t, db, "SELECT COUNT(*) FROM (SELECT family_id FROM members GROUP BY family_id HAVING COUNT(*) > 1) x")
	consent := countRows(t, db, "SELECT COUNT(DISTINCT guardian_id) FROM consent_grants")
	guardians := countRows(t, db, "SELECT COUNT(*) FROM guardians")
	checkins := countRows(t, db, "SELECT COUNT(*) FROM checkins")
	t.Logf("demo: %d members, %d classes, %d families with siblings, %d/%d guardians consented, %d check-ins",
		members, classes, twoKids, consent, guardians, checkins)
	if members != 200 || classes != 10 || cards != 200 || twoKids == 0 || consent < guardians*7/10 || checkins < 10000 {
		t.Fatal("demo school is not as promised")
	}
	ids, _, err := models.SearchMemberIDs(context.Background(), db.R, models.SearchQuery{Q: "z"})
	if err != nil || len(ids) == 0 {
		t.Fatalf("demo members are not searchable: %v", err)
	}
}
