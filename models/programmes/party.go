package programmes

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"starcard/models"
)

// Sign-up statuses.
const (
	SignupSigned    = "signed"    // points held
	SignupAttended  = "attended"  // scanned in at the kiosk: points charged
	SignupCharged   = "charged"   // the party is over and the member did not come: points charged
	SignupCancelled = "cancelled" // the member withdrew before the day: points released
	SignupRefunded  = "refunded"  // the party was cancelled: points back
)

// Party is a points party or event (积分派对): members sign up with points,
// up to its capacity, and attend by scanning their card at the kiosk.
type Party struct {
	ID        int64      `json:"id"`
	CampusID  int64      `json:"campus_id"`
	Name      string     `json:"name"`
	Place     string     `json:"place"`
	Day       string     `json:"day"` // yyyy-mm-dd, school time
	Capacity  int64      `json:"capacity"`
	Points    int64      `json:"points"`
	Status    string     `json:"status"`
	ClosedAt  *time.Time `json:"closed_at,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
}

// TableName maps Party to its table.
func (Party) TableName() string { return "prog_parties" }

// Signup is a member's place at a party.
type Signup struct {
	ID         int64      `json:"id"`
	PartyID    int64      `json:"party_id"`
	MemberID   int64      `json:"member_id"`
	Points     int64      `json:"points"`
	HoldID     int64      `json:"-"`
	Status     string     `json:"status"`
	AttendedAt *time.Time `json:"attended_at,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	ClosedAt   *time.Time `json:"closed_at,omitempty"`
}

// TableName maps Signup to its table.
func (Signup) TableName() string { return "prog_party_signups" }

// NewParty is a party as the admin enters it.
type NewParty struct {
	CampusID int64
	Name     string
	Place    string
	Day      string
	Capacity int64
	Points   int64
}

// CreateParty announces a party.
func CreateParty(ctx context.Context, db *models.DB, now time.Time, loc *time.Location, actor models.Actor, n NewParty) (*Party, error) {
	now = now.UTC()
	n.Name, n.Place = strings.TrimSpace(n.Name), strings.TrimSpace(n.Place)
	f := map[string]string{}
	if n.Name == "" || utf8.RuneCountInString(n.Name) > 40 {
		f["name"] = "prog.err.name"
	}
	if utf8.RuneCountInString(n.Place) > 40 {
		f["place"] = "prog.err.place"
	}
	if d, err := time.ParseInLocation(time.DateOnly, n.Day, loc); err != nil || d.Format(time.DateOnly) != n.Day {
		f["day"] = "prog.err.day"
	} else if n.Day < now.In(loc).Format(time.DateOnly) {
		f["day"] = "prog.err.day_past"
	}
	if n.Capacity <= 0 || n.Capacity > 10_000 {
		f["capacity"] = "prog.err.capacity"
	}
	if n.Points <= 0 || n.Points > 1_000_000 {
		f["points"] = "prog.err.points"
	}
	if n.CampusID <= 0 {
		f["campus_id"] = "err.required"
	}
	if len(f) > 0 {
		return nil, models.Invalid(f)
	}
	p := &Party{CampusID: n.CampusID, Name: n.Name, Place: n.Place, Day: n.Day, Capacity: n.Capacity, Points: n.Points,
		Status: StatusOpen, CreatedAt: now}
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(p).Error; err != nil {
			return err
		}
		return models.Audit(ctx, tx, now, actor, "prog.party.create", "prog_party", p.ID, p.Day)
	})
	if err != nil {
		return nil, fmt.Errorf("programmes: create party: %w", err)
	}
	return p, nil
}

