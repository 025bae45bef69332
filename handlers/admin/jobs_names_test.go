package admin_test

import (
	"testing"

	"starcard/handlers/apptest"
	"starcard/models"
	"starcard/views"
)

// The jobs page names each job in the user's language; a job added without
// its name would show a generic phrase.
func TestEveryStandardJobHasAName(t *testing.T) {
	eng, err := views.New(apptest.Shanghai)
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range models.StandardJobs(nil, apptest.Shanghai) {
		if !eng.Catalog.Has("notify.job." + j.Name) {
			t.Errorf("job %s has no notify.job.%s message", j.Name, j.Name)
		}
	}
}
