package reports

// LiabilitiesFromAccounts exposes the slow reading the tests compare the
// running totals with.
var LiabilitiesFromAccounts = liabilitiesFromAccounts
