package portal

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
	"starcard/models/programmes"
)

// registerProgrammes mounts the parents' points programmes (issue 17) on
// the logged-in portal group:
//
//	GET  /portal/kids/:id/programmes              lotteries, auctions and parties open to the child
//	GET  /portal/kids/:id/lotteries/:lid          a lottery: prizes and odds, draw, own draws verified
//	POST /portal/kids/:id/lotteries/:lid/draw     draw once (a fresh idempotency key per page)
//	POST /portal/kids/:id/auctions/:aid/bids      bid (the points are held)
//	POST /portal/kids/:id/parties/:pid/signup     sign up (the points are held)
//	POST /portal/kids/:id/parties/:pid/withdraw   withdraw before the day (the points come back)
func (h handler) registerProgrammes(a fiber.Router) {
	a.Get("/kids/:id/programmes", h.programmeList)
	a.Get("/kids/:id/lotteries/:lid", h.lotteryShow)
	a.Post("/kids/:id/lotteries/:lid/draw", h.lotteryDraw)
	a.Post("/kids/:id/auctions/:aid/bids", h.auctionBid)
	a.Post("/kids/:id/parties/:pid/signup", h.partySignup)
	a.Post("/kids/:id/parties/:pid/withdraw", h.partyWithdraw)
}

type programmeData struct {
	shell
	Points    int64
	Lotteries []programmes.LotteryRow
	Auctions  []programmes.AuctionView
	Parties   []programmes.PartyView
	IdemKey   string
}

func (h handler) childPoints(c *fiber.Ctx, id int64) (int64, error) {
	b, err := models.MemberBalances(c.UserContext(), h.DB.R, id)
	if err != nil {
		return 0, err
	}
	return b[id].Points, nil
}

func (h handler) programmePage(c *fiber.Ctx, status int, v render.View) error {
	s, err := h.childLoad(c, "programmes", "prog.title")
	if err != nil {
		return err
	}
	s.Back = "/portal/kids/" + c.Params("id")
	ctx, now := c.UserContext(), h.Now()
	d := programmeData{shell: s, IdemKey: models.NewToken(16)}
	campus := []int64{s.Child.CampusID}
	if d.Points, err = h.childPoints(c, s.Child.ID); err != nil {
		return err
	}
	if d.Lotteries, err = programmes.ListLotteries(ctx, h.DB.R, campus, true, now); err != nil {
		return err
	}
	if d.Auctions, err = programmes.ListAuctions(ctx, h.DB.R, campus, s.Child.ID, false, now); err != nil {
		return err
	}
	// Closed auctions stay only when the child bid on them (to see the result).
	kept := d.Auctions[:0]
	for _, a := range d.Auctions {
		if (a.Status == programmes.StatusOpen && a.EndsAt.After(now)) || a.Own != nil {
			kept = append(kept, a)
		}
	}
	d.Auctions = kept
	if d.Parties, err = programmes.ListParties(ctx, h.DB.R, campus, s.Child.ID, true, now.In(h.Loc).Format("2006-01-02")); err != nil {
		return err
	}
	v.Title, v.D = s.Heading, d
	return h.Page(c, status, "programmes/portal", "", v)
}

func (h handler) programmeList(c *fiber.Ctx) error {
	v := render.View{}
	n, _ := strconv.ParseInt(c.Query("n"), 10, 64)
	switch c.Query("ok") {
	case "bid":
		v.Flash = h.T(c, "prog.auction.bid_ok", n)
	case "signed":
		v.Flash = h.T(c, "prog.party.signed_ok", n)
	case "withdrawn":
		v.Flash = h.T(c, "prog.party.withdrawn_ok")
	}
	if v.Flash != "" {
		v.FlashKind = "ok"
	}
	return h.programmePage(c, fiber.StatusOK, v)
}

// programmeRefusal re-renders the list with the refusal's message.
func (h handler) programmeRefusal(c *fiber.Ctx, err error) error {
	status, msg, _, ok := h.refusal(c, err)
	if !ok {
		return err
	}
	return h.programmePage(c, status, render.View{Flash: msg, FlashKind: "error"})
}

type lotteryData struct {
	shell
	Points  int64
	L       programmes.LotteryRow
	Draws   []programmes.DrawView
	Latest  *programmes.DrawView
	IdemKey string
}

