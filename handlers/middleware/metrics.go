package middleware

import (
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
)

// latencyBuckets are the histogram's upper bounds in seconds.
var latencyBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5}

type series struct {
	counts []uint64 // per bucket, plus +Inf last
	sum    float64
	n      uint64
}

// Metrics collects request latency by route and status and the number of
// requests in flight, and writes them in Prometheus' text format.
type Metrics struct {
	inFlight atomic.Int64
	mu       sync.Mutex
	series   map[[3]string]*series // method, route, status
}

// NewMetrics returns an empty collector.
func NewMetrics() *Metrics { return &Metrics{series: map[[3]string]*series{}} }

// Handler measures and logs every request: one structured access-log line
// and one latency observation by route and status. An error from the chain
// is turned into its response here, once, so that the status recorded is the
// one the client receives.
func (m *Metrics) Handler() fiber.Handler {
	return func(c *fiber.Ctx) error {
		m.inFlight.Add(1)
		start := time.Now()
		err := c.Next()
		m.inFlight.Add(-1)
		status := c.Response().StatusCode()
		if err != nil {
			status = statusOf(c, err)
		}
		elapsed := time.Since(start)
		m.observe(c.Method(), c.Route().Path, status, elapsed.Seconds())
		attrs := []any{"method", c.Method(), "path", c.Path(), "status", status,
			"ms", float64(elapsed.Microseconds()) / 1000, "ip", c.IP(), "request_id", c.Locals("requestid")}
		if u := render.User(c); u != nil {
			attrs = append(attrs, "user", u.Username)
		}
		slog.Info("http", attrs...)
		return nil
	}
}

// statusOf runs the app's error handler so the logged status matches what
// the client receives; Fiber would otherwise only call it after the chain.
func statusOf(c *fiber.Ctx, err error) int {
	if herr := c.App().ErrorHandler(c, err); herr != nil {
		return fiber.StatusInternalServerError
	}
	return c.Response().StatusCode()
}

func (m *Metrics) observe(method, route string, status int, secs float64) {
	key := [3]string{method, route, strconv.Itoa(status)}
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.series[key]
	if !ok {
		s = &series{counts: make([]uint64, len(latencyBuckets)+1)}
		m.series[key] = s
	}
	i := sort.SearchFloat64s(latencyBuckets, secs)
	s.counts[i]++
	s.sum += secs
	s.n++
}

// Write prints the metrics, plus the database pool statistics.
func (m *Metrics) Write(w io.Writer, db *models.DB) {
	fmt.Fprintln(w, "# HELP starcard_http_request_duration_seconds HTTP request latency by route and status.")
	fmt.Fprintln(w, "# TYPE starcard_http_request_duration_seconds histogram")
	m.mu.Lock()
	keys := make([][3]string, 0, len(m.series))
	for k := range m.series {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a[1] != b[1] {
			return a[1] < b[1]
		}
		if a[0] != b[0] {
			return a[0] < b[0]
		}
		return a[2] < b[2]
	})
	for _, k := range keys {
		s := m.series[k]
		labels := fmt.Sprintf(`method=%q,route=%q,status=%q`, k[0], k[1], k[2])
		var cum uint64
		for i, le := range latencyBuckets {
			cum += s.counts[i]
			fmt.Fprintf(w, "starcard_http_request_duration_seconds_bucket{%s,le=\"%g\"} %d\n", labels, le, cum)
		}
		cum += s.counts[len(latencyBuckets)]
		fmt.Fprintf(w, "starcard_http_request_duration_seconds_bucket{%s,le=\"+Inf\"} %d\n", labels, cum)
		fmt.Fprintf(w, "starcard_http_request_duration_seconds_sum{%s} %g\n", labels, s.sum)
		fmt.Fprintf(w, "starcard_http_request_duration_seconds_count{%s} %d\n", labels, s.n)
	}
	m.mu.Unlock()
	fmt.Fprintln(w, "# HELP starcard_http_requests_in_flight Requests being served now.")
	fmt.Fprintln(w, "# TYPE starcard_http_requests_in_flight gauge")
	fmt.Fprintf(w, "starcard_http_requests_in_flight %d\n", m.inFlight.Load())
	stats := db.Stats()
	pools := make([]string, 0, len(stats))
	for p := range stats {
		pools = append(pools, p)
	}
	sort.Strings(pools)
	gauges := []struct {
		name, help string
		get        func(p string) float64
	}{
		{"starcard_db_open_connections", "Open database connections.", func(p string) float64 { return float64(stats[p].OpenConnections) }},
		{"starcard_db_in_use_connections", "Database connections in use.", func(p string) float64 { return float64(stats[p].InUse) }},
		{"starcard_db_idle_connections", "Idle database connections.", func(p string) float64 { return float64(stats[p].Idle) }},
		{"starcard_db_wait_count_total", "Waits for a database connection.", func(p string) float64 { return float64(stats[p].WaitCount) }},
		{"starcard_db_wait_seconds_total", "Time spent waiting for a database connection.", func(p string) float64 { return stats[p].WaitDuration.Seconds() }},
	}
	for _, g := range gauges {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s gauge\n", g.name, g.help, g.name)
		for _, p := range pools {
			fmt.Fprintf(w, "%s{pool=%q} %g\n", g.name, p, g.get(p))
		}
	}
}
