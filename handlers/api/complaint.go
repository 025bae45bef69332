package api

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
	"starcard/models/care"
)

// mountComplaints mounts the complaints workflow (DOMAIN §4b, issue 14).
// Roles (checked in models/care): admin and service_head on every campus,
// campus_manager on their own (another campus's complaint is 404); teachers
// list and reply on their own campus only (transitions and creating are
// 403 for them); cashier and kiosk get 403.
//
//	POST /api/v1/complaints                   admin, service_head, campus_manager
//	GET  /api/v1/complaints                   + teacher
//	POST /api/v1/complaints/:id/replies       + teacher
//	POST /api/v1/complaints/:id/transitions   admin, service_head, campus_manager
func (h handler) mountComplaints(doc *Doc, r fiber.Router) {
	doc.Define("Complaint", complaintSchema())
	cp := Schema{"$ref": "#/components/schemas/Complaint"}
	doc.Route(r, fiber.MethodPost, "/complaints", Op{
		Summary: "Record a complaint or suggestion on a family's behalf (phone, visit, WeChat…): the first-answer clock starts and the owner is alerted",
		Request: Obj(Props{"member_id": Int(), "kind": Enum(models.ComplaintKindComplaint, models.ComplaintKindSuggestion),
			"category": Enum(models.ComplaintCategories...), "body": Str(), "channel": Enum(care.Channels...),
			"priority": Enum(care.Priorities...)}, "member_id", "category", "body"),
		Responses: Resp{201: cp, 400: Problem(), 401: Problem(), 403: Problem(), 415: Problem(), 422: Problem()},
	}, h.complaintCreate)
	doc.Route(r, fiber.MethodGet, "/complaints", Op{
		Summary: "Complaints on the caller's campuses, newest first (opaque cursor); overdue=true keeps those past their first-answer deadline",
		Query:   []string{"status", "overdue", "category", "campus_id", "owner_id", "cursor", "limit"},
		Responses: Resp{200: Obj(Props{"complaints": Arr(cp), "next_cursor": Schema{"type": "string", "nullable": true}}),
			401: Problem(), 403: Problem(), 422: Problem()},
	}, h.complaintList)
	doc.Route(r, fiber.MethodPost, "/complaints/:id/replies", Op{
		Summary: "Reply to the family (public: the first public reply is the first answer; the family is notified) or add an internal note",
		Request: Obj(Props{"body": Str(), "public": Bool()}, "body", "public"),
		Responses: Resp{201: Obj(Props{"id": Int(), "complaint_id": Int(), "body": Str(), "public": Bool(), "at": Str()}),
			400: Problem(), 401: Problem(), 403: Problem(), 404: Problem(), 409: Problem(), 415: Problem(), 422: Problem()},
	}, h.complaintReply)
	doc.Route(r, fiber.MethodPost, "/complaints/:id/transitions", Op{
		Summary: "Move a complaint: received→investigating→resolved (a note for the family is required), resolved→investigating, confirmed→archived (cause, root_cause, corrective_action required); any other move is 409",
		Request: Obj(Props{"to": Enum(care.Targets...), "note": Str(), "cause": Enum(care.Causes...), "root_cause": Str(),
			"corrective_action": Str()}, "to"),
		Responses: Resp{200: cp, 400: Problem(), 401: Problem(), 403: Problem(), 404: Problem(), 409: Problem(), 415: Problem(), 422: Problem()},
	}, h.complaintTransition)
}

func complaintSchema() Schema {
	ts := Schema{"type": "string", "format": "date-time", "nullable": true}
	return Obj(Props{"id": Int(), "member_id": Schema{"type": "integer", "nullable": true}, "family_id": Int(), "campus_id": Int(),
		"kind": Str(), "category": Str(), "body": Str(), "channel": Str(), "priority": Str(),
		"status": Enum(models.ComplaintStatuses...), "owner_id": Int(), "first_answer_due_at": Str(), "first_answer_at": ts,
		"resolved_at": ts, "confirmed_at": ts, "archived_at": ts, "overdue": Bool(), "cause": Str(), "root_cause": Str(),
		"corrective_action": Str(), "created_at": Str()})
}

type complaintJSON struct {
	ID               int64      `json:"id"`
	MemberID         *int64     `json:"member_id"`
	FamilyID         int64      `json:"family_id"`
	CampusID         int64      `json:"campus_id"`
	Kind             string     `json:"kind"`
	Category         string     `json:"category"`
	Body             string     `json:"body"`
	Channel          string     `json:"channel"`
	Priority         string     `json:"priority"`
	Status           string     `json:"status"`
	OwnerID          int64      `json:"owner_id"`
	FirstAnswerDueAt time.Time  `json:"first_answer_due_at"`
	FirstAnswerAt    *time.Time `json:"first_answer_at"`
	ResolvedAt       *time.Time `json:"resolved_at"`
	ConfirmedAt      *time.Time `json:"confirmed_at"`
	ArchivedAt       *time.Time `json:"archived_at"`
	Overdue          bool       `json:"overdue"`
	Cause            string     `json:"cause"`
	RootCause        string     `json:"root_cause"`
	CorrectiveAction string     `json:"corrective_action"`
	CreatedAt        time.Time  `json:"created_at"`
}

