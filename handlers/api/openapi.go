package api

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"
)

// Schema is a JSON Schema fragment as it appears in the OpenAPI document.
type Schema = map[string]any

// Props are an object's properties.
type Props = map[string]Schema

// Resp maps status codes to response schemas.
type Resp = map[int]Schema

// Op documents one API operation.
type Op struct {
	Summary     string
	Public      bool // no bearer token needed
	Idempotent  bool // takes an Idempotency-Key header
	Request     Schema
	Responses   Resp
	ContentType string // of the 200/201 response, default application/json
	Query       []string
	// Example is a request body example; Examples are response examples by
	// status. A documented error without one gets the problem example of
	// its status (problemExample).
	Example  any
	Examples map[int]any
}

// problemExample is an application/problem+json example for a status.
func problemExample(code int) map[string]any {
	types := map[int]string{400: "bad-json", 401: "unauthorized", 403: "forbidden", 404: "not-found",
		409: "conflict", 422: "validation", 429: "rate-limited"}
	t := types[code]
	if t == "" {
		t = "error"
	}
	ex := map[string]any{"type": "/problems/" + t, "title": httpText(code), "status": code}
	if code == 422 {
		ex["errors"] = map[string]string{"name": "请填写姓名"}
	}
	return ex
}

// Str, Int, Bool, Arr, Obj and Problem build schema fragments.
func Str() Schema            { return Schema{"type": "string"} }
func Int() Schema            { return Schema{"type": "integer", "format": "int64"} }
func Bool() Schema           { return Schema{"type": "boolean"} }
func Arr(item Schema) Schema { return Schema{"type": "array", "items": item} }
func Enum(vals ...string) Schema {
	return Schema{"type": "string", "enum": vals}
}
func Obj(p Props, required ...string) Schema {
	s := Schema{"type": "object", "properties": p, "additionalProperties": false}
	if len(required) > 0 {
		s["required"] = required
	}
	return s
}
func Problem() Schema { return Schema{"$ref": "#/components/schemas/Problem"} }

// Doc is the API's OpenAPI 3 document, filled in as routes are mounted so
// that a route and its documentation are written in one place.
type Doc struct {
	mu     sync.Mutex
	base   string
	paths  map[string]map[string]any
	schema map[string]any
}

// NewDoc starts an empty document.
func NewDoc() *Doc {
	return &Doc{base: "/api/v1", paths: map[string]map[string]any{}, schema: map[string]any{
		"Problem": Obj(Props{"type": Str(), "title": Str(), "status": Int(), "detail": Str(),
			"errors": Schema{"type": "object", "additionalProperties": Str()}}, "type", "title", "status"),
	}}
}

// Paths lists every documented "METHOD /api/v1/path" with Fiber-style params.
func (d *Doc) Paths() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []string
	for p, ops := range d.paths {
		for m := range ops {
			out = append(out, strings.ToUpper(m)+" "+fiberPath(p))
		}
	}
	sort.Strings(out)
	return out
}

// Define adds a named schema under components.
func (d *Doc) Define(name string, s Schema) {
	d.mu.Lock()
	d.schema[name] = s
	d.mu.Unlock()
}

// Route mounts handlers on r and documents the operation.
func (d *Doc) Route(r fiber.Router, method, path string, op Op, handlers ...fiber.Handler) {
	r.Add(method, path, handlers...)
	oaPath := d.base + openAPIPath(path)
	o := map[string]any{"summary": op.Summary}
	var params []any
	for _, seg := range strings.Split(path, "/") {
		if strings.HasPrefix(seg, ":") {
			params = append(params, map[string]any{"name": seg[1:], "in": "path", "required": true, "schema": Str()})
		}
	}
	for _, q := range op.Query {
		params = append(params, map[string]any{"name": q, "in": "query", "schema": Str()})
	}
	if op.Idempotent {
		params = append(params, map[string]any{"name": "Idempotency-Key", "in": "header", "required": true,
			"schema": Schema{"type": "string", "minLength": 1, "maxLength": 64}})
	}
	if len(params) > 0 {
		o["parameters"] = params
	}
	if op.Request != nil {
		media := map[string]any{"schema": op.Request}
		if op.Example != nil {
			media["example"] = op.Example
		}
		o["requestBody"] = map[string]any{"required": true, "content": map[string]any{"application/json": media}}
	}
	if !op.Public {
		o["security"] = []any{map[string]any{"bearer": []string{}}}
	}
	resps := map[string]any{}
	for code, s := range op.Responses {
		ct := "application/json"
		if code >= 400 {
			ct = "application/problem+json"
		} else if op.ContentType != "" {
			ct = op.ContentType
		}
		body := map[string]any{"description": httpText(code)}
		if ct == "image/png" {
			body["content"] = map[string]any{ct: map[string]any{"schema": Schema{"type": "string", "format": "binary"}}}
		} else {
			media := map[string]any{"schema": s}
			if ex, ok := op.Examples[code]; ok {
				media["example"] = ex
			} else if code >= 400 {
				media["example"] = problemExample(code)
			} else if s["$ref"] == "#/components/schemas/Member" {
				media["example"] = memberExample()
			}
			body["content"] = map[string]any{ct: media}
		}
		resps[strconv.Itoa(code)] = body
	}
	o["responses"] = resps
	d.mu.Lock()
	if d.paths[oaPath] == nil {
		d.paths[oaPath] = map[string]any{}
	}
	d.paths[oaPath][strings.ToLower(method)] = o
	d.mu.Unlock()
}

func httpText(code int) string {
	if t := http.StatusText(code); t != "" {
		return t
	}
	return strconv.Itoa(code)
}

// openAPIPath turns /members/:id into /members/{id}.
func openAPIPath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		if strings.HasPrefix(s, ":") {
			segs[i] = "{" + s[1:] + "}"
		}
	}
	return strings.Join(segs, "/")
}

func fiberPath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
			segs[i] = ":" + s[1:len(s)-1]
		}
	}
	return strings.Join(segs, "/")
}

// Document returns the OpenAPI document.
func (d *Doc) Document() map[string]any {
	d.mu.Lock()
	defer d.mu.Unlock()
	return map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{"title": "StarCard member API", "version": "1",
			"description": "Amounts are integers in fen; points are integers; times are RFC 3339. " +
				"Writes that move points, money or coupons take an Idempotency-Key header."},
		"servers": []any{map[string]any{"url": "/"}},
		"paths":   d.paths,
		"components": map[string]any{
			"schemas":         d.schema,
			"securitySchemes": map[string]any{"bearer": map[string]any{"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
		},
	}
}

func (d *Doc) serve(c *fiber.Ctx) error { return c.JSON(d.Document()) }
