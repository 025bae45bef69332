package api

import (
	"github.com/gofiber/fiber/v2"

	"starcard/handlers/middleware"
	"starcard/models"
	"starcard/models/security"
)

// tokenRequest is a staff login (username, password) or an API client's
// credentials (client_id, client_secret); integrations use the latter.
type tokenRequest struct {
	Username     string `json:"username,omitempty"`
	Password     string `json:"password,omitempty"`
	ClientID     string `json:"client_id,omitempty"`
	ClientSecret string `json:"client_secret,omitempty"`
}

func (h handler) tokenCreate(c *fiber.Ctx) error {
	var req tokenRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	ctx := c.UserContext()
	var tok string
	if req.ClientID != "" || req.ClientSecret != "" {
		fields := map[string]string{}
		if req.ClientID == "" {
			fields["client_id"] = "err.required"
		}
		if req.ClientSecret == "" {
			fields["client_secret"] = "err.required"
		}
		if len(fields) > 0 {
			return models.Invalid(fields)
		}
		cl, err := security.AuthenticateClient(ctx, h.DB.R, req.ClientID, req.ClientSecret)
		if err != nil {
			return err
		}
		if tok, err = middleware.IssueClientToken(h.Deps, cl); err != nil {
			return err
		}
	} else {
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
		u, err := h.Throttle.Login(ctx, h.Now(), c.IP(), req.Username, req.Password)
		if err != nil {
			return err
		}
		if tok, err = middleware.IssueAPIToken(h.Deps, u); err != nil {
			return err
		}
	}
	return c.JSON(fiber.Map{"access_token": tok, "token_type": "Bearer",
		"expires_in": int(middleware.APITokenTTL.Seconds())})
}
