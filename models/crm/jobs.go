package crm

import (
	"context"
	"fmt"
	"time"

	"starcard/models"
)

// Names of the CRM's scheduled jobs.
const (
	JobGrades = "crm.grades" // nightly: tenure moves with the calendar, windows slide, overrides expire
	JobTasks  = "crm.tasks"  // each morning: the service plans' tasks for today; feedback awaiting an answer
	// JobFeedback opens reply tasks for new feedback during the day (answer within 24 h).
	JobFeedback = "crm.feedback"
)

// jobs are registered into the core's StandardJobs at start-up. Grades run
// first so that a member whose grade changed overnight gets the new plan.
func jobs(db *models.DB, loc *time.Location) []models.Job {
	return []models.Job{
		{Name: JobGrades, Daily: "01:30", Run: func(ctx context.Context, now time.Time) (string, error) {
			n, err := RecomputeAll(ctx, db, now, CauseNightly)
			return fmt.Sprintf("%d grades changed", n), err
		}},
		{Name: JobTasks, Daily: "06:00", Run: func(ctx context.Context, now time.Time) (string, error) {
			n, err := GenerateTasks(ctx, db, now)
			return fmt.Sprintf("%d tasks created", n), err
		}},
		{Name: JobFeedback, Every: 15 * time.Minute, Run: func(ctx context.Context, now time.Time) (string, error) {
			cfg, err := LoadConfig(ctx, db.R, now)
			if err != nil {
				return "", err
			}
			n, err := feedbackTasks(ctx, db, now, cfg)
			return fmt.Sprintf("%d tasks created", n), err
		}},
	}
}
