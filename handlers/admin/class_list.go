package admin

import (
	"encoding/base64"
	"html/template"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
)

func (m members) classPage(c *fiber.Ctx, status int, v render.View) error {
	campuses, err := m.campusesFor(c)
	if err != nil {
		return err
	}
	classes, err := models.ListClasses(c.UserContext(), m.DB.R, models.StaffCampusScope(render.User(c)))
	if err != nil {
		return err
	}
	v.Title = m.T(c, "class.title")
	v.D = fiber.Map{"Classes": classes, "Campuses": campuses}
	return m.Page(c, status, "admin/classes", "", v)
}

func (m members) classList(c *fiber.Ctx) error { return m.classPage(c, fiber.StatusOK, render.View{}) }

func (m members) classCreate(c *fiber.Ctx) error {
	campus, _ := strconv.ParseInt(c.FormValue("campus_id"), 10, 64)
	form := map[string]string{"name": c.FormValue("name"), "campus_id": c.FormValue("campus_id")}
	campusID, err := models.ResolveCampus(c.UserContext(), m.DB.R, render.User(c), campus)
	if err == nil {
		_, err = models.CreateClass(c.UserContext(), m.DB.W, m.Now(), campusID, c.FormValue("name"))
	}
	if _, ok := models.AsError(err); ok {
		return m.classPage(c, fiber.StatusUnprocessableEntity, render.View{Form: form, Errors: m.FieldErrors(c, err)})
	}
	if err != nil {
		return err
	}
	return render.Redirect(c, "/admin/classes")
}

// printCard is one card on the A4 sheet.
type printCard struct {
	models.MemberView
	QR template.URL
}

// cardsPrint is an A4 sheet of the cards of a whole class, for the
// browser's print dialog (print CSS: 2 × 4 cards a page, cut marks).
func (m members) cardsPrint(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	cl, err := models.GetClass(ctx, m.DB.R, id)
	if err != nil {
		return err
	}
	u := render.User(c)
	if !u.CanSeeCampus(cl.CampusID) {
		return models.ErrNotFound
	}
	ids, err := models.ClassMemberIDs(ctx, m.DB.R, id)
	if err != nil {
		return err
	}
	vs, err := models.MemberViews(ctx, m.DB.R, ids)
	if err != nil {
		return err
	}
	imgs := models.CardImages{Dir: m.DataDir, Secret: m.Secret}
	cards := make([]printCard, 0, len(vs))
	for _, v := range vs {
		if v.CardNo == "" || v.Status != models.CardActive {
			continue
		}
		png, err := imgs.PNG(v.CardNo, v.CardVersion)
		if err != nil {
			return err
		}
		// The image is our own PNG, encoded here: safe as a data: URL.
		cards = append(cards, printCard{MemberView: v, QR: template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png))})
	}
	if err := models.Audit(ctx, m.DB.W, m.Now(), render.Actor(c), "card.print", "class", id, strconv.Itoa(len(cards))); err != nil {
		return err
	}
	return m.Page(c, fiber.StatusOK, "admin/cards_print", "", render.View{Title: m.T(c, "card.print_title", cl.Name),
		D: fiber.Map{"Class": cl, "Cards": cards}})
}
