package admin

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
	"starcard/models/reports"
)

// auditLine is one audit entry as a person reads it: names, the action in
// words, money in ¥ and local time (the template formats both).
type auditLine struct {
	reports.AuditRow
	Who    string
	What   string
	Object string
	Parts  []reports.DetailPart
}

// auditList is the readable audit log: filters who, what, child and dates
// (default the last 7 days); routine profile views and API calls hidden
// unless asked for. A campus manager reads their campuses' entries.
func (h handler) auditList(c *fiber.Ctx) error {
	ctx := c.UserContext()
	u := render.User(c)
	today := h.Now().In(h.Loc)
	midnight := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, h.Loc)
	f := reports.AuditFilter{CampusIDs: models.StaffCampusScope(u), From: midnight.AddDate(0, 0, -6), To: midnight.AddDate(0, 0, 1),
		Group: c.Query("what"), Member: c.Query("member"), Routine: c.Query("routine") == "1"}
	if d, err := time.ParseInLocation(time.DateOnly, c.Query("from"), h.Loc); err == nil {
		f.From = d
	}
	if d, err := time.ParseInLocation(time.DateOnly, c.Query("to"), h.Loc); err == nil {
		f.To = d.AddDate(0, 0, 1)
	}
	f.StaffID, _ = strconv.ParseInt(c.Query("who"), 10, 64)
	rows, err := reports.AuditLog(ctx, h.DB.R, f)
	if err != nil {
		return err
	}
	staff, err := models.ListStaff(ctx, h.DB.R)
	if err != nil {
		return err
	}
	groups, err := reports.AuditGroups(ctx, h.DB.R)
	if err != nil {
		return err
	}
	lines := make([]auditLine, 0, len(rows))
	for _, r := range rows {
		l := auditLine{AuditRow: r, Who: r.ActorName, Object: r.ObjectName, Parts: reports.ParseDetail(r.Detail)}
		if l.Who == "" {
			l.Who = h.auditWord(c, "reports.audit.actor."+r.ActorType, r.ActorType)
			if r.ActorID != 0 && r.ActorType != "system" {
				l.Who += " #" + strconv.FormatInt(r.ActorID, 10)
			}
		}
		l.What = h.auditWord(c, "reports.audit.act."+r.Action, "")
		if l.What == "" {
			l.What = h.auditWord(c, "reports.audit.group."+r.Group(), r.Group()) + " · " + r.Action
		}
		if l.Object == "" && r.ObjectType != "" {
			l.Object = h.auditWord(c, "reports.audit.group."+r.ObjectType, r.ObjectType)
			if r.ObjectID != 0 {
				l.Object += " #" + strconv.FormatInt(r.ObjectID, 10)
			}
		}
		for i, p := range l.Parts {
			if p.Key != "" {
				l.Parts[i].Key = h.auditWord(c, "reports.audit.key."+p.Key, p.Key)
				// A coded value (kind=points) in words when it has them.
				if !p.Money {
					l.Parts[i].Value = h.auditWord(c, "reports.audit.val."+p.Key+"."+p.Value, p.Value)
				}
			}
		}
		lines = append(lines, l)
	}
	type choice struct{ Value, Label string }
	var whats []choice
	for _, g := range groups {
		whats = append(whats, choice{g, h.auditWord(c, "reports.audit.group."+g, g)})
	}
	return h.Page(c, fiber.StatusOK, "admin/audit", "", render.View{Title: h.T(c, "audit.title"), D: fiber.Map{
		"Entries": lines, "Staff": staff, "Whats": whats, "Who": f.StaffID, "What": f.Group, "Member": f.Member,
		"Routine": f.Routine, "From": f.From.Format(time.DateOnly), "To": f.To.AddDate(0, 0, -1).Format(time.DateOnly)}})
}

// auditWord translates id, or returns fallback when the catalog has none.
func (h handler) auditWord(c *fiber.Ctx, id, fallback string) string {
	if h.Views.Catalog.Has(id) {
		return h.T(c, id)
	}
	return fallback
}
