// Package access is the one rule set for who may call which route, on the
// web surfaces and /api/v1 alike. Table (table.go) lists every mounted route
// with the roles allowed and the kind of object its :id names; a Guard wraps
// the routers the surfaces mount on, so the check each route gets comes from
// its line of the table, and Verify refuses to start when a mounted route has
// no line (or a line has no route).
package access

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
)

// Role is a set of callers a route admits.
type Role uint16

// The callers. Staff roles are checked here; Public routes need nobody;
// Guardian routes are the parent portal's, which checks its own session.
const (
	Kiosk Role = 1 << iota
	Teacher
	Cashier
	Manager // campus_manager
	Head    // service_head
	Admin
	Public
	Guardian
)

// Common sets of roles.
const (
	AllStaff   = Kiosk | Teacher | Cashier | Manager | Head | Admin
	BackOffice = Manager | Head | Admin
	Money      = Cashier | Manager | Head | Admin
	Readers    = Teacher | Money
)

var roleBits = map[models.Role]Role{
	models.RoleKiosk: Kiosk, models.RoleTeacher: Teacher, models.RoleCashier: Cashier,
	models.RoleCampusManager: Manager, models.RoleServiceHead: Head, models.RoleAdmin: Admin,
}

// Of returns the bit of a staff role.
func Of(r models.Role) Role { return roleBits[r] }

// Allows reports whether a staff role may call a route of roles r.
func (r Role) Allows(role models.Role) bool {
	b, ok := roleBits[role]
	return ok && r&b != 0
}

// Open reports whether the route needs no staff login.
func (r Role) Open() bool { return r&(Public|Guardian) != 0 }

// String lists the roles, for reports and test names.
func (r Role) String() string {
	var out []string
	for _, n := range []struct {
		b Role
		s string
	}{{Kiosk, "kiosk"}, {Teacher, "teacher"}, {Cashier, "cashier"}, {Manager, "campus_manager"},
		{Head, "service_head"}, {Admin, "admin"}, {Public, "public"}, {Guardian, "guardian"}} {
		if r&n.b != 0 {
			out = append(out, n.s)
		}
	}
	return strings.Join(out, "|")
}

// Rule is one line of the table: a route as Fiber registers it, the
// operation's name, who may call it, and the kind of object its :id names
// (models.Object…) whose campus is checked ("" when none).
type Rule struct {
	Method string
	Path   string
	Op     string
	Roles  Role
	Object string
}

// Key identifies a route: method and path, without a trailing slash.
func Key(method, path string) string {
	if len(path) > 1 {
		path = strings.TrimRight(path, "/")
	}
	return method + " " + path
}

// Guard applies the table to the routes mounted through its routers.
type Guard struct {
	deps    *render.Deps
	rules   map[string]Rule
	mounted map[string]bool
	missing []string // routes mounted without a line in the table
}

// NewGuard checks the table itself (no duplicates, known objects, an :id for
// every object) and returns a guard for it.
func NewGuard(d *render.Deps, table []Rule) (*Guard, error) {
	g := &Guard{deps: d, rules: map[string]Rule{}, mounted: map[string]bool{}}
	var bad []string
	for _, r := range table {
		k := Key(r.Method, r.Path)
		if _, dup := g.rules[k]; dup {
			bad = append(bad, "duplicate line "+k)
		}
		if r.Roles == 0 || r.Op == "" {
			bad = append(bad, "no roles or operation for "+k)
		}
		if r.Object != "" && (!models.KnownObject(r.Object) || !strings.Contains(r.Path+"/", "/:id/")) {
			bad = append(bad, fmt.Sprintf("object %q needs a known kind and an :id in %s", r.Object, k))
		}
		if r.Object != "" && r.Roles.Open() {
			bad = append(bad, "a public or guardian route cannot check a staff campus: "+k)
		}
		g.rules[k] = r
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("access: bad table:\n  %s", strings.Join(bad, "\n  "))
	}
	return g, nil
}

// Rule returns the table's line for a route.
func (g *Guard) Rule(method, path string) (Rule, bool) {
	if method == fiber.MethodHead {
		method = fiber.MethodGet
	}
	r, ok := g.rules[Key(method, path)]
	return r, ok
}

// check is the middleware a route gets from its line.
func (g *Guard) check(rule Rule) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if rule.Roles.Open() {
			return c.Next()
		}
		u := render.User(c)
		if u == nil {
			return models.ErrUnauthenticated
		}
		if !rule.Roles.Allows(u.Role) {
			return models.ErrForbidden
		}
		if rule.Object != "" {
			id, err := strconv.ParseInt(c.Params("id"), 10, 64)
			if err != nil || id <= 0 {
				return models.ErrNotFound
			}
			cs, err := models.ObjectCampuses(c.UserContext(), g.deps.DB.R, rule.Object, id)
			if errors.Is(err, models.ErrNotFound) || (err == nil && !u.CanSeeObject(cs)) {
				return notFound(c, rule.Object)
			}
			if err != nil {
				return err
			}
		}
		return c.Next()
	}
}

// apiNotFound are the API's stable problem types for an object that is not
// there (or not the caller's: the two answers are the same).
var apiNotFound = map[string]error{
	models.ObjectMember: models.ErrMemberNotFound, models.ObjectPurchase: models.ErrPurchaseNotFound,
	models.ObjectTopup: models.ErrTopupNotFound,
}

func notFound(c *fiber.Ctx, kind string) error {
	if e, ok := apiNotFound[kind]; ok && strings.HasPrefix(c.Path(), "/api/") {
		return e
	}
	return models.ErrNotFound
}

// deny answers every request to a route that has no line in the table; the
// app refuses to start anyway (Verify), this only keeps a test build honest.
func deny(*fiber.Ctx) error { return models.ErrForbidden }

