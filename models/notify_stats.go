package models

import (
	"context"
	"fmt"
	"sort"
	"time"

	"gorm.io/gorm"
)

// MessageStat counts one month's notices of one event on one channel.
type MessageStat struct {
	Event     string
	Channel   string // sms, email, inbox; "" for notices that never went out
	Delivered int64  // sent
	Failed    int64  // dead letters
	Pending   int64  // still queued, being sent or waiting for a retry
	Skipped   int64  // opted out or no consent
}

// MessageStats are the monthly statistics the SP administrator reports to
// the head of department (seed 003): by event and channel.
type MessageStats struct {
	Month time.Time // first day of the month, in the school's time zone
	Rows  []MessageStat
	Total MessageStat
}

// MonthlyMessageStats counts notices created in the month containing month
// (school time zone), by event and channel.
func MonthlyMessageStats(ctx context.Context, db *gorm.DB, month time.Time, loc *time.Location) (MessageStats, error) {
	m := month.In(loc)
	start := time.Date(m.Year(), m.Month(), 1, 0, 0, 0, 0, loc)
	end := start.AddDate(0, 1, 0)
	var raw []struct {
		Event   string
		Channel string
		Status  string
		N       int64
	}
	err := db.WithContext(ctx).Raw(`SELECT event, channel, status, COUNT(*) AS n FROM outbox
		WHERE created_at >= ? AND created_at < ? GROUP BY event, channel, status`, start.UTC(), end.UTC()).Scan(&raw).Error
	if err != nil {
		return MessageStats{}, fmt.Errorf("models: message stats: %w", err)
	}
	by := map[[2]string]*MessageStat{}
	out := MessageStats{Month: start}
	for _, r := range raw {
		k := [2]string{r.Event, r.Channel}
		s := by[k]
		if s == nil {
			s = &MessageStat{Event: r.Event, Channel: r.Channel}
			by[k] = s
		}
		switch r.Status {
		case OutboxSent:
			s.Delivered += r.N
			out.Total.Delivered += r.N
		case OutboxDead:
			s.Failed += r.N
			out.Total.Failed += r.N
		case OutboxSkipped:
			s.Skipped += r.N
			out.Total.Skipped += r.N
		default:
			s.Pending += r.N
			out.Total.Pending += r.N
		}
	}
	order := map[string]int{}
	for i, e := range NoticeEvents {
		order[e.Name] = i
	}
	for _, s := range by {
		out.Rows = append(out.Rows, *s)
	}
	sort.Slice(out.Rows, func(i, j int) bool {
		a, b := out.Rows[i], out.Rows[j]
		if order[a.Event] != order[b.Event] {
			return order[a.Event] < order[b.Event]
		}
		return a.Channel < b.Channel
	})
	return out, nil
}
