package api

import (
	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
)

type topupRequest struct {
	Amount int64  `json:"amount"`
	Method string `json:"method"`
}

func (h handler) topupCreate(c *fiber.Ctx) error {
	id, err := ledgerParamID(c, models.ErrMemberNotFound)
	if err != nil {
		return err
	}
	var req topupRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	out, err := models.RecordTopup(c.UserContext(), h.DB, h.Now(), ledgerIdem(c, req), models.TopupInput{
		MemberID: id, Amount: req.Amount, Method: req.Method, Actor: render.Actor(c)})
	if err != nil {
		return err
	}
	return ledgerSend(c, out)
}
