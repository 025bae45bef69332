package handlers

import (
	"errors"
	"log/slog"
	"strings"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
)

// problemBase prefixes every problem type (a URI reference relative to the
// server, RFC 9457 §3.1.1); the code after it is stable.
const problemBase = "/problems/"

var kindStatus = map[models.Kind]int{
	models.KindInvalid:      fiber.StatusUnprocessableEntity,
	models.KindNotFound:     fiber.StatusNotFound,
	models.KindConflict:     fiber.StatusConflict,
	models.KindForbidden:    fiber.StatusForbidden,
	models.KindUnauthorized: fiber.StatusUnauthorized,
	models.KindRateLimited:  fiber.StatusTooManyRequests,
	models.KindBadRequest:   fiber.StatusBadRequest,
}

// fiberCodes maps the framework's own errors to a problem code and message.
var fiberCodes = map[int][2]string{
	fiber.StatusBadRequest:                  {"bad-request", "err.bad_request"},
	fiber.StatusUnauthorized:                {"unauthenticated", "err.unauthenticated"},
	fiber.StatusForbidden:                   {"forbidden", "err.forbidden"},
	fiber.StatusNotFound:                    {"not-found", "err.not_found"},
	fiber.StatusMethodNotAllowed:            {"method-not-allowed", "err.method_not_allowed"},
	fiber.StatusRequestEntityTooLarge:       {"too-large", "err.too_large"},
	fiber.StatusTooManyRequests:             {"rate-limited", "err.rate_limited"},
	fiber.StatusUnsupportedMediaType:        {"unsupported-media-type", "err.unsupported_media_type"},
	fiber.StatusRequestHeaderFieldsTooLarge: {"headers-too-large", "sec.headers_too_large"},
	fiber.StatusServiceUnavailable:          {"db-unavailable", "sec.db_unavailable"},
}

// retryAfter is how long a client should wait when the database is out of
// reach (seconds, the Retry-After header of a 503).
const retryAfter = "5"

type classified struct {
	status int
	code   string
	key    string
	args   []any
	fields map[string]string
}

func classify(err error) classified {
	if models.IsUnavailable(err) {
		return classified{status: fiber.StatusServiceUnavailable, code: "db-unavailable", key: "sec.db_unavailable"}
	}
	if e, ok := models.AsError(err); ok {
		st, ok := kindStatus[e.Kind]
		if !ok {
			st = fiber.StatusBadRequest
		}
		return classified{st, e.Code, e.Key, e.Args, e.Fields}
	}
	var fe *fiber.Error
	if errors.As(err, &fe) {
		if m, ok := fiberCodes[fe.Code]; ok {
			return classified{status: fe.Code, code: m[0], key: m[1]}
		}
		if fe.Code < 500 {
			return classified{status: fe.Code, code: "bad-request", key: "err.bad_request"}
		}
	}
	return classified{status: fiber.StatusInternalServerError, code: "internal", key: "err.internal"}
}

// ErrorHandler is the one place where errors become responses: a
// problem+json document under /api, a fragment for htmx, a page otherwise.
// Internal errors are logged once here and shown generically.
func ErrorHandler(d *render.Deps) fiber.ErrorHandler {
	return func(c *fiber.Ctx, err error) error {
		k := classify(err)
		if k.status >= 500 {
			slog.Error("request failed", "method", c.Method(), "path", c.Path(),
				"request_id", c.Locals("requestid"), "err", err)
		}
		// A message with arguments reads wrongly without them, so it is both
		// the title and the detail; without arguments they are the same anyway.
		title := d.T(c, k.key, k.args...)
		detail := title
		fields := map[string]string{}
		for f, key := range k.fields {
			fields[f] = d.T(c, key)
		}
		// Headers too large are refused before the request line is kept, so
		// there is no path to tell: problem+json, which an API client reads
		// and a browser (the rare one that sends such headers) still shows.
		api := isAPI(c) || k.status == fiber.StatusRequestHeaderFieldsTooLarge
		if k.status == fiber.StatusUnauthorized && api {
			c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="starcard"`)
		}
		if k.status == fiber.StatusServiceUnavailable {
			c.Set(fiber.HeaderRetryAfter, retryAfter)
		}
		if api {
			body := fiber.Map{"type": problemBase + k.code, "title": title, "status": k.status, "detail": detail}
			if len(fields) > 0 {
				body["errors"] = fields
			}
			c.Set(fiber.HeaderContentType, "application/problem+json")
			return c.Status(k.status).JSON(body, "application/problem+json")
		}
		if k.status == fiber.StatusUnauthorized && c.Method() == fiber.MethodGet && !render.IsFragmentRequest(c) {
			return c.Redirect("/login?next="+c.OriginalURL(), fiber.StatusSeeOther)
		}
		v := render.View{Title: title, Flash: detail, FlashKind: "error", Errors: fields}
		if render.IsFragmentRequest(c) {
			// One policy for every htmx request: errors land in the page's flash
			// region, whatever the element that asked.
			c.Set("HX-Retarget", "#flash")
			c.Set("HX-Reswap", "innerHTML")
			return d.Page(c, k.status, "errors/error", "message", v)
		}
		v.D = fiber.Map{"Status": k.status}
		page := "errors/error"
		if strings.HasPrefix(c.Path(), "/portal") {
			page = "portal/error" // parents get their own phone layout, not the staff nav
		}
		if rerr := d.Page(c, k.status, page, "", v); rerr != nil {
			slog.Error("render error page", "err", rerr)
			return c.Status(k.status).SendString(detail)
		}
		return nil
	}
}

// isAPI reports whether a request is the API's, by its path.
func isAPI(c *fiber.Ctx) bool { return strings.HasPrefix(c.Path(), "/api/") }
