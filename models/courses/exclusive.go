package courses

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"starcard/models"
)

// Points-exclusive courses (积分专享课程, seed 004): members pay for a seat in
// points at their tier's price — held (two-phase) until the course opens —
// and guests pay money at the normal price. On the start date a course with
// fewer than its minimum is cancelled: the holds are released (the points go
// back to the lots they came from) and the guests' money is owed back.

// Exclusive course statuses.
const (
	ExclusiveOpen      = "open"
	ExclusiveRunning   = "running"
	ExclusiveCancelled = "cancelled"
)

// Enrolment statuses.
const (
	EnrolEnrolled = "enrolled"
	EnrolRefunded = "refunded"
)

// Limits of an exclusive course.
const (
	MaxExclusiveHours = 30
	DefaultMinToOpen  = 20
)

// Journal kinds of guests' payments.
const (
	KindExclusiveSale   = "exclusive_sale"
	KindExclusiveRefund = "exclusive_refund"
)

// Refusals about exclusive courses.
var (
	ErrExclusiveNotFound = models.NewError(models.KindNotFound, "unknown-exclusive-course", "courses.err.unknown_exclusive")
	ErrExclusiveFull     = models.NewError(models.KindConflict, "course-full", "courses.err.exclusive_full")
	ErrExclusiveClosed   = models.NewError(models.KindConflict, "enrolment-closed", "courses.err.exclusive_closed")
	ErrAlreadyEnrolled   = models.NewError(models.KindConflict, "already-enrolled", "courses.err.already_enrolled")
)

