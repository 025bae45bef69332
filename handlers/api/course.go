package api

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
	"starcard/models/courses"
)

func courseSchema() Schema {
	return Obj(Props{"id": Int(), "campus_id": Int(), "name": Str(), "category": Enum(models.Categories...),
		"hours_per_lesson": Int(), "price_per_hour": Int(), "teacher_id": Int(), "weekdays": Str(), "lesson_time": Str(),
		"validity_months": Int(), "consume_on": Enum(courses.ConsumeRollCall, courses.ConsumeKiosk),
		"max_prepaid_hours": Int(), "renewal_at_hours": Int(), "created_at": Str()})
}

func hoursBalances() Schema {
	return Obj(Props{"points": Int(), "stored_value_principal": Int(), "stored_value_bonus": Int(),
		"class_hours": Schema{"type": "object", "additionalProperties": Int()}})
}

// mountCourses mounts courses, class-hour packages and attendance (issue 15).
func (h handler) mountCourses(doc *Doc, r fiber.Router) {
	doc.Define("Course", courseSchema())
	course := Schema{"$ref": "#/components/schemas/Course"}
	doc.Route(r, fiber.MethodPost, "/courses", Op{
		Summary: "Create a course (admin, service head, or a campus manager at their campus)",
		Request: Obj(Props{"name": Str(), "category": Enum(models.Categories...), "hours_per_lesson": Int(),
			"price_per_hour": Int(), "campus_id": Int(), "teacher_id": Int(), "weekdays": Str(), "lesson_time": Str(),
			"validity_months": Int(), "consume_on": Enum(courses.ConsumeRollCall, courses.ConsumeKiosk),
			"max_prepaid_hours": Int(), "renewal_at_hours": Int()}, "name", "category", "price_per_hour"),
		Responses: Resp{201: course, 401: Problem(), 403: Problem(), 409: Problem(), 415: Problem(), 422: Problem()},
	}, h.courseCreate)
	doc.Route(r, fiber.MethodGet, "/courses", Op{
		Summary:   "The courses of the caller's campuses, with how many students hold hours and how many",
		Responses: Resp{200: Obj(Props{"courses": Arr(course)}), 401: Problem(), 403: Problem()},
	}, h.courseList)
	doc.Route(r, fiber.MethodPost, "/members/:id/packages", Op{
		Summary: "Sell a class-hour package: paid as a purchase (any method, points, coupons, tier discount), " +
			"credited as hours for the course; refused over the course's prepaid cap with how many hours may still be sold",
		Idempotent: true,
		Request: Obj(Props{"course_id": Int(), "hours": Int(), "bonus_hours": Int(), "amount": Int(),
			"payments":         Arr(Obj(Props{"method": Enum(models.PaymentMethods...), "amount": Int()}, "method", "amount")),
			"points_to_redeem": Int(), "coupon_codes": Arr(Str()), "valid_until": Str()}, "course_id", "hours", "amount", "payments"),
		Responses: Resp{201: Obj(Props{"id": Int(), "member_id": Int(), "course_id": Int(), "course_name": Str(), "hours": Int(),
			"bonus_hours": Int(), "hours_left": Int(), "purchase_id": Int(), "total": Int(), "paid": Int(), "discount": Int(),
			"points_earned": Int(), "points_redeemed": Int(), "coupons_used": Arr(Str()), "valid_until": Str(), "at": Str(),
			"balances": hoursBalances()}), 401: Problem(), 403: Problem(), 404: Problem(), 409: Problem(), 415: Problem(), 422: Problem()},
	}, h.packageCreate)
	doc.Route(r, fiber.MethodGet, "/members/:id/courses", Op{
		Summary: "A member's courses with the hours left, and the latest lessons",
		Responses: Resp{200: Obj(Props{"courses": Arr(Obj(Props{"course_id": Int(), "name": Str(), "hours_left": Int(),
			"hours_per_lesson": Int(), "valid_until": Str(), "renewal_due": Bool(), "next_lesson": Str(), "weekdays": Str(),
			"lesson_time": Str(), "price_per_hour": Int()})),
			"lessons": Arr(Obj(Props{"id": Int(), "course_id": Int(), "course_name": Str(), "on": Str(), "status": Str(),
				"hours": Int(), "at": Str()}))}), 401: Problem(), 403: Problem(), 404: Problem()},
	}, h.memberCourses)
	doc.Route(r, fiber.MethodPost, "/packages/:id/refunds", Op{
		Summary: "Refund what is left of a class-hour package: bonus hours forfeited first, the paid hours left " +
			"bought back pro rata to what was paid, through the purchase refund (stored value back, other methods owed)",
		Idempotent: true,
		Request: Obj(Props{"reason": Str(), "approver": Obj(Props{"username": Str(), "password": Str()}, "username", "password")},
			"reason"),
		Responses: Resp{201: Obj(Props{"id": Int(), "purchase_id": Int(), "refund_id": Int(), "hours_refunded": Int(),
			"bonus_forfeited": Int(), "amount": Int(), "stored_value_returned": Int(), "points_reversed": Int(),
			"owed": Schema{"type": "object", "additionalProperties": Int()}, "balances": hoursBalances()}),
			401: Problem(), 403: Problem(), 404: Problem(), 409: Problem(), 415: Problem(), 422: Problem()},
	}, h.packageRefund)
	attendance := Obj(Props{"id": Int(), "course_id": Int(), "member_id": Int(), "on": Str(),
		"status": Enum(courses.Statuses...), "hours_consumed": Int(), "hours_left": Int(), "renewal_due": Bool()})
	doc.Route(r, fiber.MethodPost, "/attendance", Op{
		Summary: "Mark a member at a lesson: present consumes the course's hours per lesson, leave and absent none; " +
			"the same member, course and day twice is 409 (change it with a correction)",
		Idempotent: true,
		Request: Obj(Props{"course_id": Int(), "member_id": Int(), "on": Str(), "status": Enum(courses.Statuses...)},
			"course_id", "member_id", "status"),
		Responses: Resp{201: attendance, 401: Problem(), 403: Problem(), 404: Problem(), 409: Problem(), 415: Problem(), 422: Problem()},
	}, h.attendanceCreate)
	plan := Obj(Props{"id": Int(), "member_id": Int(), "campus_id": Int(), "years": Int(), "start_on": Str(), "end_on": Str(),
		"deposit": Int(), "method": Enum(courses.DepositMethods...), "status": Enum(courses.PlanActive, courses.PlanCompleted, courses.PlanLeft),
		"reason": Str(), "created_at": Str(), "closed_at": Str(), "deposit_held": Int(), "honorary": Bool()})
	doc.Route(r, fiber.MethodPost, "/members/:id/plans", Op{
		Summary: "Enrol a member in an academic-year plan (学年制, 1–6 years): the deposit is held apart in the ledger " +
			"until the plan is completed (paid back) or left early (forfeited)",
		Idempotent: true,
		Request: Obj(Props{"years": Int(), "deposit": Int(), "method": Enum(courses.DepositMethods...), "start_on": Str()},
			"years", "deposit", "method"),
		Responses: Resp{201: plan, 401: Problem(), 403: Problem(), 404: Problem(), 409: Problem(), 415: Problem(), 422: Problem()},
	}, h.planCreate)
	doc.Route(r, fiber.MethodGet, "/members/:id/plans", Op{
		Summary:   "A member's academic-year plans and whether the member is a lifetime honorary member (终身荣誉学员)",
		Responses: Resp{200: Obj(Props{"plans": Arr(plan), "honorary": Bool()}), 401: Problem(), 403: Problem(), 404: Problem()},
	}, h.planList)
	doc.Route(r, fiber.MethodPost, "/plans/:id/complete", Op{
		Summary: "Complete a plan on or after its end date: the deposit is paid back by the method it came in; " +
			"six completed years make a lifetime honorary member",
		Idempotent: true,
		Request:    Obj(Props{"reason": Str()}),
		Responses:  Resp{200: plan, 401: Problem(), 403: Problem(), 404: Problem(), 409: Problem(), 415: Problem(), 422: Problem()},
	}, h.planComplete)
	doc.Route(r, fiber.MethodPost, "/plans/:id/leave", Op{
		Summary:    "Leave a plan early: the deposit is forfeited, with the reason",
		Idempotent: true,
		Request: Obj(Props{"reason": Str(), "approver": Obj(Props{"username": Str(), "password": Str()}, "username", "password")},
			"reason"),
		Responses: Resp{200: plan, 401: Problem(), 403: Problem(), 404: Problem(), 409: Problem(), 415: Problem(), 422: Problem()},
	}, h.planLeave)
	exclusive := Obj(Props{"id": Int(), "campus_id": Int(), "name": Str(), "hours": Int(), "sessions": Int(), "capacity": Int(),
		"min_to_open": Int(), "starts_on": Str(), "price": Int(), "points_silver": Int(), "points_gold": Int(),
		"points_platinum": Int(), "teacher_id": Int(), "status": Enum(courses.ExclusiveOpen, courses.ExclusiveRunning, courses.ExclusiveCancelled),
		"settled_at": Str(), "created_at": Str()})
	enrolment := Obj(Props{"id": Int(), "course_id": Int(), "member_id": Int(), "guest_name": Str(), "points": Int(), "amount": Int(),
		"method": Str(), "status": Enum(courses.EnrolEnrolled, courses.EnrolRefunded), "created_at": Str(), "closed_at": Str(), "name": Str()})
	doc.Route(r, fiber.MethodPost, "/exclusive-courses", Op{
		Summary: "Create a points-exclusive course (积分专享课程, ≤ 30 hours): seats in points by tier for members, money for guests; " +
			"below min_to_open (default 20) on the start date everyone is refunded",
		Request: Obj(Props{"name": Str(), "hours": Int(), "sessions": Int(), "capacity": Int(), "min_to_open": Int(), "starts_on": Str(),
			"price": Int(), "points_silver": Int(), "points_gold": Int(), "points_platinum": Int(), "campus_id": Int(), "teacher_id": Int()},
			"name", "hours", "capacity", "starts_on", "price", "points_silver", "points_gold", "points_platinum"),
		Responses: Resp{201: exclusive, 401: Problem(), 403: Problem(), 415: Problem(), 422: Problem()},
	}, h.exclusiveCreate)
	doc.Route(r, fiber.MethodPost, "/exclusive-courses/:id/enrolments", Op{
		Summary:    "Take a seat: a member's points are held at the tier's price until the course opens; a guest pays money",
		Idempotent: true,
		Request:    Obj(Props{"member_id": Int(), "guest_name": Str(), "guest_phone": Str(), "method": Enum(courses.DepositMethods...)}),
		Responses:  Resp{201: enrolment, 401: Problem(), 403: Problem(), 404: Problem(), 409: Problem(), 415: Problem(), 422: Problem()},
	}, h.exclusiveEnrol)
	doc.Route(r, fiber.MethodGet, "/exclusive-courses/:id/enrolments", Op{
		Summary:   "The course and its enrolment list (for the teacher)",
		Responses: Resp{200: Obj(Props{"course": exclusive, "enrolments": Arr(enrolment)}), 401: Problem(), 403: Problem(), 404: Problem()},
	}, h.exclusiveList)
	trial := Obj(Props{"id": Int(), "course_id": Int(), "member_id": Int(), "on": Str(),
		"status": Enum(courses.TrialBooked, courses.TrialAttended, courses.TrialNoShow), "created_at": Str(), "marked_at": Str(), "name": Str()})
	doc.Route(r, fiber.MethodPost, "/courses/:id/trials", Op{
		Summary:   "Book a trial lesson (试听) for a prospect on a lesson day in the next 60 days",
		Request:   Obj(Props{"member_id": Int(), "on": Str()}, "member_id", "on"),
		Responses: Resp{201: trial, 401: Problem(), 403: Problem(), 404: Problem(), 409: Problem(), 415: Problem(), 422: Problem()},
	}, h.trialCreate)
	doc.Route(r, fiber.MethodPost, "/trials/:id/attendance", Op{
		Summary:   "Mark whether the prospect came to the trial lesson (on or after its day)",
		Request:   Obj(Props{"attended": Bool()}, "attended"),
		Responses: Resp{200: trial, 401: Problem(), 403: Problem(), 404: Problem(), 409: Problem(), 415: Problem(), 422: Problem()},
	}, h.trialMark)
	doc.Route(r, fiber.MethodGet, "/prospects/funnel", Op{
		Summary: "The prospect pipeline over [from, to) (school days, default the last 30): new prospects, trials booked " +
			"and attended, conversions (prospect → enrolled), activations (first lesson), graduations, churn",
		Query: []string{"from", "to", "campus_id"},
		Responses: Resp{200: Obj(Props{"from": Str(), "to": Str(), "new_prospects": Int(), "trials_booked": Int(),
			"trials_attended": Int(), "converted": Int(), "activated": Int(), "graduated": Int(), "churned": Int()}),
			401: Problem(), 403: Problem(), 422: Problem()},
	}, h.funnelShow)
	doc.Route(r, fiber.MethodGet, "/courses/renewals", Op{
		Summary: "Renewal (续班) per course over a term [from, to): students who attended a lesson, and those who " +
			"bought the course's hours again after it (with campus and teacher, for the reports)",
		Query: []string{"from", "to", "campus_id"},
		Responses: Resp{200: Obj(Props{"from": Str(), "to": Str(), "courses": Arr(Obj(Props{"course_id": Int(), "name": Str(),
			"campus_id": Int(), "teacher_id": Int(), "students": Int(), "renewed": Int()}))}), 401: Problem(), 403: Problem(), 422: Problem()},
	}, h.renewalList)
	doc.Route(r, fiber.MethodPost, "/attendance/:id/corrections", Op{
		Summary:    "Correct a mark with new ledger entries: present → leave/absent gives the hours back, the reverse consumes them",
		Idempotent: true,
		Request:    Obj(Props{"status": Enum(courses.Statuses...)}, "status"),
		Responses:  Resp{201: attendance, 401: Problem(), 403: Problem(), 404: Problem(), 409: Problem(), 415: Problem(), 422: Problem()},
	}, h.attendanceCorrect)
}

