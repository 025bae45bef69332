package models_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"gorm.io/gorm"

	"starcard/models"
	"starcard/models/dbtest"
)

const importCSV = "\ufeff学员姓名,性别,出生日期,校区,班级,家长姓名,家长手机,关系,职业,职务,标签,已授权\n" +
	"张小明,男,2021-05-01,阳光校区,小一班,王芳,13912341234,妈妈,区财政局,副处长,需午睡,是\n" + // line 2
	"张小红,女,2022/03/08,阳光校区,小一班,王芳,13912341234,妈妈,,,,是\n" + // 3: sibling, same family
	"李雷,男,2021-13-01,阳光校区,小一班,李强,1391234,爸爸,,,,否\n" + // 4: bad date and phone
	"韩梅梅,女,2021-02-02,火星校区,,韩爸,13800002222,爸爸,,,,是\n" + // 5: unknown campus
	"赵小虎,男,2020-09-09,滨江校区,中二班,赵敏,13700003333,外婆,,,兴趣:钢琴,是\n" // 6: fine

func TestImportPreviewLinesAndAllOrNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		s := newMemSchool(t, db)
		ctx := context.Background()
		rows, err := models.ReadImportFile("members.csv", []byte(importCSV))
		if err != nil {
			t.Fatal(err)
		}
		p, err := models.PreviewImport(ctx, db.R, memNow, rows)
		if err != nil {
			t.Fatal(err)
		}
		got := map[int][]string{}
		for _, is := range p.Issues {
			got[is.Line] = append(got[is.Line], fmt.Sprint(is.Key, is.Args))
		}
		if p.Total != 5 || p.Invalid != 2 || len(p.Rows) != 3 || len(got[4]) != 2 || len(got[5]) != 1 {
			t.Fatalf("preview: total %d invalid %d valid %d issues %v", p.Total, p.Invalid, len(p.Rows), got)
		}
		if !strings.Contains(strings.Join(got[4], " "), "err.member_phone") || !strings.Contains(got[5][0], "火星校区") {
			t.Fatalf("line issues: %v", got)
		}
		run := func(validOnly bool) (int, error) {
			var n int
			err := db.Tx(ctx, func(tx *gorm.DB) error {
				var err error
				n, err = models.CommitImport(ctx, tx, memNow, memActor, p, validOnly, nil)
				return err
			})
			return n, err
		}
		// Without "import the valid rows" nothing is imported.
		if _, err := run(false); !errors.Is(err, models.ErrImportHasErrors) {
			t.Fatalf("all-or-nothing: %v", err)
		}
		if n := countRows(t, db, "SELECT COUNT(*) FROM members"); n != 0 {
			t.Fatalf("%d members after a refused import", n)
		}
		n, err := run(true)
		if err != nil || n != 3 {
			t.Fatalf("valid rows: %d %v", n, err)
		}
		ids, _, _ := models.SearchMemberIDs(ctx, db.R, models.SearchQuery{Q: "1234"})
		vs, _ := models.MemberViews(ctx, db.R, ids)
		if len(vs) != 2 || vs[0].FamilyID != vs[1].FamilyID || !vs[0].Consent || vs[0].ClassID == nil || *vs[0].ClassID != s.sunCls {
			t.Fatalf("siblings: %+v", vs)
		}
		// Importing the same file again finds them on file.
		p2, _ := models.PreviewImport(ctx, db.R, memNow, rows)
		exists := 0
		for _, is := range p2.Issues {
			if is.Key == "import.err_exists" {
				exists++
			}
		}
		if exists != 3 {
			t.Fatalf("re-import flagged %d existing children, want 3", exists)
		}
		// Export has the same columns, a BOM, and reads back.
		var buf bytes.Buffer
		if err := models.ExportMembers(ctx, db.R, nil, &buf); err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(buf.Bytes(), []byte("\xef\xbb\xbf学员姓名,")) || !strings.Contains(buf.String(), "赵小虎,男,2020-09-09,滨江校区,中二班,赵敏,13700003333,祖辈") {
			t.Fatalf("export:\n%s", buf.String())
		}
		back, err := models.ReadImportFile("export.csv", buf.Bytes())
		if err != nil || len(back) != 4 {
			t.Fatalf("export reads back as %d rows: %v", len(back), err)
		}
	})
}

