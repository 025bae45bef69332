package models

import (
	"math/big"
)

// Pure money and points rules: no database, no clock. All maths is integer;
// each function says how it rounds.

// EarnLine is one priced line for earning: its category and the fen actually
// paid for it with money (after discounts).
type EarnLine struct {
	Category string
	Amount   int64
}

// PointsEarned returns the points a purchase earns:
//
//	floor( Σ amount_fen × category‰ × PointsPerYuan × tier‰ / (100 × 1000 × 1000) )
//
// rounded down once over the whole bill (not per line), so splitting a bill
// into lines never loses points. Big integers keep the product exact.
func PointsEarned(r Rules, tier string, lines []EarnLine) int64 {
	tierPM, ok := r.TierPermille[tier]
	if !ok {
		tierPM = 1000
	}
	sum := new(big.Int)
	for _, l := range lines {
		if l.Amount <= 0 {
			continue
		}
		catPM, ok := r.CategoryPermille[l.Category]
		if !ok {
			catPM = 1000
		}
		t := new(big.Int).Mul(big.NewInt(l.Amount), big.NewInt(catPM))
		sum.Add(sum, t)
	}
	sum.Mul(sum, big.NewInt(r.PointsPerYuan))
	sum.Mul(sum, big.NewInt(tierPM))
	sum.Quo(sum, big.NewInt(100*1000*1000))
	if !sum.IsInt64() {
		return 0
	}
	return sum.Int64()
}

// MulDiv returns floor(a × b / c) for non-negative a, b and positive c
// without overflow (c must not be 0).
func MulDiv(a, b, c int64) int64 {
	r := new(big.Int).Mul(big.NewInt(a), big.NewInt(b))
	r.Quo(r, big.NewInt(c))
	return r.Int64()
}

// ShareOf splits amount in proportion to weights, rounding down and giving
// the leftover fen one by one to the largest remainders (ties: first), so the
// shares always add up to amount exactly.
func ShareOf(amount int64, weights []int64) []int64 {
	out := make([]int64, len(weights))
	var total int64
	for _, w := range weights {
		total += w
	}
	if total <= 0 || amount == 0 {
		return out
	}
	rems := make([]*big.Int, len(weights))
	var given int64
	for i, w := range weights {
		p := new(big.Int).Mul(big.NewInt(amount), big.NewInt(w))
		q, m := new(big.Int).QuoRem(p, big.NewInt(total), new(big.Int))
		out[i] = q.Int64()
		rems[i] = m
		given += out[i]
	}
	for left := amount - given; left > 0; left-- {
		best := -1
		for i := range weights {
			if weights[i] <= 0 {
				continue
			}
			if best < 0 || rems[i].Cmp(rems[best]) > 0 {
				best = i
			}
		}
		out[best]++
		rems[best] = new(big.Int).SetInt64(-1)
	}
	return out
}

// Cumulative returns the part of total that belongs to a refund moving the
// refunded amount from done to done+now out of base: floor(total × (done+now) /
// base) − floor(total × done / base). Summed over refunds that reach base it
// gives exactly total, whatever the steps, so partial refunds never drift.
func Cumulative(total, base, done, now int64) int64 {
	if base <= 0 {
		return 0
	}
	return MulDiv(total, done+now, base) - MulDiv(total, done, base)
}

// RedeemValue is the fen that points pay at checkout: floor(points × 100 /
// RedeemPointsPerYuan). ok is false when the points are not a whole number
// of fen (e.g. 150 points per ¥1 and 1 point), so no point is spent for nothing.
func RedeemValue(r Rules, points int64) (fen int64, ok bool) {
	if points <= 0 || r.RedeemPointsPerYuan <= 0 {
		return 0, points == 0
	}
	fen = MulDiv(points, 100, r.RedeemPointsPerYuan)
	return fen, MulDiv(fen, r.RedeemPointsPerYuan, 100) == points
}

