package scheduler

import (
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the scheduler's metrics of DESIGN §5, labelled by kind and outcome only (no tenant labels).
type metrics struct {
	runs     *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// newMetrics builds the metrics and registers them when reg is set.
func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "relance_scheduler_runs_total",
			Help: "Slots this instance ended, by job kind and outcome (ok, failed, skipped)."}, []string{"kind", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "relance_scheduler_run_seconds",
			Help: "Time handlers took, by job kind.", Buckets: prometheus.ExponentialBuckets(0.01, 4, 10)}, []string{"kind"}),
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.runs, m.duration} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("scheduler: metrics: %w", err)
		}
	}
	return m, nil
}

// count counts a slot that ended without its handler running (skipped, or failed when given up).
func (m *metrics) count(kind, outcome string) { m.runs.WithLabelValues(kind, outcome).Inc() }

// observe counts a slot whose handler ran, and how long it took.
func (m *metrics) observe(kind, outcome string, took time.Duration) {
	m.count(kind, outcome)
	m.duration.WithLabelValues(kind).Observe(took.Seconds())
}
