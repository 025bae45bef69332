package portal

import (
	"github.com/gofiber/fiber/v2"

	"starcard/models"
)

// historyData is a page of the statement; the last row, when there is more,
// loads the next page as it scrolls into view (hx-trigger="revealed").
type historyData struct {
	shell
	Asset   string
	Entries []models.LedgerEntry
	Next    string
}

// HistoryPageSize is how many lines one scroll step loads.
const HistoryPageSize = 20

func (h handler) historyList(c *fiber.Ctx) error {
	s, err := h.childLoad(c, "history", "portal.history.title")
	if err != nil {
		return err
	}
	asset := c.Query("asset", models.AssetPoints)
	if asset != "stored_value" {
		asset = models.AssetPoints
	}
	page, err := models.MemberLedger(c.UserContext(), h.DB.R, s.Child.ID, asset, c.Query("cursor"), HistoryPageSize)
	if err != nil {
		return err
	}
	d := historyData{shell: s, Asset: asset, Entries: page.Entries}
	if page.NextCursor != nil {
		d.Next = *page.NextCursor
	}
	return h.Page(c, fiber.StatusOK, "portal/history", "rows", h.view(c, s.Heading, d))
}
