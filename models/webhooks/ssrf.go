package webhooks

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"syscall"
	"time"
)

// lookupHost resolves a host name; tests replace it to play DNS tricks.
var lookupHost = func(ctx context.Context, host string) ([]netip.Addr, error) {
	return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
}

// Blocked reports whether an address is one a webhook must not reach
// without the admin's setting: loopback, private (RFC 1918, ULA), link-local
// (the cloud metadata service lives there), unspecified, multicast, CGNAT.
func Blocked(a netip.Addr) bool {
	a = a.Unmap()
	if a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsUnspecified() || a.IsMulticast() || a.IsInterfaceLocalMulticast() {
		return true
	}
	cgnat := netip.MustParsePrefix("100.64.0.0/10")
	return cgnat.Contains(a) || a == netip.MustParseAddr("255.255.255.255")
}

// CheckURL returns "" for a URL an endpoint may have, or the message key
// saying why not: only http(s) with a host and no credentials, and (unless
// allowPrivate) a host whose every address is public.
func CheckURL(ctx context.Context, raw string, allowPrivate bool) string {
	if raw == "" || len(raw) > 500 {
		return "hook.err.url"
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" || u.User != nil ||
		u.Fragment != "" {
		return "hook.err.url"
	}
	if allowPrivate {
		return ""
	}
	host := u.Hostname()
	if a, err := netip.ParseAddr(host); err == nil {
		if Blocked(a) {
			return "hook.err.private"
		}
		return ""
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	addrs, err := lookupHost(ctx, host)
	if err != nil || len(addrs) == 0 {
		return "hook.err.resolve"
	}
	for _, a := range addrs {
		if Blocked(a) {
			return "hook.err.private"
		}
	}
	return ""
}

// errBlocked is returned when a delivery's connection would reach a refused
// address: the name resolved to a public address when it was saved and to a
// private one now (DNS rebinding).
var errBlocked = errors.New("webhooks: address not allowed")

// newClient builds the HTTP client deliveries use. The address is checked
// on the socket about to connect, after resolution, so what is checked is
// what is dialled; proxies from the environment are not used, nor are
// redirects followed (a 3xx counts as a failure).
func newClient(allowPrivate bool, timeout time.Duration) *http.Client {
	d := &net.Dialer{Timeout: 10 * time.Second, Control: func(network, address string, _ syscall.RawConn) error {
		if allowPrivate {
			return nil
		}
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("%w: %s", errBlocked, address)
		}
		if Blocked(ap.Addr()) {
			return fmt.Errorf("%w: %s", errBlocked, ap.Addr())
		}
		return nil
	}}
	tr := &http.Transport{Proxy: nil, DialContext: d.DialContext, ForceAttemptHTTP2: true,
		MaxIdleConns: 10, IdleConnTimeout: 30 * time.Second, TLSHandshakeTimeout: 10 * time.Second,
		ResponseHeaderTimeout: timeout}
	return &http.Client{Transport: tr, Timeout: timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}
