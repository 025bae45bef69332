package admin

import (
	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
)

func (l loyalty) stampPage(c *fiber.Ctx, status int, v render.View) error {
	ctx := c.UserContext()
	ps, err := models.ListStampPrograms(ctx, l.DB.R)
	if err != nil {
		return err
	}
	ts, err := models.ListCouponTemplates(ctx, l.DB.R)
	if err != nil {
		return err
	}
	v.Title = l.T(c, "stamp.title")
	v.D = fiber.Map{"Programs": ps, "Templates": ts, "Sources": models.StampSources, "Categories": models.Categories}
	return l.Page(c, status, "admin/stamps", "stamps", v)
}

func (l loyalty) stampList(c *fiber.Ctx) error { return l.stampPage(c, fiber.StatusOK, render.View{}) }

func (l loyalty) stampCreate(c *fiber.Ctx) error {
	form := lyForm(c, "name", "stamps_required", "source", "category", "min_amount", "first_stamp_free", "reward_template_id")
	req, ok1 := lyInt(form["stamps_required"])
	tpl, ok2 := lyInt(form["reward_template_id"])
	min, ok3 := lyYuan(form["min_amount"])
	errs := map[string]string{}
	if !ok1 {
		errs["stamps_required"] = l.T(c, "err.loyalty_number")
	}
	if !ok3 {
		errs["min_amount"] = l.T(c, "err.loyalty_money")
	}
	if len(errs) == 0 && ok2 {
		p, err := models.CreateStampProgram(c.UserContext(), l.DB, l.Now(), render.Actor(c), models.NewStampProgram{
			Name: form["name"], StampsRequired: int(req), Source: form["source"], Category: form["category"],
			MinAmount: min, FirstStampFree: form["first_stamp_free"] != "", RewardTemplateID: tpl})
		if err == nil {
			return l.stampPage(c, fiber.StatusOK, render.View{Flash: l.T(c, "stamp.created", p.Name), FlashKind: "ok"})
		}
		if _, isModel := models.AsError(err); !isModel {
			return err
		}
		errs = l.FieldErrors(c, err)
	}
	return l.stampPage(c, fiber.StatusUnprocessableEntity, render.View{Form: form, Errors: errs,
		Flash: l.T(c, "err.validation"), FlashKind: "error"})
}

func (l loyalty) stampToggle(c *fiber.Ctx) error {
	id, err := lyID(c, "id")
	if err != nil {
		return err
	}
	active := c.FormValue("active") == "1"
	if err := models.SetStampProgramActive(c.UserContext(), l.DB, l.Now(), render.Actor(c), id, active); err != nil {
		return err
	}
	return l.stampPage(c, fiber.StatusOK, render.View{Flash: l.T(c, "stamp.saved"), FlashKind: "ok"})
}

// stampIssue hands a member a program's card (with the free first stamp).
func (l loyalty) stampIssue(c *fiber.Ctx) error {
	id, err := lyID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	m, err := models.MemberByScan(ctx, l.DB.R, l.Secret, l.Loc, c.FormValue("member"))
	if err == nil {
		var card *models.StampCard
		card, err = models.IssueStampCard(ctx, l.DB, l.Now(), render.Actor(c), id, m.ID)
		if err == nil {
			return l.stampPage(c, fiber.StatusOK, render.View{Flash: l.T(c, "stamp.issued", m.Name, card.Stamps), FlashKind: "ok"})
		}
	}
	e, ok := models.AsError(err)
	if !ok {
		return err
	}
	return l.stampPage(c, fiber.StatusUnprocessableEntity, render.View{Flash: l.T(c, e.Key, e.Args...), FlashKind: "error"})
}
