package models

import (
	"starcard/models/memberdays"

	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Check-in kinds and the statuses a scan can end in.
const (
	CheckinArrival   = "arrival"
	CheckinDeparture = "departure"

	CheckinCheckedIn  = "checked_in"  // a new arrival was recorded
	CheckinCheckedOut = "checked_out" // a new departure was recorded
	CheckinDuplicate  = "duplicate"   // a scan inside the window: counted once
)

// CheckinSettingsName is the settings row that holds CheckinSettings.
const CheckinSettingsName = "checkin.settings"

// CheckinSettings are the admin-configurable check-in rules.
type CheckinSettings struct {
	// WindowMinutes: scans of the same child within this many minutes of
	// the last one count once (default 10).
	WindowMinutes int `json:"window_minutes"`
	// AttendancePoints turns on points for arriving (default off); the
	// amount is the ledger rules' AttendancePoints, at most once a day.
	AttendancePoints bool `json:"attendance_points"`
	// Departure shows the departure scan on kiosks.
	Departure bool `json:"departure"`
}

// DefaultCheckinSettings are the defaults of DOMAIN.md §3.8.
func DefaultCheckinSettings() CheckinSettings {
	return CheckinSettings{WindowMinutes: 10, Departure: true}
}

// LoadCheckinSettings returns the settings in force at now.
func LoadCheckinSettings(ctx context.Context, db *gorm.DB, now time.Time) (CheckinSettings, error) {
	s := DefaultCheckinSettings()
	var vals []string
	err := db.WithContext(ctx).Raw("SELECT value FROM settings WHERE name = ? AND effective_at <= ? ORDER BY effective_at DESC, id DESC LIMIT 1",
		CheckinSettingsName, now.UTC()).Scan(&vals).Error
	if err != nil {
		return s, fmt.Errorf("models: checkin settings: %w", err)
	}
	if len(vals) == 1 {
		if err := json.Unmarshal([]byte(vals[0]), &s); err != nil {
			return DefaultCheckinSettings(), fmt.Errorf("models: checkin settings: %w", err)
		}
	}
	if s.WindowMinutes < 0 {
		s.WindowMinutes = 0
	}
	return s, nil
}

// SaveCheckinSettings stores new check-in settings effective now.
func SaveCheckinSettings(ctx context.Context, db *DB, now time.Time, actor Actor, s CheckinSettings) error {
	if s.WindowMinutes < 0 || s.WindowMinutes > 24*60 {
		return Invalid(map[string]string{"window_minutes": "err.checkin_window"})
	}
	b, _ := json.Marshal(s)
	return db.Tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Exec("INSERT INTO settings (name, value, effective_at, changed_by, created_at) VALUES (?, ?, ?, ?, ?)",
			CheckinSettingsName, string(b), now.UTC(), actor.ID, now.UTC()).Error; err != nil {
			return fmt.Errorf("models: save checkin settings: %w", err)
		}
		return Audit(ctx, tx, now, actor, "checkin.settings", "settings", 0, string(b))
	})
}

// Checkin is one recorded scan at the door.
type Checkin struct {
	ID           int64
	MemberID     int64
	CampusID     int64
	CardID       int64
	Kind         string
	At           time.Time
	LocalDay     string
	PointsEarned int64
	ActorType    string
	ActorID      int64
	Device       string
}

// TableName maps Checkin to its table.
func (Checkin) TableName() string { return "checkins" }

// Check-in refusals.
var (
	ErrWrongCampus = NewError(KindConflict, "wrong-campus", "err.checkin_wrong_campus")
	ErrBadCheckin  = NewError(KindInvalid, "bad-checkin-kind", "err.checkin_kind")
)

// CheckinRequest is one scan at a kiosk (or an API call).
type CheckinRequest struct {
	Input    CardInput
	Campuses []int64 // the campuses the scanner serves (a kiosk: its own); nil accepts any
	Kind     string  // arrival (default) or departure
	Actor    Actor
}

// CheckinResult is what the kiosk shows and the API answers.
type CheckinResult struct {
	CheckinID    int64     `json:"-"`
	MemberID     int64     `json:"member_id"`
	Status       string    `json:"status"`
	At           time.Time `json:"at"`
	PointsEarned int64     `json:"points_earned"`
	Kind         string    `json:"kind"`
	Name         string    `json:"name"`
	ClassName    string    `json:"class_name"`
}

