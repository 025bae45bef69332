package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strings"

	"github.com/gofiber/fiber/v2"

	"starcard/models"
)

// ErrBadJSON is returned for a body that is not the JSON object expected:
// malformed, of the wrong type, or with fields the API does not know
// (DOMAIN.md §4: 400).
var ErrBadJSON = models.NewError(models.KindBadRequest, "bad-json", "err.bad_json")

// decode reads a JSON body strictly: unknown fields and trailing data are refused.
func decode(c *fiber.Ctx, v any) error {
	ct := strings.ToLower(c.Get(fiber.HeaderContentType))
	if !strings.HasPrefix(ct, fiber.MIMEApplicationJSON) {
		return fiber.ErrUnsupportedMediaType
	}
	dec := json.NewDecoder(bytes.NewReader(c.Body()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return badJSON(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return ErrBadJSON.Field("body", "err.bad_json")
	}
	if field, ok := exactFields(c.Body(), reflect.TypeOf(v)); !ok {
		return (&models.Error{Kind: models.KindBadRequest, Code: "unknown-field", Key: "err.unknown_field",
			Args: []any{field}}).Field(field, "err.unknown_field_short")
	}
	return checkSizes(v)
}

func badJSON(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return ErrBadJSON.Field(te.Field, "err.wrong_type")
	}
	if msg := err.Error(); strings.HasPrefix(msg, "json: unknown field ") {
		field := strings.Trim(strings.TrimPrefix(msg, "json: unknown field "), `"`)
		return (&models.Error{Kind: models.KindBadRequest, Code: "unknown-field", Key: "err.unknown_field",
			Args: []any{field}}).Field(field, "err.unknown_field_short")
	}
	return ErrBadJSON.Field("body", "err.bad_json")
}
