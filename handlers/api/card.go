package api

import (
	"encoding/json"

	"github.com/gofiber/fiber/v2"
	"gorm.io/gorm"

	"starcard/handlers/render"
	"starcard/models"
)

func (h handler) cardImage(c *fiber.Ctx) error {
	id, err := memberID(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	if err := models.CheckMemberAccess(ctx, h.DB.R, render.User(c), id); err != nil {
		return err
	}
	return h.CardPNG(c, id)
}

func (h handler) cardFreeze(c *fiber.Ctx) error {
	id, err := memberID(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	u := render.User(c)
	if err := models.CheckMemberAccess(ctx, h.DB.R, u, id); err != nil {
		return err
	}
	if _, err := models.FreezeCard(ctx, h.DB, h.Now(), render.Actor(c), id); err != nil {
		return err
	}
	v, err := models.MemberViewFor(ctx, h.DB.W, u, id)
	if err != nil {
		return err
	}
	return c.JSON(v)
}

func (h handler) cardReplace(c *fiber.Ctx) error {
	id, err := memberID(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	u := render.User(c)
	if err := models.CheckMemberAccess(ctx, h.DB.R, u, id); err != nil {
		return err
	}
	now := h.Now()
	actor := render.Actor(c)
	replace := func(tx *gorm.DB) (int, []byte, error) {
		if _, err := models.ReplaceCard(ctx, tx, now, actor, id); err != nil {
			return 0, nil, err
		}
		v, err := models.MemberViewFor(ctx, tx, u, id)
		if err != nil {
			return 0, nil, err
		}
		b, err := json.Marshal(v)
		return fiber.StatusOK, b, err
	}
	// DOMAIN.md §4: the key is optional here; sent, it still replays.
	var out models.Outcome
	var err2 error
	if key := c.Get("Idempotency-Key"); key != "" {
		out, err2 = models.RunIdempotent(ctx, h.DB, now, models.Idem{Scope: idemScope(c), Key: key,
			Hash: models.RequestHash([]byte("POST /members/card/replace"), []byte(c.Params("id")))}, replace)
	} else {
		err2 = h.DB.Tx(ctx, func(tx *gorm.DB) error {
			st, body, err := replace(tx)
			out = models.Outcome{Status: st, Body: body}
			return err
		})
	}
	if err2 != nil {
		return err2
	}
	return sendJSON(c, out)
}
