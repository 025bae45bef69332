package models

import "gorm.io/gorm"

// SQL is the segment's condition on members aliased m, with its arguments,
// for an area that joins the segment into its own query (a broadcast picks
// the guardians of the families it reaches).
func (s Segment) SQL(db *gorm.DB) (string, []any) { return s.where(db) }
