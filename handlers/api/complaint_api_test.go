package api_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"starcard/handlers/apptest"
	"starcard/models"
	"starcard/models/dbtest"
)

// TestComplaintAPI drives every transition and refusal of DOMAIN §4b's
// complaints API: create (roles, another campus), list (overdue with the
// app's clock, cursor), replies (teacher yes, cashier no, the first public
// reply is the first answer), transitions (each legal move, illegal → 409,
// archive without a cause → 422), and another campus's complaint → 404.
func TestComplaintAPI(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		w := newMemberWorld(t, db)
		a := w.a
		a.Staff(t, "service", models.RoleServiceHead)
		a.Staff(t, "mgr", models.RoleCampusManager, w.sun)
		a.Staff(t, "rivmgr", models.RoleCampusManager, w.riv)
		a.Staff(t, "teach", models.RoleTeacher, w.sun)
		head, mgr, rivmgr, teach := a.Token(t, "service"), a.Token(t, "mgr"), a.Token(t, "rivmgr"), a.Token(t, "teach")
		kid := w.create(t, w.admin, "", child("张小明", "13912341234", w.sun))
		kidID := kid["id"]
		body := map[string]any{"member_id": kidID, "kind": "complaint", "category": "service", "body": "电话投诉：前台接待态度冷淡", "channel": "phone"}

		// Create: who may, and what comes back.
		for _, tc := range []struct {
			token string
			want  int
		}{{w.cashier, 403}, {teach, 403}, {w.kiosk, 403}, {rivmgr, 422}, {"", 401}} {
			resp, out := a.API(t, http.MethodPost, "/api/v1/complaints", tc.token, "", body)
			apptest.Status(t, resp, tc.want, out)
		}
		resp, out := a.API(t, http.MethodPost, "/api/v1/complaints", mgr, "", map[string]any{"member_id": kidID, "category": "nope", "body": "x"})
		apptest.Status(t, resp, 422, out)
		if errs, _ := out["errors"].(map[string]any); errs["category"] == nil || errs["body"] == nil {
			t.Fatalf("field errors %v", out)
		}
		resp, out = a.API(t, http.MethodPost, "/api/v1/complaints", mgr, "", map[string]any{"member_id": kidID, "category": "service", "body": "xxxxxx", "mood": 1})
		apptest.Status(t, resp, 400, out)
		resp, c := a.API(t, http.MethodPost, "/api/v1/complaints", mgr, "", body)
		apptest.Status(t, resp, 201, c)
		due, _ := time.Parse(time.RFC3339, c["first_answer_due_at"].(string))
		if c["status"] != "received" || c["owner_id"] == float64(0) || !due.Equal(a.Clock.Now().Add(24*time.Hour)) {
			t.Fatalf("created %v", c)
		}
		id := int64(c["id"].(float64))
		path := func(s string) string { return fmt.Sprintf("/api/v1/complaints/%d%s", id, s) }

		// List: the overdue filter follows the clock; another campus sees nothing.
		list := func(token, q string) []any {
			resp, out := a.API(t, http.MethodGet, "/api/v1/complaints"+q, token, "", nil)
			apptest.Status(t, resp, 200, out)
			return out["complaints"].([]any)
		}
		if n := len(list(head, "?overdue=true")); n != 0 {
			t.Fatalf("overdue at once: %d", n)
		}
		a.Clock.T = a.Clock.T.Add(24*time.Hour + time.Minute)
		// Tokens live less than a day: new ones at the new time.
		head, mgr, rivmgr, teach, w.cashier = a.Token(t, "service"), a.Token(t, "mgr"), a.Token(t, "rivmgr"), a.Token(t, "teach"), a.Token(t, "desk")
		if got := list(head, "?overdue=true"); len(got) != 1 || got[0].(map[string]any)["overdue"] != true {
			t.Fatalf("overdue after 24 h: %v", got)
		}
		if n := len(list(rivmgr, "")); n != 0 {
			t.Fatalf("other campus lists %d", n)
		}
		if n := len(list(teach, "?status=received")); n != 1 {
			t.Fatalf("teacher lists %d", n)
		}
		resp, out = a.API(t, http.MethodGet, "/api/v1/complaints?cursor=zz", head, "", nil)
		apptest.Status(t, resp, 422, out)

		// Replies: teacher may, cashier may not, another campus gets 404.
		resp, out = a.API(t, http.MethodPost, path("/replies"), w.cashier, "", map[string]any{"body": "x", "public": true})
		apptest.Status(t, resp, 403, out)
		resp, out = a.API(t, http.MethodPost, path("/replies"), rivmgr, "", map[string]any{"body": "x", "public": true})
		apptest.Status(t, resp, 404, out)
		resp, out = a.API(t, http.MethodPost, path("/replies"), teach, "", map[string]any{"body": "已了解情况"})
		apptest.Status(t, resp, 422, out)
		resp, out = a.API(t, http.MethodPost, path("/replies"), teach, "", map[string]any{"body": "已了解情况", "public": false})
		apptest.Status(t, resp, 201, out)
		if got := list(head, "?overdue=true"); len(got) != 1 {
			t.Fatal("an internal note stopped the clock")
		}
		resp, out = a.API(t, http.MethodPost, path("/replies"), head, "", map[string]any{"body": "您好，我们已经和前台老师沟通。", "public": true})
		apptest.Status(t, resp, 201, out)
		if got := list(head, "?overdue=true"); len(got) != 0 {
			t.Fatal("the public reply did not answer")
		}
		var notices int64
		db.R.Model(&models.OutboxRow{}).Where("event = 'complaint_update'").Count(&notices)
		if notices != 1 {
			t.Fatalf("family notices %d", notices)
		}

		// Transitions, in order: each refusal and each legal move.
		for i, st := range []struct {
			token string
			req   map[string]any
			want  int
			to    string
		}{
			{teach, map[string]any{"to": "investigating"}, 403, ""},
			{rivmgr, map[string]any{"to": "investigating"}, 404, ""},
			{mgr, map[string]any{"to": "confirmed"}, 422, ""},
			{mgr, map[string]any{"to": "resolved", "note": "x"}, 409, ""},
			{mgr, map[string]any{"to": "archived"}, 409, ""},
			{mgr, map[string]any{"to": "investigating"}, 200, "investigating"},
			{mgr, map[string]any{"to": "investigating"}, 409, ""},
			{mgr, map[string]any{"to": "resolved"}, 422, ""},
			{mgr, map[string]any{"to": "resolved", "note": "已向家长致歉并调整前台排班"}, 200, "resolved"},
			{mgr, map[string]any{"to": "investigating", "note": "家长仍不满意，重新处理"}, 200, "investigating"},
			{mgr, map[string]any{"to": "resolved", "note": "已当面沟通"}, 200, "resolved"},
			{mgr, map[string]any{"to": "archived", "cause": "service_process", "root_cause": "x", "corrective_action": "y"}, 409, ""},
		} {
			resp, out := a.API(t, http.MethodPost, path("/transitions"), st.token, "", st.req)
			if resp.StatusCode != st.want || (st.to != "" && out["status"] != st.to) {
				t.Fatalf("step %d %v: %d %v, want %d %s", i, st.req, resp.StatusCode, out, st.want, st.to)
			}
			if st.want == 409 && out["type"] != "/problems/illegal-transition" {
				t.Fatalf("step %d: problem type %v", i, out["type"])
			}
		}
		// Nobody confirms for a week: the job confirms; then archiving needs a cause.
		n, err := careAutoConfirm(db, a.Clock.T.Add(8*24*time.Hour))
		if err != nil || n != 1 {
			t.Fatalf("auto-confirm %d %v", n, err)
		}
		resp, out = a.API(t, http.MethodPost, path("/transitions"), mgr, "", map[string]any{"to": "archived"})
		apptest.Status(t, resp, 422, out)
		resp, out = a.API(t, http.MethodPost, path("/transitions"), mgr, "", map[string]any{"to": "archived", "cause": "service_process",
			"root_cause": "新前台未培训", "corrective_action": "前台服务培训并抽查"})
		apptest.Status(t, resp, 200, out)
		if out["status"] != "archived" || out["cause"] != "service_process" || out["archived_at"] == nil {
			t.Fatalf("archived %v", out)
		}
		resp, out = a.API(t, http.MethodPost, path("/replies"), head, "", map[string]any{"body": "x", "public": true})
		apptest.Status(t, resp, 409, out)
		resp, out = a.API(t, http.MethodPost, "/api/v1/complaints/999999/transitions", head, "", map[string]any{"to": "investigating"})
		apptest.Status(t, resp, 404, out)

		// Pages: newest first, an opaque cursor until the end.
		for i := 0; i < 2; i++ {
			resp, out = a.API(t, http.MethodPost, "/api/v1/complaints", head, "", body)
			apptest.Status(t, resp, 201, out)
		}
		resp, out = a.API(t, http.MethodGet, "/api/v1/complaints?limit=2", head, "", nil)
		apptest.Status(t, resp, 200, out)
		first, cur := out["complaints"].([]any), out["next_cursor"]
		if len(first) != 2 || cur == nil {
			t.Fatalf("page 1: %d, cursor %v", len(first), cur)
		}
		resp, out = a.API(t, http.MethodGet, "/api/v1/complaints?limit=2&cursor="+cur.(string), head, "", nil)
		apptest.Status(t, resp, 200, out)
		if rest := out["complaints"].([]any); len(rest) != 1 || out["next_cursor"] != nil || rest[0].(map[string]any)["id"] != float64(id) {
			t.Fatalf("page 2: %v", out)
		}
	})
}
