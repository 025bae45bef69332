package cashier

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
)

// cardForm is the card tab: report the card lost (挂失) or issue a new one (补卡).
type cardForm struct {
	Key     string
	NewCard string // the card just issued
	Done    string // message of what was just done
}

// cardTab shows the member's card with its two actions.
func (h handler) cardTab(c *fiber.Ctx) error {
	return h.cardRender(c, fiber.StatusOK, &cardForm{Key: newKey()}, false)
}

// cardLost reports the card lost: it stops working at once (the kiosk and
// the desk refuse it); repeating it changes nothing.
func (h handler) cardLost(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	if _, err := models.FreezeCard(c.UserContext(), h.DB, h.Now(), actor(c, nil), id); err != nil {
		return err
	}
	return h.cardRender(c, fiber.StatusOK, &cardForm{Key: newKey(), Done: h.T(c, "desk.card_lost_done")}, true)
}

// cardReplace issues a new card once per form key; the old one stops working.
func (h handler) cardReplace(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	key := strings.TrimSpace(c.FormValue("key"))
	if !models.ValidIdempotencyKey(key) {
		return h.cardRender(c, fiber.StatusUnprocessableEntity, &cardForm{Key: newKey(), Done: h.T(c, "err.cashier_stale_form")}, false)
	}
	no, err := models.DeskReplaceCard(c.UserContext(), h.DB, h.Now(), actor(c, nil), scope(c), key, id)
	if err != nil {
		return err
	}
	return h.cardRender(c, fiber.StatusOK, &cardForm{Key: newKey(), NewCard: no, Done: h.T(c, "desk.card_replaced_done", no)}, true)
}

func (h handler) cardRender(c *fiber.Ctx, status int, f *cardForm, changed bool) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	p, err := h.loadPanel(c, id, false)
	if err != nil {
		return err
	}
	p.Action, p.Card, p.OOB = "card", f, changed && render.IsFragmentRequest(c)
	d := &deskData{P: p}
	if err := h.withShift(c, d); err != nil {
		return err
	}
	return h.desk(c, status, "action", d)
}
