package cashier

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
)

// priceData is the admin's price list page: every tile, and the form of the
// one being added or edited.
type priceData struct {
	Items []models.PriceItem
	Form  priceForm
}

// priceForm is a tile as typed.
type priceForm struct {
	ID        int64
	Category  string
	Name      string
	Amount    string
	SortOrder string
	Active    bool
}

// priceList shows the price list with a form to add a tile (or edit one:
// ?edit=ID).
func (h handler) priceList(c *fiber.Ctx) error {
	d := &priceData{Form: priceForm{Category: models.CategoryTuition, SortOrder: "0", Active: true}}
	if id, _ := strconv.ParseInt(c.Query("edit"), 10, 64); id > 0 {
		p, err := models.GetPriceItem(c.UserContext(), h.DB.R, id)
		if err != nil {
			return err
		}
		amount := yuanInput(p.Amount)
		if p.Amount%100 == 0 {
			amount = strconv.FormatInt(p.Amount/100, 10) // whole yuan show as whole numbers
		}
		d.Form = priceForm{ID: p.ID, Category: p.Category, Name: p.Name, Amount: amount,
			SortOrder: strconv.Itoa(p.SortOrder), Active: p.Active}
	}
	return h.pricePage(c, fiber.StatusOK, d, nil, "")
}

// priceSave adds or updates a tile.
func (h handler) priceSave(c *fiber.Ctx) error {
	f := priceForm{Category: c.FormValue("category"), Name: strings.TrimSpace(c.FormValue("name")),
		Amount: strings.TrimSpace(c.FormValue("amount")), SortOrder: strings.TrimSpace(c.FormValue("sort_order")),
		Active: c.FormValue("active") == "1"}
	f.ID, _ = strconv.ParseInt(c.FormValue("id"), 10, 64)
	d := &priceData{Form: f}
	errs := map[string]string{}
	fen, _, ok := parseFen(f.Amount)
	if !ok {
		errs["amount"] = h.T(c, "err.cashier_bad_money")
	}
	sort := 0
	if f.SortOrder != "" {
		n, err := strconv.Atoi(f.SortOrder)
		if err != nil {
			errs["sort_order"] = h.T(c, "desk.price_bad_sort")
		}
		sort = n
	}
	if len(errs) > 0 {
		return h.pricePage(c, fiber.StatusUnprocessableEntity, d, errs, h.T(c, "cashier.fix_fields"))
	}
	if f.ID == 0 {
		f.Active = true
	}
	if _, err := models.SavePriceItem(c.UserContext(), h.DB, h.Now(), render.Actor(c), models.PriceItemInput{ID: f.ID,
		Category: f.Category, Name: f.Name, Amount: fen, SortOrder: sort, Active: f.Active}); err != nil {
		msg, fields, ierr := h.formError(c, err, nil)
		if ierr != nil {
			return ierr
		}
		return h.pricePage(c, fiber.StatusUnprocessableEntity, d, fields, msg)
	}
	return render.Redirect(c, "/cashier/prices")
}

func (h handler) pricePage(c *fiber.Ctx, status int, d *priceData, errs map[string]string, msg string) error {
	items, err := models.ListPriceItems(c.UserContext(), h.DB.R, false)
	if err != nil {
		return err
	}
	d.Items = items
	v := render.View{Title: h.T(c, "desk.price_title"), D: d, Errors: errs}
	if msg != "" {
		v.Flash, v.FlashKind = msg, "error"
	}
	return h.Page(c, status, "cashier/prices", "", v)
}

// addTile puts a tapped price-list tile on the purchase form: on the first
// empty line, else on a new one. The cashier can still edit the line.
func addTile(f *purchaseForm, pr *parsed, it *models.PriceItem) {
	line := -1
	for i, l := range f.Lines {
		if strings.TrimSpace(l.Amount) == "" {
			line = i
			break
		}
	}
	if line < 0 {
		line = len(f.Lines)
		f.Lines = append(f.Lines, lineForm{})
	}
	f.Lines[line] = lineForm{Category: it.Category, Amount: yuanInput(it.Amount), Desc: it.Name}
	pr.items = append(pr.items, models.PurchaseItem{Category: it.Category, Amount: it.Amount, Description: truncate(it.Name, 100)})
	pr.lineOf = append(pr.lineOf, line)
	if pr.fields["amt0"] == "err.cashier_no_lines" {
		delete(pr.fields, "amt0")
	}
}
