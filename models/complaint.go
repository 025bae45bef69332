package models

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// Complaints and feedback from families (DOMAIN §3.10). The portal records
// them as received, with a first-answer deadline (ComplaintFirstAnswerSLA);
// the complaints workflow moves them through investigating → resolved, the
// family confirms, the school archives. Each move is a ComplaintUpdate; the
// public ones are what the family reads.

// Complaint statuses in the order a complaint moves through them.
const (
	ComplaintReceived      = "received"
	ComplaintInvestigating = "investigating"
	ComplaintResolved      = "resolved"
	ComplaintConfirmed     = "confirmed"
	ComplaintArchived      = "archived"
)

// ComplaintStatuses lists the statuses in order.
var ComplaintStatuses = []string{ComplaintReceived, ComplaintInvestigating, ComplaintResolved, ComplaintConfirmed, ComplaintArchived}

// Complaint kinds: a complaint wants something put right; a suggestion (or
// praise) wants to be heard.
const (
	ComplaintKindComplaint  = "complaint"
	ComplaintKindSuggestion = "suggestion"
)

// ComplaintCategories are the categories of DOMAIN §3.10, plus "other".
var ComplaintCategories = []string{"teaching", "service", "product", "contract", "after_sales", "other"}

// ComplaintFirstAnswerSLA is how soon the school answers (seed 003: 24 h).
const ComplaintFirstAnswerSLA = 24 * time.Hour

// Limits of a complaint from the portal.
const (
	ComplaintBodyMin  = 5
	ComplaintBodyMax  = 2000
	ComplaintPhotoMax = 8 << 20
)

// Complaint refusals.
var (
	ErrComplaintNotResolved = NewError(KindConflict, "complaint-not-resolved", "err.portal_complaint_not_resolved")
)

