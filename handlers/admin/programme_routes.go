package admin

import (
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
	"starcard/models/courses"
	"starcard/models/programmes"
)

// programmesAdmin is the back office's points programmes (issue 17): the
// lottery, the auction and the parties.
type programmesAdmin struct{ members }

// RegisterProgrammes mounts (on the /admin group):
//
//	GET  /admin/programmes                      lotteries, auctions, parties and their forms
//	POST /admin/programmes/lotteries            open a lottery (its prize table frozen, the seed's hash published)
//	GET  /admin/programmes/lotteries/:id        its prizes, stock, draws and their verification
//	POST /admin/programmes/lotteries/:id/close  close it now (reveals the seed)
//	POST /admin/programmes/draws/:id/hand-over  a won gift collected at the desk
//	POST /admin/programmes/auctions             open an auction
//	POST /admin/programmes/auctions/:id/close   close it now (charges the winner, releases the rest)
//	POST /admin/programmes/parties              announce a party
//	GET  /admin/programmes/parties/:id          its sign-up list
//	POST /admin/programmes/parties/:id/cancel   cancel it (every point back)
func RegisterProgrammes(r fiber.Router, d *render.Deps) {
	h := programmesAdmin{members{handler: handler{d}}}
	r.Get("/programmes", h.list)
	r.Post("/programmes/lotteries", h.lotteryCreate)
	r.Get("/programmes/lotteries/:id", h.lotteryShow)
	r.Post("/programmes/lotteries/:id/close", h.lotteryClose)
	r.Post("/programmes/draws/:id/hand-over", h.drawHandOver)
	r.Post("/programmes/auctions", h.auctionCreate)
	r.Post("/programmes/auctions/:id/close", h.auctionClose)
	r.Post("/programmes/parties", h.partyCreate)
	r.Get("/programmes/parties/:id", h.partyShow)
	r.Post("/programmes/parties/:id/cancel", h.partyCancel)
}

// programmeOK are the confirmations a redirect may ask for with ?ok=.
var programmeOK = map[string]string{"created": "prog.created", "closed": "prog.closed_ok", "handed": "prog.lottery.handed_ok"}

func (h programmesAdmin) page(c *fiber.Ctx, status int, v render.View, section string) error {
	ctx, u := c.UserContext(), render.User(c)
	campuses, err := h.campusesFor(c)
	if err != nil {
		return err
	}
	vis := courses.VisibleCampuses(u)
	lotteries, err := programmes.ListLotteries(ctx, h.DB.R, vis, false, h.Now())
	if err != nil {
		return err
	}
	auctions, err := programmes.ListAuctions(ctx, h.DB.R, vis, 0, false, h.Now())
	if err != nil {
		return err
	}
	parties, err := programmes.ListParties(ctx, h.DB.R, vis, 0, false, "")
	if err != nil {
		return err
	}
	templates, err := models.ListCouponTemplates(ctx, h.DB.R)
	if err != nil {
		return err
	}
	if v.Form == nil {
		v.Form = map[string]string{"step_points": "10", "prize_0_kind": programmes.PrizeGift, "prize_1_kind": programmes.PrizePoints,
			"prize_2_kind": programmes.PrizeNone}
	}
	if key, ok := programmeOK[c.Query("ok")]; ok && v.Flash == "" {
		v.Flash, v.FlashKind = h.T(c, key), "ok"
	}
	slots := make([]int, 5)
	for i := range slots {
		slots[i] = i
	}
	v.Title = h.T(c, "prog.title")
	v.D = fiber.Map{"Lotteries": lotteries, "Auctions": auctions, "Parties": parties, "Campuses": campuses,
		"Coupons": templates, "Slots": slots, "Kinds": programmes.PrizeKinds, "Open": section}
	return h.Page(c, status, "programmes/admin", "", v)
}

func (h programmesAdmin) list(c *fiber.Ctx) error {
	return h.page(c, fiber.StatusOK, render.View{}, "")
}

func formOf(c *fiber.Ctx, keys ...string) map[string]string {
	f := map[string]string{}
	for _, k := range keys {
		f[k] = strings.TrimSpace(c.FormValue(k))
	}
	return f
}

// whole parses a whole number; anything else is -1 so validation refuses it
// (never a silent 0 or a truncation).
func whole(s string) int64 {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return -1
	}
	return n
}

// localTime parses a datetime-local value in the school's zone (zero when bad).
func (h programmesAdmin) localTime(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02T15:04", s, h.Loc)
	if err != nil {
		return time.Time{}
	}
	return t
}

