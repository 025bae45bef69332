package cashier

import (
	"encoding/json"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
)

// topupNew shows a fresh top-up form.
func (h handler) topupNew(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	p, err := h.loadPanel(c, id, false)
	if err != nil {
		return err
	}
	p.Action, p.Topup = "topup", newTopupForm()
	h.topupRoom(p)
	d := &deskData{P: p}
	if err := h.withShift(c, d); err != nil {
		return err
	}
	return h.desk(c, fiber.StatusOK, "action", d)
}

// topupRoom fills the cap figures a fresh form shows.
func (h handler) topupRoom(p *panel) {
	p.Topup.Cap = p.Rules.CapFor(p.M.CampusID)
	p.Topup.Room = models.MaxTopup(p.Rules, p.M.Tier, max(0, p.Topup.Cap-p.M.Balances.StoredValue()))
}

// topupPreview shows the bonus and the balance after, or why the amount is refused.
func (h handler) topupPreview(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	p, err := h.loadPanel(c, id, false)
	if err != nil {
		return err
	}
	f := readTopupForm(c)
	if !models.ValidIdempotencyKey(f.Key) {
		f.Key = newKey()
	}
	p.Action, p.Topup = "topup", f
	h.priceTopup(c, p, f)
	d := &deskData{P: p}
	if err := h.withShift(c, d); err != nil {
		return err
	}
	status := fiber.StatusOK
	if len(f.Errors) > 0 {
		status = fiber.StatusUnprocessableEntity
	}
	return h.desk(c, status, "action", d)
}

// topupCreate records the top-up once per form key.
func (h handler) topupCreate(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	p, err := h.loadPanel(c, id, false)
	if err != nil {
		return err
	}
	f := readTopupForm(c)
	p.Action, p.Topup = "topup", f
	d := &deskData{P: p}
	if err := h.withShift(c, d); err != nil {
		return err
	}
	refuse := func(msg string, fields map[string]string) error {
		h.priceTopup(c, p, f)
		if msg != "" {
			f.Message = msg
		}
		for k, v := range fields {
			f.Errors[k] = v
		}
		f.Ready = false
		return h.desk(c, fiber.StatusUnprocessableEntity, "action", d)
	}
	fen, blank, ok := parseFen(f.Amount)
	switch {
	case !ok || blank:
		return refuse("", nil)
	case !models.ValidIdempotencyKey(f.Key):
		f.Key = newKey()
		return refuse(h.T(c, "err.cashier_stale_form"), nil)
	case d.Shift == nil:
		return refuse(h.T(c, "err.shift_none"), nil)
	}
	b, _ := json.Marshal([]any{id, fen, f.Method})
	out, err := models.RecordTopup(c.UserContext(), h.DB, h.Now(),
		models.Idem{Scope: scope(c), Key: f.Key, Hash: models.RequestHash([]byte("desk-topup"), b)},
		models.TopupInput{MemberID: id, Amount: fen, Method: f.Method, Actor: actor(c, d.Shift)})
	if err != nil {
		msg, fields, ierr := h.formError(c, err, nil)
		if ierr != nil {
			return ierr
		}
		return refuse(msg, fields)
	}
	var res models.TopupResult
	if err := json.Unmarshal(out.Body, &res); err != nil {
		return err
	}
	if p, err = h.loadPanel(c, id, false); err != nil {
		return err
	}
	p.Action, p.OOB = "topup-done", render.IsFragmentRequest(c)
	p.Topup = &topupForm{Result: &res, Replayed: out.Replayed}
	d.P = p
	return h.desk(c, fiber.StatusCreated, "action", d)
}
