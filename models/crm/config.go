package crm

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"sync"
	"time"

	"gorm.io/gorm"

	"starcard/models"
)

// Setting is the name under which Config versions are kept in settings.
const Setting = "crm.config"

// Task kinds (DOMAIN §4b).
const (
	KindCall          = "call"
	KindBirthdayGift  = "birthday_gift"
	KindPartyInvite   = "party_invite"
	KindGreeting      = "greeting"
	KindFeedbackReply = "feedback_reply"
	KindRenewal       = "renewal"
	KindOther         = "other"
)

// TaskKinds lists the task kinds.
var TaskKinds = []string{KindCall, KindBirthdayGift, KindPartyInvite, KindGreeting, KindFeedbackReply, KindRenewal, KindOther}

// Who does a planned service.
const (
	RoleHomeroom = "homeroom" // the homeroom teacher of the child's class (班主任/咨询)
	RoleHead     = "head"     // the person in charge (负责人): Config.HeadStaffID or the first service head
)

// PlanItem is one service of a grade's plan. Recurring calls repeat every
// Every days (Unit "day") or months (Unit "month"); a birthday gift is due on
// the birthday, listed LeadDays before; the party invitation is yearly on
// Config.PartyDate, listed LeadDays before.
type PlanItem struct {
	Kind        string `json:"kind"`
	Every       int    `json:"every,omitempty"`
	Unit        string `json:"unit,omitempty"`
	Role        string `json:"role"`
	FirstAtOnce bool   `json:"first_at_once,omitempty"` // a new grade gets its first task the same day
	LeadDays    int    `json:"lead_days,omitempty"`
	DueTime     string `json:"due_time,omitempty"` // "10:00"
}

// Config is the CRM configuration an admin edits: the schemes, which one
// is active, each grade's service plan, the behaviour-points budget.
type Config struct {
	Active        string                `json:"active"`
	Schemes       map[string]Scheme     `json:"schemes"`
	Plans         map[string][]PlanItem `json:"plans"`          // by grade code
	DefaultBudget int64                 `json:"default_budget"` // behaviour points per teacher per month
	PartyDate     string                `json:"party_date"`     // MM-DD of the thank-you party (答谢酒会)
	HeadStaffID   int64                 `json:"head_staff_id"`  // 0 = the first active service head
	FeedbackHours int                   `json:"feedback_hours"` // feedback answered within (default 24)
}

// Scheme returns the active scheme.
func (c Config) Scheme() Scheme {
	if s, ok := c.Schemes[c.Active]; ok {
		return s
	}
	return Seed003()
}

// SchemeCodes lists the schemes in a stable order.
func (c Config) SchemeCodes() []string {
	out := []string{}
	for _, code := range []string{"seed003", "seed000"} {
		if _, ok := c.Schemes[code]; ok {
			out = append(out, code)
		}
	}
	return out
}

// DefaultConfig is seed 003's scheme active, seed 000's ready to switch to,
// and seed 003's service matrix (seed 000's strategies for A–D).
func DefaultConfig() Config {
	call := func(every int, unit string, first bool) PlanItem {
		return PlanItem{Kind: KindCall, Every: every, Unit: unit, Role: RoleHomeroom, FirstAtOnce: first}
	}
	birthday := PlanItem{Kind: KindBirthdayGift, Role: RoleHead, LeadDays: 7, DueTime: "10:00"}
	party := PlanItem{Kind: KindPartyInvite, Role: RoleHead, LeadDays: 21}
	return Config{
		Active:  "seed003",
		Schemes: map[string]Scheme{"seed003": Seed003(), "seed000": Seed000()},
		Plans: map[string][]PlanItem{
			"key":     {call(15, "day", true), birthday, party},
			"watch":   {call(1, "month", false)},
			"general": {call(1, "month", false)},
			"A":       {call(15, "day", true), birthday, party},
			"B":       {call(1, "month", false)},
			"C":       {call(1, "month", false)},
			"D":       {call(7, "day", true)},
		},
		DefaultBudget: 200,
		PartyDate:     "12-20",
		FeedbackHours: 24,
	}
}

