package portal

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models/care"
)

// feedbackReply is the parent answering back in the complaint's thread; the
// complaint's owner is alerted.
func (h handler) feedbackReply(c *fiber.Ctx) error {
	id, err := h.feedbackID(c)
	if err != nil {
		return err
	}
	if err := care.FamilyReply(c.UserContext(), h.DB, h.Now(), principal(c), c.IP(), id, c.FormValue("reply")); err != nil {
		if _, _, _, ok := h.refusal(c, err); !ok {
			return err
		}
		return h.feedbackShowWith(c, id, err, c.FormValue("reply"))
	}
	return render.Redirect(c, "/portal/feedback/"+strconv.FormatInt(id, 10)+"?ok=replied#reply")
}