func (h programmesAdmin) refuse(c *fiber.Ctx, err error, form map[string]string, section string) error {
	e, ok := models.AsError(err)
	if !ok || e.Kind == models.KindNotFound {
		return err
	}
	status := fiber.StatusUnprocessableEntity
	v := render.View{Form: form, Errors: h.FieldErrors(c, err)}
	if e.Kind == models.KindConflict {
		status = fiber.StatusConflict
	}
	if e.Code != "validation" {
		v.Flash, v.FlashKind = h.T(c, e.Key, e.Args...), "error"
	}
	return h.page(c, status, v, section)
}

func (h programmesAdmin) lotteryCreate(c *fiber.Ctx) error {
	keys := []string{"campus_id", "name", "cost_points", "ends_at"}
	for i := 0; i < 5; i++ {
		for _, k := range []string{"name", "kind", "points", "coupon", "weight", "stock"} {
			keys = append(keys, "prize_"+strconv.Itoa(i)+"_"+k)
		}
	}
	form := formOf(c, keys...)
	in := programmes.NewLottery{Name: form["name"], CostPoints: whole(form["cost_points"]), EndsAt: h.localTime(form["ends_at"])}
	for i := 0; i < 5; i++ {
		p := "prize_" + strconv.Itoa(i) + "_"
		if form[p+"name"] == "" && form[p+"weight"] == "" {
			continue // an empty line of the form
		}
		np := programmes.NewPrize{Name: form[p+"name"], Kind: form[p+"kind"], Weight: whole(form[p+"weight"])}
		if np.Kind != programmes.PrizeNone {
			np.Stock = whole(form[p+"stock"])
		}
		if np.Kind == programmes.PrizePoints {
			np.Points = whole(form[p+"points"])
		}
		if np.Kind == programmes.PrizeCoupon {
			np.CouponTemplateID = whole(form[p+"coupon"])
		}
		in.Prizes = append(in.Prizes, np)
	}
	campus, err := models.ResolveCampus(c.UserContext(), h.DB.R, render.User(c), max(0, whole(form["campus_id"])))
	if err == nil {
		in.CampusID = campus
		_, err = programmes.CreateLottery(c.UserContext(), h.DB, h.Now(), render.Actor(c), in)
	}
	if err != nil {
		return h.refuse(c, renumberPrizeErrors(err, in, form), form, "lottery")
	}
	return render.Redirect(c, "/admin/programmes?ok=created")
}

// renumberPrizeErrors maps field errors of the n-th filled prize line back
// to the form line it came from (empty lines are skipped when parsing).
func renumberPrizeErrors(err error, in programmes.NewLottery, form map[string]string) error {
	e, ok := models.AsError(err)
	if !ok || e.Fields == nil {
		return err
	}
	lines := []int{}
	for i := 0; i < 5; i++ {
		p := "prize_" + strconv.Itoa(i) + "_"
		if form[p+"name"] != "" || form[p+"weight"] != "" {
			lines = append(lines, i)
		}
	}
	f := map[string]string{}
	for k, v := range e.Fields {
		var n int
		var rest string
		if strings.HasPrefix(k, "prize_") {
			parts := strings.SplitN(strings.TrimPrefix(k, "prize_"), "_", 2)
			if len(parts) == 2 {
				if x, err := strconv.Atoi(parts[0]); err == nil && x < len(lines) {
					n, rest = lines[x], parts[1]
					f["prize_"+strconv.Itoa(n)+"_"+rest] = v
					continue
				}
			}
		}
		f[k] = v
	}
	if _, ok := f["prizes"]; ok {
		f["prize_0_name"] = f["prizes"]
	}
	return models.Invalid(f)
}

func (h programmesAdmin) lotteryShow(c *fiber.Ctx) error {
	ctx := c.UserContext()
	id, _ := strconv.ParseInt(c.Params("id"), 10, 64)
	l, prizes, err := programmes.GetLottery(ctx, h.DB.R, render.User(c), id)
	if err != nil {
		return err
	}
	draws, err := programmes.LotteryDraws(ctx, h.DB.R, l, prizes, 0, 200)
	if err != nil {
		return err
	}
	v := render.View{Title: l.Name}
	if key, ok := programmeOK[c.Query("ok")]; ok {
		v.Flash, v.FlashKind = h.T(c, key), "ok"
	}
	v.D = fiber.Map{"L": programmes.LotteryRow{Lottery: *l, Prizes: prizes}, "Draws": draws}
	return h.Page(c, fiber.StatusOK, "programmes/admin_lottery", "", v)
}

