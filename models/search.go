package models

import (
	"context"
	"encoding/base64"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/mozillazg/go-pinyin"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Search term kinds. Every row of member_search is "<kind><value>" so that a
// query names exactly the ranges it scans: a search is one or two index
// range scans on (term, member_id) that stop after a page, never a
// '%…%' scan, whatever the number of members.
const (
	termName     = "n:" // 张小明, and the given name 小明
	termInitials = "i:" // zxm
	termPinyin   = "f:" // zhangxiaoming, and xiaoming
	termPhone    = "t:" // a guardian's phone, reversed: a phone tail is a prefix
	termCard     = "c:" // card number
)

// compoundSurnames are two-character family names; the rest of the name is
// the given name.
var compoundSurnames = []string{"欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐",
	"宇文", "长孙", "司徒", "夏侯", "端木", "南宫", "独孤", "西门"}

// surnamePinyin fixes family names that are read differently from the
// character's everyday reading (曾 zeng, not ceng; 单 shan, not dan …).
var surnamePinyin = map[rune]string{'曾': "zeng", '单': "shan", '解': "xie", '仇': "qiu", '朴': "piao",
	'区': "ou", '查': "zha", '乐': "yue", '覃': "qin", '翟': "zhai", '盖': "ge", '缪': "miao", '尉': "yu",
	'长': "zhang", '秘': "bi", '重': "chong", '召': "shao", '员': "yun", '万': "wan", '沈': "shen", '柏': "bai"}

var pinyinArgs = pinyin.NewArgs() // Normal style: no tones

// splitName returns the family and given parts of a Chinese name.
func splitName(name string) (string, string) {
	for _, s := range compoundSurnames {
		if strings.HasPrefix(name, s) && len(name) > len(s) {
			return s, name[len(s):]
		}
	}
	_, size := utf8.DecodeRuneInString(name)
	if size >= len(name) {
		return name, ""
	}
	return name[:size], name[size:]
}

// NamePinyin returns a name's full pinyin and its initials, lower case,
// without tones or spaces: 张小明 → ("zhangxiaoming", "zxm"). Latin letters
// and digits are kept as they are; the first character reads as a surname.
func NamePinyin(name string) (full, initials string) {
	var f, in strings.Builder
	wordStart := true
	for i, r := range strings.TrimSpace(name) {
		var py string
		if unicode.Is(unicode.Han, r) {
			if i == 0 {
				py = surnamePinyin[r]
			}
			if py == "" {
				if ps := pinyin.SinglePinyin(r, pinyinArgs); len(ps) > 0 {
					py = ps[0]
				}
			}
			if py != "" {
				f.WriteString(py)
				in.WriteByte(py[0])
			}
			wordStart = true
			continue
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			lr := unicode.ToLower(r)
			f.WriteRune(lr)
			if wordStart {
				in.WriteRune(lr)
			}
			wordStart = false
			continue
		}
		wordStart = true
	}
	return f.String(), in.String()
}

func reverse(s string) string {
	b := []byte(s)
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return string(b)
}

// MemberTerms lists the search terms of a member: name, given name, pinyin
// and initials, each guardian phone (reversed, so a phone tail is a prefix)
// and the card number.
func MemberTerms(name string, phones []string, cardNo string) []string {
	name = strings.TrimSpace(name)
	seen := map[string]bool{}
	var out []string
	add := func(t string) {
		if len(t) > 2 && len(t) <= 80 && !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	add(termName + strings.ToLower(name))
	full, ini := NamePinyin(name)
	add(termPinyin + full)
	add(termInitials + ini)
	if _, given := splitName(name); given != "" && unicode.Is(unicode.Han, []rune(name)[0]) {
		add(termName + given)
		gf, _ := NamePinyin(given)
		add(termPinyin + gf)
	}
	for _, p := range phones {
		if p = digitsOnly(p); len(p) >= 4 {
			add(termPhone + reverse(p))
		}
	}
	if cardNo != "" {
		add(termCard + cardNo)
	}
	return out
}

func digitsOnly(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

type searchRow struct {
	Term     string
	MemberID int64
	CampusID int64
}

func (searchRow) TableName() string { return "member_search" }

func addSearchTerms(ctx context.Context, tx *gorm.DB, memberID, campusID int64, terms []string) error {
	if len(terms) == 0 {
		return nil
	}
	rows := make([]searchRow, len(terms))
	for i, t := range terms {
		rows[i] = searchRow{Term: t, MemberID: memberID, CampusID: campusID}
	}
	if err := tx.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&rows).Error; err != nil {
		return fmt.Errorf("models: index member: %w", err)
	}
	return nil
}

func removeSearchTerms(ctx context.Context, tx *gorm.DB, memberID int64, terms []string) error {
	if err := tx.WithContext(ctx).Where("member_id = ? AND term IN ?", memberID, terms).Delete(&searchRow{}).Error; err != nil {
		return fmt.Errorf("models: unindex member: %w", err)
	}
	return nil
}

// reindexMembers rebuilds the search terms of the given members from their
// rows: call it inside the transaction that changed a name, a phone, a
// campus, a card or an archive flag. Archived members are not searchable.
func reindexMembers(ctx context.Context, tx *gorm.DB, memberIDs ...int64) error {
	if len(memberIDs) == 0 {
		return nil
	}
	type row struct {
		ID         int64
		Name       string
		CampusID   int64
		FamilyID   int64
		CardNo     *string
		ArchivedAt *string
	}
	var rows []row
	err := tx.WithContext(ctx).Raw(`SELECT m.id, m.name, m.campus_id, m.family_id, c.card_no,
		CASE WHEN m.archived_at IS NULL THEN NULL ELSE 'x' END AS archived_at
		FROM members m LEFT JOIN cards c ON c.id = m.card_id AND c.status <> ? WHERE m.id IN ?`, CardReplaced, memberIDs).
		Scan(&rows).Error
	if err != nil {
		return fmt.Errorf("models: reindex: %w", err)
	}
	if err := tx.WithContext(ctx).Where("member_id IN ?", memberIDs).Delete(&searchRow{}).Error; err != nil {
		return fmt.Errorf("models: reindex: %w", err)
	}
	famPhones := map[int64][]string{}
	var fams []int64
	for _, r := range rows {
		fams = append(fams, r.FamilyID)
	}
	if len(fams) > 0 {
		var gs []struct {
			FamilyID int64
			Phone    string
		}
		if err := tx.WithContext(ctx).Raw("SELECT family_id, phone FROM guardians WHERE family_id IN ?", fams).Scan(&gs).Error; err != nil {
			return fmt.Errorf("models: reindex: %w", err)
		}
		for _, g := range gs {
			famPhones[g.FamilyID] = append(famPhones[g.FamilyID], g.Phone)
		}
	}
	var all []searchRow
	for _, r := range rows {
		if r.ArchivedAt != nil {
			continue
		}
		card := ""
		if r.CardNo != nil {
			card = *r.CardNo
		}
		for _, t := range MemberTerms(r.Name, famPhones[r.FamilyID], card) {
			all = append(all, searchRow{Term: t, MemberID: r.ID, CampusID: r.CampusID})
		}
	}
	if len(all) == 0 {
		return nil
	}
	if err := tx.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).CreateInBatches(&all, 500).Error; err != nil {
		return fmt.Errorf("models: reindex: %w", err)
	}
	return nil
}

// ReindexAllMembers rebuilds every member's search terms in batches (after
// an upgrade or a bulk load that bypassed the use cases).
func ReindexAllMembers(ctx context.Context, db *DB) error {
	var last int64
	for {
		var ids []int64
		if err := db.R.WithContext(ctx).Raw("SELECT id FROM members WHERE id > ? ORDER BY id LIMIT 500", last).Scan(&ids).Error; err != nil {
			return fmt.Errorf("models: reindex all: %w", err)
		}
		if len(ids) == 0 {
			return nil
		}
		if err := db.Tx(ctx, func(tx *gorm.DB) error { return reindexMembers(ctx, tx, ids...) }); err != nil {
			return err
		}
		last = ids[len(ids)-1]
	}
}

// SearchQuery is one search from the one-box search field.
type SearchQuery struct {
	Q         string
	CampusIDs []int64 // nil: every campus
	Cursor    string
	Limit     int
}

// searchRanges turns what someone typed into the term ranges to scan.
func searchRanges(q string) []string {
	q = strings.ToLower(strings.Join(strings.Fields(q), ""))
	if q == "" {
		return nil
	}
	allDigits, allLetters := true, true
	for _, r := range q {
		allDigits = allDigits && r >= '0' && r <= '9'
		allLetters = allLetters && r >= 'a' && r <= 'z'
	}
	switch {
	case allDigits:
		if len(q) < 4 {
			return nil // too short to mean a phone tail or a card
		}
		return []string{termPhone + reverse(q), termCard + q}
	case allLetters:
		return []string{termInitials + q, termPinyin + q}
	}
	return []string{termName + q}
}

// prefixEnd is the smallest string greater than every string with the
// prefix p: the last character plus one code point. Both databases compare
// member_search.term by code point (SQLite BINARY, MySQL utf8mb4_bin).
func prefixEnd(p string) string {
	r, size := utf8.DecodeLastRuneInString(p)
	return p[:len(p)-size] + string(r+1)
}

func encodeCursor(term string, id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(term + "\x00" + strconv.FormatInt(id, 10)))
}