// CheckIn records a child's arrival (or departure) from a scanned QR or a
// typed card number. A forged, unknown, frozen or replaced card, an
// archived member or a child of another campus is refused and records
// nothing. A second scan of the same kind within the window counts once and
// answers Duplicate with the time of the first. A new arrival queues a
// notice to each guardian who agreed to the consent text, in the same
// transaction, and earns attendance points when that rule is on.
func CheckIn(ctx context.Context, db *DB, now time.Time, secret []byte, loc *time.Location, req CheckinRequest) (*CheckinResult, error) {
	if req.Kind == "" {
		req.Kind = CheckinArrival
	}
	if req.Kind != CheckinArrival && req.Kind != CheckinDeparture {
		return nil, ErrBadCheckin
	}
	if loc == nil {
		loc = time.UTC
	}
	card, err := ResolveCard(ctx, db.R, secret, loc, req.Input)
	if err != nil {
		return nil, err
	}
	var res *CheckinResult
	err = db.Tx(ctx, func(tx *gorm.DB) error {
		res = nil
		if err := lockMember(ctx, tx, card.MemberID); err != nil {
			return err
		}
		// The card may have been frozen or replaced since it was read.
		var c Card
		if err := tx.Take(&c, card.ID).Error; err != nil {
			return err
		}
		switch c.Status {
		case CardFrozen:
			return ErrCardFrozen.With(fmtTime(c.FrozenAt, loc))
		case CardReplaced:
			return ErrCardReplaced.With(fmtTime(c.ReplacedAt, loc))
		}
		var m struct {
			ID                                  int64
			Name                                string
			CampusID                            int64
			ClassName                           *string
			CampusName                          string
			ArchivedAt                          *time.Time
			LastSeenDay, LastBuyDay, PrevBuyDay int64
			Cohort, SeenMonths                  int64
			CreatedAt                           time.Time
		}
		if err := tx.Raw(`SELECT m.id, m.name, m.campus_id, m.archived_at, cl.name AS class_name, p.name AS campus_name,
			m.last_seen_day, m.last_buy_day, m.prev_buy_day, m.cohort, m.seen_months, m.created_at
			FROM members m JOIN campuses p ON p.id = m.campus_id LEFT JOIN classes cl ON cl.id = m.class_id
			WHERE m.id = ?`, c.MemberID).Scan(&m).Error; err != nil {
			return err
		}
		if m.ArchivedAt != nil {
			return ErrMemberArchived
		}
		if req.Campuses != nil && !containsID(req.Campuses, m.CampusID) {
			return ErrWrongCampus.With(m.CampusName)
		}
		res = &CheckinResult{MemberID: m.ID, Name: m.Name, Kind: req.Kind}
		if m.ClassName != nil {
			res.ClassName = *m.ClassName
		}
		settings, err := LoadCheckinSettings(ctx, tx, now)
		if err != nil {
			return err
		}
		var prev []Checkin
		if err := tx.Where("member_id = ? AND kind = ? AND at > ?", m.ID, req.Kind,
			now.Add(-time.Duration(settings.WindowMinutes)*time.Minute)).Order("at").Limit(1).Find(&prev).Error; err != nil {
			return err
		}
		if len(prev) > 0 {
			res.Status, res.At, res.CheckinID = CheckinDuplicate, prev[0].At, prev[0].ID
			return nil
		}
		day := now.In(loc).Format("2006-01-02")
		ci := Checkin{MemberID: m.ID, CampusID: m.CampusID, CardID: c.ID, Kind: req.Kind, At: now, LocalDay: day,
			ActorType: req.Actor.Type, ActorID: req.Actor.ID, Device: req.Actor.Device}
		if err := tx.Create(&ci).Error; err != nil {
			return err
		}
		res.Status, res.At, res.CheckinID = CheckinCheckedIn, now, ci.ID
		if err := markSeen(ctx, tx, loc, m.ID, seenDays{Seen: m.LastSeenDay, LastBuy: m.LastBuyDay, PrevBuy: m.PrevBuyDay,
			Cohort: m.Cohort, Months: m.SeenMonths, CreatedAt: m.CreatedAt}, memberdays.Day(now, loc), false); err != nil {
			return err
		}
		if req.Kind == CheckinDeparture {
			res.Status = CheckinCheckedOut
		}
		if err := Emit(ctx, tx, DomainEvent{Type: EventCheckinCreated, At: now, CampusID: m.CampusID, MemberID: m.ID,
			ObjectID: ci.ID, Object: res, Actor: req.Actor}); err != nil {
			return err
		}
		if req.Kind == CheckinDeparture {
			return nil
		}
		if settings.AttendancePoints {
			pts, err := attendancePoints(ctx, tx, now, req.Actor, ci)
			if err != nil {
				return err
			}
			res.PointsEarned = pts
		}
		// Attendance stamp programs ("5 lessons, the 6th free") count arrivals.
		if _, err := AfterCheckin(ctx, tx, now, m.ID, ci.ID); err != nil {
			return err
		}
		// Attendance can feed grading (engagement conditions).
		if err := memberChanged(ctx, tx, now, MemberEvent{MemberID: m.ID, Cause: "checkin", Ref: Ref("checkin", ci.ID),
			Actor: req.Actor}); err != nil {
			return err
		}
		// Areas that count arrivals (class hours consumed at the door).
		for _, hook := range arrivalHooks {
			if err := hook(ctx, tx, now, loc, ArrivalFacts{MemberID: m.ID, CheckinID: ci.ID, Day: day, Actor: req.Actor}); err != nil {
				return err
			}
		}
		guardians, err := ConsentingGuardians(ctx, tx, m.ID)
		if err != nil {
			return err
		}
		if len(guardians) == 0 {
			return nil
		}
		return EnqueueNotice(ctx, tx, now, Notice{Event: "arrival", MemberID: m.ID, GuardianIDs: guardians,
			DedupeKey: fmt.Sprintf("arrival:%d", ci.ID),
			Data: map[string]any{"name": m.Name, "class": res.ClassName, "campus": m.CampusName,
				"at": now.UTC().Format(time.RFC3339), "time": now.In(loc).Format("15:04")}})
	})
	if err != nil {
		if _, ok := AsError(err); ok {
			return nil, err
		}
		return nil, fmt.Errorf("models: check in: %w", err)
	}
	return res, nil
}

