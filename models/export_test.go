package models

// GroupQueued is how many use cases wait for the next group commit (tests).
func GroupQueued(d *DB) int {
	if d.group == nil {
		return 0
	}
	return len(d.group.in)
}