func TestImportXLSX(t *testing.T) {
	db := dbtest.SQLite(t)
	newMemSchool(t, db)
	f := excelize.NewFile()
	for i, row := range [][]any{
		{"学员姓名", "出生日期", "校区", "家长姓名", "家长手机", "关系"},
		{"欧阳娜娜", "2021-01-01", "SUN", "欧阳爸爸", "13500001111", "爸爸"},
		{"", "", "", "", "", ""},
		{"钱多多", "2021-01-01", "阳光校区", "钱妈妈", "2345", "妈妈"},
	} {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &row); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	rows, err := models.ReadImportFile("家长名单.xlsx", buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	p, err := models.PreviewImport(context.Background(), db.R, memNow, rows)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Rows) != 1 || p.Invalid != 1 || p.Issues[0].Line != 4 {
		t.Fatalf("xlsx preview: %d valid, %d invalid, issues %+v", len(p.Rows), p.Invalid, p.Issues)
	}
}

// TestImportTenThousandRows imports 10,000 rows in one transaction and logs
// the time (the issue asks for < 30 s; BENCHMARKS.md has the figures). Under
// the race detector it imports 2,000, which proves the same batching.
func TestImportTenThousandRows(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	rowsN := 10000
	if raceOn {
		rowsN = 2000
	}
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		newMemSchool(t, db)
		var b strings.Builder
		b.WriteString("学员姓名,出生日期,校区,班级,家长姓名,家长手机,关系,已授权\n")
		for i := 0; i < rowsN; i++ {
			fmt.Fprintf(&b, "学员%d,2021-05-01,阳光校区,小一班,家长%d,139%08d,妈妈,是\n", i, i, i)
		}
		ctx := context.Background()
		start := time.Now()
		rows, err := models.ReadImportFile("big.csv", []byte(b.String()))
		if err != nil {
			t.Fatal(err)
		}
		p, err := models.PreviewImport(ctx, db.R, memNow, rows)
		if err != nil || p.Invalid != 0 {
			t.Fatalf("preview: %v %+v", err, p.Issues)
		}
		previewed := time.Since(start)
		var n int
		last := 0
		err = db.Tx(ctx, func(tx *gorm.DB) error {
			n, err = models.CommitImport(ctx, tx, memNow, memActor, p, false, func(done, total int) { last = done })
			return err
		})
		took := time.Since(start)
		t.Logf("%d rows: preview %s, total %s", rowsN, previewed.Round(time.Millisecond), took.Round(time.Millisecond))
		if err != nil || n != rowsN || last != rowsN {
			t.Fatalf("import: %d rows, progress %d, %v", n, last, err)
		}
		// The batched path leaves the same member as CreateMember would.
		ids, _, err := models.SearchMemberIDs(ctx, db.R, models.SearchQuery{Q: fmt.Sprintf("%08d", rowsN-1)})
		if err != nil || len(ids) != 1 {
			t.Fatalf("phone tail search after import: %v %v", ids, err)
		}
		vs, _ := models.MemberViews(ctx, db.R, ids)
		v := vs[0]
		if v.Name != fmt.Sprintf("学员%d", rowsN-1) || !v.Consent || v.Status != "active" || v.ClassName != "小一班" || len(v.Guardians) != 1 {
			t.Fatalf("imported member: %+v", v)
		}
		if byCard, _, _ := models.SearchMemberIDs(ctx, db.R, models.SearchQuery{Q: v.CardNo}); len(byCard) != 1 {
			t.Fatal("imported card number not searchable")
		}
		if r, err := models.CheckIn(ctx, db, memNow, memSecret, memLoc, models.CheckinRequest{Input: models.CardInput{CardNo: v.CardNo}}); err != nil || r.MemberID != v.ID {
			t.Fatalf("imported card check-in: %v %v", r, err)
		}
		if h, _ := models.LifecycleHistory(ctx, db.R, v.ID); len(h) != 1 {
			t.Fatalf("lifecycle history %v", h)
		}
		if n := countRows(t, db, "SELECT COUNT(DISTINCT card_no) FROM cards"); n != int64(rowsN) {
			t.Fatalf("%d distinct card numbers, want %d", n, rowsN)
		}
	})
}
