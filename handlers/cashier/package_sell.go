package cashier

import (
	"encoding/json"
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
	"starcard/models/courses"
)

// packages is the desk's class-hour page: a member's packages with the
// hours left, the sale of a new package, and the refund of what is left.
type packages struct{ handler }

// RegisterPackages mounts the class-hour desk (issue 15) on the /cashier
// group, whose role check (cashier, campus manager, admin) applies:
//
//	GET  /cashier/members/:id/packages   the member's packages and the sale form
//	POST /cashier/members/:id/packages   preview (action=preview) or sell a package
//	POST /cashier/packages/:id/refund    refund the hours left of a package
//	POST /cashier/members/:id/plans      enrol in an academic-year plan (deposit, method, years)
//	POST /cashier/plans/:id/close        complete (deposit back) or leave (deposit forfeited) a plan
//	POST /cashier/members/:id/exclusive/:eid   a seat on a points-exclusive course, paid in points
func RegisterPackages(r fiber.Router, d *render.Deps) {
	h := packages{handler{d}}
	r.Get("/members/:id/packages", h.show)
	r.Post("/members/:id/packages", h.sell)
	r.Post("/packages/:id/refund", h.refund)
	r.Post("/members/:id/plans", h.planCreate)
	r.Post("/plans/:id/close", h.planClose)
	r.Post("/members/:id/exclusive/:eid", h.exclusiveEnrol)
}

// packageMethods are the ways a package may be paid, in the form's order.
var packageMethods = []string{"stored_value", "wechat", "alipay", "cash", "bank_card"}

type saleForm struct {
	Key      string
	CourseID int64
	Hours    string
	Bonus    string
	Amount   string
	Coupon   string
	Pay      map[string]string
	Due      int64 // after discounts, once previewed
	Discount int64
	Quoted   bool
	Errors   map[string]string
	Message  string
}

type packagePage struct {
	M        *models.MemberView
	Courses  []courses.CourseRow
	Held     []courses.MemberCourse
	Packages []courses.PackageRow
	Form     *saleForm
	Methods  []string
	Shift    *models.Shift
	Honorary bool // a lifetime honorary member (终身荣誉学员)
	Plans    []courses.Plan
	Today    string
	// Exclusive are the open points-exclusive courses at the member's campus.
	Exclusive []courses.ExclusiveRow
	// RefundKey is the idempotency key of the refund forms on this render.
	RefundKey string
}

func (h packages) page(c *fiber.Ctx, status int, id int64, f *saleForm, v render.View) error {
	ctx, u := c.UserContext(), render.User(c)
	m, err := models.MemberViewFor(ctx, h.DB.R, u, id)
	if err != nil {
		return err
	}
	d := &packagePage{M: m, Form: f, Methods: packageMethods, RefundKey: newKey()}
	if d.Courses, err = courses.ListCourses(ctx, h.DB.R, []int64{m.CampusID}); err != nil {
		return err
	}
	if d.Held, err = courses.MemberCourses(ctx, h.DB.R, h.Now(), h.Loc, id); err != nil {
		return err
	}
	if d.Packages, err = courses.MemberPackages(ctx, h.DB.R, id); err != nil {
		return err
	}
	d.Today = h.Now().In(h.Loc).Format("2006-01-02")
	ex, err := courses.ListExclusive(ctx, h.DB.R, []int64{m.CampusID})
	if err != nil {
		return err
	}
	for _, e := range ex {
		if e.Status == courses.ExclusiveOpen && e.StartsOn > d.Today {
			d.Exclusive = append(d.Exclusive, e)
		}
	}
	if d.Plans, d.Honorary, err = courses.MemberPlans(ctx, h.DB.R, id); err != nil {
		return err
	}
	if d.Shift, err = h.shift(c); err != nil {
		return err
	}
	if f == nil {
		d.Form = &saleForm{Key: newKey(), Pay: map[string]string{}, Errors: map[string]string{}}
		if len(d.Courses) > 0 {
			d.Form.CourseID = d.Courses[0].ID
		}
	}
	v.Title = h.T(c, "courses.desk.title", m.Name)
	v.D = d
	return h.Page(c, status, "courses/desk", "", v)
}