func (h handler) lotteryPage(c *fiber.Ctx, status int, v render.View) error {
	s, err := h.childLoad(c, "programmes", "prog.lottery.title")
	if err != nil {
		return err
	}
	s.Back = "/portal/kids/" + c.Params("id") + "/programmes"
	ctx := c.UserContext()
	lid, _ := strconv.ParseInt(c.Params("lid"), 10, 64)
	l, prizes, err := programmes.GetLottery(ctx, h.DB.R, nil, lid)
	if err != nil {
		return err
	}
	if l.CampusID != s.Child.CampusID {
		return programmes.ErrLotteryNotFound
	}
	d := lotteryData{shell: s, L: programmes.LotteryRow{Lottery: *l, Prizes: prizes}, IdemKey: models.NewToken(16)}
	if d.Points, err = h.childPoints(c, s.Child.ID); err != nil {
		return err
	}
	if d.Draws, err = programmes.LotteryDraws(ctx, h.DB.R, l, prizes, s.Child.ID, 50); err != nil {
		return err
	}
	if want, _ := strconv.ParseInt(c.Query("draw"), 10, 64); want != 0 {
		for i := range d.Draws {
			if d.Draws[i].ID == want {
				d.Latest = &d.Draws[i]
			}
		}
	}
	v.Title, v.D = l.Name, d
	return h.Page(c, status, "programmes/portal_lottery", "", v)
}

func (h handler) lotteryShow(c *fiber.Ctx) error {
	return h.lotteryPage(c, fiber.StatusOK, render.View{})
}

// lotteryDraw draws once. The form carries the page's idempotency key, so a
// double tap or a retried request on a slow connection is charged once and
// lands on the same result.
func (h handler) lotteryDraw(c *fiber.Ctx) error {
	s, err := h.childLoad(c, "programmes", "")
	if err != nil {
		return err
	}
	lid, _ := strconv.ParseInt(c.Params("lid"), 10, 64)
	key := c.FormValue("idem")
	if !models.ValidIdempotencyKey(key) {
		key = models.NewToken(16)
	}
	d, err := programmes.DrawLottery(c.UserContext(), h.DB, h.Now(), principal(c).Actor(c.IP()), lid, s.Child.ID, key)
	if err != nil {
		status, msg, _, ok := h.refusal(c, err)
		if !ok {
			return err
		}
		return h.lotteryPage(c, status, render.View{Flash: msg, FlashKind: "error"})
	}
	return render.Redirect(c, "/portal/kids/"+strconv.FormatInt(s.Child.ID, 10)+"/lotteries/"+strconv.FormatInt(lid, 10)+
		"?draw="+strconv.FormatInt(d.ID, 10))
}

func (h handler) auctionBid(c *fiber.Ctx) error {
	s, err := h.childLoad(c, "programmes", "")
	if err != nil {
		return err
	}
	aid, _ := strconv.ParseInt(c.Params("aid"), 10, 64)
	points, perr := strconv.ParseInt(c.FormValue("points"), 10, 64)
	if perr != nil || points <= 0 {
		return h.programmeRefusal(c, models.Invalid(map[string]string{"points": "prog.err.points"}))
	}
	key := c.FormValue("idem")
	if !models.ValidIdempotencyKey(key) {
		key = models.NewToken(16)
	}
	b, err := programmes.PlaceBid(c.UserContext(), h.DB, h.Now(), principal(c).Actor(c.IP()), aid, s.Child.ID, points, key)
	if err != nil {
		return h.programmeRefusal(c, err)
	}
	return render.Redirect(c, "/portal/kids/"+strconv.FormatInt(s.Child.ID, 10)+"/programmes?ok=bid&n="+strconv.FormatInt(b.Points, 10))
}

func (h handler) partySignup(c *fiber.Ctx) error {
	s, err := h.childLoad(c, "programmes", "")
	if err != nil {
		return err
	}
	pid, _ := strconv.ParseInt(c.Params("pid"), 10, 64)
	key := c.FormValue("idem")
	if !models.ValidIdempotencyKey(key) {
		key = models.NewToken(16)
	}
	su, err := programmes.SignUp(c.UserContext(), h.DB, h.Now(), h.Loc, principal(c).Actor(c.IP()), pid, s.Child.ID, key)
	if err != nil {
		return h.programmeRefusal(c, err)
	}
	return render.Redirect(c, "/portal/kids/"+strconv.FormatInt(s.Child.ID, 10)+"/programmes?ok=signed&n="+strconv.FormatInt(su.Points, 10))
}

func (h handler) partyWithdraw(c *fiber.Ctx) error {
	s, err := h.childLoad(c, "programmes", "")
	if err != nil {
		return err
	}
	pid, _ := strconv.ParseInt(c.Params("pid"), 10, 64)
	if err := programmes.WithdrawSignup(c.UserContext(), h.DB, h.Now(), h.Loc, principal(c).Actor(c.IP()), pid, s.Child.ID); err != nil {
		return h.programmeRefusal(c, err)
	}
	return render.Redirect(c, "/portal/kids/"+strconv.FormatInt(s.Child.ID, 10)+"/programmes?ok=withdrawn")
}