type courseRequest struct {
	Name            string `json:"name"`
	Category        string `json:"category"`
	HoursPerLesson  int64  `json:"hours_per_lesson"`
	PricePerHour    int64  `json:"price_per_hour"`
	CampusID        int64  `json:"campus_id"`
	TeacherID       int64  `json:"teacher_id"`
	Weekdays        string `json:"weekdays"`
	LessonTime      string `json:"lesson_time"`
	ValidityMonths  int    `json:"validity_months"`
	ConsumeOn       string `json:"consume_on"`
	MaxPrepaidHours int64  `json:"max_prepaid_hours"`
	RenewalAtHours  int64  `json:"renewal_at_hours"`
}

func (h handler) courseCreate(c *fiber.Ctx) error {
	var req courseRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	campus, err := h.campusForCourse(c, req.CampusID)
	if err != nil {
		return err
	}
	co, err := courses.CreateCourse(c.UserContext(), h.DB.W, h.Now(), render.Actor(c), courses.NewCourse{CampusID: campus,
		Name: req.Name, Category: req.Category, HoursPerLesson: req.HoursPerLesson, PricePerHour: req.PricePerHour,
		TeacherID: req.TeacherID, Weekdays: req.Weekdays, LessonTime: req.LessonTime, ValidityMonths: req.ValidityMonths,
		ConsumeOn: req.ConsumeOn, MaxPrepaidHours: req.MaxPrepaidHours, RenewalAtHours: req.RenewalAtHours})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(co)
}