func lockParty(ctx context.Context, tx *gorm.DB, id int64) (*Party, error) {
	p, err := lockByID[Party](ctx, tx, "prog_parties", id, ErrPartyNotFound)
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// SignUp takes a place at a party for a member, once per idempotency key:
// the party's points are held until the member scans in on the day (or the
// party is over), and given back if the party is cancelled. Places are
// counted under the party's row lock, so it never takes more than its
// capacity.
func SignUp(ctx context.Context, db *models.DB, now time.Time, loc *time.Location, actor models.Actor, partyID, memberID int64, key string) (*Signup, error) {
	now = now.UTC()
	rules, err := models.LoadRules(ctx, db.R, now)
	if err != nil {
		return nil, err
	}
	return runOnce[Signup](ctx, db, now, models.Idem{Scope: fmt.Sprintf("prog.party:%d", memberID), Key: key,
		Hash: models.RequestHash([]byte(fmt.Sprint(partyID)))}, "sign up", func(tx *gorm.DB) (int64, error) {
		r, err := postSignup(ctx, tx, now, loc, rules, actor, partyID, memberID)
		if err != nil {
			return 0, err
		}
		return r.ID, nil
	})
}

func postSignup(ctx context.Context, tx *gorm.DB, now time.Time, loc *time.Location, rules models.Rules, actor models.Actor,
	partyID, memberID int64) (*Signup, error) {
	tx = tx.WithContext(ctx)
	p, err := lockParty(ctx, tx, partyID)
	if err != nil {
		return nil, err
	}
	if err := admit(ctx, tx, now, memberID, p.CampusID, p.Status == StatusOpen && p.Day >= now.In(loc).Format(time.DateOnly),
		ErrPartyNotFound, ErrPartyClosed, p.Name); err != nil {
		return nil, err
	}
	var prev []Signup
	if err := tx.Where("party_id = ? AND member_id = ?", p.ID, memberID).Limit(1).Find(&prev).Error; err != nil {
		return nil, fmt.Errorf("programmes: sign up: %w", err)
	}
	if len(prev) == 1 && prev[0].Status != SignupCancelled {
		return nil, ErrAlreadySignedUp.With(p.Name)
	}
	var taken int64
	if err := tx.Raw(`SELECT COUNT(*) FROM prog_party_signups WHERE party_id = ? AND status IN ?`, p.ID,
		[]string{SignupSigned, SignupAttended}).Scan(&taken).Error; err != nil {
		return nil, fmt.Errorf("programmes: sign up: %w", err)
	}
	if taken >= p.Capacity {
		return nil, ErrPartyFull.With(p.Name, p.Capacity)
	}
	s := &Signup{PartyID: p.ID, MemberID: memberID, Points: p.Points, Status: SignupSigned, CreatedAt: now}
	if len(prev) == 1 {
		s.ID = prev[0].ID
		if err := tx.Exec(`UPDATE prog_party_signups SET points = ?, status = ?, hold_id = 0, closed_at = NULL, created_at = ? WHERE id = ?`,
			s.Points, s.Status, now, s.ID).Error; err != nil {
			return nil, fmt.Errorf("programmes: sign up: %w", err)
		}
	} else if err := tx.Create(s).Error; err != nil {
		return nil, fmt.Errorf("programmes: sign up: %w", err)
	}
	day, _ := time.ParseInLocation(time.DateOnly, p.Day, loc)
	act := actor
	act.CampusID = p.CampusID
	hold, err := models.ReserveHold(ctx, tx, now, rules, models.HoldInput{MemberID: memberID, Asset: models.AssetPoints,
		Amount: p.Points, ExpiresAt: day.AddDate(0, 0, 30), RefType: RefSignup, RefID: s.ID, Actor: act})
	if errors.Is(err, models.ErrInsufficientPoints) {
		return nil, ErrPartyPoints.With(p.Points)
	}
	if err != nil {
		return nil, err
	}
	s.HoldID = hold
	if err := tx.Exec(`UPDATE prog_party_signups SET hold_id = ? WHERE id = ?`, hold, s.ID).Error; err != nil {
		return nil, fmt.Errorf("programmes: sign up: %w", err)
	}
	return s, models.Audit(ctx, tx, now, actor, "prog.party.sign_up", "prog_party", p.ID, fmt.Sprintf("member=%d points=%d", memberID, p.Points))
}

// WithdrawSignup gives a member's place back before the party's day: the
// points held are released.
func WithdrawSignup(ctx context.Context, db *models.DB, now time.Time, loc *time.Location, actor models.Actor, partyID, memberID int64) error {
	now = now.UTC()
	return db.Tx(ctx, func(tx *gorm.DB) error {
		p, err := lockParty(ctx, tx, partyID)
		if err != nil {
			return err
		}
		if p.Status != StatusOpen || p.Day <= now.In(loc).Format(time.DateOnly) {
			return ErrPartyClosed.With(p.Name)
		}
		var s Signup
		if res := tx.Where("party_id = ? AND member_id = ? AND status = ?", partyID, memberID, SignupSigned).Limit(1).Find(&s); res.Error != nil {
			return fmt.Errorf("programmes: withdraw: %w", res.Error)
		} else if res.RowsAffected == 0 {
			return ErrNotSignedUp
		}
		act := actor
		act.CampusID = p.CampusID
		if err := models.ReleaseHold(ctx, tx, now, act, s.HoldID); err != nil && !errors.Is(err, models.ErrHoldClosed) {
			return err
		}
		if err := tx.Exec(`UPDATE prog_party_signups SET status = ?, closed_at = ? WHERE id = ?`, SignupCancelled, now, s.ID).Error; err != nil {
			return fmt.Errorf("programmes: withdraw: %w", err)
		}
		return models.Audit(ctx, tx, now, actor, "prog.party.withdraw", "prog_party", p.ID, fmt.Sprintf("member=%d", memberID))
	})
}

// attendOnArrival marks a member who scans in at the kiosk on a party's day
// as attended and charges the points held; it runs in the check-in's
// transaction, once per arrival (a repeat scan is a duplicate, not an arrival).
func attendOnArrival(ctx context.Context, tx *gorm.DB, now time.Time, _ *time.Location, a models.ArrivalFacts) error {
	var ss []Signup
	if err := tx.WithContext(ctx).Raw(`SELECT s.* FROM prog_party_signups s JOIN prog_parties p ON p.id = s.party_id
		WHERE s.member_id = ? AND s.status = ? AND p.status = ? AND p.day = ? ORDER BY s.id`,
		a.MemberID, SignupSigned, StatusOpen, a.Day).Scan(&ss).Error; err != nil {
		return fmt.Errorf("programmes: attend: %w", err)
	}
	for _, s := range ss {
		err := models.CaptureHold(ctx, tx, now, a.Actor, s.HoldID, s.Points)
		if errors.Is(err, models.ErrHoldClosed) {
			continue
		}
		if err != nil {
			return err
		}
		if err := tx.WithContext(ctx).Exec(`UPDATE prog_party_signups SET status = ?, attended_at = ?, closed_at = ? WHERE id = ?`,
			SignupAttended, now.UTC(), now.UTC(), s.ID).Error; err != nil {
			return fmt.Errorf("programmes: attend: %w", err)
		}
	}
	return nil
}

// CancelParty cancels a party: every place held is released and every place
// already charged (attended) is given back as points.
func CancelParty(ctx context.Context, db *models.DB, now time.Time, actor models.Actor, u *models.StaffUser, id int64) (int, error) {
	now = now.UTC()
	n := 0
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		p, err := lockParty(ctx, tx, id)
		if err != nil {
			return err
		}
		if u != nil && !u.CanSeeCampus(p.CampusID) {
			return ErrPartyNotFound
		}
		if p.Status != StatusOpen {
			return ErrPartyClosed.With(p.Name)
		}
		var ss []Signup
		if err := tx.Where("party_id = ? AND status IN ?", id, []string{SignupSigned, SignupAttended}).Order("id").Find(&ss).Error; err != nil {
			return err
		}
		act := actor
		act.CampusID = p.CampusID
		for _, s := range ss {
			if s.Status == SignupSigned {
				if err := models.ReleaseHold(ctx, tx, now, act, s.HoldID); err != nil && !errors.Is(err, models.ErrHoldClosed) {
					return err
				}
			} else if _, err := models.AwardPoints(ctx, tx, now, models.Award{MemberID: s.MemberID, Points: s.Points,
				Reason: "party_cancelled", RefType: RefSignup, RefID: s.ID, Actor: act}); err != nil {
				return err
			}
			if err := tx.Exec(`UPDATE prog_party_signups SET status = ?, closed_at = ? WHERE id = ?`, SignupRefunded, now, s.ID).Error; err != nil {
				return err
			}
			n++
		}
		if err := tx.Exec(`UPDATE prog_parties SET status = ?, closed_at = ? WHERE id = ?`, StatusCancelled, now, id).Error; err != nil {
			return err
		}
		return models.Audit(ctx, tx, now, actor, "prog.party.cancel", "prog_party", id, fmt.Sprintf("refunded=%d", n))
	})
	if err != nil {
		return 0, fmt.Errorf("programmes: cancel party: %w", err)
	}
	return n, nil
}

