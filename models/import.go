package models

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"gorm.io/gorm"
)

// ImportColumns are the columns of a member import and export, in order.
// Each child is one row; guardians with the same phone across rows are one
// family (siblings), and a phone already on file joins that family.
var ImportColumns = []string{"学员姓名", "性别", "出生日期", "校区", "班级", "家长姓名", "家长手机", "关系", "职业", "职务",
	"家长2姓名", "家长2手机", "家长2关系", "标签", "备注", "来源", "已授权"}

// importAliases maps other header spellings (traditional, English) to a column.
var importAliases = map[string]string{
	"姓名": "学员姓名", "学员": "学员姓名", "學員姓名": "学员姓名", "name": "学员姓名",
	"gender": "性别", "性別": "性别", "birth_date": "出生日期", "生日": "出生日期",
	"campus": "校区", "校區": "校区", "class": "班级", "班級": "班级",
	"guardian": "家长姓名", "家長姓名": "家长姓名", "phone": "家长手机", "手机": "家长手机", "手机号": "家长手机", "家長手機": "家长手机",
	"relation": "关系", "關係": "关系", "occupation": "职业", "職業": "职业", "position": "职务", "職務": "职务",
	"tags": "标签", "標籤": "标签", "notes": "备注", "備註": "备注", "source": "来源", "來源": "来源",
	"consent": "已授权", "已授權": "已授权",
}

// MaxImportRows bounds one import file.
const MaxImportRows = 20000

// Import failures that concern the whole file.
var (
	ErrImportFormat    = NewError(KindInvalid, "import-format", "err.import_format")
	ErrImportColumns   = NewError(KindInvalid, "import-columns", "err.import_columns")
	ErrImportTooBig    = NewError(KindInvalid, "import-too-big", "err.import_too_big")
	ErrImportEmpty     = NewError(KindInvalid, "import-empty", "err.import_empty")
	ErrImportHasErrors = NewError(KindInvalid, "import-has-errors", "err.import_has_errors")
	ErrImportNothing   = NewError(KindInvalid, "import-nothing", "err.import_nothing")
)

// ReadImportFile reads a CSV (UTF-8, with or without BOM; GB18030 is not
// guessed) or XLSX file into rows of cells, header first.
func ReadImportFile(name string, data []byte) ([][]string, error) {
	var rows [][]string
	if strings.HasSuffix(strings.ToLower(name), ".xlsx") {
		f, err := excelize.OpenReader(bytes.NewReader(data))
		if err != nil {
			return nil, ErrImportFormat
		}
		defer f.Close()
		sheets := f.GetSheetList()
		if len(sheets) == 0 {
			return nil, ErrImportEmpty
		}
		if rows, err = f.GetRows(sheets[0]); err != nil {
			return nil, ErrImportFormat
		}
	} else {
		data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
		if !utf8.Valid(data) {
			return nil, ErrImportFormat.With("utf-8")
		}
		r := csv.NewReader(bytes.NewReader(data))
		r.FieldsPerRecord = -1
		r.TrimLeadingSpace = true
		for {
			rec, err := r.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return nil, ErrImportFormat
			}
			rows = append(rows, rec)
		}
	}
	// Drop trailing empty rows.
	for len(rows) > 0 && strings.TrimSpace(strings.Join(rows[len(rows)-1], "")) == "" {
		rows = rows[:len(rows)-1]
	}
	if len(rows) < 2 {
		return nil, ErrImportEmpty
	}
	if len(rows)-1 > MaxImportRows {
		return nil, ErrImportTooBig.With(MaxImportRows)
	}
	return rows, nil
}

// ImportIssue is one problem with one row: the line in the file (the
// header is line 1) and a message key.
type ImportIssue struct {
	Line int
	Key  string
	Args []any
}

// ImportRow is one valid row, ready to create.
type ImportRow struct {
	Line   int
	Member NewMember
	Phone  string // the first guardian's phone: rows sharing it are one family
}

// ImportPreview is what a file would import: the valid rows, the issues,
// and counts for the preview page.
type ImportPreview struct {
	Rows    []ImportRow
	Issues  []ImportIssue
	Total   int
	Invalid int // rows with at least one issue
}