// Complaint is one piece of feedback or complaint from a family.
type Complaint struct {
	ID               int64
	FamilyID         int64
	GuardianID       int64
	MemberID         *int64
	CampusID         int64
	Kind             string
	Category         string
	Body             string
	Photo            string
	Status           string
	Priority         string
	OwnerID          int64
	Channel          string
	FirstAnswerDueAt time.Time
	FirstAnswerAt    *time.Time
	ResolvedAt       *time.Time
	ConfirmedAt      *time.Time
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// TableName maps Complaint to its table.
func (Complaint) TableName() string { return "complaints" }

// ComplaintUpdate is one step of a complaint; Public ones are shown to the family.
type ComplaintUpdate struct {
	ID          int64
	ComplaintID int64
	At          time.Time
	ActorType   string
	ActorID     int64
	Status      string
	Note        string
	Public      bool
	// Kind is "status" (a move), "reply" (words to or from the family) or
	// "note" (staff only); the complaints workflow (models/care) writes the
	// last two.
	Kind string `gorm:"default:status"`
}

// TableName maps ComplaintUpdate to its table.
func (ComplaintUpdate) TableName() string { return "complaint_updates" }

// ComplaintHook runs inside the transaction that records a complaint from the
// portal, after its row and first update exist: the complaints workflow
// (models/care) assigns an owner and alerts them there.
type ComplaintHook func(ctx context.Context, tx *gorm.DB, now time.Time, c *Complaint) error

var complaintHooks []ComplaintHook

// OnComplaintSubmitted registers a hook for new portal complaints (called at
// init or in cmd wiring, never concurrently with requests).
func OnComplaintSubmitted(h ComplaintHook) { complaintHooks = append(complaintHooks, h) }

// NewComplaint is what a parent submits.
type NewComplaint struct {
	Kind     string
	Category string
	MemberID int64 // 0: about no child in particular
	Body     string
	Photo    []byte // optional: JPEG, PNG, WebP or GIF
}

// complaintPhotoTypes maps sniffed content types to file extensions.
var complaintPhotoTypes = map[string]string{"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "image/gif": ".gif"}

// ComplaintPhotoDir is where complaint photos are stored under the data directory.
func ComplaintPhotoDir(dataDir string) string { return filepath.Join(dataDir, "complaints") }

func (n *NewComplaint) validate() (map[string]string, string) {
	n.Body = strings.TrimSpace(n.Body)
	f := map[string]string{}
	if n.Kind != ComplaintKindSuggestion {
		n.Kind = ComplaintKindComplaint
	}
	ok := false
	for _, c := range ComplaintCategories {
		ok = ok || c == n.Category
	}
	if !ok {
		f["category"] = "err.portal_complaint_category"
	}
	if l := utf8.RuneCountInString(n.Body); l < ComplaintBodyMin || l > ComplaintBodyMax {
		f["body"] = "err.portal_complaint_body"
	}
	ext := ""
	if len(n.Photo) > 0 {
		if len(n.Photo) > ComplaintPhotoMax {
			f["photo"] = "err.portal_complaint_photo_size"
		} else if ext = complaintPhotoTypes[http.DetectContentType(n.Photo)]; ext == "" {
			f["photo"] = "err.portal_complaint_photo_type"
		}
	}
	return f, ext
}

// SubmitComplaint records a parent's complaint or suggestion, about one of
// their children or the school in general. The photo is written under
// dataDir first (a random name) and removed again if the record fails.
func SubmitComplaint(ctx context.Context, db *DB, now time.Time, dataDir string, p *GuardianPrincipal, ip string, in NewComplaint) (*Complaint, error) {
	now = now.UTC()
	fields, ext := in.validate()
	if len(fields) > 0 {
		return nil, Invalid(fields)
	}
	c := &Complaint{FamilyID: p.FamilyIDs[0], GuardianID: p.GuardianID(), Kind: in.Kind, Category: in.Category,
		Body: in.Body, Status: ComplaintReceived, Priority: "normal", Channel: "portal",
		FirstAnswerDueAt: now.Add(ComplaintFirstAnswerSLA), CreatedAt: now, UpdatedAt: now}
	if in.MemberID != 0 {
		m, err := PortalChild(ctx, db.R, p, in.MemberID)
		if err != nil {
			return nil, err
		}
		id := m.ID
		c.MemberID, c.FamilyID, c.CampusID = &id, m.FamilyID, m.CampusID
		for _, g := range p.Guardians {
			if g.FamilyID == m.FamilyID {
				c.GuardianID = g.ID
			}
		}
	} else {
		var campus int64
		if err := db.R.WithContext(ctx).Raw(`SELECT campus_id FROM members WHERE family_id = ? ORDER BY id LIMIT 1`, c.FamilyID).
			Scan(&campus).Error; err != nil {
			return nil, fmt.Errorf("models: submit complaint: %w", err)
		}
		c.CampusID = campus
	}
	var written string
	if len(in.Photo) > 0 {
		rel := filepath.Join(now.Format("200601"), NewToken(12)+ext)
		full := filepath.Join(ComplaintPhotoDir(dataDir), rel)
		if err := os.MkdirAll(filepath.Dir(full), 0o750); err != nil {
			return nil, fmt.Errorf("models: submit complaint: %w", err)
		}
		if err := os.WriteFile(full, in.Photo, 0o640); err != nil {
			return nil, fmt.Errorf("models: submit complaint: %w", err)
		}
		c.Photo, written = filepath.ToSlash(rel), full
	}
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		c.ID = 0
		if err := tx.Create(c).Error; err != nil {
			return err
		}
		u := ComplaintUpdate{ComplaintID: c.ID, At: now, ActorType: "guardian", ActorID: c.GuardianID,
			Status: ComplaintReceived, Note: "", Public: true}
		if err := tx.Create(&u).Error; err != nil {
			return err
		}
		for _, h := range complaintHooks {
			if err := h(ctx, tx, now, c); err != nil {
				return err
			}
		}
		return Audit(ctx, tx, now, p.Actor(ip), "complaint.submit", "complaint", c.ID,
			fmt.Sprintf("kind=%s category=%s", c.Kind, c.Category))
	})
	if err != nil {
		if written != "" {
			_ = os.Remove(written)
		}
		return nil, fmt.Errorf("models: submit complaint: %w", err)
	}
	return c, nil
}

