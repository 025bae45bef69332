package views

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"starcard/models"
)

func TestCatalogHasEveryLanguageAndEngineParses(t *testing.T) {
	if _, err := New(time.UTC); err != nil {
		t.Fatal(err)
	}
}

// The ids used in templates (t "id") and in Go code (h.T(c, "id"), and every
// "err.…" literal: error keys, field messages) must all exist, or a user
// would see a raw id.
var (
	tmplID  = regexp.MustCompile(`\bt\s+"([a-z0-9_.-]+)"`)
	goT     = regexp.MustCompile(`\.T\(c,\s*"([a-z0-9_.-]+)"\s*[,)]`)
	goErrID = regexp.MustCompile(`"(err\.[a-z0-9_]+)"\s*[^+\s]`)
)

func TestEveryMessageIDUsedExists(t *testing.T) {
	cat, err := LoadCatalog(files)
	if err != nil {
		t.Fatal(err)
	}
	var missing []string
	check := func(where string, re *regexp.Regexp, src string) {
		for _, m := range re.FindAllStringSubmatch(src, -1) {
			if !cat.Has(m[1]) {
				missing = append(missing, where+": "+m[1])
			}
		}
	}
	err = fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".html") {
			b, _ := fs.ReadFile(files, p)
			check(p, tmplID, string(b))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{"../handlers", "../models", "../cmd"} {
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
				return err
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			check(p, goT, string(b))
			check(p, goErrID, string(b))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(missing) > 0 {
		t.Fatalf("message ids used but not translated:\n%s", strings.Join(missing, "\n"))
	}
}

func TestMatchLang(t *testing.T) {
	cases := []struct{ cookie, accept, want string }{
		{"", "", "zh-CN"},
		{"", "en-US,en;q=0.9", "en"},
		{"", "zh-HK,zh;q=0.9", "zh-TW"},
		{"", "zh-Hant-TW", "zh-TW"},
		{"", "zh-Hans-CN", "zh-CN"},
		{"", "fr-FR,de", "zh-CN"},
		{"en", "zh-CN", "en"},
		{"zh-TW", "en", "zh-TW"},
		{"klingon", "en", "en"},
	}
	for _, c := range cases {
		if got := MatchLang(c.cookie, c.accept); got != c.want {
			t.Errorf("MatchLang(%q, %q) = %q, want %q", c.cookie, c.accept, got, c.want)
		}
	}
}

func TestMoneyAndMasks(t *testing.T) {
	cases := []struct {
		fen  int64
		want string
	}{{0, "¥0.00"}, {5, "¥0.05"}, {123456, "¥1,234.56"}, {-2000, "-¥20.00"}, {100000000, "¥1,000,000.00"}}
	for _, c := range cases {
		if got := models.Yuan(c.fen); got != c.want {
			t.Errorf("Yuan(%d) = %q, want %q", c.fen, got, c.want)
		}
	}
	if got := models.MaskPhone("13912341234"); got != "139****1234" {
		t.Errorf("MaskPhone = %q", got)
	}
	if got := Thousands(1280); got != "1,280" {
		t.Errorf("Thousands = %q", got)
	}
}
