package apptest

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/go-rod/rod"
	"github.com/go-rod/rod/lib/launcher"
	"github.com/go-rod/rod/lib/launcher/flags"
	"github.com/go-rod/rod/lib/proto"
)

// ChromiumPath is where Debian's chromium lives; browser tests never download one.
const ChromiumPath = "/usr/bin/chromium"

// RequireBrowserEnv, when "1", turns a missing browser into a failure (CI sets it).
const RequireBrowserEnv = "STARCARD_REQUIRE_BROWSER"

// BrowserOptions adjust the browser a test starts.
type BrowserOptions struct {
	// Flags are extra Chromium switches, name → value ("" for a bare switch),
	// e.g. the fake camera: "use-file-for-fake-video-capture": "/tmp/qr.y4m".
	Flags map[string]string
	// Lang is the Accept-Language the browser sends; default zh-CN.
	Lang string
}

// NeedBinary skips the test when a command is missing, or fails it when
// STARCARD_REQUIRE_BROWSER=1 (CI installs everything the suites need).
func NeedBinary(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv(RequireBrowserEnv) == "1" {
			t.Fatalf("%s is required (%s=1) but not installed", name, RequireBrowserEnv)
		}
		t.Skipf("%s not installed", name)
	}
	return p
}

// Browser starts headless Chromium for one test and closes it afterwards.
func Browser(t testing.TB, o ...BrowserOptions) *rod.Browser {
	t.Helper()
	if _, err := os.Stat(ChromiumPath); err != nil {
		if os.Getenv(RequireBrowserEnv) == "1" {
			t.Fatalf("chromium is required (%s=1) but %s is missing", RequireBrowserEnv, ChromiumPath)
		}
		t.Skip("chromium not installed: browser test skipped")
	}
	var opt BrowserOptions
	if len(o) > 0 {
		opt = o[0]
	}
	if opt.Lang == "" {
		opt.Lang = "zh-CN"
	}
	l := launcher.New().Bin(ChromiumPath).Headless(true).NoSandbox(true).Leakless(false).
		UserDataDir(t.TempDir()).
		Set("disable-gpu").Set("disable-background-networking").Set("disable-component-update").
		Set("disable-sync").Set("disable-quic").Set("no-first-run").Set("disable-dev-shm-usage").
		Set("lang", opt.Lang).Set("accept-lang", opt.Lang)
	for k, v := range opt.Flags {
		if v == "" {
			l = l.Set(flagName(k))
		} else {
			l = l.Set(flagName(k), v)
		}
	}
	u, err := l.Launch()
	if err != nil {
		t.Fatalf("launch chromium: %v", err)
	}
	// No browser-wide timeout: rod's Timeout is a deadline for everything
	// after it, which a slow machine running the race detector overruns.
	b := rod.New().ControlURL(u)
	if err := b.Connect(); err != nil {
		l.Kill()
		t.Fatalf("connect chromium: %v", err)
	}
	t.Cleanup(func() {
		_ = b.Close()
		l.Kill()
		l.Cleanup()
	})
	return b
}

func flagName(s string) flags.Flag { return flags.Flag(s) }

// Page opens url in a new tab with the given viewport, asking for Simplified
// Chinese like a browser in China would.
func Page(t testing.TB, b *rod.Browser, url string, width, height int) *rod.Page {
	t.Helper()
	return PageLang(t, b, url, width, height, "zh-CN,zh;q=0.9")
}

// PageLang is Page with another Accept-Language.
func PageLang(t testing.TB, b *rod.Browser, url string, width, height int, acceptLang string) *rod.Page {
	t.Helper()
	p, err := b.Page(proto.TargetCreateTarget{URL: "about:blank"})
	if err != nil {
		t.Fatal(err)
	}
	v, err := b.Version()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.SetUserAgent(&proto.NetworkSetUserAgentOverride{UserAgent: v.UserAgent, AcceptLanguage: acceptLang}); err != nil {
		t.Fatal(err)
	}
	if err := p.SetViewport(&proto.EmulationSetDeviceMetricsOverride{Width: width, Height: height, DeviceScaleFactor: 1,
		Mobile: width < 600}); err != nil {
		t.Fatal(err)
	}
	if err := p.Navigate(url); err != nil {
		t.Fatal(err)
	}
	if err := p.WaitLoad(); err != nil {
		t.Fatal(err)
	}
	return p
}

// ScreenshotDir is where browser tests save screenshots for people to look
// at: $STARCARD_SCREENSHOTS, or starcard-screenshots in the temp dir.
func ScreenshotDir() string {
	if d := os.Getenv("STARCARD_SCREENSHOTS"); d != "" {
		return d
	}
	return filepath.Join(os.TempDir(), "starcard-screenshots")
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

// Shot saves a full-page screenshot named after the test and returns its path.
func Shot(t testing.TB, p *rod.Page, name string) string {
	t.Helper()
	dir := ScreenshotDir()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	_ = p.WaitIdle(2 * time.Second)
	png, err := p.Screenshot(true, &proto.PageCaptureScreenshot{Format: proto.PageCaptureScreenshotFormatPng})
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(dir, unsafeName.ReplaceAllString(name, "_")+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
	return path
}

// ClickAndWait clicks the element and waits for the page it navigates to to
// load, so a test never looks at the old page while the new one loads.
func ClickAndWait(t testing.TB, p *rod.Page, selector string) {
	t.Helper()
	wait := p.WaitNavigation(proto.PageLifecycleEventNameLoad)
	el, err := p.Element(selector)
	if err != nil {
		t.Fatalf("find %s: %v", selector, err)
	}
	if err := el.Click(proto.InputMouseButtonLeft, 1); err != nil {
		t.Fatalf("click %s: %v", selector, err)
	}
	done := make(chan struct{})
	go func() { wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		html, _ := p.HTML()
		t.Fatalf("clicking %s loaded no page in 30 s (at %s); page: %.2000s", selector, p.MustInfo().URL, html)
	}
}

// WaitText waits up to 10 s until the element sel's text contains want and
// returns that text; it fails the test with what the page said instead.
func WaitText(t testing.TB, p *rod.Page, sel, want string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := ""
		if el, err := p.Timeout(time.Second).Element(sel); err == nil {
			got, _ = el.Text()
		}
		if strings.Contains(got, want) {
			return got
		}
		if time.Now().After(deadline) {
			html, _ := p.HTML()
			t.Fatalf("%s says %q, want %q (at %s); page: %.2000s", sel, got, want, p.MustInfo().URL, html)
		}
		time.Sleep(80 * time.Millisecond)
	}
}
