package models_test

import (
	"strings"
	"testing"

	"starcard/models"
)

// FuzzParseYuan: any input either parses to a fen amount in range that
// formats back to the same amount, or is refused; never a panic.
func FuzzParseYuan(f *testing.F) {
	for _, s := range []string{"0", "1280", "1,280.50", "¥12.3", "-1", "1e9", "99999999.99", "1,2,3", "..", "¥", "0.001", "１"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fen, err := models.ParseYuan(s)
		if err != nil {
			if fen != 0 {
				t.Fatalf("refused %q but returned %d", s, fen)
			}
			return
		}
		if fen < 0 || fen > models.MaxAmount {
			t.Fatalf("%q parsed to %d, out of range", s, fen)
		}
		back, err := models.ParseYuan(models.Yuan(fen))
		if err != nil || back != fen {
			t.Fatalf("%q → %d → %q → %d, %v", s, fen, models.Yuan(fen), back, err)
		}
	})
}

// FuzzIdempotencyKeyAndCursor: keys are accepted exactly when they are 1–64
// printable ASCII characters; cursors either decode to a positive id that
// encodes back to the same cursor, or are refused.
func FuzzIdempotencyKeyAndCursor(f *testing.F) {
	for _, s := range []string{"", "a", "550e8400-e29b-41d4-a716-446655440000", strings.Repeat("k", 64), strings.Repeat("k", 65),
		"with space", "tab\t", "中文", models.EncodeCursor(42), "bDE6MA", "bDE6LTE", "bDE6N0", "bDE6MDc"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want := len(s) >= 1 && len(s) <= 64
		for i := 0; i < len(s); i++ {
			if s[i] < 0x21 || s[i] > 0x7e {
				want = false
			}
		}
		if got := models.ValidIdempotencyKey(s); got != want {
			t.Fatalf("ValidIdempotencyKey(%q) = %v, want %v", s, got, want)
		}
		id, err := models.DecodeCursor(s)
		if err != nil {
			return
		}
		if s == "" {
			if id != 0 {
				t.Fatalf("empty cursor gave %d", id)
			}
			return
		}
		if id <= 0 || models.EncodeCursor(id) != s {
			t.Fatalf("cursor %q decoded to %d, which encodes to %q", s, id, models.EncodeCursor(id))
		}
	})
}