func (h packages) show(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	v := render.View{}
	switch c.Query("ok") {
	case "sold":
		v.Flash, v.FlashKind = h.T(c, "courses.desk.sold", c.Query("course"), c.Query("hours"), c.Query("left")), "ok"
	case "refunded":
		v.Flash, v.FlashKind = h.T(c, "courses.desk.refunded", c.Query("hours"), models.Yuan(parseInt(c.Query("amount")))), "ok"
	case "plan":
		v.Flash, v.FlashKind = h.T(c, "courses.plan.enrolled", c.Query("years"), models.Yuan(parseInt(c.Query("deposit")))), "ok"
	case "completed":
		v.Flash, v.FlashKind = h.T(c, "courses.plan.completed_ok", models.Yuan(parseInt(c.Query("deposit")))), "ok"
	case "seat":
		v.Flash, v.FlashKind = h.T(c, "courses.exclusive.seat_ok", c.Query("course"), c.Query("points")), "ok"
	case "left":
		v.Flash, v.FlashKind = h.T(c, "courses.plan.left_ok", models.Yuan(parseInt(c.Query("deposit")))), "ok"
	}
	return h.page(c, fiber.StatusOK, id, nil, v)
}

func parseInt(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}

// readSale reads the form; field errors are in the form's language.
func (h packages) readSale(c *fiber.Ctx) (*saleForm, courses.SaleInput, map[string]string) {
	f := &saleForm{Key: c.FormValue("key"), Hours: strings.TrimSpace(c.FormValue("hours")),
		Bonus: strings.TrimSpace(c.FormValue("bonus_hours")), Amount: c.FormValue("amount"),
		Coupon: strings.TrimSpace(c.FormValue("coupon")), Pay: map[string]string{}, Errors: map[string]string{}}
	f.CourseID, _ = strconv.ParseInt(c.FormValue("course_id"), 10, 64)
	in := courses.SaleInput{CourseID: f.CourseID}
	errs := map[string]string{}
	var ok bool
	if in.Hours, ok = parsePoints(f.Hours); !ok || in.Hours <= 0 {
		errs["hours"] = h.T(c, "courses.err.hours")
	}
	if in.BonusHours, ok = parsePoints(f.Bonus); !ok {
		errs["bonus_hours"] = h.T(c, "courses.err.bonus_hours")
	}
	if fen, blank, ok := parseFen(f.Amount); !ok {
		errs["amount"] = h.T(c, "err.ledger_bad_amount")
	} else if !blank {
		in.Amount = fen
	}
	for _, m := range packageMethods {
		s := c.FormValue("pay_" + m)
		f.Pay[m] = s
		fen, blank, ok := parseFen(s)
		switch {
		case !ok:
			errs["pay_"+m] = h.T(c, "err.ledger_bad_amount")
		case !blank && fen > 0:
			in.Payments = append(in.Payments, models.Payment{Method: m, Amount: fen})
		}
	}
	if f.Coupon != "" {
		in.CouponCodes = []string{f.Coupon}
	}
	return f, in, errs
}

