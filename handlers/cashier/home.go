package cashier

import (
	"github.com/gofiber/fiber/v2"
)

// home is the desk with the scan box and no member yet.
func (h handler) home(c *fiber.Ctx) error {
	d := &deskData{}
	if err := h.withShift(c, d); err != nil {
		return err
	}
	return h.desk(c, fiber.StatusOK, "", d)
}
