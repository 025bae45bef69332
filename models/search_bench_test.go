package models_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"starcard/models"
	"starcard/models/dbtest"
)

// The search benchmark builds a school of N members (STARCARD_BENCH_MEMBERS,
// default 100,000) with the same rows the use cases write (families,
// guardians, members, cards, search terms), then times each kind of
// one-box query. Run:
//
//	STARCARD_BENCH_MEMBERS=1000000 go test ./models -run '^$' -bench MemberSearch -benchtime 2000x
var (
	benchSurnames = []string{"张", "王", "李", "刘", "陈", "杨", "黄", "赵", "周", "吴", "徐", "孙", "马", "胡", "朱", "郭", "何", "罗", "高", "林",
		"郑", "梁", "谢", "唐", "许", "冯", "宋", "韩", "邓", "彭", "曹", "曾", "沈", "叶", "欧阳", "田", "董", "潘", "袁", "蔡"}
	benchGiven = []rune("子涵欣怡梓萱一诺浩然宇轩诗俊熙沐宸若汐可馨雨桐思远天佑嘉明语锦程小红晓墨奕辰安琪佳昊书瑶睿泽悦星梓芷鸣乐君伟芳娜敏静丽强磊军洋勇艳杰娟涛超刚")
)

type benchMember struct {
	name, phone, card string
}

func benchName(r *rand.Rand) string {
	n := benchSurnames[r.IntN(len(benchSurnames))]
	for k := 0; k < 1+r.IntN(2); k++ {
		n += string(benchGiven[r.IntN(len(benchGiven))])
	}
	return n
}

// bulkInsert writes rows with multi-row INSERTs of 500.
func bulkInsert(b testing.TB, tx *sql.Tx, table, cols string, n int, row func(i int) []any) {
	b.Helper()
	ncol := len(strings.Split(cols, ","))
	ph := "(" + strings.TrimSuffix(strings.Repeat("?,", ncol), ",") + ")"
	for start := 0; start < n; start += 500 {
		end := min(start+500, n)
		var args []any
		var vals []string
		for i := start; i < end; i++ {
			vals = append(vals, ph)
			args = append(args, row(i)...)
		}
		if _, err := tx.Exec("INSERT INTO "+table+" ("+cols+") VALUES "+strings.Join(vals, ","), args...); err != nil {
			b.Fatalf("insert %s: %v", table, err)
		}
	}
}

