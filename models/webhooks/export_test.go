package webhooks

import (
	"context"
	"net/netip"
)

// SetLookup replaces the resolver for a test and returns the restore.
func SetLookup(f func(context.Context, string) ([]netip.Addr, error)) func() {
	old := lookupHost
	lookupHost = f
	return func() { lookupHost = old }
}
