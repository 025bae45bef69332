package reports

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
)
