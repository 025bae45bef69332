package models

import (
	"context"
	"fmt"
	"sort"
	"time"

	"gorm.io/gorm"
)

// The parent portal's reads. Every function that takes a member, a message, a
// redemption or a complaint id checks it against the parent's families and
// answers ErrNotFound for anything else, so another family's ids look exactly
// like ids that do not exist.

// PortalChildren lists the children of the parent's families (archived ones
// left out), oldest first.
func PortalChildren(ctx context.Context, db *gorm.DB, p *GuardianPrincipal) ([]MemberView, error) {
	var ids []int64
	if err := db.WithContext(ctx).Raw(`SELECT id FROM members WHERE family_id IN ? AND archived_at IS NULL
		ORDER BY birth_date IS NULL, birth_date, id`, p.FamilyIDs).Scan(&ids).Error; err != nil {
		return nil, fmt.Errorf("models: portal children: %w", err)
	}
	return MemberViews(ctx, db, ids)
}

// PortalChild loads one child of the parent's families.
func PortalChild(ctx context.Context, db *gorm.DB, p *GuardianPrincipal, memberID int64) (*MemberView, error) {
	vs, err := MemberViews(ctx, db, []int64{memberID})
	if err != nil {
		return nil, err
	}
	if len(vs) == 0 || !p.HasFamily(vs[0].FamilyID) || vs[0].ArchivedAt != nil {
		return nil, ErrNotFound
	}
	return &vs[0], nil
}

// PointsExpiry is the next batch of a member's points to expire.
type PointsExpiry struct {
	Points int64
	At     time.Time
}

// NextPointsExpiry returns the soonest date some of the member's points
// expire and how many expire by then, or nil when none will.
func NextPointsExpiry(ctx context.Context, db *gorm.DB, memberID int64, now time.Time) (*PointsExpiry, error) {
	var row struct{ ExpiresAt time.Time }
	res := db.WithContext(ctx).Raw(`SELECT l.expires_at FROM points_lots l JOIN ledger_accounts a ON a.id = l.account_id
		WHERE a.owner_type = 'member' AND a.owner_id = ? AND a.name = 'points' AND l.remaining > 0 AND l.expires_at > ?
		ORDER BY l.expires_at LIMIT 1`, memberID, now.UTC()).Scan(&row)
	if res.Error != nil {
		return nil, fmt.Errorf("models: next points expiry: %w", res.Error)
	}
	if res.RowsAffected == 0 || row.ExpiresAt.IsZero() {
		return nil, nil
	}
	n, err := ExpiringPoints(ctx, db, memberID, now, row.ExpiresAt)
	if err != nil {
		return nil, err
	}
	return &PointsExpiry{Points: n, At: row.ExpiresAt.UTC()}, nil
}

// ChildSummary is what the portal shows about one child at a glance.
type ChildSummary struct {
	MemberView
	Progress TierProgress
	Expiry   *PointsExpiry
}

// PortalChildSummary loads a child with tier progress and the next expiry.
func PortalChildSummary(ctx context.Context, db *gorm.DB, p *GuardianPrincipal, memberID int64, now time.Time) (*ChildSummary, error) {
	v, err := PortalChild(ctx, db, p, memberID)
	if err != nil {
		return nil, err
	}
	s := &ChildSummary{MemberView: *v}
	if s.Progress, err = MemberTierProgress(ctx, db, now, memberID); err != nil {
		return nil, err
	}
	if s.Expiry, err = NextPointsExpiry(ctx, db, memberID, now); err != nil {
		return nil, err
	}
	return s, nil
}

// CalendarDay is one box of a month calendar.
type CalendarDay struct {
	Day      int // 0 for the blanks before the 1st and after the last day
	Date     string
	Arrived  bool
	Left     bool
	Arrival  *time.Time
	Today    bool
	Future   bool
	Weekend  bool
	Checkins int
}

// CalendarMonth is a month of check-ins laid out Monday-first.
type CalendarMonth struct {
	Year, Month int
	Weeks       [][]CalendarDay
	Days        int // days with an arrival
	Prev, Next  string
	Label       string // 2026-11
	Recent      []Checkin
}

