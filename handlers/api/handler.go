// Package api serves the JSON member API under /api/v1: bearer tokens,
// problem+json errors, strict decoding, and an OpenAPI document built from
// the same table that mounts the routes.
package api

import (
	"github.com/gofiber/fiber/v2"

	"starcard/handlers/middleware"
	"starcard/handlers/render"
)

type handler struct{ *render.Deps }

// Register mounts /api/v1. tokenLimit rate-limits the token endpoint.
func Register(r fiber.Router, d *render.Deps, tokenLimit fiber.Handler) *Doc {
	h := handler{d}
	doc := NewDoc()
	doc.Route(r, fiber.MethodPost, "/auth/token", Op{
		Summary: "Exchange a staff username and password for a bearer token", Public: true,
		Request: Obj(Props{"username": Str(), "password": Str()}, "username", "password"),
		Responses: Resp{200: Obj(Props{"access_token": Str(), "token_type": Str(), "expires_in": Int()}),
			401: Problem(), 422: Problem(), 429: Problem()},
	}, tokenLimit, h.tokenCreate)
	doc.Route(r, fiber.MethodGet, "/openapi.json", Op{Summary: "This document", Public: true,
		Responses: Resp{200: Obj(Props{})}}, doc.serve)

	authed := r.Group("", middleware.Bearer(d))
	_ = authed // the member, ledger and purchase routes mount here (see routes in the files beside this one)
	h.mountMembers(doc, authed)
	h.mountLedger(doc, authed)
	h.mountCoupons(doc, authed)
	h.mountCourses(doc, authed)
	return doc
}