// RedeemCap is the most fen points may pay of a bill: floor(bill × cap% / 100).
func RedeemCap(r Rules, bill int64) int64 {
	return MulDiv(bill, r.RedeemCapPercent, 100)
}

// TopupBonus returns the band that applies to a top-up of amount fen by a
// member of tier: the one with the highest MinAmount not above amount among
// the bands open to the tier. ok is false when none applies.
func TopupBonus(r Rules, tier string, amount int64) (TopupBand, bool) {
	var best TopupBand
	found := false
	for _, b := range r.TopupBands {
		if amount < b.MinAmount || !bandFor(b, tier) {
			continue
		}
		if !found || b.MinAmount > best.MinAmount {
			best, found = b, true
		}
	}
	return best, found
}

func bandFor(b TopupBand, tier string) bool {
	if len(b.Tiers) == 0 {
		return true
	}
	for _, t := range b.Tiers {
		if t == tier {
			return true
		}
	}
	return false
}

// MaxTopup is the largest top-up (fen) whose principal plus bonus still fits
// in room (cap minus what the wallet holds): bonuses jump at band edges, so
// the answer is the best over "just below each band" and "inside each band".
func MaxTopup(r Rules, tier string, room int64) int64 {
	if room <= 0 {
		return 0
	}
	fits := func(a int64) bool {
		b, _ := TopupBonus(r, tier, a)
		return a > 0 && a+b.BonusAmount <= room
	}
	var best int64
	// Candidates: the room itself, and for every band edge the amount just
	// under it and the most that fits inside it.
	cands := []int64{room}
	for _, b := range r.TopupBands {
		cands = append(cands, b.MinAmount-1, room-b.BonusAmount)
	}
	for _, c := range cands {
		if c > best && fits(c) {
			best = c
		}
	}
	// Inside a band the bonus is constant, so the best in-band value is the
	// one found above; a candidate that lands in a higher band than the one it
	// was computed for was checked by fits() with the right bonus.
	return best
}

// ErrBadYuan refuses a money amount that is not a plain yuan figure.
var ErrBadYuan = NewError(KindInvalid, "bad-amount", "err.ledger_bad_yuan")

// ParseYuan reads a yuan amount as typed at the desk ("1234", "1,234.5",
// "¥1,234.56", "１２.３" is not accepted) into fen, exactly: no floats, at
// most two decimals, not negative, at most MaxAmount.
func ParseYuan(s string) (int64, error) {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	if len(s) >= len("¥") && s[:len("¥")] == "¥" {
		s = s[len("¥"):]
	} else if len(s) >= len("￥") && s[:len("￥")] == "￥" {
		s = s[len("￥"):]
	}
	if s == "" {
		return 0, ErrBadYuan
	}
	var whole, frac int64
	digits, fracDigits, sawDot := 0, 0, false
	lastComma := -1
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			if sawDot {
				if fracDigits == 2 {
					return 0, ErrBadYuan
				}
				frac = frac*10 + int64(c-'0')
				fracDigits++
				continue
			}
			whole = whole*10 + int64(c-'0')
			digits++
			if whole > MaxAmount/100 {
				return 0, ErrBadYuan
			}
		case c == ',' && !sawDot:
			// Thousands separators must sit every three digits.
			if digits == 0 || (lastComma >= 0 && i-lastComma != 4) {
				return 0, ErrBadYuan
			}
			lastComma = i
		case c == '.' && !sawDot:
			if digits == 0 {
				return 0, ErrBadYuan
			}
			sawDot = true
			if lastComma >= 0 && i-lastComma != 4 {
				return 0, ErrBadYuan
			}
		default:
			return 0, ErrBadYuan
		}
	}
	if digits == 0 || (sawDot && fracDigits == 0) {
		return 0, ErrBadYuan
	}
	if !sawDot && lastComma >= 0 && len(s)-lastComma != 4 {
		return 0, ErrBadYuan
	}
	if fracDigits == 1 {
		frac *= 10
	}
	fen := whole*100 + frac
	if fen > MaxAmount {
		return 0, ErrBadYuan
	}
	return fen, nil
}