func (h programmesAdmin) lotteryClose(c *fiber.Ctx) error {
	id, _ := strconv.ParseInt(c.Params("id"), 10, 64)
	if _, err := programmes.CloseLottery(c.UserContext(), h.DB, h.Now(), render.Actor(c), render.User(c), id); err != nil {
		return err
	}
	return render.Redirect(c, "/admin/programmes/lotteries/"+strconv.FormatInt(id, 10)+"?ok=closed")
}

func (h programmesAdmin) drawHandOver(c *fiber.Ctx) error {
	id, _ := strconv.ParseInt(c.Params("id"), 10, 64)
	lottery := whole(c.FormValue("lottery_id"))
	err := programmes.HandOverPrize(c.UserContext(), h.DB, h.Now(), render.Actor(c), render.User(c), id)
	if e, ok := models.AsError(err); err != nil && (!ok || e.Kind != models.KindConflict) {
		return err
	}
	return render.Redirect(c, "/admin/programmes/lotteries/"+strconv.FormatInt(lottery, 10)+"?ok=handed")
}

func (h programmesAdmin) auctionCreate(c *fiber.Ctx) error {
	form := formOf(c, "campus_id", "name", "description", "mode", "start_points", "step_points", "ends_at")
	campus, err := models.ResolveCampus(c.UserContext(), h.DB.R, render.User(c), max(0, whole(form["campus_id"])))
	if err == nil {
		_, err = programmes.CreateAuction(c.UserContext(), h.DB, h.Now(), render.Actor(c), programmes.NewAuction{CampusID: campus,
			Name: form["name"], Description: form["description"], Mode: form["mode"], StartPoints: whole(form["start_points"]),
			StepPoints: whole(form["step_points"]), EndsAt: h.localTime(form["ends_at"])})
	}
	if err != nil {
		return h.refuse(c, err, form, "auction")
	}
	return render.Redirect(c, "/admin/programmes?ok=created")
}

func (h programmesAdmin) auctionClose(c *fiber.Ctx) error {
	id, _ := strconv.ParseInt(c.Params("id"), 10, 64)
	if _, err := programmes.CloseAuction(c.UserContext(), h.DB, h.Now(), render.Actor(c), render.User(c), id); err != nil {
		return err
	}
	return render.Redirect(c, "/admin/programmes?ok=closed")
}

func (h programmesAdmin) partyCreate(c *fiber.Ctx) error {
	form := formOf(c, "campus_id", "name", "place", "day", "capacity", "points")
	campus, err := models.ResolveCampus(c.UserContext(), h.DB.R, render.User(c), max(0, whole(form["campus_id"])))
	if err == nil {
		_, err = programmes.CreateParty(c.UserContext(), h.DB, h.Now(), h.Loc, render.Actor(c), programmes.NewParty{CampusID: campus,
			Name: form["name"], Place: form["place"], Day: form["day"], Capacity: whole(form["capacity"]), Points: whole(form["points"])})
	}
	if err != nil {
		return h.refuse(c, err, form, "party")
	}
	return render.Redirect(c, "/admin/programmes?ok=created")
}

func (h programmesAdmin) partyShow(c *fiber.Ctx) error {
	id, _ := strconv.ParseInt(c.Params("id"), 10, 64)
	p, rows, err := programmes.PartySignups(c.UserContext(), h.DB.R, render.User(c), id)
	if err != nil {
		return err
	}
	v := render.View{Title: p.Name, D: fiber.Map{"P": p, "Signups": rows}}
	if n := c.Query("refunded"); n != "" {
		v.Flash, v.FlashKind = h.T(c, "prog.party.cancelled_ok", whole(n)), "ok"
	}
	return h.Page(c, fiber.StatusOK, "programmes/admin_party", "", v)
}

func (h programmesAdmin) partyCancel(c *fiber.Ctx) error {
	id, _ := strconv.ParseInt(c.Params("id"), 10, 64)
	n, err := programmes.CancelParty(c.UserContext(), h.DB, h.Now(), render.Actor(c), render.User(c), id)
	if err != nil {
		return err
	}
	return render.Redirect(c, "/admin/programmes/parties/"+strconv.FormatInt(id, 10)+"?refunded="+strconv.Itoa(n))
}