// BuildCalendar lays out a month Monday-first and marks the days in
// checkins (times in loc). today is the school's date "2006-01-02".
func BuildCalendar(year int, month time.Month, loc *time.Location, checkins []Checkin, today string) CalendarMonth {
	first := time.Date(year, month, 1, 0, 0, 0, 0, loc)
	c := CalendarMonth{Year: year, Month: int(month), Label: first.Format("2006-01"),
		Prev: first.AddDate(0, -1, 0).Format("2006-01"), Next: first.AddDate(0, 1, 0).Format("2006-01")}
	byDay := map[string][]Checkin{}
	for _, ci := range checkins {
		byDay[ci.LocalDay] = append(byDay[ci.LocalDay], ci)
	}
	lead := (int(first.Weekday()) + 6) % 7 // Monday = 0
	week := make([]CalendarDay, 0, 7)
	for i := 0; i < lead; i++ {
		week = append(week, CalendarDay{})
	}
	for d := first; d.Month() == month; d = d.AddDate(0, 0, 1) {
		date := d.Format("2006-01-02")
		cd := CalendarDay{Day: d.Day(), Date: date, Today: date == today, Future: date > today,
			Weekend: d.Weekday() == time.Saturday || d.Weekday() == time.Sunday}
		for _, ci := range byDay[date] {
			cd.Checkins++
			switch ci.Kind {
			case CheckinArrival:
				if !cd.Arrived || ci.At.Before(*cd.Arrival) {
					at := ci.At
					cd.Arrival = &at
				}
				cd.Arrived = true
			case CheckinDeparture:
				cd.Left = true
			}
		}
		if cd.Arrived {
			c.Days++
		}
		week = append(week, cd)
		if len(week) == 7 {
			c.Weeks = append(c.Weeks, week)
			week = make([]CalendarDay, 0, 7)
		}
	}
	if len(week) > 0 {
		for len(week) < 7 {
			week = append(week, CalendarDay{})
		}
		c.Weeks = append(c.Weeks, week)
	}
	return c
}

// PortalCheckinMonth loads a child's check-ins of one month (school time)
// and lays them out as a calendar.
func PortalCheckinMonth(ctx context.Context, db *gorm.DB, p *GuardianPrincipal, memberID int64, year int, month time.Month,
	loc *time.Location, now time.Time) (*CalendarMonth, error) {
	if _, err := PortalChild(ctx, db, p, memberID); err != nil {
		return nil, err
	}
	first := time.Date(year, month, 1, 0, 0, 0, 0, loc)
	from, to := first.Format("2006-01-02"), first.AddDate(0, 1, -1).Format("2006-01-02")
	var cs []Checkin
	if err := db.WithContext(ctx).Where("member_id = ? AND local_day >= ? AND local_day <= ?", memberID, from, to).
		Order("at, id").Find(&cs).Error; err != nil {
		return nil, fmt.Errorf("models: portal checkins: %w", err)
	}
	c := BuildCalendar(year, month, loc, cs, now.In(loc).Format("2006-01-02"))
	for i := len(cs) - 1; i >= 0 && len(c.Recent) < 10; i-- {
		c.Recent = append(c.Recent, cs[i])
	}
	return &c, nil
}

// PortalInbox lists the newest messages to any of the parent's guardian
// records.
func PortalInbox(ctx context.Context, db *gorm.DB, p *GuardianPrincipal, limit int) ([]InboxMessage, error) {
	var out []InboxMessage
	for _, id := range p.GuardianIDs() {
		ms, err := ListInbox(ctx, db, id, limit)
		if err != nil {
			return nil, err
		}
		out = append(out, ms...)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].CreatedAt.Equal(out[j].CreatedAt) {
			return out[i].CreatedAt.After(out[j].CreatedAt)
		}
		return out[i].ID > out[j].ID
	})
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// PortalUnread counts the parent's unread messages.
func PortalUnread(ctx context.Context, db *gorm.DB, p *GuardianPrincipal) (int64, error) {
	var total int64
	for _, id := range p.GuardianIDs() {
		n, err := UnreadInbox(ctx, db, id)
		if err != nil {
			return 0, err
		}
		total += n
	}
	return total, nil
}

