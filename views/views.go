// Package views renders StarCard's pages. Templates are embedded and parsed
// once at startup into one set per page and language, so a page's blocks
// never collide with another page's and a bad template stops the program
// before it serves anything.
package views

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"strings"
	"sync/atomic"
	"time"

	"starcard/models"
)

//go:embed layouts/*.html partials/*.html pages i18n/*.toml
var files embed.FS

// Files returns the embedded view files (tests walk them).
func Files() fs.FS { return files }

// Engine renders pages and their fragments.
type Engine struct {
	Catalog *Catalog
	Loc     *time.Location
	sets    map[string]map[string]*template.Template // lang → page → set
	school  atomic.Pointer[models.School]
}

// SetSchool sets the school whose name and contacts pages show in place of
// the product name (the back office's school settings).
func (e *Engine) SetSchool(s models.School) { e.school.Store(&s) }

// School returns the school pages are rendered for (zero before it is set).
func (e *Engine) School() models.School {
	if s := e.school.Load(); s != nil {
		return *s
	}
	return models.School{}
}

// New parses every page once per language. loc is the school's time zone for
// displayed times.
func New(loc *time.Location) (*Engine, error) {
	cat, err := LoadCatalog(files)
	if err != nil {
		return nil, err
	}
	e := &Engine{Catalog: cat, Loc: loc, sets: map[string]map[string]*template.Template{}}
	var pages []string
	err = fs.WalkDir(files, "pages", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".html") {
			pages = append(pages, p)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	for _, lang := range Languages {
		base, err := template.New("").Funcs(e.funcs(lang)).ParseFS(files, "layouts/*.html", "partials/*.html")
		if err != nil {
			return nil, fmt.Errorf("views: layouts: %w", err)
		}
		e.sets[lang] = map[string]*template.Template{}
		for _, p := range pages {
			set, err := base.Clone()
			if err != nil {
				return nil, err
			}
			b, err := fs.ReadFile(files, p)
			if err != nil {
				return nil, err
			}
			name := strings.TrimSuffix(strings.TrimPrefix(p, "pages/"), ".html")
			if _, err := set.New(name).Parse(string(b)); err != nil {
				return nil, fmt.Errorf("views: %s: %w", p, err)
			}
			e.sets[lang][name] = set
		}
	}
	return e, nil
}

// Pages lists the names of every page ("cashier/home", …).
func (e *Engine) Pages() []string {
	var out []string
	for name := range e.sets[DefaultLang] {
		out = append(out, name)
	}
	return out
}

// Has reports whether a page exists.
func (e *Engine) Has(page string) bool { _, ok := e.sets[DefaultLang][page]; return ok }

// Render writes a page, or one of its fragments when name is "page#block".
func (e *Engine) Render(w io.Writer, lang, name string, data any) error {
	page, block, _ := strings.Cut(name, "#")
	sets, ok := e.sets[lang]
	if !ok {
		sets = e.sets[DefaultLang]
	}
	set, ok := sets[page]
	if !ok {
		return fmt.Errorf("views: no page %q", page)
	}
	tmpl := page
	if block != "" {
		tmpl = block
	}
	// Render into a buffer so a template error never leaves half a page.
	var buf bytes.Buffer
	if err := set.ExecuteTemplate(&buf, tmpl, data); err != nil {
		return fmt.Errorf("views: render %s: %w", name, err)
	}
	_, err := buf.WriteTo(w)
	return err
}

func (e *Engine) funcs(lang string) template.FuncMap {
	loc := e.Loc
	return template.FuncMap{
		"t":    func(id string, args ...any) string { return e.Catalog.T(lang, id, args...) },
		"lang": func() string { return lang },
		// schoolName is the school's (short) name, or 星卡 before it is named.
		"schoolName": func() string { return e.School().DisplayName(e.Catalog.T(lang, "app.name")) },
		"school":     e.School,
		// portalName is the parents' portal's title: "阳光幼儿园家长中心".
		"portalName": func() string {
			if s := e.School(); s.Name != "" {
				return e.Catalog.T(lang, "setup.portal_name", s.DisplayName(""))
			}
			return e.Catalog.T(lang, "portal.app_name")
		},
		"money":     models.Yuan, // one format for pages and messages
		"yuan":      Yuan,
		"thousands": Thousands,
		"maskPhone": models.MaskPhone, // the PIPL rule lives with the domain
		"date": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.In(loc).Format("2006-01-02")
		},
		"datetime": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.In(loc).Format("2006-01-02 15:04")
		},
		"clock": func(t time.Time) string { return t.In(loc).Format("15:04") },
		"dict": func(kv ...any) map[string]any {
			m := make(map[string]any, len(kv)/2)
			for i := 0; i+1 < len(kv); i += 2 {
				m[fmt.Sprint(kv[i])] = kv[i+1]
			}
			return m
		},
		"add":  func(a, b int) int { return a + b },
		"list": func(a ...string) []string { return a },
		"pct": func(part, whole int64) int64 {
			if whole <= 0 {
				return 100
			}
			p := part * 100 / whole
			if p > 100 {
				return 100
			}
			return p
		},
	}
}
