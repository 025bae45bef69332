package admin

import (
	"github.com/gofiber/fiber/v2"
	"gorm.io/gorm"

	"starcard/handlers/render"
	"starcard/models"
)

// memberPage renders a child's profile. Every view is audited (PIPL).
func (m members) memberPage(c *fiber.Ctx, id int64, v render.View) error {
	ctx := c.UserContext()
	mv, err := models.ViewMemberProfile(ctx, m.DB, m.Now(), render.Actor(c), render.User(c), id)
	if err != nil {
		return err
	}
	history, err := models.LifecycleHistory(ctx, m.DB.R, id)
	if err != nil {
		return err
	}
	checkins, err := models.MemberCheckins(ctx, m.DB.R, id, 12)
	if err != nil {
		return err
	}
	v.Title = mv.Name
	v.D = fiber.Map{"M": mv, "History": history, "Checkins": checkins, "Lifecycles": models.Lifecycles,
		"IdemKey": models.NewToken(12)}
	return m.Page(c, fiber.StatusOK, "admin/member", "card", v)
}

func (m members) memberShow(c *fiber.Ctx) error {
	id, err := m.memberParam(c)
	if err != nil {
		return err
	}
	return m.memberPage(c, id, render.View{})
}

func (m members) cardImage(c *fiber.Ctx) error {
	id, err := m.memberParam(c)
	if err != nil {
		return err
	}
	return m.CardPNG(c, id)
}

func (m members) cardFreeze(c *fiber.Ctx) error {
	id, err := m.memberParam(c)
	if err != nil {
		return err
	}
	if _, err := models.FreezeCard(c.UserContext(), m.DB, m.Now(), render.Actor(c), id); err != nil {
		return err
	}
	return m.memberPage(c, id, render.View{Flash: m.T(c, "card.frozen_ok"), FlashKind: "ok"})
}

func (m members) cardUnfreeze(c *fiber.Ctx) error {
	id, err := m.memberParam(c)
	if err != nil {
		return err
	}
	if _, err := models.UnfreezeCard(c.UserContext(), m.DB, m.Now(), render.Actor(c), id); err != nil {
		return err
	}
	return m.memberPage(c, id, render.View{Flash: m.T(c, "card.unfrozen_ok"), FlashKind: "ok"})
}

// cardReplace issues a new card. The form carries a fresh idempotency key,
// so a double click or a resent form replaces the card once.
func (m members) cardReplace(c *fiber.Ctx) error {
	id, err := m.memberParam(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	now := m.Now()
	actor := render.Actor(c)
	_, err = models.RunIdempotent(ctx, m.DB, now, models.Idem{Scope: webScope(render.User(c)), Key: c.FormValue("idem"),
		Hash: models.RequestHash([]byte("card.replace"), []byte(c.Params("id")))},
		func(tx *gorm.DB) (int, []byte, error) {
			nc, err := models.ReplaceCard(ctx, tx, now, actor, id)
			if err != nil {
				return 0, nil, err
			}
			return fiber.StatusOK, []byte(nc.CardNo), nil
		})
	if err != nil {
		return err
	}
	return m.memberPage(c, id, render.View{Flash: m.T(c, "card.replaced_ok"), FlashKind: "ok"})
}

func (m members) memberLifecycle(c *fiber.Ctx) error {
	id, err := m.memberParam(c)
	if err != nil {
		return err
	}
	if err := models.SetLifecycle(c.UserContext(), m.DB, m.Now(), render.Actor(c), id, c.FormValue("lifecycle"), c.FormValue("note")); err != nil {
		return err
	}
	return render.Redirect(c, c.Path()[:len(c.Path())-len("/lifecycle")])
}
