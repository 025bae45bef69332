// Package apptest drives the real application wiring in tests: app.Test for
// handler tests, and a real listener on 127.0.0.1:0 for browser tests.
package apptest

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"starcard/handlers"
	"starcard/handlers/middleware"
	"starcard/handlers/render"
	"starcard/models"
	"starcard/views"
)

func init() {
	// Tests read responses, not access logs; keep warnings and errors visible.
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
}

// Clock is a settable clock for tests.
type Clock struct{ T time.Time }

// Now returns the clock's time.
func (c *Clock) Now() time.Time { return c.T }

// App is the application under test.
type App struct {
	*handlers.App
	Deps  *render.Deps
	DB    *models.DB
	Clock *Clock
}

// Shanghai is the school's time zone in tests.
var Shanghai = mustLoc("Asia/Shanghai")

func mustLoc(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// Secret is the server secret of every app under test (tests open the
// one-time codes notices carry sealed with it).
var Secret = []byte("test-secret-test-secret-test-secret!!")

// New wires the app on db with a fixed secret and a settable clock.
func New(t testing.TB, db *models.DB) *App {
	t.Helper()
	eng, err := views.New(Shanghai)
	if err != nil {
		t.Fatal(err)
	}
	clock := &Clock{T: time.Date(2026, 11, 2, 1, 30, 0, 0, time.UTC)} // Monday 09:30 in Shanghai
	d := &render.Deps{DB: db, Views: eng, Secret: Secret,
		Now: func() time.Time { return clock.Now() }, Loc: Shanghai, DataDir: t.TempDir()}
	a := handlers.New(d, handlers.Options{LoginRate: 1000})
	return &App{App: a, Deps: d, DB: db, Clock: clock}
}

// Staff creates a staff account and returns it.
func (a *App) Staff(t testing.TB, username string, role models.Role, campusIDs ...int64) *models.StaffUser {
	t.Helper()
	u, err := models.CreateStaff(context.Background(), a.DB.W, a.Clock.Now(), models.NewStaff{
		Username: username, Name: username, Password: "password123", Role: string(role), CampusIDs: campusIDs})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// Client is a cookie-keeping browser-like client over app.Test.
type Client struct {
	t    testing.TB
	app  *App
	Jar  http.CookieJar
	CSRF string
	Lang string
}

// Client returns a new client with an empty cookie jar.
func (a *App) Client(t testing.TB) *Client {
	jar, _ := cookiejar.New(nil)
	return &Client{t: t, app: a, Jar: jar}
}

var base, _ = url.Parse("http://starcard.test/")

// Do sends a request and returns the response and its body.
func (c *Client) Do(req *http.Request) (*http.Response, string) {
	c.t.Helper()
	u := base.ResolveReference(req.URL)
	req.URL = u
	req.Host = u.Host
	for _, ck := range c.Jar.Cookies(u) {
		req.AddCookie(ck)
	}
	if c.Lang != "" && req.Header.Get("Accept-Language") == "" {
		req.Header.Set("Accept-Language", c.Lang)
	}
	resp, err := c.app.Fiber.Test(req, -1)
	if err != nil {
		c.t.Fatal(err)
	}
	c.Jar.SetCookies(u, resp.Cookies())
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	body := string(b)
	if m := csrfRe.FindStringSubmatch(body); m != nil {
		c.CSRF = m[1]
	}
	return resp, body
}

// csrfRe finds the page's CSRF token in a hidden field or the hx-headers attribute.
var csrfRe = regexp.MustCompile(`(?:name="_csrf" value="|&#34;X-CSRF-Token&#34;: &#34;|"X-CSRF-Token": ")([0-9a-f]{32})`)

// Get fetches a path.
func (c *Client) Get(path string) (*http.Response, string) {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, path, nil)
	return c.Do(req)
}

// PostForm posts a form with the page's CSRF token (fetch a page first).
func (c *Client) PostForm(path string, form url.Values) (*http.Response, string) {
	c.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if form.Get("_csrf") == "" && c.CSRF != "" {
		form.Set("_csrf", c.CSRF)
	}
	req, _ := http.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.Do(req)
}

// HX posts a form as htmx would: the CSRF token in the header.
func (c *Client) HX(method, path string, form url.Values) (*http.Response, string) {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("HX-Request", "true")
	req.Header.Set("X-CSRF-Token", c.CSRF)
	return c.Do(req)
}

// Login logs in through the login page and fails the test if it does not work.
func (c *Client) Login(username, password string) {
	c.t.Helper()
	c.Get("/login")
	resp, body := c.PostForm("/login", url.Values{"username": {username}, "password": {password}})
	if resp.StatusCode != http.StatusSeeOther {
		c.t.Fatalf("login %s: status %d: %s", username, resp.StatusCode, body)
	}
	// The CSRF token is bound to the new session: the next page would carry
	// it; compute it instead of fetching one.
	for _, ck := range c.Jar.Cookies(base) {
		if ck.Name == middleware.SessionCookie {
			c.CSRF = middleware.CSRFFor(c.app.Deps, middleware.SessionIDOf(c.app.Deps, ck.Value))
		}
	}
}

// API calls the JSON API with an optional bearer token and idempotency key.
func (a *App) API(t testing.TB, method, path, token, idemKey string, body any) (*http.Response, map[string]any) {
	t.Helper()
	var r io.Reader
	if body != nil {
		switch b := body.(type) {
		case string:
			r = strings.NewReader(b)
		default:
			js, _ := json.Marshal(b)
			r = strings.NewReader(string(js))
		}
	}
	req, _ := http.NewRequest(method, path, r)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if idemKey != "" {
		req.Header.Set("Idempotency-Key", idemKey)
	}
	resp, err := a.Fiber.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := map[string]any{}
	if len(raw) > 0 && strings.Contains(resp.Header.Get("Content-Type"), "json") {
		if err := json.Unmarshal(raw, &out); err != nil {
			out["_raw"] = string(raw)
		}
	} else {
		out["_raw"] = string(raw)
	}
	return resp, out
}

// Token gets an API token for a user with password "password123".
func (a *App) Token(t testing.TB, username string) string {
	t.Helper()
	resp, body := a.API(t, http.MethodPost, "/api/v1/auth/token", "", "", map[string]string{"username": username, "password": "password123"})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("token for %s: %d %v", username, resp.StatusCode, body)
	}
	return body["access_token"].(string)
}

