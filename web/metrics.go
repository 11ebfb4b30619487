package web

import (
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
	}
	reg.MustRegister(m.requests, m.duration, m.denied)
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

// metricsPage serves /metrics.
func (s *Server) metricsPage(c *fiber.Ctx) error { return s.metrics.handler(c) }
