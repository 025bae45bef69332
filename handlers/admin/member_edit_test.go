package admin_test

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"starcard/handlers/apptest"
	"starcard/models"
	"starcard/models/dbtest"
)

func TestEditProfileAndArchive(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		w := newMemberAdmin(t, db)
		ctx := context.Background()
		_, kids, err := models.CreateFamily(ctx, db, w.a.Clock.Now(), models.SystemActor, models.NewFamily{CampusID: w.sun,
			Guardians: []models.NewGuardian{{Name: "王芳", Phone: "13912345678", Relation: "mother"}},
			Children:  []models.NewMember{{Name: "张小明", Gender: "male", BirthDate: "2021-05-01"}}})
		if err != nil {
			t.Fatal(err)
		}
		id := strconv.FormatInt(kids[0], 10)
		cl := w.a.Client(t)
		cl.Login("mgr", "password123")
		resp, body := cl.Get("/admin/members/" + id + "/edit")
		apptest.Status(t, resp, 200, body)
		if !strings.Contains(body, `value="张小明"`) || !strings.Contains(body, "编辑 张小明 的资料") {
			t.Fatalf("edit form not filled:\n%s", body)
		}
		bad := url.Values{"name": {""}, "birth_date": {"2021-02-30"}, "campus_id": {strconv.FormatInt(w.sun, 10)}}
		resp, body = cl.PostForm("/admin/members/"+id+"/edit", bad)
		apptest.Status(t, resp, 422, body)
		if !strings.Contains(body, "请检查填写的内容") {
			t.Errorf("validation not explained")
		}
		if m, _ := models.GetMember(ctx, db.R, kids[0]); m.Name != "张小明" {
			t.Errorf("a refused edit changed the name to %q", m.Name)
		}
		good := url.Values{"name": {"张晓明"}, "gender": {"male"}, "birth_date": {"2021-05-02"},
			"campus_id": {strconv.FormatInt(w.sun, 10)}, "class_id": {strconv.FormatInt(w.sunCls, 10)},
			"tags": {"舞蹈，英语"}, "notes": {"对花生过敏"}}
		resp, body = cl.PostForm("/admin/members/"+id+"/edit", good)
		apptest.Status(t, resp, 200, body)
		for _, want := range []string{"资料已保存", "张晓明", "小一班", "舞蹈", "英语", "对花生过敏"} {
			if !strings.Contains(body, want) {
				t.Errorf("profile after edit lacks %q", want)
			}
		}
		// The new name is searchable at once.
		found, _, err := models.SearchMembers(ctx, db.R, &models.StaffUser{Role: models.RoleAdmin}, "zxm", "", 10)
		if err != nil || len(found) != 1 || found[0].Name != "张晓明" {
			t.Errorf("search after rename: %v %v", found, err)
		}
		resp, body = cl.PostForm("/admin/members/"+id+"/archive", url.Values{"archive": {"1"}})
		apptest.Status(t, resp, 200, body)
		if !strings.Contains(body, "已归档") {
			t.Errorf("archive not confirmed")
		}
		found, _, _ = models.SearchMembers(ctx, db.R, &models.StaffUser{Role: models.RoleAdmin}, "zxm", "", 10)
		if len(found) != 0 {
			t.Errorf("an archived member is still found")
		}
		resp, body = cl.PostForm("/admin/members/"+id+"/archive", url.Values{"archive": {"0"}})
		apptest.Status(t, resp, 200, body)
		if !strings.Contains(body, "已恢复") {
			t.Errorf("restore not confirmed")
		}
		// Another campus's manager cannot edit this child.
		w.a.Staff(t, "rivmgr", models.RoleCampusManager, w.riv)
		other := w.a.Client(t)
		other.Login("rivmgr", "password123")
		other.Get("/admin/members")
		good.Del("_csrf") // PostForm filled in the first client's token
		if resp, body := other.PostForm("/admin/members/"+id+"/edit", good); resp.StatusCode != 404 {
			t.Errorf("other campus edit: %d, want 404: %s", resp.StatusCode, body)
		}
	})
}
