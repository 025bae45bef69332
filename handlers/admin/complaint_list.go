package admin

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
	"starcard/models/care"
)

// complaintItem is a queue row with its clock worked out for the page.
type complaintItem struct {
	care.Row
	Overdue bool
	Left    string // countdown to the first-answer deadline, "" once answered
}

func itemsAt(rows []care.Row, now time.Time) []complaintItem {
	out := make([]complaintItem, len(rows))
	for i, r := range rows {
		out[i] = complaintItem{Row: r, Overdue: r.Overdue(now)}
		if d := r.Remaining(now); r.FirstAnswerAt == nil && r.Open() {
			out[i].Left = care.Countdown(d)
		}
	}
	return out
}

// complaintList is the queue: filters, overdue rows first and in red, a
// countdown to each first answer.
func (h handler) complaintList(c *fiber.Ctx) error {
	u := render.User(c)
	now := h.Now()
	f := care.Filter{Status: c.Query("status"), Category: c.Query("category"), Overdue: c.Query("overdue") == "1",
		Open: c.Query("open") == "1"}
	f.CampusID, _ = strconv.ParseInt(c.Query("campus"), 10, 64)
	f.OwnerID, _ = strconv.ParseInt(c.Query("owner"), 10, 64)
	if c.Query("mine") == "1" {
		f.OwnerID = u.ID
	}
	rows, err := care.Queue(c.UserContext(), h.DB.R, now, u, f, false)
	if err != nil {
		return err
	}
	campuses, err := visibleCampuses(c, h, u)
	if err != nil {
		return err
	}
	owners, err := care.Owners(c.UserContext(), h.DB.R, 0)
	if err != nil {
		return err
	}
	// The alerts this user received (assigned, overdue, escalated, the family
	// replied), as the notifier delivered them to the staff inbox.
	inbox, err := models.ListStaffInbox(c.UserContext(), h.DB.R, u.ID, 30)
	if err != nil {
		return err
	}
	var alerts []models.InboxMessage
	for _, m := range inbox {
		if m.Event == care.EventAlert && len(alerts) < 5 {
			alerts = append(alerts, m)
		}
	}
	overdue := 0
	items := itemsAt(rows, now)
	for _, it := range items {
		if it.Overdue {
			overdue++
		}
	}
	form := map[string]string{"status": f.Status, "category": f.Category, "campus": c.Query("campus"), "owner": c.Query("owner"),
		"overdue": c.Query("overdue"), "open": c.Query("open")}
	return h.Page(c, fiber.StatusOK, "admin/complaints", "queue", render.View{Title: h.T(c, "care.queue.title"), Form: form,
		D: fiber.Map{"Items": items, "Overdue": overdue, "Alerts": alerts, "Campuses": campuses, "Owners": owners,
			"Statuses": models.ComplaintStatuses, "Categories": models.ComplaintCategories}})
}

// visibleCampuses are the campuses u may filter by.
func visibleCampuses(c *fiber.Ctx, h handler, u *models.StaffUser) ([]models.Campus, error) {
	all, err := models.ListCampuses(c.UserContext(), h.DB.R)
	if err != nil {
		return nil, err
	}
	var out []models.Campus
	for _, cp := range all {
		if u.CanSeeCampus(cp.ID) {
			out = append(out, cp)
		}
	}
	return out, nil
}
