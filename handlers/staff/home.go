package staff

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
	"starcard/models/crm"
)

// workspace is everything the /staff page shows.
type workspace struct {
	Classes  []crm.ClassChoice
	Class    int64
	Roster   *crm.Roster
	Tasks    crm.MyTasks
	Budget   crm.Budget
	Awards   []crm.AwardRow
	Feedback []crm.Feedback
	Batch    string // a fresh one-time key for the points form
	Today    string
	Notice   string // what the last action did (shown in the section it changed)
}

// load builds the workspace for the class asked for (default: the first).
func (h handler) load(c *fiber.Ctx, classID int64) (*workspace, error) {
	ctx := c.UserContext()
	u := render.User(c)
	now := h.Now()
	w := &workspace{Today: crm.Today(now, h.Loc), Batch: models.NewToken(12)}
	var err error
	if w.Classes, err = crm.WorkspaceClasses(ctx, h.DB.R, u); err != nil {
		return nil, err
	}
	var mine []int64
	for _, cl := range w.Classes {
		if cl.Mine {
			mine = append(mine, cl.ID)
		}
		if cl.ID == classID {
			w.Class = classID
		}
	}
	if w.Class == 0 && len(w.Classes) > 0 {
		w.Class = w.Classes[0].ID
	}
	if w.Class != 0 {
		if w.Roster, err = crm.ClassRoster(ctx, h.DB.R, now, h.Loc, u, w.Class); err != nil {
			return nil, err
		}
	}
	if w.Tasks, err = crm.TasksFor(ctx, h.DB.R, now, h.Loc, u.ID); err != nil {
		return nil, err
	}
	if w.Budget, err = crm.BudgetFor(ctx, h.DB.R, now, h.Loc, u.ID); err != nil {
		return nil, err
	}
	if w.Awards, err = crm.RecentAwards(ctx, h.DB.R, u.ID, 5); err != nil {
		return nil, err
	}
	if len(mine) == 0 && w.Class != 0 {
		mine = []int64{w.Class}
	}
	if w.Feedback, err = crm.AwaitingFeedback(ctx, h.DB.R, now, u, mine); err != nil {
		return nil, err
	}
	return w, nil
}

func classParam(c *fiber.Ctx) int64 {
	id, _ := strconv.ParseInt(c.Query("class", c.FormValue("class")), 10, 64)
	return id
}

func (h handler) home(c *fiber.Ctx) error {
	w, err := h.load(c, classParam(c))
	if err != nil {
		return err
	}
	return h.Page(c, fiber.StatusOK, "staff/home", "", render.View{Title: h.T(c, "teacher.title"), D: w})
}

// section renders one section of the workspace for htmx (the whole page for
// a plain form post, via a redirect that keeps the class).
func (h handler) section(c *fiber.Ctx, block, notice string) error {
	class := classParam(c)
	if !render.IsFragmentRequest(c) {
		return render.Redirect(c, "/staff?class="+strconv.FormatInt(class, 10)+"#"+block)
	}
	w, err := h.load(c, class)
	if err != nil {
		return err
	}
	w.Notice = notice
	return h.Page(c, fiber.StatusOK, "staff/home", block, render.View{Title: h.T(c, "teacher.title"), D: w})
}
