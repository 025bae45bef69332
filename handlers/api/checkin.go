package api

import (
	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
)

type checkinRequest struct {
	QR     string `json:"qr"`
	CardNo string `json:"card_no"`
	Kind   string `json:"kind"`
}

func (h handler) checkinCreate(c *fiber.Ctx) error {
	var req checkinRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	if req.QR == "" && req.CardNo == "" {
		return models.Invalid(map[string]string{"qr": "err.checkin_qr_or_card"})
	}
	u := render.User(c)
	res, err := models.CheckIn(c.UserContext(), h.DB, h.Now(), h.Secret, h.Loc, models.CheckinRequest{
		Input: models.CardInput{QR: req.QR, CardNo: req.CardNo}, Campuses: models.StaffCampusScope(u),
		Kind: req.Kind, Actor: render.Actor(c)})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(res)
}