func (h packages) sell(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	ctx, u := c.UserContext(), render.User(c)
	f, in, errs := h.readSale(c)
	in.MemberID, in.User = id, u
	co, err := courses.CourseFor(ctx, h.DB.R, u, in.CourseID)
	if err != nil {
		errs["course_id"] = h.T(c, "courses.err.unknown_course")
	} else if in.Amount == 0 && in.Hours > 0 {
		// A blank price is the course's list price.
		in.Amount = in.Hours * co.PricePerHour
		f.Amount = yuanInput(in.Amount)
	}
	refuse := func(status int) error {
		f.Errors = errs
		return h.page(c, status, id, f, render.View{})
	}
	if len(errs) > 0 {
		return refuse(fiber.StatusUnprocessableEntity)
	}
	if err := h.quoteSale(c, id, co, f, &in); err != nil {
		if e, ok := models.AsError(err); ok {
			f.Message = h.T(c, e.Key, e.Args...)
			for k, v := range h.FieldErrors(c, err) {
				errs[k] = v
			}
			return refuse(fiber.StatusUnprocessableEntity)
		}
		return err
	}
	if c.FormValue("action") == "preview" {
		return h.page(c, fiber.StatusOK, id, f, render.View{})
	}
	s, err := h.shift(c)
	if err != nil {
		return err
	}
	if s == nil {
		f.Message = h.T(c, "err.shift_none")
		return refuse(fiber.StatusConflict)
	}
	if !models.ValidIdempotencyKey(f.Key) {
		f.Key = newKey()
		f.Message = h.T(c, "err.cashier_stale_form")
		return refuse(fiber.StatusUnprocessableEntity)
	}
	in.Actor = actor(c, s)
	b, _ := json.Marshal(struct {
		M int64
		I courses.SaleInput
	}{id, courses.SaleInput{CourseID: in.CourseID, Hours: in.Hours, BonusHours: in.BonusHours, Amount: in.Amount,
		Payments: in.Payments, CouponCodes: in.CouponCodes}})
	out, err := courses.SellPackage(ctx, h.DB, h.Now(), models.Idem{Scope: scope(c), Key: f.Key,
		Hash: models.RequestHash([]byte("desk-package"), b)}, in)
	if err != nil {
		if e, ok := models.AsError(err); ok {
			f.Message = h.T(c, e.Key, e.Args...)
			if e.Code == "validation" {
				f.Message = h.T(c, "courses.err.fix_fields")
			}
			for k, v := range h.FieldErrors(c, err) {
				errs[fieldFor(k)] = v
			}
			status := fiber.StatusUnprocessableEntity
			if e.Kind == models.KindConflict {
				status = fiber.StatusConflict
			}
			return refuse(status)
		}
		return err
	}
	var res courses.SaleResult
	if err := json.Unmarshal(out.Body, &res); err != nil {
		return err
	}
	q := url.Values{"ok": {"sold"}, "course": {res.CourseName}, "hours": {strconv.FormatInt(res.Hours+res.BonusHours, 10)},
		"left": {strconv.FormatInt(res.HoursLeft, 10)}}
	return render.Redirect(c, "/cashier/members/"+strconv.FormatInt(id, 10)+"/packages?"+q.Encode())
}

// fieldFor maps a purchase's field names onto the form's.
func fieldFor(k string) string {
	switch {
	case strings.HasPrefix(k, "payments"):
		return "payments"
	case k == "coupon_codes":
		return "coupon"
	}
	return k
}

// quoteSale prices the package as the purchase will (tier discount on
// tuition, coupons at the ledger) and, when no payment was entered yet,
// fills stored value first and the rest in WeChat for the cashier to adjust.
func (h packages) quoteSale(c *fiber.Ctx, memberID int64, co *courses.Course, f *saleForm, in *courses.SaleInput) error {
	ctx := c.UserContext()
	m, err := models.MemberViewFor(ctx, h.DB.R, render.User(c), memberID)
	if err != nil {
		return err
	}
	r, err := models.LoadRules(ctx, h.DB.R, h.Now())
	if err != nil {
		return err
	}
	q, err := models.QuotePurchase(r, m.Tier, []models.PurchaseItem{{Category: co.Category, Amount: in.Amount}}, 0)
	if err != nil {
		return err
	}
	f.Due, f.Discount, f.Quoted = q.Due, q.Discount, true
	if len(in.Payments) == 0 && c.FormValue("action") == "preview" {
		sv := min(m.Balances.StoredValue(), q.Due)
		if sv > 0 {
			f.Pay["stored_value"] = yuanInput(sv)
		}
		if q.Due-sv > 0 {
			f.Pay["wechat"] = yuanInput(q.Due - sv)
		}
	}
	return nil
}

