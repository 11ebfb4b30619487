package web

import (
	"fmt"
	"strconv"
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

// metricsPage serves /metrics.
func (s *Server) metricsPage(c *fiber.Ctx) error { return s.metrics.handler(c) }
