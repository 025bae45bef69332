package portal

import (
	"io"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
)

// feedbackData is the feedback page: the form and the family's earlier
// complaints with their status.
type feedbackData struct {
	shell
	Items      []models.ComplaintView
	Categories []string
}

func (h handler) feedbackPage(c *fiber.Ctx, status int, v render.View) error {
	s, err := h.load(c, 0, "me", "feedback", h.T(c, "portal.feedback.title"))
	if err != nil {
		return err
	}
	s.Back = "/portal/me"
	items, err := models.FamilyComplaints(c.UserContext(), h.DB.R, principal(c), 50)
	if err != nil {
		return err
	}
	v.Title, v.D = s.Heading, feedbackData{shell: s, Items: items, Categories: models.ComplaintCategories}
	return h.Page(c, status, "portal/feedback", "", v)
}

func (h handler) feedbackList(c *fiber.Ctx) error {
	v := h.view(c, "", nil)
	v.Form = map[string]string{"kind": "complaint", "member_id": c.Query("child")}
	return h.feedbackPage(c, fiber.StatusOK, v)
}

// feedbackCreate records a complaint or suggestion with an optional photo.
func (h handler) feedbackCreate(c *fiber.Ctx) error {
	in := models.NewComplaint{Kind: c.FormValue("kind"), Category: c.FormValue("category"), Body: c.FormValue("body")}
	in.MemberID, _ = strconv.ParseInt(c.FormValue("member_id"), 10, 64)
	if fh, err := c.FormFile("photo"); err == nil && fh.Size > 0 {
		if fh.Size > models.ComplaintPhotoMax {
			in.Photo = make([]byte, models.ComplaintPhotoMax+1) // refused by size, unread
		} else {
			f, err := fh.Open()
			if err != nil {
				return err
			}
			in.Photo, err = io.ReadAll(io.LimitReader(f, models.ComplaintPhotoMax+1))
			f.Close()
			if err != nil {
				return err
			}
		}
	}
	cp, err := models.SubmitComplaint(c.UserContext(), h.DB, h.Now(), h.DataDir, principal(c), c.IP(), in)
	if err != nil {
		status, msg, fields, ok := h.refusal(c, err)
		if !ok {
			return err
		}
		form := map[string]string{"kind": in.Kind, "category": in.Category, "body": in.Body, "member_id": c.FormValue("member_id")}
		return h.feedbackPage(c, status, render.View{Flash: msg, FlashKind: "error", Errors: fields, Form: form})
	}
	return render.Redirect(c, "/portal/feedback/"+strconv.FormatInt(cp.ID, 10)+"?ok=feedback")
}

func (h handler) feedbackID(c *fiber.Ctx) (int64, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, models.ErrNotFound
	}
	return id, nil
}

// feedbackShow is one complaint with the school's answers.
func (h handler) feedbackShow(c *fiber.Ctx) error {
	id, err := h.feedbackID(c)
	if err != nil {
		return err
	}
	return h.feedbackShowWith(c, id, nil, "")
}

// feedbackShowWith renders the complaint, with a refused reply (refusal and
// the text) when there is one.
func (h handler) feedbackShowWith(c *fiber.Ctx, id int64, refused error, reply string) error {
	cp, ups, err := models.FamilyComplaint(c.UserContext(), h.DB.R, principal(c), id)
	if err != nil {
		return err
	}
	s, err := h.load(c, 0, "me", "", h.T(c, "portal.feedback.one"))
	if err != nil {
		return err
	}
	s.Back = "/portal/feedback"
	d := struct {
		shell
		C       *models.ComplaintView
		Updates []models.ComplaintUpdate
		Steps   []string
	}{s, cp, ups, models.ComplaintStatuses[:4]}
	v := h.view(c, s.Heading, d)
	status := fiber.StatusOK
	if refused != nil {
		st, msg, fields, _ := h.refusal(c, refused)
		status, v.Flash, v.FlashKind, v.Errors = st, msg, "error", fields
		v.Form = map[string]string{"reply": reply}
	}
	return h.Page(c, status, "portal/complaint", "", v)
}

// feedbackPhoto serves the photo of the family's own complaint.
func (h handler) feedbackPhoto(c *fiber.Ctx) error {
	id, err := h.feedbackID(c)
	if err != nil {
		return err
	}
	path, err := models.ComplaintPhotoFile(c.UserContext(), h.DB.R, h.DataDir, principal(c), id)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "private, max-age=86400")
	return c.SendFile(path)
}

// feedbackConfirm: the family agrees the problem is settled.
func (h handler) feedbackConfirm(c *fiber.Ctx) error {
	id, err := h.feedbackID(c)
	if err != nil {
		return err
	}
	if err := models.ConfirmComplaint(c.UserContext(), h.DB, h.Now(), principal(c), c.IP(), id); err != nil {
		return err
	}
	return render.Redirect(c, "/portal/feedback/"+strconv.FormatInt(id, 10)+"?ok=confirmed")
}