// campusForCourse is the campus a new course goes to: the one asked for,
// or the caller's (or the school's) only campus (models.ResolveCampus).
func (h handler) campusForCourse(c *fiber.Ctx, asked int64) (int64, error) {
	return models.ResolveCampus(c.UserContext(), h.DB.R, render.User(c), asked)
}

func (h handler) courseList(c *fiber.Ctx) error {
	rows, err := courses.ListCourses(c.UserContext(), h.DB.R, courses.VisibleCampuses(render.User(c)))
	if err != nil {
		return err
	}
	if rows == nil {
		rows = []courses.CourseRow{}
	}
	return c.JSON(fiber.Map{"courses": rows})
}

type packageRequest struct {
	CourseID       int64            `json:"course_id"`
	Hours          int64            `json:"hours"`
	BonusHours     int64            `json:"bonus_hours"`
	Amount         int64            `json:"amount"`
	Payments       []models.Payment `json:"payments"`
	PointsToRedeem int64            `json:"points_to_redeem"`
	CouponCodes    []string         `json:"coupon_codes"`
	ValidUntil     string           `json:"valid_until"`
}

func (h handler) packageCreate(c *fiber.Ctx) error {
	id, err := memberID(c)
	if err != nil {
		return err
	}
	var req packageRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	in := courses.SaleInput{MemberID: id, CourseID: req.CourseID, Hours: req.Hours, BonusHours: req.BonusHours,
		Amount: req.Amount, Payments: req.Payments, PointsToRedeem: req.PointsToRedeem, CouponCodes: req.CouponCodes,
		Actor: render.Actor(c), User: render.User(c)}
	if req.ValidUntil != "" {
		t, err := parseDate(req.ValidUntil, h.Deps)
		if err != nil {
			return err
		}
		in.ValidUntil = &t
	}
	out, err := courses.SellPackage(c.UserContext(), h.DB, h.Now(), ledgerIdem(c, req), in)
	if err != nil {
		return err
	}
	return ledgerSend(c, out)
}