func toComplaintJSON(c *care.Case, now time.Time) complaintJSON {
	return complaintJSON{ID: c.ID, MemberID: c.MemberID, FamilyID: c.FamilyID, CampusID: c.CampusID, Kind: c.Kind,
		Category: c.Category, Body: c.Body, Channel: c.Channel, Priority: c.Priority, Status: c.Status, OwnerID: c.OwnerID,
		FirstAnswerDueAt: c.FirstAnswerDueAt.UTC(), FirstAnswerAt: c.FirstAnswerAt, ResolvedAt: c.ResolvedAt,
		ConfirmedAt: c.ConfirmedAt, ArchivedAt: c.ArchivedAt, Overdue: c.Overdue(now), Cause: c.Cause, RootCause: c.RootCause,
		CorrectiveAction: c.CorrectiveAction, CreatedAt: c.CreatedAt.UTC()}
}

type complaintCreateRequest struct {
	MemberID int64  `json:"member_id"`
	Kind     string `json:"kind"`
	Category string `json:"category"`
	Body     string `json:"body"`
	Channel  string `json:"channel"`
	Priority string `json:"priority"`
}

func (h handler) complaintCreate(c *fiber.Ctx) error {
	var req complaintCreateRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	u := render.User(c)
	if req.Channel == "" {
		req.Channel = "other"
	}
	cs, err := care.Record(c.UserContext(), h.DB, h.Now(), u, care.NewCase{MemberID: req.MemberID, Kind: req.Kind,
		Category: req.Category, Body: req.Body, Channel: req.Channel, Priority: req.Priority})
	if err != nil {
		return err
	}
	row, err := care.Get(c.UserContext(), h.DB.W, u, cs.ID)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(toComplaintJSON(&row.Case, h.Now()))
}

func (h handler) complaintList(c *fiber.Ctx) error {
	f := care.Filter{Status: c.Query("status"), Category: c.Query("category"), Overdue: c.Query("overdue") == "true"}
	f.CampusID, _ = strconv.ParseInt(c.Query("campus_id"), 10, 64)
	f.OwnerID, _ = strconv.ParseInt(c.Query("owner_id"), 10, 64)
	if cur := c.Query("cursor"); cur != "" {
		n, err := strconv.ParseInt(cur, 10, 64)
		if err != nil || n <= 0 {
			return models.ErrBadCursor.Field("cursor", "err.bad_cursor")
		}
		f.Before = n
	}
	f.Limit, _ = strconv.Atoi(c.Query("limit"))
	if f.Limit <= 0 || f.Limit > 100 {
		f.Limit = 50
	}
	limit := f.Limit
	f.Limit++ // one more tells whether there is a next page
	rows, err := care.Queue(c.UserContext(), h.DB.R, h.Now(), render.User(c), f, true)
	if err != nil {
		return err
	}
	var next any
	if len(rows) > limit {
		rows = rows[:limit]
		next = strconv.FormatInt(rows[len(rows)-1].ID, 10)
	}
	out := make([]complaintJSON, len(rows))
	for i := range rows {
		out[i] = toComplaintJSON(&rows[i].Case, h.Now())
	}
	return c.JSON(fiber.Map{"complaints": out, "next_cursor": next})
}

type complaintReplyRequest struct {
	Body   string `json:"body"`
	Public *bool  `json:"public"`
}

func (h handler) complaintReply(c *fiber.Ctx) error {
	id, err := ledgerParamID(c, models.ErrNotFound)
	if err != nil {
		return err
	}
	var req complaintReplyRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	if req.Public == nil {
		return models.Invalid(map[string]string{"public": "err.required"})
	}
	up, err := care.Reply(c.UserContext(), h.DB, h.Now(), render.User(c), id, req.Body, *req.Public)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"id": up.ID, "complaint_id": id, "body": up.Note, "public": up.Public,
		"at": up.At.UTC()})
}

type complaintTransitionRequest struct {
	To               string `json:"to"`
	Note             string `json:"note"`
	Cause            string `json:"cause"`
	RootCause        string `json:"root_cause"`
	CorrectiveAction string `json:"corrective_action"`
}

func (h handler) complaintTransition(c *fiber.Ctx) error {
	id, err := ledgerParamID(c, models.ErrNotFound)
	if err != nil {
		return err
	}
	var req complaintTransitionRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	cs, err := care.Transition(c.UserContext(), h.DB, h.Now(), render.User(c), id, care.Move{To: req.To, Note: req.Note,
		Cause: req.Cause, RootCause: req.RootCause, CorrectiveAction: req.CorrectiveAction})
	if err != nil {
		return err
	}
	return c.JSON(toComplaintJSON(cs, h.Now()))
}
