package api_test

import (
	"context"
	"time"

	"starcard/models"
	"starcard/models/care"
)

func careAutoConfirm(db *models.DB, at time.Time) (int, error) {
	return care.AutoConfirm(context.Background(), db, at)
}
