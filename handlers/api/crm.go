package api

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
	"starcard/models/crm"
)

// mountCRM mounts the follow-up task and contact-log routes (models/crm).
func (h handler) mountCRM(doc *Doc, r fiber.Router) {
	task := Obj(Props{"id": Int(), "member_id": Int(), "kind": Enum(crm.TaskKinds...), "due_on": Str(), "due_time": Str(),
		"assignee_id": Schema{"type": "integer", "format": "int64", "nullable": true},
		"status":      Enum(crm.StatusOpen, crm.StatusDone, crm.StatusSkipped), "outcome": Str(), "note": Str(),
		"source": Str(), "created_at": Str(), "done_at": Str(), "done_by": Int()})
	doc.Define("Task", task)
	taskRef := Schema{"$ref": "#/components/schemas/Task"}
	contact := Obj(Props{"id": Int(), "member_id": Int(), "staff_id": Int(), "staff_name": Str(),
		"channel": Enum(crm.Channels...), "content": Str(), "outcome": Str(), "next_step": Str(), "next_on": Str(),
		"task_id": Int(), "next_task_id": Int(), "created_at": Str()})
	doc.Define("Contact", contact)
	contactRef := Schema{"$ref": "#/components/schemas/Contact"}

	doc.Route(r, fiber.MethodGet, "/members/:id/tasks", Op{
		Summary:   "A member's follow-up tasks (calls, birthday gifts, invitations, feedback replies), latest due first",
		Responses: Resp{200: Obj(Props{"tasks": Arr(taskRef)}), 401: Problem(), 403: Problem(), 404: Problem()},
	}, h.memberTasks)
	doc.Route(r, fiber.MethodPost, "/tasks/:id/complete", Op{
		Summary: "Close an open task with its outcome (its assignee, a manager of its campus, a service head or an admin); closed → 409",
		Request: Obj(Props{"outcome": Str(), "note": Str()}, "outcome"),
		Responses: Resp{200: taskRef, 401: Problem(), 403: Problem(), 404: Problem(), 409: Problem(), 415: Problem(),
			422: Problem()},
	}, h.taskComplete)
	doc.Route(r, fiber.MethodPost, "/members/:id/contacts", Op{
		Summary: "Log a contact with the family; task_id closes that task with the outcome; next_on opens a follow-up task",
		Request: Obj(Props{"channel": Enum(crm.Channels...), "content": Str(), "outcome": Str(), "next_step": Str(),
			"next_on": Str(), "task_id": Int()}, "channel", "content", "outcome"),
		Responses: Resp{201: contactRef, 401: Problem(), 403: Problem(), 404: Problem(), 409: Problem(), 415: Problem(),
			422: Problem()},
	}, h.contactCreate)
	doc.Route(r, fiber.MethodGet, "/members/:id/contacts", Op{
		Summary:   "A member's contact log, newest first (opaque cursor)",
		Query:     []string{"cursor", "limit"},
		Responses: Resp{200: Obj(Props{"contacts": Arr(contactRef), "next_cursor": Str()}), 401: Problem(), 403: Problem(), 404: Problem(), 422: Problem()},
	}, h.contactList)
}

func (h handler) memberTasks(c *fiber.Ctx) error {
	id, err := memberID(c)
	if err != nil {
		return err
	}
	ts, err := crm.MemberTasks(c.UserContext(), h.DB.R, render.User(c), id, 100)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"tasks": ts})
}

func (h handler) taskComplete(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return models.ErrNotFound
	}
	var req struct {
		Outcome string `json:"outcome"`
		Note    string `json:"note"`
	}
	if err := decode(c, &req); err != nil {
		return err
	}
	t, err := crm.CompleteTask(c.UserContext(), h.DB, h.Now(), render.Actor(c), render.User(c), id, req.Outcome, req.Note)
	if err != nil {
		return err
	}
	return c.JSON(t)
}

func (h handler) contactCreate(c *fiber.Ctx) error {
	id, err := memberID(c)
	if err != nil {
		return err
	}
	var req struct {
		Channel  string `json:"channel"`
		Content  string `json:"content"`
		Outcome  string `json:"outcome"`
		NextStep string `json:"next_step"`
		NextOn   string `json:"next_on"`
		TaskID   int64  `json:"task_id"`
	}
	if err := decode(c, &req); err != nil {
		return err
	}
	ct, err := crm.LogContact(c.UserContext(), h.DB, h.Now(), h.Loc, render.Actor(c), render.User(c), id, crm.NewContact{
		Channel: req.Channel, Content: req.Content, Outcome: req.Outcome, NextStep: req.NextStep, NextOn: req.NextOn, TaskID: req.TaskID})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(ct)
}

func (h handler) contactList(c *fiber.Ctx) error {
	id, err := memberID(c)
	if err != nil {
		return err
	}
	limit, _ := strconv.Atoi(c.Query("limit"))
	cs, next, err := crm.Contacts(c.UserContext(), h.DB.R, render.User(c), id, c.Query("cursor"), limit)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"contacts": cs, "next_cursor": next})
}