func (h packages) refund(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	ctx, u := c.UserContext(), render.User(c)
	p, err := courses.GetPackage(ctx, h.DB.R, u, id)
	if err != nil {
		return err
	}
	key := c.FormValue("key")
	reason := strings.TrimSpace(c.FormValue("reason"))
	fail := func(status int, msg string) error {
		return h.page(c, status, p.MemberID, nil, render.View{Flash: msg, FlashKind: "error"})
	}
	if reason == "" {
		return fail(fiber.StatusUnprocessableEntity, h.T(c, "courses.err.reason"))
	}
	if !models.ValidIdempotencyKey(key) {
		return fail(fiber.StatusUnprocessableEntity, h.T(c, "err.cashier_stale_form"))
	}
	s, err := h.shift(c)
	if err != nil {
		return err
	}
	out, err := courses.RefundPackage(ctx, h.DB, h.Now(), models.Idem{Scope: scope(c), Key: key,
		Hash: models.RequestHash([]byte("desk-package-refund"), []byte(strconv.FormatInt(id, 10)), []byte(reason))},
		courses.RefundInput{PackageID: id, Reason: reason, Actor: actor(c, s), User: u,
			Approver: models.Approver{Username: strings.TrimSpace(c.FormValue("approver_username")),
				Password: c.FormValue("approver_password"), PIN: strings.TrimSpace(c.FormValue("approver_pin"))}})
	if e, ok := models.AsError(err); ok {
		status := fiber.StatusUnprocessableEntity
		if e.Kind == models.KindConflict {
			status = fiber.StatusConflict
		}
		return fail(status, h.T(c, e.Key, e.Args...))
	}
	if err != nil {
		return err
	}
	var res courses.RefundResult
	if err := json.Unmarshal(out.Body, &res); err != nil {
		return err
	}
	q := url.Values{"ok": {"refunded"}, "hours": {strconv.FormatInt(res.HoursRefunded+res.BonusForfeited, 10)},
		"amount": {strconv.FormatInt(res.Amount, 10)}}
	return render.Redirect(c, "/cashier/members/"+strconv.FormatInt(p.MemberID, 10)+"/packages?"+q.Encode())
}

// planCreate enrols the member in an academic-year plan; the deposit is
// taken by the method chosen and held apart until the plan ends.
func (h packages) planCreate(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	years, _ := strconv.Atoi(c.FormValue("years"))
	deposit, _, ok := parseFen(c.FormValue("deposit"))
	fail := func(status int, msg string) error {
		return h.page(c, status, id, nil, render.View{Flash: msg, FlashKind: "error"})
	}
	if !ok {
		return fail(fiber.StatusUnprocessableEntity, h.T(c, "err.ledger_bad_amount"))
	}
	key := c.FormValue("key")
	if !models.ValidIdempotencyKey(key) {
		return fail(fiber.StatusUnprocessableEntity, h.T(c, "err.cashier_stale_form"))
	}
	s, err := h.shift(c)
	if err != nil {
		return err
	}
	if s == nil {
		return fail(fiber.StatusConflict, h.T(c, "err.shift_none"))
	}
	method := c.FormValue("method")
	out, err := courses.EnrolPlan(c.UserContext(), h.DB, h.Now(), h.Loc, models.Idem{Scope: scope(c), Key: key,
		Hash: models.RequestHash([]byte("desk-plan"), []byte(c.Params("id")), []byte(strconv.Itoa(years)),
			[]byte(strconv.FormatInt(deposit, 10)), []byte(method))},
		courses.PlanInput{MemberID: id, Years: years, Deposit: deposit, Method: method, Actor: actor(c, s), User: render.User(c)})
	if e, ok := models.AsError(err); ok {
		msg := h.T(c, e.Key, e.Args...)
		for _, v := range h.FieldErrors(c, err) {
			msg = v
		}
		return fail(fiber.StatusUnprocessableEntity, msg)
	}
	if err != nil {
		return err
	}
	var p courses.PlanResult
	if err := json.Unmarshal(out.Body, &p); err != nil {
		return err
	}
	q := url.Values{"ok": {"plan"}, "years": {strconv.Itoa(p.Years)}, "deposit": {strconv.FormatInt(p.Deposit, 10)}}
	return render.Redirect(c, "/cashier/members/"+strconv.FormatInt(id, 10)+"/packages?"+q.Encode())
}

