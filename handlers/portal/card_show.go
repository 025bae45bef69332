package portal

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
)

// cardData is the member card page. FetchedAt is printed on the page so the
// copy the service worker keeps for offline use says how old it is.
type cardData struct {
	shell
	CardNo    string // grouped for reading aloud: 8123 4567 89
	FetchedAt time.Time
	QR        string
	AskLost   bool // the parent tapped "report lost": ask once before freezing
	LostDone  bool // the card was just reported lost
}

// groupCardNo splits a card number into groups of four.
func groupCardNo(s string) string {
	out := make([]byte, 0, len(s)+len(s)/4)
	for i := 0; i < len(s); i++ {
		if i > 0 && i%4 == 0 {
			out = append(out, ' ')
		}
		out = append(out, s[i])
	}
	return string(out)
}

func (h handler) cardShow(c *fiber.Ctx) error {
	s, err := h.childLoad(c, "card", "portal.card.title")
	if err != nil {
		return err
	}
	s.Tab = "card"
	ch := s.Child
	d := cardData{shell: s, CardNo: groupCardNo(ch.CardNo), FetchedAt: h.Now(),
		QR:      "/portal/kids/" + strconv.FormatInt(ch.ID, 10) + "/card.png?v=" + ch.CardNo + "-" + strconv.Itoa(ch.CardVersion),
		AskLost: c.Query("lost") == "ask" && ch.Status == models.CardActive, LostDone: c.Query("lost") == "done"}
	return h.Page(c, fiber.StatusOK, "portal/card", "", h.view(c, ch.Name, d))
}

// cardPNG is the QR of the child's current card, only while it is active
// (a card reported lost shows no code at all).
func (h handler) cardPNG(c *fiber.Ctx) error {
	s, err := h.childLoad(c, "card", "")
	if err != nil {
		return err
	}
	ch := s.Child
	if ch.Status != models.CardActive {
		return models.ErrNotFound
	}
	imgs := models.CardImages{Dir: h.DataDir, Secret: h.Secret}
	png, err := imgs.PNG(ch.CardNo, ch.CardVersion)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "image/png")
	c.Set(fiber.HeaderCacheControl, "private, max-age=86400")
	c.Set(fiber.HeaderETag, imgs.ETag(ch.CardNo, ch.CardVersion))
	return c.Send(png)
}

// cardLost reports the child's card lost from the parent's phone: it is
// frozen at once (no QR shown, the kiosk and the desk refuse it) until the
// desk issues a new one or lifts the report. Repeating it changes nothing.
func (h handler) cardLost(c *fiber.Ctx) error {
	s, err := h.childLoad(c, "card", "")
	if err != nil {
		return err
	}
	p := principal(c)
	if _, err := models.FreezeCard(c.UserContext(), h.DB, h.Now(), p.Actor(c.IP()), s.Child.ID); err != nil {
		return err
	}
	return render.Redirect(c, "/portal/kids/"+strconv.FormatInt(s.Child.ID, 10)+"/card?lost=done")
}
