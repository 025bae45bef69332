package api

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/middleware"
	"starcard/models"
)

type tokenRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

func (h handler) tokenCreate(c *fiber.Ctx) error {
	var req tokenRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	fields := map[string]string{}
	if req.Username == "" {
		fields["username"] = "err.required"
	}
	if req.Password == "" {
		fields["password"] = "err.required"
	}
	if len(fields) > 0 {
		return models.Invalid(fields)
	}
	u, err := models.Authenticate(c.UserContext(), h.DB.R, req.Username, req.Password)
	if errors.Is(err, models.ErrBadCredentials) || errors.Is(err, models.ErrAccountDisabled) {
		return err
	}
	if err != nil {
		return err
	}
	tok, err := middleware.IssueAPIToken(h.Deps, u)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"access_token": tok, "token_type": "Bearer",
		"expires_in": int(middleware.APITokenTTL.Seconds())})
}