func buildSearchSchool(b testing.TB, db *models.DB, n int) []benchMember {
	b.Helper()
	ctx := context.Background()
	for _, c := range [][2]string{{"SUN", "阳光校区"}, {"RIV", "滨江校区"}} {
		if _, err := models.CreateCampus(ctx, db.W, memNow, c[0], c[1], ""); err != nil {
			b.Fatal(err)
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	ms := make([]benchMember, n)
	seenPhone := map[string]bool{}
	seenCard := map[string]bool{}
	for i := range ms {
		ms[i].name = benchName(r)
		for {
			p := fmt.Sprintf("1%c%d%08d", "358"[r.IntN(3)], r.IntN(10), r.IntN(100_000_000))
			if !seenPhone[p] {
				seenPhone[p] = true
				ms[i].phone = p
				break
			}
		}
		for {
			c := models.NewCardNo()
			if !seenCard[c] {
				seenCard[c] = true
				ms[i].card = c
				break
			}
		}
	}
	tx, err := db.SQL().Begin()
	if err != nil {
		b.Fatal(err)
	}
	ts := memNow
	bulkInsert(b, tx, "families", "id, name, created_at, updated_at", n, func(i int) []any { return []any{i + 1, ms[i].name + "家", ts, ts} })
	bulkInsert(b, tx, "guardians", "family_id, name, phone, relation, created_at, updated_at", n, func(i int) []any {
		return []any{i + 1, "家长", ms[i].phone, "mother", ts, ts}
	})
	bulkInsert(b, tx, "members", "id, family_id, campus_id, name, notes, created_at, updated_at, card_id", n, func(i int) []any {
		return []any{i + 1, i + 1, 1 + i%2, ms[i].name, "", ts, ts, i + 1}
	})
	bulkInsert(b, tx, "cards", "id, member_id, card_no, version, status, issued_at", n, func(i int) []any {
		return []any{i + 1, i + 1, ms[i].card, 1, "active", ts}
	})
	type term struct {
		t  string
		id int
	}
	var terms []term
	for i, m := range ms {
		for _, t := range models.MemberTerms(m.name, []string{m.phone}, m.card) {
			terms = append(terms, term{t, i + 1})
		}
	}
	bulkInsert(b, tx, "member_search", "term, member_id, campus_id", len(terms), func(i int) []any {
		return []any{terms[i].t, terms[i].id, 1 + (terms[i].id-1)%2}
	})
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	if db.Dialect == models.SQLite {
		if _, err := db.SQL().Exec("ANALYZE"); err != nil {
			b.Fatal(err)
		}
	}
	return ms
}

// searchKinds are the query shapes a desk types, drawn from real members.
var searchKinds = []struct {
	name string
	q    func(m benchMember) string
}{
	{"initials", func(m benchMember) string { _, ini := models.NamePinyin(m.name); return ini }},
	{"pinyin-prefix", func(m benchMember) string { f, _ := models.NamePinyin(m.name); return f[:min(len(f), 6)] }},
	{"name", func(m benchMember) string { return m.name }},
	{"phone-tail", func(m benchMember) string { return m.phone[7:] }},
	{"card-no", func(m benchMember) string { return m.card }},
}

func BenchmarkMemberSearch(b *testing.B) {
	n := 100_000
	if s := os.Getenv("STARCARD_BENCH_MEMBERS"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	for _, dialect := range dbtest.Dialects() {
		b.Run(dialect, func(b *testing.B) {
			var db *models.DB
			if dialect == "sqlite" {
				db = dbtest.SQLite(b)
			} else {
				db = dbtest.MySQL(b)
			}
			start := time.Now()
			ms := buildSearchSchool(b, db, n)
			b.Logf("%s: %d members, %d search terms, built in %s", dialect, n, countTerms(b, db), time.Since(start).Round(time.Second))
			ctx := context.Background()
			admin := &models.StaffUser{Role: models.RoleAdmin}
			cashier := &models.StaffUser{Role: models.RoleCashier, CampusIDs: []int64{1}}
			for _, k := range searchKinds {
				for _, who := range []struct {
					name string
					u    *models.StaffUser
				}{{"ids", nil}, {"admin", admin}, {"cashier", cashier}} {
					b.Run(k.name+"/"+who.name, func(b *testing.B) {
						r := rand.New(rand.NewPCG(7, uint64(len(k.name))))
						lat := make([]time.Duration, 0, b.N)
						found := 0
						b.ResetTimer()
						for i := 0; i < b.N; i++ {
							q := k.q(ms[r.IntN(len(ms))])
							t0 := time.Now()
							var got int
							var err error
							if who.u == nil { // the index scan alone
								var ids []int64
								ids, _, err = models.SearchMemberIDs(ctx, db.R, models.SearchQuery{Q: q, Limit: 20})
								got = len(ids)
							} else { // what a page gets: ids, then the member views
								var vs []models.MemberView
								vs, _, err = models.SearchMembers(ctx, db.R, who.u, q, "", 20)
								got = len(vs)
							}
							lat = append(lat, time.Since(t0))
							if err != nil {
								b.Fatal(err)
							}
							if got > 0 {
								found++
							}
						}
						b.StopTimer()
						sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
						p := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))].Microseconds()) / 1000 }
						b.ReportMetric(p(0.5), "p50-ms")
						b.ReportMetric(p(0.99), "p99-ms")
						b.ReportMetric(float64(found)/float64(b.N)*100, "found-%")
					})
				}
			}
		})
	}
}

func countTerms(b testing.TB, db *models.DB) int64 {
	var n int64
	db.R.Raw("SELECT COUNT(*) FROM member_search").Scan(&n)
	return n
}
