package models_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"starcard/models"
	"starcard/models/dbtest"
)

func TestNamePinyin(t *testing.T) {
	for _, c := range []struct{ name, full, ini string }{
		{"张小明", "zhangxiaoming", "zxm"},
		{"曾乐乐", "zengleyue", "zly"}, // 曾 as a surname reads zeng
		{"单田芳", "shantianfang", "stf"},
		{"欧阳娜娜", "ouyangnana", "oynn"},
		{"Tom 李", "tomli", "tl"},
	} {
		full, ini := models.NamePinyin(c.name)
		if c.name == "曾乐乐" { // 乐 in a given name is ambiguous; only the surname rule is checked
			if !strings.HasPrefix(full, "zeng") || ini[0] != 'z' {
				t.Errorf("%s → %s %s", c.name, full, ini)
			}
			continue
		}
		if full != c.full || ini != c.ini {
			t.Errorf("%s → %s %s, want %s %s", c.name, full, ini, c.full, c.ini)
		}
	}
}

func TestSearchOneBox(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		s := newMemSchool(t, db)
		ctx := context.Background()
		zxm := s.child(t, "张小明", "13912345678", true)
		zxh := s.child(t, "张晓红", "13811112222", true)
		lm := s.child(t, "李明", "13700005678", true)
		riv := s.create(t, models.NewMember{Name: "张小梅", CampusID: s.riv,
			Guardians: []models.NewGuardian{{Name: "赵敏", Phone: "13655556666", Relation: "mother"}}})
		card := s.view(t, lm.ID).CardNo
		names := func(q string, campuses []int64) string {
			ids, _, err := models.SearchMemberIDs(ctx, db.R, models.SearchQuery{Q: q, CampusIDs: campuses})
			if err != nil {
				t.Fatalf("search %q: %v", q, err)
			}
			vs, _ := models.MemberViews(ctx, db.R, ids)
			var out []string
			for _, v := range vs {
				out = append(out, v.Name)
			}
			return strings.Join(out, ",")
		}
		for _, c := range []struct {
			q        string
			campuses []int64
			want     string
		}{
			{"zxm", nil, "张小明,张小梅"},
			{"ZXM", nil, "张小明,张小梅"},
			{"zx", nil, "张晓红,张小明,张小梅"},
			{"zhangxiao", nil, "张晓红,张小梅,张小明"},
			{"xiaoming", nil, "张小明"},
			{"张小", nil, "张小明,张小梅"},
			{"小明", nil, "张小明"},
			{"5678", nil, "李明,张小明"},
			{"139 1234 5678", nil, "张小明"},
			{card, nil, "李明"},
			{"zxm", []int64{s.sun}, "张小明"},
			{"zxm", []int64{}, ""},
			{"123", nil, ""},
			{"nobody", nil, ""},
			{"%", nil, ""},
		} {
			if got := names(c.q, c.campuses); got != c.want {
				t.Errorf("search %q in %v = %q, want %q", c.q, c.campuses, got, c.want)
			}
		}
		_ = zxm
		_ = zxh
		_ = riv
	})
}

func TestSearchPagesWithCursor(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		s := newMemSchool(t, db)
		ctx := context.Background()
		for i := 0; i < 7; i++ {
			s.child(t, "王"+[]string{"一", "二", "三", "四", "五", "六", "七"}[i], fmt.Sprintf("1390000%04d", i), false)
		}
		seen := map[int64]bool{}
		cursor, pages := "", 0
		for {
			ids, next, err := models.SearchMemberIDs(ctx, db.R, models.SearchQuery{Q: "王", Cursor: cursor, Limit: 3})
			if err != nil {
				t.Fatal(err)
			}
			pages++
			for _, id := range ids {
				if seen[id] {
					t.Fatalf("member %d on two pages", id)
				}
				seen[id] = true
			}
			if next == "" {
				break
			}
			cursor = next
		}
		if len(seen) != 7 || pages != 3 {
			t.Fatalf("%d members over %d pages", len(seen), pages)
		}
		if _, _, err := models.SearchMemberIDs(ctx, db.R, models.SearchQuery{Q: "王", Cursor: "!!"}); err == nil {
			t.Fatal("a bad cursor was accepted")
		}
	})
}
