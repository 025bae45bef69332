package portal_test

import (
	"context"
	"testing"

	"starcard/models"
	"starcard/models/care"
)

// resolveForCSAT resolves family B's complaint through the staff workflow,
// which sends B (only) the after-complaint survey, and returns its id.
func resolveForCSAT(t *testing.T, f *fix, db *models.DB) int64 {
	t.Helper()
	ctx := context.Background()
	u := f.a.Staff(t, "service", models.RoleServiceHead)
	now := f.a.Clock.Now()
	for _, mv := range []care.Move{{To: "investigating"}, {To: "resolved", Note: "已向家长致歉"}} {
		if _, err := care.Transition(ctx, db, now, u, f.ComplaintB, mv); err != nil {
			t.Fatal(err)
		}
	}
	var id int64
	db.R.Raw("SELECT id FROM surveys WHERE complaint_id = ?", f.ComplaintB).Scan(&id)
	if id == 0 {
		t.Fatal("no after-complaint survey")
	}
	return id
}
