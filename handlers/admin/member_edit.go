package admin

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
)

// memberEditForm shows the profile form, filled with the member's data.
func (m members) memberEditForm(c *fiber.Ctx) error {
	id, err := m.memberParam(c)
	if err != nil {
		return err
	}
	mv, err := models.MemberViewFor(c.UserContext(), m.DB.R, render.User(c), id)
	if err != nil {
		return err
	}
	form := map[string]string{"name": mv.Name, "gender": mv.Gender, "birth_date": mv.BirthDate,
		"campus_id": strconv.FormatInt(mv.CampusID, 10), "tags": strings.Join(mv.Tags, "，"),
		"notes": mv.Notes, "referral_source": mv.ReferralSource}
	if mv.ClassID != nil {
		form["class_id"] = strconv.FormatInt(*mv.ClassID, 10)
	}
	return m.editPage(c, fiber.StatusOK, mv, render.View{Form: form})
}

func (m members) editPage(c *fiber.Ctx, status int, mv *models.MemberView, v render.View) error {
	ctx := c.UserContext()
	campuses, err := m.campusesFor(c)
	if err != nil {
		return err
	}
	ids := make([]int64, 0, len(campuses))
	for _, cp := range campuses {
		ids = append(ids, cp.ID)
	}
	classes, err := models.ListClasses(ctx, m.DB.R, ids)
	if err != nil {
		return err
	}
	v.Title = m.T(c, "member.edit_title", mv.Name)
	v.D = fiber.Map{"M": mv, "Campuses": campuses, "Classes": classes}
	return m.Page(c, status, "admin/member_edit", "", v)
}

// splitTags accepts tags separated by Chinese or Latin commas or spaces.
func splitTags(s string) []string {
	f := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '，' || r == '、' || r == ' ' || r == '\n' })
	out := f[:0]
	for _, t := range f {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// memberEditSave saves the profile; field errors re-render the form.
func (m members) memberEditSave(c *fiber.Ctx) error {
	id, err := m.memberParam(c)
	if err != nil {
		return err
	}
	campusID, _ := strconv.ParseInt(c.FormValue("campus_id"), 10, 64)
	classID, _ := strconv.ParseInt(c.FormValue("class_id"), 10, 64)
	e := models.MemberEdit{Name: c.FormValue("name"), Gender: c.FormValue("gender"), BirthDate: c.FormValue("birth_date"),
		CampusID: campusID, ClassID: classID, Tags: splitTags(c.FormValue("tags")), Notes: c.FormValue("notes"),
		ReferralSource: c.FormValue("referral_source")}
	u := render.User(c)
	if campusID != 0 && !u.CanSeeCampus(campusID) {
		return models.ErrForbidden
	}
	ctx := c.UserContext()
	if err := models.UpdateMember(ctx, m.DB, m.Now(), render.Actor(c), id, e); err != nil {
		if _, ok := models.AsError(err); !ok {
			return err
		}
		mv, verr := models.MemberViewFor(ctx, m.DB.R, u, id)
		if verr != nil {
			return verr
		}
		form := map[string]string{}
		for _, k := range []string{"name", "gender", "birth_date", "campus_id", "class_id", "tags", "notes", "referral_source"} {
			form[k] = c.FormValue(k)
		}
		return m.editPage(c, fiber.StatusUnprocessableEntity, mv, render.View{Form: form, Errors: m.FieldErrors(c, err),
			Flash: m.T(c, "err.validation"), FlashKind: "error"})
	}
	return m.memberPage(c, id, render.View{Flash: m.T(c, "member.saved"), FlashKind: "ok"})
}

// memberArchive archives a member who left (or brings one back): archived
// members leave search and their card stops working at the door.
func (m members) memberArchive(c *fiber.Ctx) error {
	id, err := m.memberParam(c)
	if err != nil {
		return err
	}
	archive := c.FormValue("archive") != "0"
	if err := models.SetArchived(c.UserContext(), m.DB, m.Now(), render.Actor(c), id, archive); err != nil {
		return err
	}
	key := "member.restored"
	if archive {
		key = "member.archived_ok"
	}
	return m.memberPage(c, id, render.View{Flash: m.T(c, key), FlashKind: "ok"})
}
