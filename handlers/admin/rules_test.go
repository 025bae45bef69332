package admin_test

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"starcard/handlers/apptest"
	"starcard/models"
	"starcard/models/dbtest"
)

var inputRe = regexp.MustCompile(`<input name="([a-z_0-9]+)" value="([^"]*)"`)
var selectedRe = regexp.MustCompile(`<select name="([a-z_]+)"[^>]*>(?:<option value="[^"]*">[^<]*</option>)*<option value="([^"]*)" selected>`)

// rulesForm reads the rules form off the page as a browser would submit it.
func rulesForm(t *testing.T, page string) url.Values {
	t.Helper()
	v := url.Values{}
	for _, m := range inputRe.FindAllStringSubmatch(page, -1) {
		v.Add(m[1], m[2])
	}
	for _, m := range selectedRe.FindAllStringSubmatch(page, -1) {
		v.Add(m[1], m[2])
	}
	// Selects whose first option is chosen carry no "selected": add them.
	if n := len(v["band_tiers"]); n < len(v["band_min"]) {
		for i := n; i < len(v["band_min"]); i++ {
			v.Add("band_tiers", "")
		}
	}
	if v.Get("payment_order") == "" {
		v.Set("payment_order", "bonus")
	}
	return v
}

func TestRulesPageSavesAuditsAndRefusesBadInput(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		a := apptest.New(t, db)
		ctx := context.Background()
		if _, err := models.CreateCampus(ctx, db.W, a.Clock.Now(), "SUN", "阳光校区", ""); err != nil {
			t.Fatal(err)
		}
		a.Staff(t, "root", models.RoleAdmin)
		a.Staff(t, "mgr", models.RoleCampusManager)
		cl := a.Client(t)
		cl.Login("root", "password123")
		resp, page := cl.Get("/admin/rules")
		apptest.Status(t, resp, 200, page)
		for _, w := range []string{"积分与储值规则", `name="threshold_gold" value="5000"`, `name="prepaid_cap" value="5000"`,
			`name="tier_gold" value="1.2"`, "尚未修改过"} {
			if !strings.Contains(page, w) {
				t.Fatalf("rules page lacks %q", w)
			}
		}
		form := rulesForm(t, page)
		// Refusals: each comes back with the field marked, nothing saved.
		bad := []struct{ field, value, want string }{
			{"prepaid_cap", "12.345", "请输入金额"},
			{"threshold_platinum", "3000", "铂金卡门槛须高于金卡门槛"},
			{"tier_gold", "-1", "倍数如 1 或 1.5"},
			{"discount_gold", "150", "0 到 100"},
			{"term_ends", "13-45", "格式为 月-日"},
			{"redeem_cap_percent", "120", "合理范围内的整数"},
			{"effective_at", "2020-01-01T00:00", "不能早于现在"},
		}
		for _, b := range bad {
			f := url.Values{}
			for k, v := range form {
				f[k] = append([]string(nil), v...)
			}
			f.Set(b.field, b.value)
			resp, body := cl.PostForm("/admin/rules", f)
			if resp.StatusCode != 422 || !strings.Contains(body, b.want) || !strings.Contains(body, "规则未保存") {
				t.Errorf("%s=%q: status %d, want 422 with %q", b.field, b.value, resp.StatusCode, b.want)
			}
		}
		if hist, _ := models.RulesHistory(ctx, db.R); len(hist) != 0 {
			t.Fatalf("%d versions saved by refused forms", len(hist))
		}
		// Gold from ¥6,000, a ¥1,000 → ¥150 band, now.
		form.Set("threshold_gold", "6000")
		form["band_bonus"][0] = "150"
		resp, body := cl.PostForm("/admin/rules", form)
		apptest.Status(t, resp, 200, body)
		for _, w := range []string{"规则已保存，立即生效", "当前生效", "¥5,000.00 → <strong>¥6,000.00</strong>", "满 ¥1,000.00 送 ¥150.00"} {
			if !strings.Contains(body, w) {
				t.Errorf("after saving, page lacks %q", w)
			}
		}
		r, err := models.LoadRules(ctx, db.R, a.Clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		if r.TierThresholds[models.TierGold] != 600000 || r.TopupBands[0].BonusAmount != 15000 || r.TierPermille[models.TierGold] != 1200 {
			t.Fatalf("rules in force: %+v", r)
		}
		// A change from next month waits for its time.
		form = rulesForm(t, body)
		form.Set("refund_approval", "500")
		form.Set("effective_at", a.Clock.Now().In(apptest.Shanghai).AddDate(0, 1, 0).Format("2006-01-02T15:04"))
		resp, body = cl.PostForm("/admin/rules", form)
		apptest.Status(t, resp, 200, body)
		if !strings.Contains(body, "将于") || !strings.Contains(body, "待生效") {
			t.Fatalf("scheduled save page:\n%s", body)
		}
		if r, _ := models.LoadRules(ctx, db.R, a.Clock.Now()); r.RefundApprovalAmount != 100000 {
			t.Fatalf("a future change applies now: %d", r.RefundApprovalAmount)
		}
		if r, _ := models.LoadRules(ctx, db.R, a.Clock.Now().AddDate(0, 1, 1)); r.RefundApprovalAmount != 50000 {
			t.Fatalf("the change does not apply later: %d", r.RefundApprovalAmount)
		}
		var n int64
		db.R.Raw("SELECT COUNT(*) FROM audit_log WHERE action = 'rules.save'").Scan(&n)
		if n != 2 {
			t.Fatalf("%d rule changes audited, want 2", n)
		}
		// A campus manager reads the rules but may not change them.
		m := a.Client(t)
		m.Login("mgr", "password123")
		resp, body = m.Get("/admin/rules")
		apptest.Status(t, resp, 200, body)
		if !strings.Contains(body, "只有管理员和客服负责人可以修改规则") {
			t.Fatal("a campus manager is offered the save button")
		}
		resp, _ = m.PostForm("/admin/rules", form)
		apptest.Status(t, resp, 403, "")
	})
}
