package admin

import (
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"starcard/handlers/render"
	"starcard/models"
	"starcard/views"
)

// The jobs page says what each run did in the reader's language, with the
// counts the run recorded; a result that does not fit its message keeps its
// recorded words rather than showing wrong numbers.
func TestJobResultsInTheReadersLanguage(t *testing.T) {
	loc, _ := time.LoadLocation("Asia/Shanghai")
	eng, err := views.New(loc)
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range models.StandardJobs(nil, loc) {
		id := "reports.jobresult." + j.Name
		if !eng.Catalog.Has(id) {
			t.Errorf("job %s: no %s message", j.Name, id)
			continue
		}
		for _, lang := range []string{"zh-CN", "zh-TW", "en"} {
			if got := strings.Count(eng.Catalog.T(lang, id), "%d"); got != jobResultArgs[j.Name] {
				t.Errorf("%s in %s has %d counts, the job records %d", id, lang, got, jobResultArgs[j.Name])
			}
		}
	}
	h := handler{&render.Deps{Views: eng}}
	app := fiber.New()
	c := app.AcquireCtx(&fasthttp.RequestCtx{})
	defer app.ReleaseCtx(c)
	for _, tc := range []struct{ lang, job, result, want string }{
		{"zh-CN", "points.expire", "12 points expired", "12 积分已到期"},
		{"zh-TW", "courses.settle_exclusive", "1 opened, 2 cancelled, 17 refunded", "開班 1 個，取消 2 個，退回 17 人"},
		{"en", "care.escalate", "3 escalations", "3 escalations"},
		{"zh-CN", "reports.backfill", "10 2 3 1", "补算 10 项，合并 2 行，按月归档 3 个月，会员结存 1 天"},
		{"zh-CN", "points.expire", "", ""},
		{"zh-CN", "points.expire", "skipped: nothing to do", "skipped: nothing to do"},
		{"zh-CN", "some.future_job", "4 things", "4 things"},
	} {
		c.Locals(render.LocalLang, tc.lang)
		if got := h.jobResult(c, tc.job, tc.result); got != tc.want {
			t.Errorf("%s %s %q: %q, want %q", tc.lang, tc.job, tc.result, got, tc.want)
		}
	}
}
