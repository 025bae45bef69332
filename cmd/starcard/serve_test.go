package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// A taken port is said in one line, before anything is migrated or seeded.
func TestServeSaysWhenThePortIsTaken(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	dir := filepath.Join(t.TempDir(), "data")
	err = run(context.Background(), []string{"serve", "-demo", "-addr", ln.Addr().String(), "-data", dir,
		"-db", "sqlite:" + filepath.Join(dir, "s.db")}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "cannot listen on "+ln.Addr().String()) || strings.Contains(err.Error(), "\n") {
		t.Fatalf("err %v", err)
	}
	if _, statErr := os.Stat(dir); !os.IsNotExist(statErr) {
		t.Fatal("the data dir was created before the port was checked")
	}
}

// syncBuffer is a bytes.Buffer safe for the server goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// `starcard -demo` fits one screen and ends with the logins: the staff and
// the demo parent's phone; none of the demo's history is printed.
func TestServeDemoEndsWithTheLogins(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the demo school")
	}
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "-demo", "-addr", "127.0.0.1:0", "-data", dir, "-db", "sqlite:" + filepath.Join(dir, "s.db"),
			"-jobs=false", "-notify-worker=false"}, &out)
	}()
	// Building the demo under -race on a busy machine takes minutes: wait
	// as long as the test binary may run, not a guess of how fast it is.
	deadline := time.Now().Add(10 * time.Minute)
	if d, ok := t.Deadline(); ok {
		deadline = d.Add(-30 * time.Second)
	}
	for !strings.Contains(out.String(), "Ctrl-C") {
		select {
		case err := <-done:
			t.Fatalf("serve ended: %v\n%s", err, out.String())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("no logins before the test deadline:\n%s", out.String())
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	text := strings.TrimSpace(out.String())
	lines := strings.Split(text, "\n")
	t.Logf("demo output (%d lines):\n%s", len(lines), text)
	if len(lines) > 20 || !strings.Contains(text, "cashier1") || strings.Contains(text, "127.0.0.1:0/") || !strings.Contains(lines[len(lines)-2], "Parent portal") ||
		!strings.Contains(lines[len(lines)-2], "password starcard123") {
		t.Fatalf("the demo output should fit a screen and end with the logins:\n%s", text)
	}
}