// planClose completes a plan (the deposit is paid back) or records that the
// child left early (the deposit is forfeited, with the reason).
func (h packages) planClose(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	status, reason, key := c.FormValue("status"), strings.TrimSpace(c.FormValue("reason")), c.FormValue("key")
	if status != courses.PlanCompleted && status != courses.PlanLeft {
		return fiber.ErrBadRequest
	}
	s, err := h.shift(c)
	if err != nil {
		return err
	}
	out, err := courses.FinishPlan(c.UserContext(), h.DB, h.Now(), h.Loc, models.Idem{Scope: scope(c), Key: key,
		Hash: models.RequestHash([]byte("desk-plan-close"), []byte(c.Params("id")), []byte(status), []byte(reason))},
		actor(c, s), render.User(c), id, status, reason)
	if e, ok := models.AsError(err); ok {
		if e.Kind == models.KindNotFound {
			return err
		}
		var memberID int64
		if ps, _ := courses.GetPlan(c.UserContext(), h.DB.R, id); ps != nil {
			memberID = ps.MemberID
		}
		msg := h.T(c, e.Key, e.Args...)
		for _, v := range h.FieldErrors(c, err) {
			msg = v
		}
		status := fiber.StatusUnprocessableEntity
		if e.Kind == models.KindConflict {
			status = fiber.StatusConflict
		}
		return h.page(c, status, memberID, nil, render.View{Flash: msg, FlashKind: "error"})
	}
	if err != nil {
		return err
	}
	var p courses.PlanResult
	if err := json.Unmarshal(out.Body, &p); err != nil {
		return err
	}
	q := url.Values{"ok": {p.Status}, "deposit": {strconv.FormatInt(p.Deposit, 10)}}
	return render.Redirect(c, "/cashier/members/"+strconv.FormatInt(p.MemberID, 10)+"/packages?"+q.Encode())
}

// exclusiveEnrol takes a seat for the member, the member's points held at
// the tier's price until the course opens (or given back if it does not).
func (h packages) exclusiveEnrol(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	eid, err := strconv.ParseInt(c.Params("eid"), 10, 64)
	if err != nil || eid <= 0 {
		return courses.ErrExclusiveNotFound
	}
	key := c.FormValue("key")
	fail := func(status int, msg string) error {
		return h.page(c, status, id, nil, render.View{Flash: msg, FlashKind: "error"})
	}
	if !models.ValidIdempotencyKey(key) {
		return fail(fiber.StatusUnprocessableEntity, h.T(c, "err.cashier_stale_form"))
	}
	s, err := h.shift(c)
	if err != nil {
		return err
	}
	out, err := courses.Enrol(c.UserContext(), h.DB, h.Now(), h.Loc, models.Idem{Scope: scope(c), Key: key,
		Hash: models.RequestHash([]byte("desk-exclusive"), []byte(c.Params("id")), []byte(c.Params("eid")))},
		courses.EnrolInput{CourseID: eid, MemberID: id, Actor: actor(c, s), User: render.User(c)})
	if e, ok := models.AsError(err); ok {
		if e.Kind == models.KindNotFound {
			return err
		}
		return fail(fiber.StatusConflict, h.T(c, e.Key, e.Args...))
	}
	if err != nil {
		return err
	}
	var en courses.Enrolment
	if err := json.Unmarshal(out.Body, &en); err != nil {
		return err
	}
	var name string
	if ex, _, err := courses.Enrolments(c.UserContext(), h.DB.R, nil, eid); err == nil {
		name = ex.Name
	}
	q := url.Values{"ok": {"seat"}, "course": {name}, "points": {strconv.FormatInt(en.Points, 10)}}
	return render.Redirect(c, "/cashier/members/"+strconv.FormatInt(id, 10)+"/packages?"+q.Encode())
}