// Exclusive is a points-exclusive course.
type Exclusive struct {
	ID             int64      `json:"id"`
	CampusID       int64      `json:"campus_id"`
	Name           string     `json:"name"`
	Hours          int64      `json:"hours"`
	Sessions       int64      `json:"sessions"`
	Capacity       int64      `json:"capacity"`
	MinToOpen      int64      `json:"min_to_open"`
	StartsOn       string     `json:"starts_on"`
	Price          int64      `json:"price"` // fen, for guests
	PointsSilver   int64      `json:"points_silver"`
	PointsGold     int64      `json:"points_gold"`
	PointsPlatinum int64      `json:"points_platinum"`
	TeacherID      int64      `json:"teacher_id"`
	Status         string     `json:"status"`
	SettledAt      *time.Time `json:"settled_at,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
}

// TableName maps Exclusive to its table.
func (Exclusive) TableName() string { return "exclusive_courses" }

// PointsFor is the seat's price in points for a tier.
func (e Exclusive) PointsFor(tier string) int64 {
	switch tier {
	case models.TierGold:
		return e.PointsGold
	case models.TierPlatinum:
		return e.PointsPlatinum
	}
	return e.PointsSilver
}

// Enrolment is a seat on an exclusive course.
type Enrolment struct {
	ID         int64      `json:"id"`
	CourseID   int64      `json:"course_id"`
	MemberID   *int64     `json:"member_id"`
	GuestName  string     `json:"guest_name,omitempty"`
	GuestPhone string     `json:"-"`
	Points     int64      `json:"points"`
	HoldID     *int64     `json:"-"`
	Amount     int64      `json:"amount"`
	Method     string     `json:"method,omitempty"`
	JournalID  *int64     `json:"-"`
	Status     string     `json:"status"`
	CreatedAt  time.Time  `json:"created_at"`
	ClosedAt   *time.Time `json:"closed_at,omitempty"`
	Name       string     `json:"name" gorm:"-"` // the member's or the guest's
}

// TableName maps Enrolment to its table.
func (Enrolment) TableName() string { return "exclusive_enrolments" }

// NewExclusive is an exclusive course as an admin submits it.
type NewExclusive struct {
	CampusID       int64
	Name           string
	Hours          int64
	Sessions       int64
	Capacity       int64
	MinToOpen      int64 // 0 = 20
	StartsOn       string
	Price          int64
	PointsSilver   int64
	PointsGold     int64
	PointsPlatinum int64
	TeacherID      int64
}

// CreateExclusive adds a points-exclusive course.
func CreateExclusive(ctx context.Context, db *gorm.DB, now time.Time, loc *time.Location, actor models.Actor, in NewExclusive) (*Exclusive, error) {
	in.Name = strings.TrimSpace(in.Name)
	if in.MinToOpen == 0 {
		in.MinToOpen = DefaultMinToOpen
	}
	if in.Sessions == 0 {
		in.Sessions = 1
	}
	f := map[string]string{}
	if in.Name == "" || utf8.RuneCountInString(in.Name) > 40 {
		f["name"] = "courses.err.name"
	}
	if in.Hours < 1 || in.Hours > MaxExclusiveHours {
		f["hours"] = "courses.err.exclusive_hours"
	}
	if in.Sessions < 1 || in.Sessions > in.Hours {
		f["sessions"] = "courses.err.exclusive_sessions"
	}
	if in.Capacity < 1 || in.Capacity > 1000 {
		f["capacity"] = "courses.err.exclusive_capacity"
	}
	if in.MinToOpen < 1 || in.MinToOpen > in.Capacity {
		f["min_to_open"] = "courses.err.exclusive_min"
	}
	if d, err := time.ParseInLocation(time.DateOnly, in.StartsOn, loc); err != nil || d.Format(time.DateOnly) != in.StartsOn {
		f["starts_on"] = "courses.err.bad_day"
	} else if in.StartsOn <= now.In(loc).Format(time.DateOnly) {
		f["starts_on"] = "courses.err.exclusive_start"
	}
	if in.Price <= 0 || in.Price > models.MaxAmount {
		f["price"] = "err.ledger_bad_amount"
	}
	for k, v := range map[string]int64{"points_silver": in.PointsSilver, "points_gold": in.PointsGold, "points_platinum": in.PointsPlatinum} {
		if v <= 0 || v > 100_000_000 {
			f[k] = "err.ledger_bad_amount"
		}
	}
	if in.CampusID <= 0 {
		f["campus_id"] = "err.required"
	}
	if len(f) > 0 {
		return nil, models.Invalid(f)
	}
	e := &Exclusive{CampusID: in.CampusID, Name: in.Name, Hours: in.Hours, Sessions: in.Sessions, Capacity: in.Capacity,
		MinToOpen: in.MinToOpen, StartsOn: in.StartsOn, Price: in.Price, PointsSilver: in.PointsSilver, PointsGold: in.PointsGold,
		PointsPlatinum: in.PointsPlatinum, TeacherID: in.TeacherID, Status: ExclusiveOpen, CreatedAt: now.UTC()}
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(e).Error; err != nil {
			return err
		}
		return models.Audit(ctx, tx, now, actor, "exclusive_course.create", "exclusive_course", e.ID, e.Name)
	})
	if err != nil {
		return nil, fmt.Errorf("courses: create exclusive course: %w", err)
	}
	return e, nil
}

// EnrolInput is a seat bought by a member (in points) or a guest (in money).
type EnrolInput struct {
	CourseID   int64
	MemberID   int64  // 0: a guest
	GuestName  string // guests only
	GuestPhone string
	Method     string // guests: cash, wechat, alipay, bank_card
	Actor      models.Actor
	User       *models.StaffUser
}

// PostEnrol takes a seat inside tx: a member's points are held at the
// member's tier price until the course opens; a guest's money is taken at
// the normal price.
func PostEnrol(ctx context.Context, tx *gorm.DB, now time.Time, loc *time.Location, r models.Rules, in EnrolInput) (*Enrolment, error) {
	now = now.UTC()
	var e Exclusive
	// Lock the course row so that two desks never sell its last seat twice.
	if res := tx.WithContext(ctx).Raw(`SELECT * FROM exclusive_courses WHERE id = ?`+forUpdate(tx), in.CourseID).Scan(&e); res.Error != nil {
		return nil, fmt.Errorf("courses: enrol: %w", res.Error)
	} else if res.RowsAffected == 0 || (in.User != nil && !in.User.CanSeeCampus(e.CampusID)) {
		return nil, ErrExclusiveNotFound
	}
	if e.Status != ExclusiveOpen || e.StartsOn <= now.In(loc).Format(time.DateOnly) {
		return nil, ErrExclusiveClosed.With(e.Name)
	}
	var taken int64
	if err := tx.WithContext(ctx).Raw(`SELECT COUNT(*) FROM exclusive_enrolments WHERE course_id = ? AND status = ?`,
		e.ID, EnrolEnrolled).Scan(&taken).Error; err != nil {
		return nil, fmt.Errorf("courses: enrol: %w", err)
	}
	if taken >= e.Capacity {
		return nil, ErrExclusiveFull.With(e.Name, e.Capacity)
	}
	en := Enrolment{CourseID: e.ID, Status: EnrolEnrolled, CreatedAt: now}
	campus := in.Actor.CampusID
	if campus == 0 {
		campus = e.CampusID
	}
	if in.MemberID != 0 {
		if in.User != nil {
			if err := models.CheckMemberAccess(ctx, tx, in.User, in.MemberID); err != nil {
				return nil, models.ErrMemberNotFound
			}
		}
		lock, err := models.LockMember(ctx, tx, now, in.MemberID)
		if err != nil {
			return nil, err
		}
		var n int64
		if err := tx.WithContext(ctx).Raw(`SELECT COUNT(*) FROM exclusive_enrolments WHERE course_id = ? AND member_id = ?`,
			e.ID, in.MemberID).Scan(&n).Error; err != nil {
			return nil, fmt.Errorf("courses: enrol: %w", err)
		}
		if n > 0 {
			return nil, ErrAlreadyEnrolled
		}
		en.MemberID, en.Points = &in.MemberID, e.PointsFor(lock.Tier)
		if err := tx.WithContext(ctx).Create(&en).Error; err != nil {
			return nil, fmt.Errorf("courses: enrol: %w", err)
		}
		start, _ := time.ParseInLocation(time.DateOnly, e.StartsOn, loc)
		hold, err := models.ReserveHold(ctx, tx, now, r, models.HoldInput{MemberID: in.MemberID, Asset: models.AssetPoints,
			Amount: en.Points, ExpiresAt: start.AddDate(0, 0, 7), RefType: "exclusive_enrolment", RefID: en.ID,
			Actor: models.Actor{Type: in.Actor.Type, ID: in.Actor.ID, CampusID: campus, Device: in.Actor.Device}})
		if err != nil {
			return nil, err
		}
		en.HoldID = &hold
		if err := tx.WithContext(ctx).Exec(`UPDATE exclusive_enrolments SET hold_id = ? WHERE id = ?`, hold, en.ID).Error; err != nil {
			return nil, fmt.Errorf("courses: enrol: %w", err)
		}
	} else {
		in.GuestName = strings.TrimSpace(in.GuestName)
		f := map[string]string{}
		if in.GuestName == "" || utf8.RuneCountInString(in.GuestName) > 40 {
			f["guest_name"] = "err.required"
		}
		if !slices.Contains(DepositMethods, in.Method) {
			f["method"] = "err.topup_bad_method"
		}
		if len(f) > 0 {
			return nil, models.Invalid(f)
		}
		en.GuestName, en.GuestPhone, en.Amount, en.Method = in.GuestName, strings.TrimSpace(in.GuestPhone), e.Price, in.Method
		if err := tx.WithContext(ctx).Create(&en).Error; err != nil {
			return nil, fmt.Errorf("courses: enrol: %w", err)
		}
		jid, err := models.PostJournal(ctx, tx, now, models.JournalSpec{Kind: KindExclusiveSale, CampusID: campus, Actor: in.Actor,
			RefType: "exclusive_enrolment", RefID: en.ID, Reason: e.Name},
			models.Entry{System: depositClearing[in.Method], Asset: models.AssetCNY, Amount: -e.Price},
			models.Entry{System: models.SysRevenue, Asset: models.AssetCNY, Amount: e.Price})
		if err != nil {
			return nil, fmt.Errorf("courses: enrol: %w", err)
		}
		en.JournalID = &jid
		if err := tx.WithContext(ctx).Exec(`UPDATE exclusive_enrolments SET journal_id = ? WHERE id = ?`, jid, en.ID).Error; err != nil {
			return nil, fmt.Errorf("courses: enrol: %w", err)
		}
	}
	if err := models.Audit(ctx, tx, now, in.Actor, "exclusive_course.enrol", "exclusive_course", e.ID,
		fmt.Sprintf("enrolment=%d points=%d amount=%d", en.ID, en.Points, en.Amount)); err != nil {
		return nil, err
	}
	return &en, nil
}

func forUpdate(tx *gorm.DB) string {
	if tx.Dialector.Name() == "mysql" {
		return " FOR UPDATE"
	}
	return ""
}

// Enrol runs PostEnrol once per idempotency key.
func Enrol(ctx context.Context, db *models.DB, now time.Time, loc *time.Location, id models.Idem, in EnrolInput) (models.Outcome, error) {
	r, err := models.LoadRules(ctx, db.R, now)
	if err != nil {
		return models.Outcome{}, err
	}
	return models.RunIdempotent(ctx, db, now, id, func(tx *gorm.DB) (int, []byte, error) {
		res, err := PostEnrol(ctx, tx, now, loc, r, in)
		if err != nil {
			return 0, nil, err
		}
		b, err := json.Marshal(res)
		return 201, b, err
	})
}

// SettleResult says what settling did.
type SettleResult struct {
	Opened    int
	Cancelled int
	Refunded  int // enrolments refunded
}

// SettleExclusiveCourses decides every open course whose start date has
// come: with at least its minimum of seats taken it runs and the points held
// are captured; below it, it is cancelled and everyone is refunded — points
// released to their lots, guests' money owed back. One transaction per
// course; running it twice changes nothing more.
func SettleExclusiveCourses(ctx context.Context, db *models.DB, now time.Time, loc *time.Location) (SettleResult, error) {
	var out SettleResult
	today := now.In(loc).Format(time.DateOnly)
	var ids []int64
	if err := db.R.WithContext(ctx).Raw(`SELECT id FROM exclusive_courses WHERE status = ? AND starts_on <= ? ORDER BY id`,
		ExclusiveOpen, today).Scan(&ids).Error; err != nil {
		return out, fmt.Errorf("courses: settle: %w", err)
	}
	for _, id := range ids {
		err := db.Tx(ctx, func(tx *gorm.DB) error {
			opened, refunded, err := settle(ctx, tx, now, id)
			if err == nil && opened {
				out.Opened++
			} else if err == nil && refunded >= 0 {
				out.Cancelled++
				out.Refunded += refunded
			}
			return err
		})
		if err != nil {
			return out, fmt.Errorf("courses: settle course %d: %w", id, err)
		}
	}
	return out, nil
}

func settle(ctx context.Context, tx *gorm.DB, now time.Time, id int64) (bool, int, error) {
	now = now.UTC()
	var e Exclusive
	if err := tx.WithContext(ctx).Raw(`SELECT * FROM exclusive_courses WHERE id = ?`+forUpdate(tx), id).Scan(&e).Error; err != nil {
		return false, 0, err
	}
	if e.Status != ExclusiveOpen {
		return false, -1, nil // settled by another instance meanwhile
	}
	var ens []Enrolment
	if err := tx.WithContext(ctx).Where("course_id = ? AND status = ?", id, EnrolEnrolled).Order("id").Find(&ens).Error; err != nil {
		return false, 0, err
	}
	actor := models.SystemActor
	if int64(len(ens)) >= e.MinToOpen {
		for _, en := range ens {
			if en.HoldID != nil {
				if err := models.CaptureHold(ctx, tx, now, actor, *en.HoldID, en.Points); err != nil && !errors.Is(err, models.ErrHoldClosed) {
					return false, 0, err
				}
			}
		}
		return true, 0, tx.WithContext(ctx).Exec(`UPDATE exclusive_courses SET status = ?, settled_at = ? WHERE id = ?`,
			ExclusiveRunning, now, id).Error
	}
	for _, en := range ens {
		if en.HoldID != nil {
			// A hold already released by its timeout has given the points back.
			if err := models.ReleaseHold(ctx, tx, now, actor, *en.HoldID); err != nil && !errors.Is(err, models.ErrHoldClosed) {
				return false, 0, err
			}
		}
		if en.JournalID != nil {
			if _, err := models.PostJournal(ctx, tx, now, models.JournalSpec{Kind: KindExclusiveRefund, CampusID: e.CampusID,
				Actor: actor, RefType: "exclusive_enrolment", RefID: en.ID, Reason: "below minimum", ReversesID: en.JournalID},
				models.Entry{System: depositClearing[en.Method], Asset: models.AssetCNY, Amount: en.Amount},
				models.Entry{System: models.SysRevenue, Asset: models.AssetCNY, Amount: -en.Amount}); err != nil {
				return false, 0, err
			}
		}
		if err := tx.WithContext(ctx).Exec(`UPDATE exclusive_enrolments SET status = ?, closed_at = ? WHERE id = ?`,
			EnrolRefunded, now, en.ID).Error; err != nil {
			return false, 0, err
		}
		if en.MemberID != nil {
			if err := models.EnqueueNotice(ctx, tx, now, models.Notice{Event: EventExclusiveCancelled, MemberID: *en.MemberID,
				Data:      map[string]any{"course": e.Name, "minimum": e.MinToOpen, "points": en.Points},
				DedupeKey: fmt.Sprintf("%s:%d", EventExclusiveCancelled, en.ID)}); err != nil {
				return false, 0, err
			}
		}
	}
	if err := tx.WithContext(ctx).Exec(`UPDATE exclusive_courses SET status = ?, settled_at = ? WHERE id = ?`,
		ExclusiveCancelled, now, id).Error; err != nil {
		return false, 0, err
	}
	return false, len(ens), models.Audit(ctx, tx, now, actor, "exclusive_course.cancel", "exclusive_course", id,
		fmt.Sprintf("enrolled=%d min=%d", len(ens), e.MinToOpen))
}

// Enrolments lists a course's seats with the member's or guest's name (the teacher's list).
func Enrolments(ctx context.Context, db *gorm.DB, u *models.StaffUser, courseID int64) (*Exclusive, []Enrolment, error) {
	var e Exclusive
	if res := db.WithContext(ctx).Where("id = ?", courseID).Limit(1).Find(&e); res.Error != nil {
		return nil, nil, fmt.Errorf("courses: enrolments: %w", res.Error)
	} else if res.RowsAffected == 0 || (u != nil && !u.CanSeeCampus(e.CampusID)) {
		return nil, nil, ErrExclusiveNotFound
	}
	var rows []struct {
		Enrolment
		MemberName string
	}
	if err := db.WithContext(ctx).Raw(`SELECT e.*, COALESCE(m.name, '') AS member_name FROM exclusive_enrolments e
		LEFT JOIN members m ON m.id = e.member_id WHERE e.course_id = ? ORDER BY e.id`, courseID).Scan(&rows).Error; err != nil {
		return nil, nil, fmt.Errorf("courses: enrolments: %w", err)
	}
	out := make([]Enrolment, len(rows))
	for i, r := range rows {
		out[i] = r.Enrolment
		out[i].Name = r.MemberName
		if out[i].MemberID == nil {
			out[i].Name = r.GuestName
		}
	}
	return &e, out, nil
}

// ExclusiveRow is an exclusive course with how many seats are taken.
type ExclusiveRow struct {
	Exclusive
	CampusName string `json:"campus_name"`
	Taken      int64  `json:"taken"`
}

// ListExclusive lists the exclusive courses of the given campuses (nil: all),
// the open ones first by start date.
func ListExclusive(ctx context.Context, db *gorm.DB, campusIDs []int64) ([]ExclusiveRow, error) {
	q := `SELECT e.*, COALESCE(cp.name, '') AS campus_name,
		(SELECT COUNT(*) FROM exclusive_enrolments x WHERE x.course_id = e.id AND x.status = 'enrolled') AS taken
		FROM exclusive_courses e LEFT JOIN campuses cp ON cp.id = e.campus_id`
	args := []any{}
	if campusIDs != nil {
		if len(campusIDs) == 0 {
			return nil, nil
		}
		q += ` WHERE e.campus_id IN ?`
		args = append(args, campusIDs)
	}
	var rows []ExclusiveRow
	if err := db.WithContext(ctx).Raw(q+` ORDER BY CASE WHEN e.status = 'open' THEN 0 ELSE 1 END, e.starts_on, e.id`, args...).
		Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("courses: list exclusive: %w", err)
	}
	return rows, nil
}
