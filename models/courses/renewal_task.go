package courses

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"starcard/models/crm"
)

// When a member's hours reach the course's renewal mark, the homeroom
// teacher gets a renewal (续班) follow-up due the next day, once per member,
// course and month, in the lesson's own transaction.
func init() {
	RegisterRenewalHook(func(ctx context.Context, tx *gorm.DB, now time.Time, r RenewalDue) error {
		due := now.Add(24 * time.Hour).Format("2006-01-02")
		key := fmt.Sprintf("course:%d:%s", r.Course.ID, now.Format("2006-01"))
		note := fmt.Sprintf("%s 剩余 %d 课时", r.Course.Name, r.HoursLeft)
		_, err := crm.OpenTask(ctx, tx, now, r.MemberID, "renewal", due, key, note)
		return err
	})
}