func (g *Guard) add(r fiber.Router, prefix, method, path string, hs []fiber.Handler) {
	full := groupPath(prefix, path)
	m := method
	if m == fiber.MethodHead {
		m = fiber.MethodGet
	}
	k := Key(m, full)
	rule, ok := g.rules[k]
	mw := deny
	if ok {
		mw = g.check(rule)
	} else if method != fiber.MethodHead {
		g.missing = append(g.missing, k)
	}
	g.mounted[Key(method, full)] = true
	r.Add(method, path, append([]fiber.Handler{mw}, hs...)...)
}

// groupPath joins a group prefix and a path the way Fiber does.
func groupPath(prefix, path string) string {
	if path == "" {
		return prefix
	}
	if path[0] != '/' {
		path = "/" + path
	}
	return strings.TrimRight(prefix, "/") + path
}

// Router wraps r so that every route mounted through it (and its groups)
// gets the check of its line in the table.
func (g *Guard) Router(r fiber.Router) fiber.Router {
	prefix := ""
	if grp, ok := r.(*fiber.Group); ok {
		prefix = grp.Prefix
	}
	return &router{g: g, r: r, prefix: prefix}
}

// Verify compares the mounted routes with the table: every route (HEAD
// twins and middleware aside) needs a line and must have been mounted
// through the guard; every line needs its route.
func (g *Guard) Verify(routes []fiber.Route) error {
	seen := map[string]bool{}
	var problems []string
	for _, m := range g.missing {
		problems = append(problems, "no line in the access table for "+m)
	}
	for _, rt := range routes {
		if rt.Method == fiber.MethodHead || rt.Method == "USE" {
			continue
		}
		k := Key(rt.Method, rt.Path)
		if seen[k] {
			continue
		}
		seen[k] = true
		if _, ok := g.rules[k]; !ok {
			problems = append(problems, "no line in the access table for "+k)
		} else if !g.mounted[k] {
			problems = append(problems, "mounted around the access guard: "+k)
		}
	}
	for k, r := range g.rules {
		if r.Method == "USE" {
			if !g.mounted[k] {
				problems = append(problems, "a line with no route: "+k)
			}
			continue
		}
		if !seen[k] {
			problems = append(problems, "a line with no route: "+k)
		}
	}
	if len(problems) == 0 {
		return nil
	}
	sort.Strings(problems)
	problems = dedupe(problems)
	return fmt.Errorf("access: the route table and the mounted routes disagree:\n  %s", strings.Join(problems, "\n  "))
}

func dedupe(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// router is a fiber.Router that puts the guard's check first on every route.
type router struct {
	g      *Guard
	r      fiber.Router
	prefix string
}

func (w *router) Use(args ...interface{}) fiber.Router {
	// A prefixed Use that serves content (static files) must be a line of
	// the table, method USE; plain middleware is not a route.
	if p, ok := args[0].(string); ok {
		k := Key("USE", groupPath(w.prefix, p))
		if r, ok := w.g.rules[k]; ok && r.Roles.Open() {
			w.g.mounted[k] = true
		}
	}
	w.r.Use(args...)
	return w
}

func (w *router) Get(path string, hs ...fiber.Handler) fiber.Router {
	w.Add(fiber.MethodHead, path, hs...)
	return w.Add(fiber.MethodGet, path, hs...)
}
func (w *router) Head(path string, hs ...fiber.Handler) fiber.Router {
	return w.Add(fiber.MethodHead, path, hs...)
}
func (w *router) Post(path string, hs ...fiber.Handler) fiber.Router {
	return w.Add(fiber.MethodPost, path, hs...)
}
func (w *router) Put(path string, hs ...fiber.Handler) fiber.Router {
	return w.Add(fiber.MethodPut, path, hs...)
}
func (w *router) Delete(path string, hs ...fiber.Handler) fiber.Router {
	return w.Add(fiber.MethodDelete, path, hs...)
}
func (w *router) Connect(path string, hs ...fiber.Handler) fiber.Router {
	return w.Add(fiber.MethodConnect, path, hs...)
}
func (w *router) Options(path string, hs ...fiber.Handler) fiber.Router {
	return w.Add(fiber.MethodOptions, path, hs...)
}
func (w *router) Trace(path string, hs ...fiber.Handler) fiber.Router {
	return w.Add(fiber.MethodTrace, path, hs...)
}
func (w *router) Patch(path string, hs ...fiber.Handler) fiber.Router {
	return w.Add(fiber.MethodPatch, path, hs...)
}

func (w *router) Add(method, path string, hs ...fiber.Handler) fiber.Router {
	w.g.add(w.r, w.prefix, method, path, hs)
	return w
}

// Static, All and Mount would mount routes the table cannot see line by
// line; they are refused at startup.
func (w *router) Static(prefix, _ string, _ ...fiber.Static) fiber.Router {
	panic("access: Static is not supported on a guarded router: " + groupPath(w.prefix, prefix))
}
func (w *router) All(path string, _ ...fiber.Handler) fiber.Router {
	panic("access: All is not supported on a guarded router: " + groupPath(w.prefix, path))
}
func (w *router) Mount(prefix string, _ *fiber.App) fiber.Router {
	panic("access: Mount is not supported on a guarded router: " + groupPath(w.prefix, prefix))
}

func (w *router) Group(prefix string, hs ...fiber.Handler) fiber.Router {
	return &router{g: w.g, r: w.r.Group(prefix, hs...), prefix: groupPath(w.prefix, prefix)}
}

func (w *router) Route(prefix string, fn func(fiber.Router), _ ...string) fiber.Router {
	fn(w.Group(prefix))
	return w
}

func (w *router) Name(name string) fiber.Router {
	w.r.Name(name)
	return w
}
