package api_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"starcard/handlers/apptest"
	"starcard/models"
	"starcard/models/dbtest"
)

// TestReportsAPI checks §4b's report reads: the exact keys, figures that
// follow a top-up, the caller's campuses only (another campus asked → 403,
// a bad id → 422), and the roles (a cashier may not).
func TestReportsAPI(t *testing.T) {
	db := dbtest.SQLite(t)
	w := newLedgerWorld(t, db)
	a := w.a
	other, err := models.CreateCampus(context.Background(), db.W, a.Clock.Now(), "MOON", "月亮校区", "")
	if err != nil {
		t.Fatal(err)
	}
	a.Staff(t, "boss", models.RoleAdmin)
	a.Staff(t, "mgr", models.RoleCampusManager, w.campus)
	admin, mgr := a.Token(t, "boss"), a.Token(t, "mgr")
	ming := w.member(t)
	resp, out := w.post(t, fmt.Sprintf("/api/v1/members/%d/topups", ming), "top-1", map[string]any{"amount": 100000, "method": "cash"})
	apptest.Status(t, resp, http.StatusCreated, out)
	bal := out["balances"].(map[string]any)

	resp, out = a.API(t, http.MethodGet, "/api/v1/reports/liabilities", mgr, "", nil)
	apptest.Status(t, resp, http.StatusOK, out)
	if len(out) != 5 || out["stored_value_principal"] != bal["stored_value_principal"] || out["stored_value_bonus"] != bal["stored_value_bonus"] ||
		out["points_outstanding"] != bal["points"] || out["class_hours_outstanding"] != float64(0) || out["class_hours_value"] != float64(0) {
		t.Fatalf("liabilities %v, member balances %v", out, bal)
	}
	resp, out = a.API(t, http.MethodGet, fmt.Sprintf("/api/v1/reports/liabilities?campus_id=%d", other.ID), admin, "", nil)
	apptest.Status(t, resp, http.StatusOK, out)
	if out["stored_value_principal"] != float64(0) {
		t.Fatalf("the other campus owes nothing: %v", out)
	}
	resp, out = a.API(t, http.MethodGet, fmt.Sprintf("/api/v1/reports/liabilities?campus_id=%d", other.ID), mgr, "", nil)
	apptest.Status(t, resp, http.StatusForbidden, out)
	resp, out = a.API(t, http.MethodGet, "/api/v1/reports/members?campus_id=x", mgr, "", nil)
	apptest.Status(t, resp, http.StatusUnprocessableEntity, out)
	resp, out = a.API(t, http.MethodGet, "/api/v1/reports/members", w.token, "", nil)
	apptest.Status(t, resp, http.StatusForbidden, out)

	resp, out = a.API(t, http.MethodGet, fmt.Sprintf("/api/v1/reports/members?campus_id=%d", w.campus), mgr, "", nil)
	apptest.Status(t, resp, http.StatusOK, out)
	if len(out) != 4 || out["total"] != float64(1) {
		t.Fatalf("members: %v", out)
	}
	for _, k := range []string{"by_tier", "by_grade", "by_lifecycle"} {
		if m, ok := out[k].(map[string]any); !ok || len(m) != 1 {
			t.Fatalf("members %s: %v", k, out)
		}
	}
}
