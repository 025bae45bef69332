package kiosk_test

import (
	"bufio"
	"bytes"
	"fmt"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-rod/rod"
	"github.com/go-rod/rod/lib/input"

	"starcard/handlers/apptest"
	"starcard/models"
	"starcard/models/dbtest"
)

// writeY4M turns a QR PNG into a short Y4M clip (4:2:0, the QR centred on
// white) that Chromium plays as a fake camera.
func writeY4M(t *testing.T, qrPNG []byte, path string) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(qrPNG))
	if err != nil {
		t.Fatal(err)
	}
	const w, h = 640, 480
	b := img.Bounds()
	ox, oy := (w-b.Dx())/2, (h-b.Dy())/2
	luma := make([]byte, w*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := uint8(255)
			if ix, iy := x-ox, y-oy; ix >= 0 && iy >= 0 && ix < b.Dx() && iy < b.Dy() {
				v = color.GrayModel.Convert(img.At(b.Min.X+ix, b.Min.Y+iy)).(color.Gray).Y
			}
			luma[y*w+x] = uint8(16 + int(v)*219/255) // studio range
		}
	}
	chroma := bytes.Repeat([]byte{128}, w*h/4)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	bw := bufio.NewWriter(f)
	fmt.Fprintf(bw, "YUV4MPEG2 W%d H%d F10:1 Ip A1:1 C420jpeg\n", w, h)
	for i := 0; i < 10; i++ {
		bw.WriteString("FRAME\n")
		bw.Write(luma)
		bw.Write(chroma)
		bw.Write(chroma)
	}
	if err := bw.Flush(); err != nil {
		t.Fatal(err)
	}
}

func browserLogin(t *testing.T, p *rod.Page, user string) {
	t.Helper()
	p.MustElement(`input[name=username]`).MustInput(user)
	p.MustElement(`input[name=password]`).MustInput("password123")
	wait := p.MustWaitNavigation()
	p.MustElement(`button[type=submit]`).MustClick()
	wait()
}

// waitResult waits for the kiosk's answer of the given kind and returns its text.
func waitResult(t *testing.T, p *rod.Page, kind string) string {
	t.Helper()
	el, err := p.Timeout(20 * time.Second).Element(`#result .kiosk-result.` + kind)
	if err != nil {
		body, _ := p.MustElement("body").Text()
		t.Fatalf("no %s result on the kiosk: %v\n%s", kind, err, body)
	}
	return el.MustText()
}

func TestBrowserKioskFakeCameraChecksIn(t *testing.T) {
	db := dbtest.SQLite(t)
	a, m, _ := kioskSchool(t, db)
	a.Clock.T = time.Now().UTC()
	png, err := models.CardImages{Secret: a.Deps.Secret}.PNG(m.CardNo, m.CardVersion)
	if err != nil {
		t.Fatal(err)
	}
	clip := filepath.Join(t.TempDir(), "card.y4m")
	writeY4M(t, png, clip)
	b := apptest.Browser(t, apptest.BrowserOptions{Flags: map[string]string{
		"use-fake-ui-for-media-stream": "", "use-fake-device-for-media-stream": "", "use-file-for-fake-video-capture": clip}})
	base := a.Serve(t)
	p := apptest.Page(t, b, base+"/login?next=/kiosk", 1280, 800)
	browserLogin(t, p, "door")
	if !strings.HasSuffix(p.MustInfo().URL, "/kiosk") {
		p.MustNavigate(base + "/kiosk").MustWaitLoad()
	}
	got := waitResult(t, p, "ok")
	if !strings.Contains(got, "张小明") || !strings.Contains(got, "小一班") || !strings.Contains(got, "签到成功") {
		t.Fatalf("camera check-in shows %q", got)
	}
	apptest.Shot(t, p, "kiosk-camera-checked-in")
	// The camera keeps seeing the card: after the result clears, it counts once.
	dup := waitResult(t, p, "dup")
	if !strings.Contains(dup, "已签到") {
		t.Fatalf("second sighting shows %q", dup)
	}
	apptest.Shot(t, p, "kiosk-camera-duplicate")
	var n int64
	db.R.Raw("SELECT COUNT(*) FROM checkins").Scan(&n)
	if n != 1 {
		t.Fatalf("%d check-ins from one card in front of the camera", n)
	}
}

func TestBrowserKioskScannerGun(t *testing.T) {
	db := dbtest.SQLite(t)
	a, m, riv := kioskSchool(t, db)
	a.Clock.T = time.Now().UTC()
	b := apptest.Browser(t)
	base := a.Serve(t)
	p := apptest.Page(t, b, base+"/login?next=/kiosk", 1024, 768) // a tablet in landscape
	browserLogin(t, p, "door")
	if !strings.HasSuffix(p.MustInfo().URL, "/kiosk") {
		p.MustNavigate(base + "/kiosk").MustWaitLoad()
	}
	apptest.Shot(t, p, "kiosk-ready")
	// The input has focus without anyone touching it: a scanner gun types
	// the number and presses Enter.
	if focused := p.MustEval(`() => document.activeElement && document.activeElement.id`).String(); focused != "scan-code" {
		t.Fatalf("focus is on %q, not the scanner input", focused)
	}
	scanGun(p, m.CardNo)
	got := waitResult(t, p, "ok")
	if !strings.Contains(got, "张小明") || !strings.Contains(got, "签到成功") {
		t.Fatalf("scanner gun shows %q", got)
	}
	if !strings.Contains(p.MustElement("#recent").MustText(), "今日已入园 1 人") {
		t.Fatal("today's count did not update")
	}
	apptest.Shot(t, p, "kiosk-scanner-gun-ok")
	// Focus came back for the next child; a mistyped number explains itself.
	scanGun(p, m.CardNo[:9]+string('0'+(m.CardNo[9]-'0'+1)%10))
	bad := waitResult(t, p, "err")
	if !strings.Contains(bad, "校验位") {
		t.Fatalf("typo shows %q", bad)
	}
	apptest.Shot(t, p, "kiosk-typo")
	_ = riv
}

// scanGun types like a USB scanner gun: the characters, then Enter, into
// whatever has focus.
func scanGun(p *rod.Page, code string) {
	keys := make([]input.Key, 0, len(code)+1)
	for _, r := range code {
		keys = append(keys, input.Key(r))
	}
	p.Keyboard.MustType(append(keys, input.Enter)...)
}