// SettleParties closes the parties whose day is over: the places still held
// (members who did not come) are charged. Running it twice changes nothing.
func SettleParties(ctx context.Context, db *models.DB, now time.Time, loc *time.Location) (int, error) {
	now = now.UTC()
	var ids []int64
	if err := db.R.WithContext(ctx).Raw(`SELECT id FROM prog_parties WHERE status = ? AND day < ? ORDER BY id`,
		StatusOpen, now.In(loc).Format(time.DateOnly)).Scan(&ids).Error; err != nil {
		return 0, fmt.Errorf("programmes: settle parties: %w", err)
	}
	n := 0
	for _, id := range ids {
		err := db.Tx(ctx, func(tx *gorm.DB) error {
			p, err := lockParty(ctx, tx, id)
			if err != nil || p.Status != StatusOpen {
				return err
			}
			var ss []Signup
			if err := tx.Where("party_id = ? AND status = ?", id, SignupSigned).Order("id").Find(&ss).Error; err != nil {
				return err
			}
			act := models.SystemActor
			act.CampusID = p.CampusID
			for _, s := range ss {
				if err := models.CaptureHold(ctx, tx, now, act, s.HoldID, s.Points); err != nil && !errors.Is(err, models.ErrHoldClosed) {
					return err
				}
				if err := tx.Exec(`UPDATE prog_party_signups SET status = ?, closed_at = ? WHERE id = ?`, SignupCharged, now, s.ID).Error; err != nil {
					return err
				}
			}
			n++
			return tx.Exec(`UPDATE prog_parties SET status = ?, closed_at = ? WHERE id = ?`, StatusDone, now, id).Error
		})
		if err != nil {
			return n, fmt.Errorf("programmes: settle party %d: %w", id, err)
		}
	}
	return n, nil
}

