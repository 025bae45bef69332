// Package memberdays holds the rules of the days kept on each member
// (members.last_seen_day, last_buy_day, prev_buy_day, cohort and
// seen_months):
// shared by the app, which keeps them where it writes check-ins and
// purchases, and by the migration that fills them from the history.
package memberdays

import "time"

// Day is t's school day in loc as yyyymmdd.
func Day(t time.Time, loc *time.Location) int64 {
	t = t.In(loc)
	return int64(t.Year())*10000 + int64(t.Month())*100 + int64(t.Day())
}

// Buy is a member's latest and previous purchase days after a purchase on
// day d: the two greatest of last, prev and d, so two purchases on one day
// leave both equal to it.
func Buy(last, prev, d int64) (int64, int64) {
	switch {
	case d >= last:
		return d, last
	case d > prev:
		return last, d
	}
	return last, prev
}

// CohortMonths is how many months from joining a member's visits are kept,
// one bit each, in members.seen_months: the retention triangle's width.
const CohortMonths = 6

// MonthBit is the bit of members.seen_months a visit on day d (yyyymmdd)
// sets for a member who joined in month cohort (yyyymm): bit k for the k-th
// month since the month of joining, none outside the first CohortMonths.
// Setting a bit twice changes nothing, so a back-dated visit is counted in
// its own month and a repeated one is not counted again.
func MonthBit(cohort, d int64) int64 {
	k := Months(d/100) - Months(cohort)
	if k < 0 || k >= CohortMonths {
		return 0
	}
	return 1 << k
}

// Months numbers month m (yyyymm) so that consecutive months differ by one.
func Months(m int64) int64 { return m/100*12 + m%100 - 1 }
