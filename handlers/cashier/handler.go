// Package cashier serves the cashier desk at /cashier: scan a card, purchases, top-ups, refunds, shifts.
package cashier

import (
	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
)

type handler struct{ *render.Deps }

// Register mounts the surface; the group already checks the role.
func Register(r fiber.Router, d *render.Deps) {
	h := handler{d}
	r.Get("/", h.home)
	r.Get("/find", h.memberFind)
	h.registerRedemptions(r)
	h.registerCoupons(r)
	r.Get("/members/:id", h.memberShow)
	r.Get("/families/new", h.familyNew)
	r.Post("/families", h.familyCreate)

	r.Get("/members/:id/purchase", h.purchaseNew)
	r.Post("/members/:id/purchase/preview", h.purchasePreview)
	r.Post("/members/:id/purchases", h.purchaseCreate)
	r.Get("/purchases/:id/receipt", h.receiptShow)

	r.Get("/members/:id/topup", h.topupNew)
	r.Post("/members/:id/topup/preview", h.topupPreview)
	r.Post("/members/:id/topups", h.topupCreate)
	r.Get("/topups/:id/receipt", h.receiptShow)

	r.Get("/members/:id/refunds", h.refundList)
	r.Get("/members/:id/card", h.cardTab)
	r.Post("/members/:id/card/lost", h.cardLost)
	r.Post("/members/:id/card/replace", h.cardReplace)
	r.Get("/refunds/find", h.refundFind)
	r.Get("/purchases/:id/refund", h.refundNew)
	r.Get("/topups/:id/refund", h.refundNew)
	r.Post("/refunds", h.refundCreate)
	r.Post("/refunds/preview", h.refundPreview)
	r.Get("/refunds/:id/receipt", h.refundReceipt)
	r.Get("/prices", h.priceList)
	r.Post("/prices", h.priceSave)
	r.Get("/pin", h.pinShow)
	r.Post("/pin", h.pinSave)

	r.Get("/shift", h.shiftShow)
	r.Post("/shift/open", h.shiftOpen)
	r.Post("/shift/close", h.shiftClose)
	r.Get("/shifts/:id", h.shiftReport)
	r.Get("/daily", h.dailyReport)
}