// PartyView is a party with its places taken and the member's own place.
type PartyView struct {
	Party
	Taken int64
	Own   *Signup
}

// Left is how many places remain.
func (v PartyView) Left() int64 { return max(0, v.Capacity-v.Taken) }

// ListParties lists parties of the given campuses (nil: all) for a member
// (0: staff); upcoming keeps the open ones from today on.
func ListParties(ctx context.Context, db *gorm.DB, campusIDs []int64, memberID int64, upcoming bool, today string) ([]PartyView, error) {
	q := db.WithContext(ctx).Model(&Party{})
	if campusIDs != nil {
		if len(campusIDs) == 0 {
			return nil, nil
		}
		q = q.Where("campus_id IN ?", campusIDs)
	}
	if upcoming {
		q = q.Where("status = ? AND day >= ?", StatusOpen, today)
	}
	var ps []Party
	if err := q.Order("CASE WHEN status = 'open' THEN 0 ELSE 1 END, day, id").Limit(100).Find(&ps).Error; err != nil {
		return nil, fmt.Errorf("programmes: list parties: %w", err)
	}
	out := make([]PartyView, len(ps))
	for i, p := range ps {
		out[i].Party = p
		if err := db.WithContext(ctx).Raw(`SELECT COUNT(*) FROM prog_party_signups WHERE party_id = ? AND status IN ?`, p.ID,
			[]string{SignupSigned, SignupAttended}).Scan(&out[i].Taken).Error; err != nil {
			return nil, fmt.Errorf("programmes: list parties: %w", err)
		}
		if memberID != 0 {
			var s []Signup
			if err := db.WithContext(ctx).Where("party_id = ? AND member_id = ?", p.ID, memberID).Limit(1).Find(&s).Error; err != nil {
				return nil, fmt.Errorf("programmes: list parties: %w", err)
			}
			if len(s) == 1 {
				out[i].Own = &s[0]
			}
		}
	}
	return out, nil
}

// SignupRow is a place at a party with the member's name (the door list).
type SignupRow struct {
	Signup
	MemberName string
}

// PartySignups lists a party's places for staff.
func PartySignups(ctx context.Context, db *gorm.DB, u *models.StaffUser, id int64) (*Party, []SignupRow, error) {
	var p Party
	if res := db.WithContext(ctx).Where("id = ?", id).Limit(1).Find(&p); res.Error != nil {
		return nil, nil, fmt.Errorf("programmes: party signups: %w", res.Error)
	} else if res.RowsAffected == 0 || (u != nil && !u.CanSeeCampus(p.CampusID)) {
		return nil, nil, ErrPartyNotFound
	}
	var rows []SignupRow
	if err := db.WithContext(ctx).Raw(`SELECT s.*, COALESCE(m.name, '') AS member_name FROM prog_party_signups s
		LEFT JOIN members m ON m.id = s.member_id WHERE s.party_id = ? ORDER BY s.id`, id).Scan(&rows).Error; err != nil {
		return nil, nil, fmt.Errorf("programmes: party signups: %w", err)
	}
	return &p, rows, nil
}