// Serve starts the app on 127.0.0.1:0 and returns its base URL; it stops
// when the test ends.
func (a *App) Serve(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = a.Fiber.Listener(ln) }()
	t.Cleanup(func() { _ = a.Fiber.ShutdownWithTimeout(5 * time.Second) })
	return "http://" + ln.Addr().String()
}

// Status is a convenience for asserting response codes.
func Status(t testing.TB, resp *http.Response, want int, body any) {
	t.Helper()
	if resp.StatusCode != want {
		t.Fatalf("%s %s: status %d, want %d: %v", resp.Request.Method, resp.Request.URL.Path, resp.StatusCode, want, body)
	}
}

// OTP reads the newest one-time code texted to phone from the outbox, as the
// parent would read the SMS; it fails the test when the code is missing or
// stored in clear.
func (a *App) OTP(t testing.TB, phone string) string {
	t.Helper()
	var data string
	a.DB.R.Raw(`SELECT o.data FROM outbox o JOIN guardians g ON g.id = o.guardian_id WHERE o.event = 'otp' AND g.phone = ?
		ORDER BY o.id DESC LIMIT 1`, phone).Scan(&data)
	code := models.NoticeCode(Secret, data)
	if len(code) != 6 {
		t.Fatalf("no code in the outbox for %s: %q", phone, data)
	}
	if strings.Contains(data, code) {
		t.Fatalf("the one-time code is stored in clear: %q", data)
	}
	return code
}

// ParentSession logs the guardian with phone in as the portal does (a code
// texted, read from the outbox, typed back) and returns the session token
// for the portal's cookie.
func (a *App) ParentSession(t testing.TB, phone string) string {
	t.Helper()
	ctx := context.Background()
	now := a.Clock.Now()
	if _, err := models.RequestOTP(ctx, a.DB, now, a.Deps.Secret, phone, ""); err != nil {
		t.Fatal(err)
	}
	s, err := models.LoginWithOTP(ctx, a.DB, now, a.Deps.Secret, phone, a.OTP(t, phone), "", "")
	if err != nil {
		t.Fatal(err)
	}
	return s.Token
}