func decodeCursor(s string) (string, int64, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return "", 0, false
	}
	term, id, ok := strings.Cut(string(b), "\x00")
	if !ok {
		return "", 0, false
	}
	n, err := strconv.ParseInt(id, 10, 64)
	return term, n, err == nil
}

// SearchMemberIDs runs a one-box search and returns matching member ids,
// best first (shorter and exact terms sort before longer ones), and the
// cursor of the next page ("" at the end). A member found by two terms on
// one page is listed once.
func SearchMemberIDs(ctx context.Context, db *gorm.DB, sq SearchQuery) ([]int64, string, error) {
	if sq.Limit <= 0 || sq.Limit > 100 {
		sq.Limit = 20
	}
	var afterTerm string
	var afterID int64
	if sq.Cursor != "" {
		var ok bool
		if afterTerm, afterID, ok = decodeCursor(sq.Cursor); !ok {
			return nil, "", ErrBadCursor
		}
	}
	var hits []searchRow
	for _, lo := range searchRanges(sq.Q) {
		q := db.WithContext(ctx).Model(&searchRow{}).Select("term, member_id").
			Where("term >= ? AND term < ?", lo, prefixEnd(lo))
		if sq.Cursor != "" {
			q = q.Where("(term > ? OR (term = ? AND member_id > ?))", afterTerm, afterTerm, afterID)
		}
		if sq.CampusIDs != nil {
			if len(sq.CampusIDs) == 0 {
				return nil, "", nil
			}
			q = q.Where("campus_id IN ?", sq.CampusIDs)
		}
		var rs []searchRow
		if err := q.Order("term, member_id").Limit(sq.Limit + 1).Find(&rs).Error; err != nil {
			return nil, "", fmt.Errorf("models: search: %w", err)
		}
		hits = append(hits, rs...)
	}
	sort.Slice(hits, func(i, j int) bool {
		if hits[i].Term != hits[j].Term {
			return hits[i].Term < hits[j].Term
		}
		return hits[i].MemberID < hits[j].MemberID
	})
	next := ""
	if len(hits) > sq.Limit {
		hits = hits[:sq.Limit]
		last := hits[len(hits)-1]
		next = encodeCursor(last.Term, last.MemberID)
	}
	seen := map[int64]bool{}
	ids := make([]int64, 0, len(hits))
	for _, h := range hits {
		if !seen[h.MemberID] {
			seen[h.MemberID] = true
			ids = append(ids, h.MemberID)
		}
	}
	return ids, next, nil
}
