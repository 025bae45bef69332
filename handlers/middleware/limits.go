package middleware

import (
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"starcard/models"
)

// Form limits every web form shares; each model checks its own fields more
// tightly (names, reasons, notes). These stop what no form sends: one field
// of a novel's length, or a list of thousands.
const (
	MaxFormText   = 4000 // characters in one field
	MaxFormValues = 500  // values of one repeated field (ticked boxes, lines)
)

// FormLimits refuses a form with a field over MaxFormText characters or
// repeated over MaxFormValues times: 422 naming the field.
func FormLimits() fiber.Handler {
	return func(c *fiber.Ctx) error {
		if c.Method() != fiber.MethodPost {
			return c.Next()
		}
		f := map[string]string{}
		counts := map[string]int{}
		check := func(k, v []byte) {
			counts[string(k)]++
			if len(v) > MaxFormText && utf8.RuneCount(v) > MaxFormText {
				f[string(k)] = "sec.too_long"
			}
			if counts[string(k)] > MaxFormValues {
				f[string(k)] = "sec.too_many"
			}
		}
		c.Request().PostArgs().VisitAll(check)
		if mf, err := c.MultipartForm(); err == nil && mf != nil {
			for k, vs := range mf.Value {
				for _, v := range vs {
					check([]byte(k), []byte(v))
				}
			}
		}
		for name := range f {
			// The page's flash names the field (one is enough to fix).
			e := &models.Error{Kind: models.KindInvalid, Code: "validation", Key: "sec.field_too_long", Args: []any{name}, Fields: f}
			return e
		}
		return c.Next()
	}
}