// parseDate reads a date (the end of that school day) or an RFC 3339 time.
func parseDate(s string, d *render.Deps) (time.Time, error) {
	if t, err := time.ParseInLocation(time.DateOnly, s, d.Loc); err == nil {
		return t.AddDate(0, 0, 1).UTC(), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	return time.Time{}, models.Invalid(map[string]string{"valid_until": "courses.err.valid_until"})
}

func (h handler) memberCourses(c *fiber.Ctx) error {
	id, err := memberID(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	if err := models.CheckMemberAccess(ctx, h.DB.R, render.User(c), id); err != nil {
		return err
	}
	cs, err := courses.MemberCourses(ctx, h.DB.R, h.Now(), h.Loc, id)
	if err != nil {
		return err
	}
	ls, err := courses.LessonHistory(ctx, h.DB.R, id, 50)
	if err != nil {
		return err
	}
	if ls == nil {
		ls = []courses.Lesson{}
	}
	return c.JSON(fiber.Map{"courses": cs, "lessons": ls})
}

type packageRefundRequest struct {
	Reason   string           `json:"reason"`
	Approver *approverRequest `json:"approver,omitempty"`
}

// hashed leaves the approver's password out of the idempotency hash.
func (r packageRefundRequest) hashed() any {
	return refundRequest{Reason: r.Reason, Approver: r.Approver}.hashed()
}

func (h handler) packageRefund(c *fiber.Ctx) error {
	id, err := ledgerParamID(c, courses.ErrPackageNotFound)
	if err != nil {
		return err
	}
	var req packageRefundRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	in := courses.RefundInput{PackageID: id, Reason: req.Reason, Actor: render.Actor(c), User: render.User(c)}
	if req.Approver != nil {
		in.Approver = models.Approver{Username: req.Approver.Username, Password: req.Approver.Password}
	}
	out, err := courses.RefundPackage(c.UserContext(), h.DB, h.Now(), ledgerIdem(c, req.hashed()), in)
	if err != nil {
		return err
	}
	return ledgerSend(c, out)
}

type attendanceRequest struct {
	CourseID int64  `json:"course_id"`
	MemberID int64  `json:"member_id"`
	On       string `json:"on"`
	Status   string `json:"status"`
}

func (h handler) attendanceCreate(c *fiber.Ctx) error {
	var req attendanceRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	out, err := courses.MarkAttendance(c.UserContext(), h.DB, h.Now(), h.Loc, ledgerIdem(c, req), courses.AttendanceInput{
		CourseID: req.CourseID, MemberID: req.MemberID, On: req.On, Status: req.Status, Actor: render.Actor(c),
		User: render.User(c)})
	if err != nil {
		return err
	}
	return ledgerSend(c, out)
}

type correctionRequest struct {
	Status string `json:"status"`
}

func (h handler) attendanceCorrect(c *fiber.Ctx) error {
	id, err := ledgerParamID(c, courses.ErrAttendanceNotFound)
	if err != nil {
		return err
	}
	var req correctionRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	out, err := courses.CorrectOnce(c.UserContext(), h.DB, h.Now(), h.Loc, ledgerIdem(c, req), render.Actor(c),
		render.User(c), id, req.Status)
	if err != nil {
		return err
	}
	return ledgerSend(c, out)
}

type planRequest struct {
	Years   int    `json:"years"`
	Deposit int64  `json:"deposit"`
	Method  string `json:"method"`
	StartOn string `json:"start_on"`
}

func (h handler) planCreate(c *fiber.Ctx) error {
	id, err := memberID(c)
	if err != nil {
		return err
	}
	var req planRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	out, err := courses.EnrolPlan(c.UserContext(), h.DB, h.Now(), h.Loc, ledgerIdem(c, req), courses.PlanInput{MemberID: id,
		Years: req.Years, StartOn: req.StartOn, Deposit: req.Deposit, Method: req.Method, Actor: render.Actor(c),
		User: render.User(c)})
	if err != nil {
		return err
	}
	return ledgerSend(c, out)
}

func (h handler) planList(c *fiber.Ctx) error {
	id, err := memberID(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	if err := models.CheckMemberAccess(ctx, h.DB.R, render.User(c), id); err != nil {
		return err
	}
	ps, hon, err := courses.MemberPlans(ctx, h.DB.R, id)
	if err != nil {
		return err
	}
	if ps == nil {
		ps = []courses.Plan{}
	}
	return c.JSON(fiber.Map{"plans": ps, "honorary": hon})
}

type planCloseRequest struct {
	Reason string `json:"reason"`
}

func (h handler) planClose(c *fiber.Ctx, status string) error {
	id, err := ledgerParamID(c, courses.ErrPlanNotFound)
	if err != nil {
		return err
	}
	var req planCloseRequest
	if len(c.Body()) > 0 {
		if err := decode(c, &req); err != nil {
			return err
		}
	}
	out, err := courses.FinishPlan(c.UserContext(), h.DB, h.Now(), h.Loc, ledgerIdem(c, req), render.Actor(c), render.User(c),
		id, status, req.Reason)
	if err != nil {
		return err
	}
	return ledgerSend(c, out)
}

func (h handler) planComplete(c *fiber.Ctx) error { return h.planClose(c, courses.PlanCompleted) }

func (h handler) planLeave(c *fiber.Ctx) error { return h.planClose(c, courses.PlanLeft) }

type exclusiveRequest struct {
	Name           string `json:"name"`
	Hours          int64  `json:"hours"`
	Sessions       int64  `json:"sessions"`
	Capacity       int64  `json:"capacity"`
	MinToOpen      int64  `json:"min_to_open"`
	StartsOn       string `json:"starts_on"`
	Price          int64  `json:"price"`
	PointsSilver   int64  `json:"points_silver"`
	PointsGold     int64  `json:"points_gold"`
	PointsPlatinum int64  `json:"points_platinum"`
	CampusID       int64  `json:"campus_id"`
	TeacherID      int64  `json:"teacher_id"`
}

func (h handler) exclusiveCreate(c *fiber.Ctx) error {
	var req exclusiveRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	campus, err := h.campusForCourse(c, req.CampusID)
	if err != nil {
		return err
	}
	e, err := courses.CreateExclusive(c.UserContext(), h.DB.W, h.Now(), h.Loc, render.Actor(c), courses.NewExclusive{
		CampusID: campus, Name: req.Name, Hours: req.Hours, Sessions: req.Sessions, Capacity: req.Capacity,
		MinToOpen: req.MinToOpen, StartsOn: req.StartsOn, Price: req.Price, PointsSilver: req.PointsSilver,
		PointsGold: req.PointsGold, PointsPlatinum: req.PointsPlatinum, TeacherID: req.TeacherID})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(e)
}

type enrolRequest struct {
	MemberID   int64  `json:"member_id"`
	GuestName  string `json:"guest_name"`
	GuestPhone string `json:"guest_phone"`
	Method     string `json:"method"`
}

func (h handler) exclusiveEnrol(c *fiber.Ctx) error {
	id, err := ledgerParamID(c, courses.ErrExclusiveNotFound)
	if err != nil {
		return err
	}
	var req enrolRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	out, err := courses.Enrol(c.UserContext(), h.DB, h.Now(), h.Loc, ledgerIdem(c, req), courses.EnrolInput{CourseID: id,
		MemberID: req.MemberID, GuestName: req.GuestName, GuestPhone: req.GuestPhone, Method: req.Method,
		Actor: render.Actor(c), User: render.User(c)})
	if err != nil {
		return err
	}
	return ledgerSend(c, out)
}

func (h handler) exclusiveList(c *fiber.Ctx) error {
	id, err := ledgerParamID(c, courses.ErrExclusiveNotFound)
	if err != nil {
		return err
	}
	e, ens, err := courses.Enrolments(c.UserContext(), h.DB.R, render.User(c), id)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"course": e, "enrolments": ens})
}

type trialRequest struct {
	MemberID int64  `json:"member_id"`
	On       string `json:"on"`
}

func (h handler) trialCreate(c *fiber.Ctx) error {
	id, err := ledgerParamID(c, courses.ErrCourseNotFound)
	if err != nil {
		return err
	}
	var req trialRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	t, err := courses.BookTrial(c.UserContext(), h.DB, h.Now(), h.Loc, render.Actor(c), render.User(c), id, req.MemberID, req.On)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(t)
}

type trialMarkRequest struct {
	Attended *bool `json:"attended"`
}

func (h handler) trialMark(c *fiber.Ctx) error {
	id, err := ledgerParamID(c, courses.ErrTrialNotFound)
	if err != nil {
		return err
	}
	var req trialMarkRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	if req.Attended == nil {
		return models.Invalid(map[string]string{"attended": "err.required"})
	}
	t, err := courses.MarkTrial(c.UserContext(), h.DB, h.Now(), h.Loc, render.Actor(c), render.User(c), id, *req.Attended)
	if err != nil {
		return err
	}
	return c.JSON(t)
}

// period reads ?from= and ?to= (school days; default the last 30 days to
// today inclusive) and ?campus_id= within the caller's campuses.
func (h handler) period(c *fiber.Ctx) (time.Time, time.Time, []int64, error) {
	today := h.Now().In(h.Loc)
	day := func(k string, def time.Time) (time.Time, error) {
		s := c.Query(k)
		if s == "" {
			return def, nil
		}
		d, err := time.ParseInLocation(time.DateOnly, s, h.Loc)
		if err != nil {
			return d, models.Invalid(map[string]string{k: "courses.err.bad_day"})
		}
		return d, nil
	}
	midnight := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, h.Loc)
	from, err := day("from", midnight.AddDate(0, 0, -30))
	if err != nil {
		return from, from, nil, err
	}
	to, err := day("to", midnight.AddDate(0, 0, 1))
	if err != nil {
		return from, to, nil, err
	}
	scope := courses.VisibleCampuses(render.User(c))
	if cid, _ := strconv.ParseInt(c.Query("campus_id"), 10, 64); cid > 0 {
		if !render.User(c).CanSeeCampus(cid) {
			return from, to, nil, models.ErrForbidden
		}
		scope = []int64{cid}
	}
	return from, to, scope, nil
}

func (h handler) renewalList(c *fiber.Ctx) error {
	from, to, scope, err := h.period(c)
	if err != nil {
		return err
	}
	rows, err := courses.Renewals(c.UserContext(), h.DB.R, scope, from, to, h.Loc)
	if err != nil {
		return err
	}
	if rows == nil {
		rows = []courses.RenewalRow{}
	}
	return c.JSON(fiber.Map{"from": from.Format(time.DateOnly), "to": to.Format(time.DateOnly), "courses": rows})
}

func (h handler) funnelShow(c *fiber.Ctx) error {
	from, to, scope, err := h.period(c)
	if err != nil {
		return err
	}
	f, err := courses.ProspectFunnel(c.UserContext(), h.DB.R, scope, from, to)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"from": from.Format(time.DateOnly), "to": to.Format(time.DateOnly), "new_prospects": f.NewProspects,
		"trials_booked": f.TrialsBooked, "trials_attended": f.TrialsAttended, "converted": f.Converted,
		"activated": f.Activated, "graduated": f.Graduated, "churned": f.Churned})
}
