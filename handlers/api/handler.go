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
		Summary: "Exchange credentials for a bearer token: an API client's client_id and client_secret " +
			"(integrations; created by an admin, acting with the client's role and campus, every call audited " +
			"with its name), or a staff username and password. Rate-limited per address, per name and per " +
			"account; an account is locked for a while after repeated wrong passwords (429).", Public: true,
		Request: Obj(Props{"username": Str(), "password": Str(), "client_id": Str(), "client_secret": Str()}),
		Responses: Resp{200: Obj(Props{"access_token": Str(), "token_type": Str(), "expires_in": Int()}),
			401: Problem(), 422: Problem(), 429: Problem()},
	}, tokenLimit, h.tokenCreate)
	doc.Route(r, fiber.MethodGet, "/openapi.json", Op{Summary: "This document", Public: true,
		Responses: Resp{200: Obj(Props{})}}, doc.serve)

	// Who may call each route below (role and campus) is its line in
	// handlers/access.Table; r is guarded by it.
	authed := r.Group("", middleware.Bearer(d))
	h.mountMembers(doc, authed)
	h.mountLedger(doc, authed)
	h.mountCoupons(doc, authed)
	h.mountCampuses(doc, authed)
	h.mountCRM(doc, authed)
	h.mountComplaints(doc, authed)
	h.mountCourses(doc, authed)
	h.mountReports(doc, authed)
	h.mountMemberUpdates(doc, authed)
	h.mountMemberLoyalty(doc, authed)
	h.mountClasses(doc, authed)
	h.mountGuardians(doc, authed)
	h.mountTags(doc, authed)
	h.mountReferralList(doc, authed)
	return doc
}