// ComplaintView is a complaint with the child's name, for lists.
type ComplaintView struct {
	Complaint
	MemberName string
}

// FamilyComplaints lists the complaints of the parent's families, newest first.
func FamilyComplaints(ctx context.Context, db *gorm.DB, p *GuardianPrincipal, limit int) ([]ComplaintView, error) {
	var out []ComplaintView
	if err := db.WithContext(ctx).Raw(`SELECT c.*, COALESCE(m.name, '') AS member_name FROM complaints c
		LEFT JOIN members m ON m.id = c.member_id WHERE c.family_id IN ? ORDER BY c.id DESC LIMIT ?`, p.FamilyIDs, limit).
		Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("models: family complaints: %w", err)
	}
	return out, nil
}

// FamilyComplaint loads one complaint of the parent's families with its
// public updates, oldest first.
func FamilyComplaint(ctx context.Context, db *gorm.DB, p *GuardianPrincipal, id int64) (*ComplaintView, []ComplaintUpdate, error) {
	var c ComplaintView
	res := db.WithContext(ctx).Raw(`SELECT c.*, COALESCE(m.name, '') AS member_name FROM complaints c
		LEFT JOIN members m ON m.id = c.member_id WHERE c.id = ? AND c.family_id IN ?`, id, p.FamilyIDs).Scan(&c)
	if res.Error != nil {
		return nil, nil, fmt.Errorf("models: family complaint: %w", res.Error)
	}
	if c.ID == 0 {
		return nil, nil, ErrNotFound
	}
	var us []ComplaintUpdate
	if err := db.WithContext(ctx).Where("complaint_id = ? AND public = ?", id, true).Order("id").Find(&us).Error; err != nil {
		return nil, nil, fmt.Errorf("models: family complaint: %w", err)
	}
	return &c, us, nil
}

// ComplaintPhotoFile returns the path of a complaint's photo on disk, for
// the parent's own complaint only.
func ComplaintPhotoFile(ctx context.Context, db *gorm.DB, dataDir string, p *GuardianPrincipal, id int64) (string, error) {
	c, _, err := FamilyComplaint(ctx, db, p, id)
	if err != nil {
		return "", err
	}
	if c.Photo == "" || strings.Contains(c.Photo, "..") {
		return "", ErrNotFound
	}
	return filepath.Join(ComplaintPhotoDir(dataDir), filepath.FromSlash(c.Photo)), nil
}

// ConfirmComplaint records that the family agrees a resolved complaint is
// settled.
func ConfirmComplaint(ctx context.Context, db *DB, now time.Time, p *GuardianPrincipal, ip string, id int64) error {
	now = now.UTC()
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		var c Complaint
		err := tx.Raw("SELECT * FROM complaints WHERE id = ? AND family_id IN ?"+forUpdate(tx), id, p.FamilyIDs).Scan(&c).Error
		if err != nil {
			return err
		}
		if c.ID == 0 {
			return ErrNotFound
		}
		if c.Status != ComplaintResolved {
			return ErrComplaintNotResolved
		}
		if err := tx.Model(&Complaint{}).Where("id = ?", id).
			Updates(map[string]any{"status": ComplaintConfirmed, "confirmed_at": now, "updated_at": now}).Error; err != nil {
			return err
		}
		if err := tx.Create(&ComplaintUpdate{ComplaintID: id, At: now, ActorType: "guardian", ActorID: p.GuardianID(),
			Status: ComplaintConfirmed, Public: true}).Error; err != nil {
			return err
		}
		return Audit(ctx, tx, now, p.Actor(ip), "complaint.confirm", "complaint", id, "")
	})
	if err != nil {
		if errors.Is(err, ErrNotFound) || errors.Is(err, ErrComplaintNotResolved) {
			return err
		}
		return fmt.Errorf("models: confirm complaint: %w", err)
	}
	return nil
}
