package handlers_test

import (
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"starcard/handlers"
	"starcard/handlers/account"
	"starcard/handlers/apptest"
	"starcard/models"
	"starcard/models/dbtest"
)

// A post-login next= is a path of this site, or the role's home.
func TestLoginNextStaysOnThisSite(t *testing.T) {
	for in, want := range map[string]string{
		"/cashier/members/3":    "/cashier/members/3",
		"/admin/members?q=张":    "/admin/members?q=张",
		"//evil.example/":       "",
		"/\\evil.example":       "",
		"/\t/evil.example":      "",
		"/\n/evil.example":      "",
		" /admin":               "",
		"https://evil.example/": "",
		"javascript:alert(1)":   "",
		"evil.example":          "",
		"/%09/evil.example":     "/%09/evil.example", // stays a path: browsers do not decode it
		"":                      "",
	} {
		if got := account.SafeNext(in); got != want {
			t.Errorf("SafeNext(%q) = %q, want %q", in, got, want)
		}
	}
	a := apptest.New(t, dbtest.SQLite(t))
	a.Staff(t, "desk", models.RoleCashier)
	for _, next := range []string{"//evil.example/x", "/\t/evil.example", "https://evil.example"} {
		cl := a.Client(t)
		cl.Get("/login")
		resp, _ := cl.PostForm("/login", url.Values{"username": {"desk"}, "password": {"password123"}, "next": {next}})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/cashier" {
			t.Errorf("next=%q: %d %q, want 303 /cashier", next, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
}

// The CSRF token is bound to the session: a token from before the login,
// or from another session, is refused after it.
func TestCSRFTokenIsBoundToTheSession(t *testing.T) {
	a := apptest.New(t, dbtest.SQLite(t))
	a.Staff(t, "desk", models.RoleCashier)
	a.Staff(t, "other", models.RoleCashier)
	cl := a.Client(t)
	cl.Get("/login")
	pre := cl.CSRF
	cl.Login("desk", "password123")
	if cl.CSRF == pre {
		t.Fatal("the token did not change at login")
	}
	_, page := cl.Get("/cashier")
	if !strings.Contains(page, cl.CSRF) {
		t.Fatal("the page does not carry the session's token")
	}
	other := a.Client(t)
	other.Login("other", "password123")
	for name, tok := range map[string]string{"pre-login": pre, "another session's": other.CSRF} {
		resp, _ := cl.PostForm("/logout", url.Values{"_csrf": {tok}})
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s token: %d, want 403", name, resp.StatusCode)
		}
	}
	resp, _ := cl.PostForm("/logout", nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("own token: %d", resp.StatusCode)
	}
}

// /metrics answers loopback or the configured token; -tls sends HSTS; a
// request with headers too large gets problem+json under /api.
func TestMetricsHSTSAndHeaderLimits(t *testing.T) {
	a := apptest.New(t, dbtest.SQLite(t))
	base := a.Serve(t)
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("metrics from loopback: %d", resp.StatusCode)
	}
	if resp.Header.Get("Strict-Transport-Security") != "" {
		t.Error("HSTS without -tls")
	}

	// Headers larger than the read buffer: 431 problem+json.
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_, _ = conn.Write([]byte("GET /api/v1/members HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 9000) + "\r\n\r\n"))
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	raw, _ := io.ReadAll(conn)
	got := string(raw)
	if !strings.HasPrefix(got, "HTTP/1.1 431") || !strings.Contains(got, "application/problem+json") ||
		!strings.Contains(got, `"type":"/problems/headers-too-large"`) {
		t.Errorf("431: %.400s", got)
	}

	// A body over the limit: 413 problem+json, before any handler runs.
	conn2, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn2.Close()
	_, _ = conn2.Write([]byte("POST /api/v1/purchases HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 9437184\r\n\r\n{"))
	_ = conn2.SetReadDeadline(time.Now().Add(5 * time.Second))
	raw, _ = io.ReadAll(conn2)
	if got := string(raw); !strings.HasPrefix(got, "HTTP/1.1 413") || !strings.Contains(got, "application/problem+json") {
		t.Errorf("413: %.400s", got)
	}

	secure := apptest.New(t, dbtest.SQLite(t))
	secure.Deps.Secure = true
	secure.App = handlers.New(secure.Deps, handlers.Options{LoginRate: 1000})
	resp, _ = secure.Client(t).Get("/login")
	if !strings.Contains(resp.Header.Get("Strict-Transport-Security"), "max-age=") {
		t.Errorf("HSTS under -tls: %q", resp.Header.Get("Strict-Transport-Security"))
	}
}

// A database out of reach is 503 with Retry-After, problem+json under /api.
func TestDatabaseUnreachableIs503(t *testing.T) {
	a := apptest.New(t, dbtest.SQLite(t))
	a.Staff(t, "boss", models.RoleAdmin)
	token := a.Token(t, "boss")
	if err := a.DB.Close(); err != nil {
		t.Fatal(err)
	}
	resp, prob := a.API(t, http.MethodGet, "/api/v1/members/1", token, "", nil)
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" ||
		prob["type"] != "/problems/db-unavailable" || resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("API: %d %q %v", resp.StatusCode, resp.Header.Get("Retry-After"), prob)
	}
	resp, _ = a.API(t, http.MethodPost, "/api/v1/auth/token", "", "", map[string]string{"username": "boss", "password": "password123"})
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("token: %d", resp.StatusCode)
	}
}

// A web form field no form would send is refused by name, not stored cut.
func TestWebFormLimits(t *testing.T) {
	a := apptest.New(t, dbtest.SQLite(t))
	a.Staff(t, "boss", models.RoleAdmin)
	cl := a.Client(t)
	cl.Login("boss", "password123")
	resp, body := cl.HX(http.MethodPost, "/admin/classes", url.Values{"name": {strings.Repeat("班", 4001)}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "「name」太长") {
		t.Fatalf("a 4,001-character field: %d %.300s", resp.StatusCode, body)
	}
}

// The login page and the token endpoint share the throttle: after repeated
// wrong passwords the account is locked for both, with a message saying so.
func TestLoginLockShowsOnThePageAndTheAPI(t *testing.T) {
	a := apptest.New(t, dbtest.SQLite(t))
	a.Staff(t, "desk", models.RoleCashier)
	cl := a.Client(t)
	cl.Get("/login")
	for i := 0; i < 5; i++ {
		resp, _ := cl.PostForm("/login", url.Values{"username": {"desk"}, "password": {"wrong-password"}})
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d", i+1, resp.StatusCode)
		}
	}
	resp, body := cl.PostForm("/login", url.Values{"username": {"desk"}, "password": {"password123"}})
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "账号已临时锁定") {
		t.Fatalf("locked account on the page: %d", resp.StatusCode)
	}
	resp, prob := a.API(t, http.MethodPost, "/api/v1/auth/token", "", "", map[string]string{"username": "DESK", "password": "password123"})
	if resp.StatusCode != http.StatusTooManyRequests || prob["type"] != "/problems/account-locked" {
		t.Fatalf("locked account on the API: %d %v", resp.StatusCode, prob)
	}
}
