package cashier

import (
	"strconv"
	"strings"

	"starcard/models"
)

// parseFen reads an amount a cashier typed in yuan ("1280", "1,280.50",
// "¥12.5") as fen. It is strict: at most two decimals, no sign, no
// exponent, nothing above models.MaxAmount. ok is false for anything else;
// blank is (0, true, true) so optional fields can stay empty.
func parseFen(s string) (fen int64, blank, ok bool) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(strings.TrimPrefix(s, "¥"), "￥")
	s = strings.TrimSpace(strings.ReplaceAll(s, ",", ""))
	if s == "" {
		return 0, true, true
	}
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" || len(whole) > 9 || !digits(whole) || (hasDot && (frac == "" || len(frac) > 2 || !digits(frac))) {
		return 0, false, false
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, false, false
	}
	for len(frac) < 2 {
		frac += "0"
	}
	f, _ := strconv.ParseInt(frac, 10, 64)
	fen = w*100 + f
	if fen > models.MaxAmount {
		return 0, false, false
	}
	return fen, false, true
}

// parsePoints reads a whole number of points; blank is 0.
func parsePoints(s string) (int64, bool) {
	s = strings.TrimSpace(strings.ReplaceAll(s, ",", ""))
	if s == "" {
		return 0, true
	}
	if !digits(s) || len(s) > 12 {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
