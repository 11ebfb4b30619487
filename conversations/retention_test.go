package conversations_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"relance/conversations"
)

// TestKeptAsideEntriesArePurgedAfterTheRetention: entries kept aside for Pages nobody connected were never
// deleted. Purge deletes those older than the retention (and refused deliveries as old), and the count an
// agency admin sees and the gauge hold what is left; another agency's app's entries are not counted.
func TestKeptAsideEntriesArePurgedAfterTheRetention(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	entry := func(page, mid string) string {
		return `{"object":"page","entry":[{"id":"` + page + `","time":1764064800000,"messaging":[{"sender":{"id":"7440"},"recipient":{"id":"` +
			page + `"},"timestamp":1764064800000,"message":{"mid":"` + mid + `","text":"hi"}}]}]}`
	}
	e.ingest(t, []byte(entry("104000000000401", "m_old")))
	e.ingest(t, []byte(entry("104000000000402", "m_recent")))
	entries, _ := conversations.Parse([]byte(entry("104000000000403", "m_other_agency")), conversations.ParseOptions{})
	other, _ := e.store.CreateTenant(ctx, "Other", "other")
	if _, err := e.in.SubmitFor(ctx, other.ID, entries); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	old := now.Add(-31 * 24 * time.Hour).UnixMilli()
	e.db.W.Exec("UPDATE unrouted_entries SET received_at = ? WHERE page_id = '104000000000401'", old)
	e.db.W.Exec(`INSERT INTO failed_entries (page_id, body_hash, body, error, received_at, last_at) VALUES
		('1', 'h1', '{}', 'refused', ?, ?), ('2', 'h2', '{}', 'refused', ?, ?)`, old, old, now.UnixMilli(), now.UnixMilli())
	reg := prometheus.NewRegistry()
	in := conversations.NewIngester(e.db, nil, reg, slog.New(slog.NewTextHandler(io.Discard, nil)), 100)
	in.KeepAsideFor(30 * 24 * time.Hour)
	n, err := in.Purge(ctx, now)
	if err != nil || n != 2 {
		t.Fatalf("purged %d, %v; want 2", n, err)
	}
	var pages []string
	e.db.R.Raw("SELECT page_id FROM unrouted_entries ORDER BY page_id").Scan(&pages)
	if len(pages) != 2 || pages[0] != "104000000000402" {
		t.Errorf("left: %v", pages)
	}
	// The other agency sees what came through its own app; the entry through relance's shared app is nobody's.
	k, err := in.KeptAsideFor(ctx, other.ID)
	if err != nil || k.Entries != 1 || k.Oldest.IsZero() || k.Retention != 30*24*time.Hour {
		t.Errorf("kept aside for the other agency: %+v %v", k, err)
	}
	if k, err := in.KeptAsideFor(ctx, e.tenant.ID); err != nil || k.Entries != 0 {
		t.Errorf("kept aside for an agency without apps: %+v %v", k, err)
	}
	gauges := map[string]float64{}
	mfs, _ := reg.Gather()
	for _, mf := range mfs {
		if len(mf.GetMetric()) == 1 && mf.GetMetric()[0].GetGauge() != nil {
			gauges[mf.GetName()] = mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	if gauges["relance_ingest_unrouted_waiting"] != 2 || gauges["relance_ingest_failed_entries"] != 1 {
		t.Errorf("gauges: %v", gauges)
	}
}