// PreviewImport checks every row of an import against the rules and the
// database (campuses, classes, duplicates) without writing anything.
func PreviewImport(ctx context.Context, db *gorm.DB, now time.Time, rows [][]string) (*ImportPreview, error) {
	col := map[string]int{}
	for i, h := range rows[0] {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		if a, ok := importAliases[strings.ToLower(h)]; ok {
			h = a
		}
		col[h] = i
	}
	for _, need := range []string{"学员姓名", "家长姓名", "家长手机"} {
		if _, ok := col[need]; !ok {
			return nil, ErrImportColumns.With(need)
		}
	}
	campuses, err := ListCampuses(ctx, db)
	if err != nil {
		return nil, err
	}
	campusBy := map[string]int64{}
	for _, c := range campuses {
		campusBy[c.Name], campusBy[strings.ToLower(c.Code)] = c.ID, c.ID
	}
	classes, err := ListClasses(ctx, db, nil)
	if err != nil {
		return nil, err
	}
	classBy := map[string]int64{}
	for _, c := range classes {
		classBy[fmt.Sprintf("%d|%s", c.CampusID, c.Name)] = c.ID
	}
	// Children already on file, by name and guardian phone, to refuse doubles.
	var existing []struct{ Name, Phone string }
	if err := db.WithContext(ctx).Raw(`SELECT m.name, g.phone FROM members m JOIN guardians g ON g.family_id = m.family_id
		WHERE m.archived_at IS NULL`).Scan(&existing).Error; err != nil {
		return nil, fmt.Errorf("models: preview import: %w", err)
	}
	have := map[string]bool{}
	for _, e := range existing {
		have[e.Name+"|"+e.Phone] = true
	}
	p := &ImportPreview{Total: len(rows) - 1}
	inFile := map[string]int{}
	for i, rec := range rows[1:] {
		line := i + 2
		cell := func(name string) string {
			if j, ok := col[name]; ok && j < len(rec) {
				return strings.TrimSpace(rec[j])
			}
			return ""
		}
		if strings.TrimSpace(strings.Join(rec, "")) == "" {
			p.Total--
			continue
		}
		var issues []ImportIssue
		add := func(key string, args ...any) { issues = append(issues, ImportIssue{Line: line, Key: key, Args: args}) }
		in := NewMember{Name: cell("学员姓名"), Gender: cell("性别"), BirthDate: cell("出生日期"), Notes: cell("备注"),
			ReferralSource: cell("来源"), Tags: []string{cell("标签")}, Channel: "import"}
		consent := isYes(cell("已授权"))
		in.Guardians = []NewGuardian{{Name: cell("家长姓名"), Phone: cell("家长手机"), Relation: cell("关系"),
			Occupation: cell("职业"), Position: cell("职务"), Payer: true, Consent: consent}}
		if n2 := cell("家长2姓名"); n2 != "" || cell("家长2手机") != "" {
			in.Guardians = append(in.Guardians, NewGuardian{Name: n2, Phone: cell("家长2手机"), Relation: cell("家长2关系"), Consent: consent})
		}
		switch cp := cell("校区"); {
		case cp == "" && len(campuses) == 1:
			in.CampusID = campuses[0].ID
		case cp == "":
			add("import.err_campus_required")
		default:
			if id, ok := campusBy[cp]; ok {
				in.CampusID = id
			} else if id, ok := campusBy[strings.ToLower(cp)]; ok {
				in.CampusID = id
			} else {
				add("import.err_campus_unknown", cp)
			}
		}
		if cl := cell("班级"); cl != "" && in.CampusID != 0 {
			if id, ok := classBy[fmt.Sprintf("%d|%s", in.CampusID, cl)]; ok {
				in.ClassID = id
			} else {
				add("import.err_class_unknown", cl)
			}
		}
		fields, _ := in.validate(now)
		for _, f := range []string{"name", "gender", "birth_date", "guardians[0].name", "guardians[0].phone", "guardians[0].relation",
			"guardians[1].name", "guardians[1].phone", "guardians[1].relation"} {
			key, ok := fields[f]
			switch {
			case !ok:
			case key == "err.required":
				add("import.err_required", importFieldKey(f))
			case key == "err.member_name_long":
				add("import.err_long", importFieldKey(f))
			case f == "guardians[1].phone":
				add("import.err_phone2")
			default:
				add(key) // the message names its field: 手机号格式不正确
			}
		}
		phone := in.Guardians[0].Phone
		dupKey := in.Name + "|" + phone
		if have[dupKey] {
			add("import.err_exists")
		} else if first, ok := inFile[dupKey]; ok && len(fields) == 0 {
			add("import.err_twice", first)
		}
		if len(issues) > 0 {
			p.Invalid++
			p.Issues = append(p.Issues, issues...)
			continue
		}
		inFile[dupKey] = line
		in.Tags = normalizeTags(in.Tags)
		p.Rows = append(p.Rows, ImportRow{Line: line, Member: in, Phone: phone})
	}
	return p, nil
}

func isYes(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "是", "y", "yes", "1", "true", "已授权", "同意", "✓", "√":
		return true
	}
	return false
}

// importFieldKey names a field in an import message.
func importFieldKey(f string) string {
	return "import.col_" + strings.NewReplacer("[0].", "_", "[1].", "2_").Replace(f)
}

