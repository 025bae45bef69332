// Package memberdays holds the rules of the days kept on each member
// (members.last_seen_day, last_buy_day, prev_buy_day and cohort_seen):
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

// FirstOfMonth reports whether a visit on day d is the member's first of
// its month, given the latest day seen before it (0: never). A visit dated
// before the latest one (a back-dated entry) never is: the month may have
// been counted already.
func FirstOfMonth(lastSeen, d int64) bool { return d/100 > lastSeen/100 }
