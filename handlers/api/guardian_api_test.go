package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"starcard/handlers/apptest"
	"starcard/models"
	"starcard/models/dbtest"
)

// A member's guardians, tags and referrals through the API: the family
// page's validation with translated field errors, another family's
// guardian and another campus's member unknown, a replayed add answered
// the same, the tag set replaced, referrals a page at a time.
func TestAPIGuardiansTagsReferrals(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		w := newMemberWorld(t, db)
		a := w.a
		m := w.create(t, w.cashier, "", child("张小明", "13900000001", w.sun))
		path := fmt.Sprintf("/api/v1/members/%v", m["id"])
		translated := func(out map[string]any, field string) bool {
			errs, _ := out["errors"].(map[string]any)
			s, _ := errs[field].(string)
			return s != "" && !strings.Contains(s, "err.") && !strings.Contains(s, "api.")
		}

		// Guardians: list, add (replayed with the same key), edit.
		resp, out := a.API(t, http.MethodGet, path+"/guardians", w.cashier, "", nil)
		apptest.Status(t, resp, http.StatusOK, out)
		if gs, _ := out["guardians"].([]any); len(gs) != 1 || gs[0].(map[string]any)["name"] != "王芳" {
			t.Fatalf("guardians %v", out)
		}
		add := map[string]any{"name": "张伟", "phone": "13800138000", "relation": "father", "consent": true}
		resp, g := a.API(t, http.MethodPost, path+"/guardians", w.cashier, "g-1", add)
		apptest.Status(t, resp, http.StatusCreated, g)
		resp, again := a.API(t, http.MethodPost, path+"/guardians", w.cashier, "g-1", add)
		apptest.Status(t, resp, http.StatusCreated, again)
		if g["id"] != again["id"] || g["consent"] != true || resp.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("add %v, replay %v", g, again)
		}
		resp, out = a.API(t, http.MethodPost, path+"/guardians", w.cashier, "g-2", add)
		apptest.Status(t, resp, http.StatusConflict, out) // the phone is already in the family
		for _, tc := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"name": "", "phone": "13800138001", "relation": "father"}, "name"},
			{map[string]any{"name": "李四", "phone": "12345", "relation": "father"}, "phone"},
			{map[string]any{"name": "李四", "phone": "13800138001", "relation": "uncle?"}, "relation"},
		} {
			resp, out := a.API(t, http.MethodPost, path+"/guardians", w.cashier, "", tc.body)
			if resp.StatusCode != http.StatusUnprocessableEntity || !translated(out, tc.field) {
				t.Errorf("add %v: %d %v, want 422 with a translated %s", tc.body, resp.StatusCode, out, tc.field)
			}
		}
		gid := g["id"]
		resp, out = a.API(t, http.MethodPatch, fmt.Sprintf("%s/guardians/%v", path, gid), w.cashier, "",
			map[string]any{"name": "张大伟", "consent": false})
		apptest.Status(t, resp, http.StatusOK, out)
		if out["name"] != "张大伟" || out["relation"] != "father" || out["consent"] != false {
			t.Fatalf("edited %v", out)
		}
		resp, out = a.API(t, http.MethodPatch, fmt.Sprintf("%s/guardians/%v", path, gid), w.cashier, "",
			map[string]any{"phone": "13900000001"}) // the other guardian's phone
		apptest.Status(t, resp, http.StatusConflict, out)
		resp, out = a.API(t, http.MethodPatch, fmt.Sprintf("%s/guardians/%v", path, gid), w.cashier, "",
			map[string]any{"relation": "x"})
		if resp.StatusCode != http.StatusUnprocessableEntity || !translated(out, "relation") {
			t.Errorf("edit relation x: %d %v", resp.StatusCode, out)
		}
		// Another family's guardian, through this member: unknown.
		sib := w.create(t, w.cashier, "", child("王小丽", "13700007777", w.sun))
		sg := sib["guardians"].([]any)[0].(map[string]any)["id"]
		resp, out = a.API(t, http.MethodPatch, fmt.Sprintf("%s/guardians/%v", path, sg), w.cashier, "", map[string]any{"name": "x"})
		apptest.Status(t, resp, http.StatusNotFound, out)
		// Another campus's member: unknown to the cashier, for reads and writes.
		other := w.create(t, w.admin, "", child("赵小虎", "13700001111", w.riv))
		op := fmt.Sprintf("/api/v1/members/%v", other["id"])
		for _, r := range []struct {
			method, path string
			body         any
		}{{http.MethodGet, op + "/guardians", nil}, {http.MethodPost, op + "/guardians", add},
			{http.MethodGet, op + "/tags", nil}, {http.MethodPut, op + "/tags", map[string]any{"tags": []string{}}},
			{http.MethodGet, op + "/referrals", nil}} {
			resp, out := a.API(t, r.method, r.path, w.cashier, "", r.body)
			if resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusForbidden {
				t.Errorf("%s %s of another campus: %d %v", r.method, r.path, resp.StatusCode, out)
			}
		}
		// A kiosk may not add a guardian.
		resp, out = a.API(t, http.MethodPost, path+"/guardians", w.kiosk, "", add)
		apptest.Status(t, resp, http.StatusForbidden, out)

		// Tags: replaced as a set, the same twice, limits refused.
		for i := 0; i < 2; i++ {
			resp, out = a.API(t, http.MethodPut, path+"/tags", w.cashier, "", map[string]any{"tags": []string{" 钢琴", "周末班", "钢琴"}})
			apptest.Status(t, resp, http.StatusOK, out)
			if fmt.Sprint(out["tags"]) != "[周末班 钢琴]" {
				t.Fatalf("tags %v", out)
			}
		}
		resp, out = a.API(t, http.MethodGet, path+"/tags", w.cashier, "", nil)
		apptest.Status(t, resp, http.StatusOK, out)
		if fmt.Sprint(out["tags"]) != "[周末班 钢琴]" {
			t.Fatalf("tags read %v", out)
		}
		many := make([]string, 21)
		for i := range many {
			many[i] = fmt.Sprintf("t%d", i)
		}
		for _, tc := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"tags": []string{"一二三四五六七八九十一二三四五六七"}}, "tags[0]"},
			{map[string]any{"tags": many}, "tags"},
			{map[string]any{}, "tags"},
		} {
			resp, out := a.API(t, http.MethodPut, path+"/tags", w.cashier, "", tc.body)
			if resp.StatusCode != http.StatusUnprocessableEntity || !translated(out, tc.field) {
				t.Errorf("PUT tags %v: %d %v, want 422 with a translated %s", tc.body, resp.StatusCode, out, tc.field)
			}
		}
		resp, out = a.API(t, http.MethodPut, path+"/tags", w.cashier, "", map[string]any{"tags": []string{}})
		apptest.Status(t, resp, http.StatusOK, out)
		if ts, ok := out["tags"].([]any); !ok || len(ts) != 0 {
			t.Fatalf("cleared tags %v", out)
		}

		// Referrals: two friends, one a page.
		resp, out = a.API(t, http.MethodGet, path+"/referral-code", w.cashier, "", nil)
		apptest.Status(t, resp, http.StatusOK, out)
		code := out["code"]
		for i, name := range []string{"李小花", "周小草"} {
			f := w.create(t, w.cashier, "", child(name, fmt.Sprintf("1360000222%d", i), w.sun))
			resp, out := a.API(t, http.MethodPost, "/api/v1/referrals", w.cashier, "", map[string]any{"code": code, "member_id": f["id"]})
			apptest.Status(t, resp, http.StatusCreated, out)
		}
		resp, out = a.API(t, http.MethodGet, path+"/referrals?limit=1", w.cashier, "", nil)
		apptest.Status(t, resp, http.StatusOK, out)
		rs, _ := out["referrals"].([]any)
		cur, _ := out["next_cursor"].(string)
		if len(rs) != 1 || cur == "" || rs[0].(map[string]any)["referred_name"] != "周小草" || rs[0].(map[string]any)["status"] != "registered" {
			t.Fatalf("referrals page 1 %v", out)
		}
		if _, ok := rs[0].(map[string]any)["reward"].(map[string]any); !ok {
			t.Fatalf("referral without reward %v", rs[0])
		}
		resp, out = a.API(t, http.MethodGet, path+"/referrals?limit=1&cursor="+cur, w.cashier, "", nil)
		apptest.Status(t, resp, http.StatusOK, out)
		if rs, _ := out["referrals"].([]any); len(rs) != 1 || rs[0].(map[string]any)["referred_name"] != "李小花" || out["next_cursor"] != nil {
			t.Fatalf("referrals page 2 %v", out)
		}
		resp, out = a.API(t, http.MethodGet, path+"/referrals?cursor=zz", w.cashier, "", nil)
		apptest.Status(t, resp, http.StatusUnprocessableEntity, out)
	})
}
