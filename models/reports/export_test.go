package reports

import (
	"context"

	"gorm.io/gorm"
)

// LiabilitiesFromAccounts exposes the slow reading the tests compare the
// running totals with.
var LiabilitiesFromAccounts = liabilitiesFromAccounts

// MembersFromRows exposes the slow count the tests compare member_counts with.
var MembersFromRows = membersFromRows

// The history readings the tests compare the kept days with.
var (
	ActivityFromHistory = activityFromHistory
	CohortsFromHistory  = cohortsFromHistory
	BuyersFromHistory   = buyersFromHistory
	BuyersKept          = buyersKept
	EmptyCohorts        = emptyCohorts
	PaidFromSummaries   = paidFromSummaries
	BuyersClosed        = buyersClosed
	ClosedFits          = closedFits
)

// PaidFromPurchases is the loyalty section's paid read from the purchases.
func PaidFromPurchases(ctx context.Context, db *gorm.DB, p Period) (int64, error) {
	campuses := p.CampusIDs
	if campuses == nil {
		var err error
		if campuses, err = everyCampus(ctx, db); err != nil {
			return 0, err
		}
	}
	pc, pargs := campusFilter("p.campus_id", campuses)
	return paidFromPurchases(ctx, db, p, pc, pargs)
}
