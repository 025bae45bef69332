package crm

import "starcard/models"

// ObjectTask is a follow-up task as the route table names it: its campus is
// the one it was made for.
const ObjectTask = "task"

func init() {
	models.RegisterObject(ObjectTask, "SELECT campus_id FROM crm_tasks WHERE id = ?")
}
