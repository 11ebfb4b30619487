package conversations

import "github.com/prometheus/client_golang/prometheus"

// ingestMetrics are the ingestion metrics of DESIGN §5 (no tenant labels).
type ingestMetrics struct {
	stored, duplicates, unrouted, failures, refused, purged, folded prometheus.Counter
	waiting, failed                                                 prometheus.Gauge
	batchSize, commit, fold                                         prometheus.Histogram
	rejected                                                        *prometheus.CounterVec
}

func newIngestMetrics(reg prometheus.Registerer) *ingestMetrics {
	m := &ingestMetrics{
		stored:     prometheus.NewCounter(prometheus.CounterOpts{Name: "relance_ingest_events_total", Help: "Webhook events stored."}),
		duplicates: prometheus.NewCounter(prometheus.CounterOpts{Name: "relance_ingest_duplicates_total", Help: "Webhook events already stored (retried deliveries)."}),
		unrouted:   prometheus.NewCounter(prometheus.CounterOpts{Name: "relance_ingest_unrouted_entries_total", Help: "Entries kept aside for Pages nobody connected."}),
		failures:   prometheus.NewCounter(prometheus.CounterOpts{Name: "relance_ingest_batch_failures_total", Help: "Batch transactions that failed (the batch is then split to isolate the delivery at fault)."}),
		refused:    prometheus.NewCounter(prometheus.CounterOpts{Name: "relance_ingest_refused_deliveries_total", Help: "Deliveries the database refused even alone (kept in failed_entries, answered 500)."}),
		purged:     prometheus.NewCounter(prometheus.CounterOpts{Name: "relance_ingest_purged_entries_total", Help: "Kept-aside and refused entries deleted after ingest.unrouted_retention."}),
		waiting:    prometheus.NewGauge(prometheus.GaugeOpts{Name: "relance_ingest_unrouted_waiting", Help: "Entries kept aside for Pages nobody connected, waiting (as of the last purge)."}),
		failed:     prometheus.NewGauge(prometheus.GaugeOpts{Name: "relance_ingest_failed_entries", Help: "Entries of deliveries the database refused, kept for inspection (as of the last purge)."}),
		batchSize: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "relance_ingest_batch_events", Help: "Events per group commit.",
			Buckets: prometheus.ExponentialBuckets(1, 4, 8)}),
		commit: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "relance_ingest_commit_seconds", Help: "Time to write and commit one batch.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14)}),
		folded: prometheus.NewCounter(prometheus.CounterOpts{Name: "relance_ingest_folded_deltas_total", Help: "Queued contact deltas folded into contacts (ingest.fold_interval)."}),
		fold: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "relance_ingest_fold_seconds", Help: "Time to fold one transaction of queued contact deltas.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 14)}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "relance_webhook_rejected_total", Help: "Webhook deliveries refused, by reason."}, []string{"reason"}),
	}
	reg.MustRegister(m.stored, m.duplicates, m.unrouted, m.failures, m.refused, m.purged, m.waiting, m.failed, m.batchSize, m.commit, m.rejected, m.folded, m.fold)
	return m
}

// Reject counts a refused delivery.
func (in *Ingester) Reject(reason string) { in.m.rejected.WithLabelValues(reason).Inc() }
