package cashier

import "testing"

func TestParseFenIsStrict(t *testing.T) {
	cases := []struct {
		in    string
		fen   int64
		blank bool
		ok    bool
	}{
		{"1280", 128000, false, true},
		{"1,280.50", 128050, false, true},
		{"¥12.5", 1250, false, true},
		{"￥0.01", 1, false, true},
		{" 7 ", 700, false, true},
		{"", 0, true, true},
		{"12.345", 0, false, false},
		{"-3", 0, false, false},
		{"+3", 0, false, false},
		{"1e3", 0, false, false},
		{"12.", 0, false, false},
		{".5", 0, false, false},
		{"abc", 0, false, false},
		{"1000000000", 0, false, false}, // ¥1,000,000,000 is above MaxAmount
		{"100000000", 10_000_000_000, false, true},
	}
	for _, c := range cases {
		fen, blank, ok := parseFen(c.in)
		if fen != c.fen || blank != c.blank || ok != c.ok {
			t.Errorf("parseFen(%q) = %d, %v, %v; want %d, %v, %v", c.in, fen, blank, ok, c.fen, c.blank, c.ok)
		}
	}
}