// PortalMarkRead marks one of the parent's messages read; anyone else's is
// ErrNotFound.
func PortalMarkRead(ctx context.Context, db *gorm.DB, now time.Time, p *GuardianPrincipal, id int64) error {
	var m InboxMessage
	res := db.WithContext(ctx).Where("id = ? AND guardian_id IN ?", id, p.GuardianIDs()).Limit(1).Find(&m)
	if res.Error != nil {
		return fmt.Errorf("models: portal mark read: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return MarkInboxRead(ctx, db, now.UTC(), m.GuardianID, id)
}

// PortalNotifyPrefs loads the parent's notification preferences.
func PortalNotifyPrefs(ctx context.Context, db *gorm.DB, p *GuardianPrincipal) (NotifyPrefs, error) {
	return LoadNotifyPrefs(ctx, db, p.GuardianID(), 0, DefaultNotifyPrefs(DefaultQuietStart, DefaultQuietEnd))
}

// SavePortalNotifyPrefs stores the parent's preferences on every guardian
// record of their phone, in one transaction, and audits the change.
func SavePortalNotifyPrefs(ctx context.Context, db *DB, now time.Time, p *GuardianPrincipal, ip string, prefs NotifyPrefs) error {
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		for _, id := range p.GuardianIDs() {
			pr := prefs
			pr.GuardianID, pr.StaffID = id, 0
			if err := SaveNotifyPrefs(ctx, tx, now.UTC(), pr); err != nil {
				return err
			}
		}
		return Audit(ctx, tx, now.UTC(), p.Actor(ip), "guardian.prefs", "guardian", p.GuardianID(),
			fmt.Sprintf("channel=%s marketing_opt_out=%t quiet=%t", prefs.Channel, prefs.MarketingOptOut, prefs.QuietEnabled))
	})
	if err != nil {
		return fmt.Errorf("models: save portal prefs: %w", err)
	}
	return nil
}

// PortalConsentState is the consent text and whether the parent agreed to it.
type PortalConsentState struct {
	Text      *ConsentVersion
	Agreed    bool
	AgreedAt  *time.Time
	Withdrawn *time.Time // when the last agreement was withdrawn, if it was
}

// PortalConsent loads the current consent text and the parent's answer.
func PortalConsent(ctx context.Context, db *gorm.DB, p *GuardianPrincipal) (*PortalConsentState, error) {
	v, err := CurrentConsent(ctx, db)
	if err != nil {
		return nil, err
	}
	st := &PortalConsentState{Text: v}
	if v == nil {
		return st, nil
	}
	var gs []ConsentGrant
	if err := db.WithContext(ctx).Where("guardian_id IN ? AND consent_version_id = ?", p.GuardianIDs(), v.ID).
		Find(&gs).Error; err != nil {
		return nil, fmt.Errorf("models: portal consent: %w", err)
	}
	for _, g := range gs {
		if g.WithdrawnAt == nil {
			at := g.GrantedAt
			st.Agreed, st.AgreedAt = true, &at
		} else if st.Withdrawn == nil || g.WithdrawnAt.After(*st.Withdrawn) {
			w := *g.WithdrawnAt
			st.Withdrawn = &w
		}
	}
	return st, nil
}

// PortalGrantConsent records the parent's agreement to the current text on
// every guardian record of their phone.
func PortalGrantConsent(ctx context.Context, db *DB, now time.Time, p *GuardianPrincipal, ip string) error {
	for _, id := range p.GuardianIDs() {
		if err := RecordConsent(ctx, db, now.UTC(), p.Actor(ip), id, "portal"); err != nil {
			return err
		}
	}
	return nil
}

// PortalWithdrawConsent withdraws the parent's consent on every guardian
// record of their phone.
func PortalWithdrawConsent(ctx context.Context, db *DB, now time.Time, p *GuardianPrincipal, ip string) error {
	for _, id := range p.GuardianIDs() {
		if err := WithdrawConsent(ctx, db, now.UTC(), p.Actor(ip), id); err != nil {
			return err
		}
	}
	return nil
}

// PortalRedemption loads a redemption of one of the parent's children by its
// token.
func PortalRedemption(ctx context.Context, db *gorm.DB, p *GuardianPrincipal, memberID int64, token string) (*RedemptionView, error) {
	if _, err := PortalChild(ctx, db, p, memberID); err != nil {
		return nil, err
	}
	r, err := GetRedemption(ctx, db, token)
	if err != nil {
		if e, ok := AsError(err); ok && e.Kind == KindNotFound {
			return nil, ErrNotFound
		}
		return nil, err
	}
	if r.MemberID != memberID {
		return nil, ErrNotFound
	}
	return r, nil
}
