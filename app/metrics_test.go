package app

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestMetricsListener runs serve with metrics.listen and no metrics.token: /metrics answers on the metrics
// address only, and 404 on the main listener. Before, the main listener served it to anyone.
func TestMetricsListener(t *testing.T) {
	cfg := scenarioConfig(scenarioDB(t))
	probe := listen(t)
	cfg.Metrics.Listen = probe.Addr().String()
	probe.Close() // a free loopback port for the metrics listener
	main := listen(t)
	serveOn(t, cfg, main)
	get := func(url string) (int, string) {
		t.Helper()
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if status, body := get("http://" + main.Addr().String() + "/metrics"); status != http.StatusNotFound || strings.Contains(body, "go_goroutines") {
		t.Errorf("main listener /metrics: %d, want 404", status)
	}
	if status, body := get("http://" + cfg.Metrics.Listen + "/metrics"); status != http.StatusOK || !strings.Contains(body, "go_goroutines") ||
		!strings.Contains(body, "relance_http_requests_total") {
		t.Errorf("metrics listener /metrics: %d %.200s", status, body)
	}
	if status, _ := get("http://" + cfg.Metrics.Listen + "/livez"); status != http.StatusNotFound {
		t.Errorf("metrics listener /livez: %d, want 404 (it serves /metrics alone)", status)
	}
}
