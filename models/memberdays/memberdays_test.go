package memberdays

import (
	"testing"
	"time"
)

func TestBuy(t *testing.T) {
	for _, c := range []struct {
		name               string
		last, prev, d      int64
		wantLast, wantPrev int64
	}{
		{"first purchase", 0, 0, 20261127, 20261127, 0},
		{"a later day", 20261101, 0, 20261127, 20261127, 20261101},
		{"twice on one day", 20261127, 20261101, 20261127, 20261127, 20261127},
		{"a third time that day", 20261127, 20261127, 20261127, 20261127, 20261127},
		{"back-dated between the two", 20261127, 20261101, 20261115, 20261127, 20261115},
		{"back-dated before both", 20261127, 20261101, 20261001, 20261127, 20261101},
	} {
		if l, p := Buy(c.last, c.prev, c.d); l != c.wantLast || p != c.wantPrev {
			t.Errorf("%s: Buy(%d, %d, %d) = %d, %d, want %d, %d", c.name, c.last, c.prev, c.d, l, p, c.wantLast, c.wantPrev)
		}
	}
}

func TestMonthBitAndDay(t *testing.T) {
	for _, c := range []struct {
		cohort, d int64
		want      int64
	}{
		{202611, 20261127, 1},      // the month of joining
		{202611, 20261201, 1 << 1}, // the next, across a year's end
		{202611, 20270101, 1 << 2},
		{202608, 20270131, 1 << 5}, // the sixth month since
		{202608, 20270201, 0},      // past the triangle
		{202611, 20261031, 0},      // before joining (a back-dated entry)
	} {
		if got := MonthBit(c.cohort, c.d); got != c.want {
			t.Errorf("MonthBit(%d, %d) = %b, want %b", c.cohort, c.d, got, c.want)
		}
	}
	sh, _ := time.LoadLocation("Asia/Shanghai")
	// 17:00 UTC on 30 November is 01:00 on 1 December in Shanghai.
	if d := Day(time.Date(2026, 11, 30, 17, 0, 0, 0, time.UTC), sh); d != 20261201 {
		t.Errorf("Day = %d, want 20261201", d)
	}
}