type settingRow struct {
	ID          int64
	Name        string
	Value       string
	EffectiveAt time.Time
	ChangedBy   int64
	CreatedAt   time.Time
}

func (settingRow) TableName() string { return "settings" }

// LoadConfig returns the configuration in force at now (the defaults until
// an admin saves one).
func LoadConfig(ctx context.Context, db *gorm.DB, now time.Time) (Config, error) {
	v, found, err := models.SettingAt(ctx, db, Setting, now)
	if err != nil {
		return Config{}, fmt.Errorf("crm: load config: %w", err)
	}
	if !found {
		return DefaultConfig(), nil
	}
	c := Config{}
	if err := json.Unmarshal([]byte(v), &c); err != nil {
		return Config{}, fmt.Errorf("crm: load config: %w", err)
	}
	d := DefaultConfig()
	if c.Schemes == nil {
		c.Schemes = d.Schemes
	}
	if c.Plans == nil {
		c.Plans = d.Plans
	}
	if c.FeedbackHours <= 0 {
		c.FeedbackHours = d.FeedbackHours
	}
	return c, nil
}

var partyRe = regexp.MustCompile(`^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$`)

// Validate checks a configuration and returns field → message key.
func (c Config) Validate() map[string]string {
	f := map[string]string{}
	if _, ok := c.Schemes[c.Active]; !ok {
		f["active"] = "crm.err.scheme_unknown"
	}
	avail := AvailableFacts()
	for code, s := range c.Schemes {
		for k, v := range s.Validate(avail) {
			f[code+"."+k] = v
		}
	}
	if c.DefaultBudget < 0 || c.DefaultBudget > 100000 {
		f["default_budget"] = "crm.err.budget"
	}
	if c.PartyDate != "" && !partyRe.MatchString(c.PartyDate) {
		f["party_date"] = "crm.err.party_date"
	}
	for g, items := range c.Plans {
		for i, it := range items {
			if it.Kind == KindCall && (it.Every < 1 || (it.Unit != "day" && it.Unit != "month")) {
				f[fmt.Sprintf("plans.%s[%d]", g, i)] = "crm.err.plan_every"
			}
		}
	}
	return f
}

// SaveConfig stores a new version of the configuration, effective at once,
// audited in the same transaction. Grades follow at the next event or the
// nightly run (RecomputeAll re-grades everyone at once when asked).
func SaveConfig(ctx context.Context, db *models.DB, now time.Time, actor models.Actor, c Config) error {
	if f := c.Validate(); len(f) > 0 {
		return models.Invalid(f)
	}
	b, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("crm: save config: %w", err)
	}
	err = db.Tx(ctx, func(tx *gorm.DB) error {
		row := settingRow{Name: Setting, Value: string(b), EffectiveAt: now.UTC(), ChangedBy: actor.ID, CreatedAt: now.UTC()}
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		return models.Audit(ctx, tx, now, actor, "crm.config", "settings", row.ID, "active="+c.Active)
	})
	if err != nil {
		return fmt.Errorf("crm: save config: %w", err)
	}
	return nil
}

// FactFunc reads a numeric fact another area owns (survey scores from
// complaints/surveys, renewals from courses) for a member and a condition.
type FactFunc func(ctx context.Context, tx *gorm.DB, now time.Time, memberID int64, c Condition) (int64, error)

var (
	factsMu   sync.RWMutex
	providers = map[string]FactFunc{}
)

// RegisterFact lets another area provide a fact type (FactSurvey,
// FactRenewals) at start-up; until one is registered, schemes cannot use it.
func RegisterFact(typ string, fn FactFunc) {
	factsMu.Lock()
	defer factsMu.Unlock()
	providers[typ] = fn
}

func provider(typ string) FactFunc {
	factsMu.RLock()
	defer factsMu.RUnlock()
	return providers[typ]
}

// AvailableFacts says which condition types this installation can read.
func AvailableFacts() map[string]bool {
	out := map[string]bool{FactPosition: true, FactEmployer: true, FactPaid: true, FactTenure: true,
		FactReferrals: true, FactCheckins: true, FactComplaints: true}
	factsMu.RLock()
	defer factsMu.RUnlock()
	for t := range providers {
		out[t] = true
	}
	return out
}
