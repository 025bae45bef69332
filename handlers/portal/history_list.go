package portal

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"starcard/models/messaging"
)

// historyData is a page of the statement: one line per transaction (a
// purchase with its receipt number and items, a top-up, a refund, a reward,
// points given, class hours), never the ledger's postings split into
// principal and bonus. The last row, when there is more, loads the next page
// as it scrolls into view (hx-trigger="revealed").
type historyData struct {
	shell
	Entries []messaging.TimelineEntry
	Next    string
}

// HistoryPageSize is how many lines one scroll step loads.
const HistoryPageSize = 20

func (h handler) historyList(c *fiber.Ctx) error {
	s, err := h.childLoad(c, "history", "mem2.history_title")
	if err != nil {
		return err
	}
	f := messaging.TimelineFilter{Limit: HistoryPageSize, Money: true}
	if b := c.Query("before"); b != "" {
		if t, err := time.Parse(time.RFC3339Nano, b); err == nil {
			f.Before = t
		}
	}
	entries, err := messaging.Timeline(c.UserContext(), h.DB.R, s.Child.ID, f)
	if err != nil {
		return err
	}
	d := historyData{shell: s, Entries: entries}
	if len(entries) == f.Limit {
		d.Next = entries[len(entries)-1].At.UTC().Format(time.RFC3339Nano)
	}
	return h.Page(c, fiber.StatusOK, "portal/history", "rows", h.view(c, s.Heading, d))
}
