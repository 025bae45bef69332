package crm

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"starcard/models"
)

// Channels of a contact.
var Channels = []string{"phone", "wechat", "visit", "sms", "email"}

// Contact is one entry of a member's contact log (沟通记录).
type Contact struct {
	ID         int64     `json:"id"`
	MemberID   int64     `json:"member_id"`
	StaffID    int64     `json:"staff_id"`
	ActorType  string    `json:"-"`
	Channel    string    `json:"channel"`
	Content    string    `json:"content"`
	Outcome    string    `json:"outcome"`
	NextStep   string    `json:"next_step,omitempty"`
	NextOn     string    `json:"next_on,omitempty"`
	TaskID     *int64    `json:"task_id,omitempty"`
	NextTaskID *int64    `json:"next_task_id,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	StaffName  string    `json:"staff_name,omitempty" gorm:"-"`
}

// TableName maps Contact to its table.
func (Contact) TableName() string { return "crm_contacts" }

// NewContact is a contact to log; TaskID closes that task with the
// outcome; NextOn (YYYY-MM-DD) opens a follow-up task for the caller.
type NewContact struct {
	Channel  string
	Content  string
	Outcome  string
	NextStep string
	NextOn   string
	TaskID   int64
}

func (in *NewContact) validate(today string) map[string]string {
	f := map[string]string{}
	in.Channel, in.Content, in.Outcome = strings.TrimSpace(in.Channel), strings.TrimSpace(in.Content), strings.TrimSpace(in.Outcome)
	in.NextStep, in.NextOn = strings.TrimSpace(in.NextStep), strings.TrimSpace(in.NextOn)
	if !contains(Channels, in.Channel) {
		f["channel"] = "crm.err.channel"
	}
	if in.Content == "" {
		f["content"] = "err.required"
	} else if utf8.RuneCountInString(in.Content) > 2000 {
		f["content"] = "crm.err.too_long"
	}
	if in.Outcome == "" {
		f["outcome"] = "err.required"
	} else if utf8.RuneCountInString(in.Outcome) > 200 {
		f["outcome"] = "crm.err.too_long"
	}
	if utf8.RuneCountInString(in.NextStep) > 200 {
		f["next_step"] = "crm.err.too_long"
	}
	if in.NextOn != "" {
		if _, err := time.Parse(day, in.NextOn); err != nil || in.NextOn < today {
			f["next_on"] = "crm.err.next_on"
		}
	}
	return f
}

// LogContact records a contact with a member's family. In the same
// transaction it closes the task it answers (TaskID) and opens a follow-up
// task for the caller when a next date is given.
func LogContact(ctx context.Context, db *models.DB, now time.Time, loc *time.Location, actor models.Actor, u *models.StaffUser,
	memberID int64, in NewContact) (*Contact, error) {
	if f := in.validate(Today(now, loc)); len(f) > 0 {
		return nil, models.Invalid(f)
	}
	var c *Contact
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		if err := models.CheckMemberAccess(ctx, tx, u, memberID); err != nil {
			return err
		}
		m, err := loadMember(ctx, tx, memberID)
		if err != nil {
			return err
		}
		c = &Contact{MemberID: memberID, StaffID: actor.ID, ActorType: orSystem(actor.Type), Channel: in.Channel,
			Content: in.Content, Outcome: in.Outcome, NextStep: in.NextStep, NextOn: in.NextOn, CreatedAt: now.UTC()}
		if in.TaskID != 0 {
			t, err := completeTask(ctx, tx, now, actor, u, in.TaskID, in.Outcome, in.Content)
			if err != nil {
				return err
			}
			if t.MemberID != memberID {
				return models.Invalid(map[string]string{"task_id": "crm.err.task_member"})
			}
			c.TaskID = &t.ID
		}
		if err := tx.Create(c).Error; err != nil {
			return err
		}
		if in.NextOn != "" {
			kind := KindCall
			if in.Channel != "phone" {
				kind = KindOther
			}
			var who *int64
			if actor.ID != 0 {
				id := actor.ID
				who = &id
			}
			t := &Task{MemberID: memberID, CampusID: m.CampusID, Kind: kind, Role: RoleHomeroom,
				PeriodKey: "contact:" + strconv.FormatInt(c.ID, 10), AssigneeID: who, DueOn: in.NextOn, Status: StatusOpen,
				Note: in.NextStep, Source: "contact:" + strconv.FormatInt(c.ID, 10), CreatedAt: now.UTC()}
			if _, err := insertTask(ctx, tx, t); err != nil {
				return err
			}
			c.NextTaskID = &t.ID
			if err := tx.Model(&Contact{}).Where("id = ?", c.ID).Update("next_task_id", t.ID).Error; err != nil {
				return err
			}
		}
		return models.Audit(ctx, tx, now, actor, "contact.log", "member", memberID, fmt.Sprintf("contact=%d channel=%s", c.ID, c.Channel))
	})
	if err != nil {
		return nil, fmt.Errorf("crm: log contact: %w", err)
	}
	return c, nil
}

// Contacts lists a member's contact log, newest first, paged by id.
func Contacts(ctx context.Context, db *gorm.DB, u *models.StaffUser, memberID int64, cursor string, limit int) ([]Contact, string, error) {
	if err := models.CheckMemberAccess(ctx, db, u, memberID); err != nil {
		return nil, "", err
	}
	before, err := models.DecodeCursor(cursor)
	if err != nil {
		return nil, "", err
	}
	if limit <= 0 || limit > 100 {
		limit = 20
	}
	q := db.WithContext(ctx).Where("member_id = ?", memberID)
	if before > 0 {
		q = q.Where("id < ?", before)
	}
	out := []Contact{}
	if err := q.Order("id DESC").Limit(limit + 1).Find(&out).Error; err != nil {
		return nil, "", fmt.Errorf("crm: contacts: %w", err)
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = models.EncodeCursor(out[limit-1].ID)
	}
	ids := []int64{}
	for _, c := range out {
		ids = append(ids, c.StaffID)
	}
	if len(ids) > 0 {
		var names []struct {
			ID   int64
			Name string
		}
		if err := db.WithContext(ctx).Raw("SELECT id, name FROM staff_users WHERE id IN ?", ids).Scan(&names).Error; err != nil {
			return nil, "", fmt.Errorf("crm: contacts: %w", err)
		}
		byID := map[int64]string{}
		for _, n := range names {
			byID[n.ID] = n.Name
		}
		for i := range out {
			out[i].StaffName = byID[out[i].StaffID]
		}
	}
	return out, next, nil
}