// CommitImport creates the rows of a preview in ONE transaction: all of
// them or, on any failure, none. With validOnly false a preview that has
// issues is refused as a whole; with validOnly true the valid rows are
// imported and the others left out. progress, when set, hears how far it is.
func CommitImport(ctx context.Context, tx *gorm.DB, now time.Time, actor Actor, p *ImportPreview, validOnly bool, progress func(done, total int)) (int, error) {
	if p.Invalid > 0 && !validOnly {
		return 0, ErrImportHasErrors.With(p.Invalid)
	}
	if len(p.Rows) == 0 {
		return 0, ErrImportNothing
	}
	families := map[string]int64{}
	phones := make([]string, 0, len(p.Rows))
	for _, r := range p.Rows {
		phones = append(phones, r.Phone)
	}
	var known []struct {
		Phone    string
		FamilyID int64
	}
	for i := 0; i < len(phones); i += 500 {
		j := min(i+500, len(phones))
		var part []struct {
			Phone    string
			FamilyID int64
		}
		if err := tx.WithContext(ctx).Raw("SELECT phone, MIN(family_id) AS family_id FROM guardians WHERE phone IN ? GROUP BY phone", phones[i:j]).
			Scan(&part).Error; err != nil {
			return 0, fmt.Errorf("models: import: %w", err)
		}
		known = append(known, part...)
	}
	for _, k := range known {
		families[k.Phone] = k.FamilyID
	}
	// Children of families already on file go through CreateMember; the
	// rest (nearly always all of them) through the batched path.
	var fresh []ImportRow
	done := 0
	report := func() {
		if progress != nil {
			progress(done, len(p.Rows))
		}
	}
	for _, r := range p.Rows {
		fam, ok := families[r.Phone]
		if !ok {
			fresh = append(fresh, r)
			continue
		}
		in := r.Member
		in.FamilyID, in.Guardians = fam, nil // the family already has them
		if _, err := CreateMember(ctx, tx, now, actor, in); err != nil {
			if e, ok := AsError(err); ok {
				return 0, ErrImportRow.With(r.Line, e.Code)
			}
			return 0, err
		}
		done++
	}
	report()
	base := done
	if err := bulkCreateMembers(ctx, tx, now, actor, fresh, families, func(n int) { done = base + n; report() }); err != nil {
		return 0, err
	}
	if err := Audit(ctx, tx, now, actor, "member.import", "member", 0, fmt.Sprintf("rows=%d skipped=%d", len(p.Rows), p.Invalid)); err != nil {
		return 0, err
	}
	return len(p.Rows), nil
}

// ErrImportRow reports the line that failed while importing (nothing was kept).
var ErrImportRow = NewError(KindConflict, "import-row", "err.import_row")

// ExportMembers writes the members of the given campuses (nil = all) as
// CSV in the import columns, with a UTF-8 BOM so that Excel on Chinese
// Windows opens it correctly.
func ExportMembers(ctx context.Context, db *gorm.DB, campusIDs []int64, w io.Writer) error {
	if _, err := w.Write([]byte("\xef\xbb\xbf")); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	// The grade (客户级别, models/crm) follows the import columns; the
	// importer ignores it, so an export still reads back.
	if err := cw.Write(append(append([]string(nil), ImportColumns...), "客户级别")); err != nil {
		return err
	}
	var last int64
	for {
		q := db.WithContext(ctx).Table("members").Where("archived_at IS NULL AND id > ?", last)
		if campusIDs != nil {
			q = q.Where("campus_id IN ?", campusIDs)
		}
		var ids []int64
		if err := q.Order("id").Limit(500).Pluck("id", &ids).Error; err != nil {
			return fmt.Errorf("models: export members: %w", err)
		}
		if len(ids) == 0 {
			break
		}
		vs, err := MemberViews(ctx, db, ids)
		if err != nil {
			return err
		}
		for _, v := range vs {
			rec := []string{v.Name, genderZH(v.Gender), v.BirthDate, v.CampusName, v.ClassName, "", "", "", "", "", "", "", "",
				strings.Join(v.Tags, ","), v.Notes, v.ReferralSource, "", gradeZH(v.Grade)}
			if len(v.Guardians) > 0 {
				g := v.Guardians[0]
				rec[5], rec[6], rec[7], rec[8], rec[9] = g.Name, g.Phone, relationZH(g.Relation), g.Occupation, g.Position
			}
			if len(v.Guardians) > 1 {
				g := v.Guardians[1]
				rec[10], rec[11], rec[12] = g.Name, g.Phone, relationZH(g.Relation)
			}
			if v.Consent {
				rec[16] = "是"
			}
			if err := cw.Write(rec); err != nil {
				return err
			}
		}
		last = ids[len(ids)-1]
	}
	cw.Flush()
	return cw.Error()
}

// gradeZH names a grade code in the export (the codes of DOMAIN §4b).
func gradeZH(g string) string {
	switch g {
	case "key":
		return "重点"
	case "watch":
		return "关注"
	case "general":
		return "一般"
	case "A", "B", "C", "D":
		return g + "级"
	}
	return ""
}

func genderZH(g string) string {
	switch g {
	case "female":
		return "女"
	case "male":
		return "男"
	}
	return ""
}

func relationZH(r string) string {
	switch r {
	case "mother":
		return "妈妈"
	case "father":
		return "爸爸"
	case "grandparent":
		return "祖辈"
	}
	return "其他"
}
