package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/valyala/fasthttp/fasthttpadaptor"
)

// httpMetrics are the request metrics; labels are the route pattern, never a tenant or an id.
type httpMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	denied   *prometheus.CounterVec
	refused  *prometheus.CounterVec
	handler  fiber.Handler
}

func newHTTPMetrics(reg *prometheus.Registry) *httpMetrics {
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "relance_http_requests_total",
			Help: "HTTP requests by method, route pattern and status."}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "relance_http_request_duration_seconds",
			Help: "HTTP request latency by method and route pattern.", Buckets: prometheus.DefBuckets}, []string{"method", "route"}),
		denied: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "relance_http_denied_total",
			Help: "Requests refused by the authorization middleware, by reason."}, []string{"reason"}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "relance_http_refused_total",
			Help: "Requests the HTTP server refused before routing them (413: body over http.body_limit), by status."}, []string{"status"}),
	}
	reg.MustRegister(m.requests, m.duration, m.denied, m.refused)
	m.handler = func(c *fiber.Ctx) error {
		fasthttpadaptor.NewFastHTTPHandler(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))(c.Context())
		return nil
	}
	return m
}

// observe records the request once the handler chain returns.
func (m *httpMetrics) observe(method, route string, status int, took time.Duration) {
	m.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(method, route).Observe(took.Seconds())
}

// observeRefused logs and counts a request the server refused before the middleware ran.
func (s *Server) observeRefused(c *fiber.Ctx, status int) {
	code := strconv.Itoa(status)
	s.metrics.refused.WithLabelValues(code).Inc()
	s.metrics.requests.WithLabelValues(c.Method(), "unmatched", code).Inc()
	s.Log.Warn("request refused", "method", c.Method(), "path", c.Path(), "status", status,
		"content_length", c.Request().Header.ContentLength(), "body_limit", s.bodyLimit(), "ip", c.IP())
}

// bodyLimit is the largest request body the server reads (Fiber's default when none is set).
func (s *Server) bodyLimit() int {
	if s.BodyLimit > 0 {
		return s.BodyLimit
	}
	return fiber.DefaultBodyLimit
}

// sizeText writes a byte count for people: exact bytes, and MiB when it is a whole number of them.
func sizeText(n int) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d bytes (%d MiB)", n, n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

// metricsPage serves /metrics on the main listener: only with the bearer token metrics.token, and as if it
// did not exist when no token is configured, so that the default never publishes metrics to whoever can
// reach the application. The metrics listener (MetricsHandler) is the way without a token.
func (s *Server) metricsPage(c *fiber.Ctx) error {
	if s.MetricsToken == "" {
		return fiber.ErrNotFound
	}
	if !metricsAuthorized(c.Get(fiber.HeaderAuthorization), s.MetricsToken) {
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="metrics"`)
		return fiber.NewError(fiber.StatusUnauthorized, "metrics need Authorization: Bearer <metrics.token>")
	}
	return s.metrics.handler(c)
}

// MetricsHandler serves GET /metrics alone, for the separate metrics.listen address; it asks for the
// bearer token too when metrics.token is set.
func (s *Server) MetricsHandler() http.Handler {
	prom := promhttp.HandlerFor(s.Registry, promhttp.HandlerOpts{})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/metrics" {
			http.NotFound(w, r)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		if s.MetricsToken != "" && !metricsAuthorized(r.Header.Get("Authorization"), s.MetricsToken) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			http.Error(w, "metrics need Authorization: Bearer <metrics.token>", http.StatusUnauthorized)
			return
		}
		prom.ServeHTTP(w, r)
	})
}

// metricsAuthorized compares the bearer token in constant time.
func metricsAuthorized(header, token string) bool {
	got, ok := strings.CutPrefix(header, "Bearer ")
	return ok && constantTimeEqual(strings.TrimSpace(got), token)
}

// isMetricsPath reports the paths Fiber routes to /metrics (it matches without case and with a trailing
// slash), which authenticate leaves to metricsPage's own token.
func isMetricsPath(p string) bool { return strings.EqualFold(strings.TrimSuffix(p, "/"), "/metrics") }
