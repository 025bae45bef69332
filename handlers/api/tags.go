package api

import (
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
)

// Tag limits of the API: the page's form drops a tag over 16 characters,
// the API refuses it instead of cutting it silently.
const (
	maxTagRunes = 16
	maxTags     = 20
)

// mountTags mounts a member's tags: read, and replace the whole set (PUT,
// safe to repeat: the same set twice leaves the same set).
func (h handler) mountTags(doc *Doc, r fiber.Router) {
	tags := Obj(Props{"member_id": Int(), "tags": Arr(Str())})
	doc.Route(r, fiber.MethodGet, "/members/:id/tags", Op{
		Summary:   "A member's tags, sorted",
		Examples:  map[int]any{200: map[string]any{"member_id": 7, "tags": []string{"周末班", "钢琴"}}},
		Responses: Resp{200: tags, 401: Problem(), 403: Problem(), 404: Problem()},
	}, h.tagsGet)
	doc.Route(r, fiber.MethodPut, "/members/:id/tags", Op{
		Summary: "Replace a member's tags with the set sent (an empty list clears them): trimmed, duplicates merged, " +
			"at most 20 tags of at most 16 characters each; repeating the request changes nothing",
		Request: Obj(Props{"tags": Arr(Str())}, "tags"),
		Example: map[string]any{"tags": []string{"钢琴", "周末班"}},
		Examples: map[int]any{200: map[string]any{"member_id": 7, "tags": []string{"周末班", "钢琴"}},
			422: map[string]any{"type": "/problems/validation", "title": "Unprocessable Entity", "status": 422,
				"errors": map[string]string{"tags[0]": "每个标签最多 16 个字"}}},
		Responses: Resp{200: tags, 400: Problem(), 401: Problem(), 403: Problem(), 404: Problem(), 422: Problem()},
	}, h.tagsPut)
}

func (h handler) tagsGet(c *fiber.Ctx) error {
	id, err := memberID(c)
	if err != nil {
		return err
	}
	v, err := models.MemberViewFor(c.UserContext(), h.DB.R, render.User(c), id)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"member_id": id, "tags": nonNilTags(v.Tags)})
}

func nonNilTags(t []string) []string {
	if t == nil {
		return []string{}
	}
	return t
}

type tagsRequest struct {
	Tags *[]string `json:"tags"`
}

func (h handler) tagsPut(c *fiber.Ctx) error {
	var req tagsRequest
	cur, err := h.memberWithBody(c, &req)
	if err != nil {
		return err
	}
	ctx, u, id := c.UserContext(), render.User(c), cur.ID
	if req.Tags == nil {
		return models.Invalid(map[string]string{"tags": "api.err.tags_required"})
	}
	f := map[string]string{}
	seen := map[string]bool{}
	for i, t := range *req.Tags {
		t = strings.TrimSpace(t)
		if utf8.RuneCountInString(t) > maxTagRunes {
			f["tags["+itoa(i)+"]"] = "api.err.tag_long"
		}
		if t != "" {
			seen[t] = true
		}
	}
	if len(seen) > maxTags {
		f["tags"] = "api.err.tags_many"
	}
	if len(f) > 0 {
		return models.Invalid(f)
	}
	e := models.MemberEdit{Name: cur.Name, Gender: cur.Gender, BirthDate: cur.BirthDate, CampusID: cur.CampusID,
		Tags: *req.Tags, Notes: cur.Notes, ReferralSource: cur.ReferralSource}
	if cur.ClassID != nil {
		e.ClassID = *cur.ClassID
	}
	if err := models.UpdateMember(ctx, h.DB, h.Now(), render.Actor(c), id, e); err != nil {
		return err
	}
	v, err := models.MemberViewFor(ctx, h.DB.W, u, id)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"member_id": id, "tags": nonNilTags(v.Tags)})
}
