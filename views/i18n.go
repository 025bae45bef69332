package views

import (
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"
)

// Languages lists the supported languages; the first is the default.
var Languages = []string{"zh-CN", "zh-TW", "en"}

// DefaultLang is the language used when nothing else is known.
const DefaultLang = "zh-CN"

// Catalog holds every message in every language. Files under i18n/ map a
// message id to its text per language, side by side, so a missing
// translation is visible in review and refused at startup.
type Catalog struct {
	msgs map[string]map[string]string
}

// LoadCatalog reads every i18n/*.toml file and fails when a message lacks a
// language or is defined twice.
func LoadCatalog(fsys fs.FS) (*Catalog, error) {
	c := &Catalog{msgs: map[string]map[string]string{}}
	names, err := fs.Glob(fsys, "i18n/*.toml")
	if err != nil {
		return nil, err
	}
	var problems []string
	for _, name := range names {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		var file map[string]map[string]string
		if _, err := toml.Decode(string(b), &file); err != nil {
			return nil, fmt.Errorf("views: %s: %w", name, err)
		}
		for id, tr := range file {
			if _, dup := c.msgs[id]; dup {
				problems = append(problems, fmt.Sprintf("%s: %q defined twice", path.Base(name), id))
			}
			for _, l := range Languages {
				if strings.TrimSpace(tr[l]) == "" {
					problems = append(problems, fmt.Sprintf("%s: %q has no %s text", path.Base(name), id, l))
				}
			}
			c.msgs[id] = tr
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return nil, fmt.Errorf("views: i18n: %s", strings.Join(problems, "; "))
	}
	return c, nil
}

// Has reports whether a message id exists.
func (c *Catalog) Has(id string) bool { _, ok := c.msgs[id]; return ok }

// IDs returns every message id.
func (c *Catalog) IDs() []string {
	ids := make([]string, 0, len(c.msgs))
	for id := range c.msgs {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// T translates a message id; args fill fmt verbs in the text (use %[1]v
// style indexes where languages order them differently). An unknown id is
// logged and shown as a generic phrase, never as the raw id.
func (c *Catalog) T(lang, id string, args ...any) string {
	tr, ok := c.msgs[id]
	if !ok {
		slog.Error("views: missing message", "id", id)
		tr = c.msgs["err.generic"]
	}
	s, ok := tr[lang]
	if !ok {
		s = tr[DefaultLang]
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// MatchLang picks the language from the cookie value, then the
// Accept-Language header, then the default. Traditional-script variants
// (zh-Hant, zh-HK, zh-MO) map to zh-TW.
func MatchLang(cookie, acceptLanguage string) string {
	if l := normalise(cookie); l != "" {
		return l
	}
	for _, part := range strings.Split(acceptLanguage, ",") {
		tag, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		if l := normalise(tag); l != "" {
			return l
		}
	}
	return DefaultLang
}

func normalise(tag string) string {
	t := strings.ToLower(strings.TrimSpace(tag))
	switch {
	case t == "":
		return ""
	case t == "zh-tw" || t == "zh-hk" || t == "zh-mo" || strings.HasPrefix(t, "zh-hant"):
		return "zh-TW"
	case t == "zh" || strings.HasPrefix(t, "zh-"):
		return "zh-CN"
	case t == "en" || strings.HasPrefix(t, "en-"):
		return "en"
	}
	return ""
}
