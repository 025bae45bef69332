package reports

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// RoutineActions are the audit entries a manager rarely wants to read —
// profile views, API calls, sign-in lockouts — hidden unless asked for.
var RoutineActions = []string{"member.view", "api.call", "login.locked"}

// AuditFilter selects audit entries for the readable log.
type AuditFilter struct {
	CampusIDs []int64 // nil: every campus; else entries of these campuses
	StaffID   int64   // who (a member of staff), 0: anyone
	Group     string  // what: the action's first word (member, purchase, course…), "" any
	Member    string  // a child's name (part of it), "" any
	From, To  time.Time
	Routine   bool // include RoutineActions
	Limit     int
}

// AuditRow is one entry with the names a person reads.
type AuditRow struct {
	ID         int64
	At         time.Time
	ActorType  string
	ActorID    int64
	ActorName  string
	Action     string
	ObjectType string
	ObjectID   int64
	ObjectName string
	Detail     string
}

// Group is the action's first word (member.update → member).
func (r AuditRow) Group() string { g, _, _ := strings.Cut(r.Action, "."); return g }

// AuditLog reads the newest entries matching f, with the acting staff's,
// API client's or guardian's name and the child's, family's or staff
// member's name the entry is about.
func AuditLog(ctx context.Context, db *gorm.DB, f AuditFilter) ([]AuditRow, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 200
	}
	where := []string{"l.at >= ?", "l.at < ?"}
	args := []any{f.From.UTC(), f.To.UTC()}
	if f.CampusIDs != nil {
		if len(f.CampusIDs) == 0 {
			return nil, nil
		}
		where, args = append(where, "l.campus_id IN ?"), append(args, f.CampusIDs)
	}
	if f.StaffID != 0 {
		where, args = append(where, "l.actor_type = 'staff' AND l.actor_id = ?"), append(args, f.StaffID)
	}
	if f.Group != "" {
		where, args = append(where, "(l.action = ? OR l.action LIKE ?)"), append(args, f.Group, f.Group+".%")
	}
	if f.Member != "" {
		where, args = append(where, "l.object_type = 'member' AND m.name LIKE ?"), append(args, "%"+f.Member+"%")
	}
	if !f.Routine {
		where, args = append(where, "l.action NOT IN ?"), append(args, RoutineActions)
	}
	var rows []AuditRow
	err := db.WithContext(ctx).Raw(`SELECT l.id, l.at, l.actor_type, l.actor_id, l.action, l.object_type, l.object_id, l.detail,
		COALESCE(CASE l.actor_type WHEN 'staff' THEN s.name WHEN 'api_client' THEN c.name WHEN 'guardian' THEN g.name END, '') AS actor_name,
		COALESCE(CASE l.object_type WHEN 'member' THEN m.name WHEN 'family' THEN f.name WHEN 'staff' THEN os.name END, '') AS object_name
		FROM audit_log l
		LEFT JOIN staff_users s ON l.actor_type = 'staff' AND s.id = l.actor_id
		LEFT JOIN api_clients c ON l.actor_type = 'api_client' AND c.id = l.actor_id
		LEFT JOIN guardians g ON l.actor_type = 'guardian' AND g.id = l.actor_id
		LEFT JOIN members m ON l.object_type = 'member' AND m.id = l.object_id
		LEFT JOIN families f ON l.object_type = 'family' AND f.id = l.object_id
		LEFT JOIN staff_users os ON l.object_type = 'staff' AND os.id = l.object_id
		WHERE `+strings.Join(where, " AND ")+` ORDER BY l.at DESC, l.id DESC LIMIT ?`, append(args, f.Limit)...).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("reports: audit log: %w", err)
	}
	return rows, nil
}

// AuditGroups lists the action groups present in the log, for the filter.
func AuditGroups(ctx context.Context, db *gorm.DB) ([]string, error) {
	var actions []string
	if err := db.WithContext(ctx).Raw(`SELECT DISTINCT action FROM audit_log`).Scan(&actions).Error; err != nil {
		return nil, fmt.Errorf("reports: audit groups: %w", err)
	}
	seen := map[string]bool{}
	var out []string
	for _, a := range actions {
		g, _, _ := strings.Cut(a, ".")
		if !seen[g] {
			seen[g] = true
			out = append(out, g)
		}
	}
	return out, nil
}

// DetailPart is one key=value of an entry's detail, money keys in fen.
type DetailPart struct {
	Key   string
	Value string
	Fen   int64
	Money bool
}

// moneyKeys hold fen.
var moneyKeys = map[string]bool{"amount": true, "refund": true, "threshold": true, "bonus": true, "paid": true, "total": true,
	"expected_cash": true, "counted_cash": true, "difference": true, "opening_cash": true}

// ParseDetail splits "amount=15000 reason=x" into parts, marking money;
// a detail that is not key=value pairs is one part without a key.
func ParseDetail(s string) []DetailPart {
	if s == "" {
		return nil
	}
	var out []DetailPart
	for _, f := range strings.Fields(s) {
		k, v, ok := strings.Cut(f, "=")
		if !ok && len(out) > 0 { // a value with spaces (reason=…)
			out[len(out)-1].Value += " " + f
			continue
		}
		if !ok || k == "" || strings.ContainsAny(k, "{}\":") {
			return []DetailPart{{Value: s}}
		}
		p := DetailPart{Key: k, Value: v}
		if moneyKeys[k] {
			var n int64
			if _, err := fmt.Sscan(v, &n); err == nil {
				p.Fen, p.Money = n, true
			}
		}
		out = append(out, p)
	}
	return out
}