// attendancePoints awards the ledger's attendance points for the first
// arrival of a school day and notes them on the check-in row.
func attendancePoints(ctx context.Context, tx *gorm.DB, now time.Time, actor Actor, ci Checkin) (int64, error) {
	var n int64
	if err := tx.Raw("SELECT COUNT(*) FROM checkins WHERE member_id = ? AND kind = ? AND local_day = ? AND points_earned > 0",
		ci.MemberID, CheckinArrival, ci.LocalDay).Scan(&n).Error; err != nil {
		return 0, err
	}
	if n > 0 {
		return 0, nil
	}
	rules, err := LoadRules(ctx, tx, now)
	if err != nil {
		return 0, err
	}
	if rules.AttendancePoints <= 0 {
		return 0, nil
	}
	if actor.CampusID == 0 {
		actor.CampusID = ci.CampusID
	}
	if _, err := AwardPoints(ctx, tx, now, Award{MemberID: ci.MemberID, Points: rules.AttendancePoints,
		Reason: "attendance", RefType: "checkin", RefID: ci.ID, Actor: actor}); err != nil {
		return 0, err
	}
	if err := tx.Model(&Checkin{}).Where("id = ?", ci.ID).Update("points_earned", rules.AttendancePoints).Error; err != nil {
		return 0, err
	}
	return rules.AttendancePoints, nil
}

// MemberCheckins lists a member's most recent check-ins, newest first.
func MemberCheckins(ctx context.Context, db *gorm.DB, memberID int64, limit int) ([]Checkin, error) {
	var cs []Checkin
	if err := db.WithContext(ctx).Where("member_id = ?", memberID).Order("at DESC, id DESC").Limit(limit).Find(&cs).Error; err != nil {
		return nil, fmt.Errorf("models: member checkins: %w", err)
	}
	return cs, nil
}

// CheckinRow is a check-in with the child's name, for the kiosk's list.
type CheckinRow struct {
	Checkin
	Name      string
	ClassName *string
}

// RecentCheckins lists today's latest check-ins at a campus and counts the
// children who arrived today.
func RecentCheckins(ctx context.Context, db *gorm.DB, now time.Time, loc *time.Location, campusID int64, limit int) ([]CheckinRow, int64, error) {
	day := now.In(loc).Format("2006-01-02")
	var rows []CheckinRow
	err := db.WithContext(ctx).Table("checkins ci").
		Select("ci.*, m.name, cl.name AS class_name").
		Joins("JOIN members m ON m.id = ci.member_id").
		Joins("LEFT JOIN classes cl ON cl.id = m.class_id").
		Where("ci.campus_id = ? AND ci.local_day = ?", campusID, day).
		Order("ci.at DESC, ci.id DESC").Limit(limit).Scan(&rows).Error
	if err != nil {
		return nil, 0, fmt.Errorf("models: recent checkins: %w", err)
	}
	var n int64
	if err := db.WithContext(ctx).Raw("SELECT COUNT(DISTINCT member_id) FROM checkins WHERE campus_id = ? AND local_day = ? AND kind = ?",
		campusID, day, CheckinArrival).Scan(&n).Error; err != nil {
		return nil, 0, fmt.Errorf("models: recent checkins: %w", err)
	}
	return rows, n, nil
}

// IsCardRefusal reports whether err is a card or check-in refusal a kiosk
// should explain to a parent (rather than a system failure).
func IsCardRefusal(err error) bool {
	for _, e := range []error{ErrUnknownCard, ErrCardFrozen, ErrCardReplaced, ErrCardCheck, ErrWrongCampus, ErrMemberArchived} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

func containsID(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// ArrivalFacts is what an area learns of a new arrival.
type ArrivalFacts struct {
	MemberID  int64
	CheckinID int64
	Day       string // yyyy-mm-dd, school time
	Actor     Actor
}

// ArrivalHook runs inside the check-in's transaction after a new arrival;
// an error refuses the check-in, so hooks skip what they cannot do.
type ArrivalHook func(ctx context.Context, tx *gorm.DB, now time.Time, loc *time.Location, a ArrivalFacts) error

var arrivalHooks []ArrivalHook

// RegisterArrivalHook adds a hook CheckIn calls for every new arrival. Register at init.
func RegisterArrivalHook(h ArrivalHook) { arrivalHooks = append(arrivalHooks, h) }
