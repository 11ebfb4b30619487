package campaigns

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"relance/database"
	"relance/meta"
	"relance/meta/sandbox"
	"relance/tenancy"
)

// benchAudience is how many free members each slot of BenchmarkSlotSends routes and sends to
// (RELANCE_BENCH_SEND_MEMBERS overrides it).
func benchAudience() int {
	if n, err := strconv.Atoi(os.Getenv("RELANCE_BENCH_SEND_MEMBERS")); err == nil && n > 0 {
		return n
	}
	return 5000
}

// seedFree writes n members in the window of the campaign's Page into a new snapshot of the fixture's
// audience, 5,000 to a statement, registers their threads with the sandbox when one is given, and refreshes
// the planner's statistics.
func (e *testEnv) seedFree(t testing.TB, sb *sandbox.Sandbox, n int) {
	t.Helper()
	snap := e.snapshot(t, e.audience, 1)
	recent := e.now.Add(-time.Hour).UnixMilli()
	const chunk = 5000
	for from := 0; from < n; from += chunk {
		var contacts, members [][]any
		for i := from; i < min(from+chunk, n); i++ {
			psid := fmt.Sprintf("3%07d", i)
			contacts = append(contacts, []any{tenancy.NewID(), e.st.tenant, e.brand.ID, testPage, psid, recent})
			members = append(members, []any{snap, testPage, psid})
			if sb != nil {
				sb.RegisterThread(testPage, psid, "FR", time.UnixMilli(recent), "")
			}
		}
		cdoc, _ := json.Marshal(contacts)
		mdoc, _ := json.Marshal(members)
		each := "json_each(?)"
		if e.st.db.Dialect == database.Postgres {
			each = "jsonb_array_elements(CAST(? AS jsonb)) AS t(value)"
		}
		if err := e.st.db.W.Exec(`INSERT INTO contacts (id, tenant_id, brand_id, page_id, psid, first_seen_at, last_inbound_at,
			last_interaction_at, inbound_count, updated_at) SELECT value->>0, value->>1, value->>2, value->>3, value->>4, 1,
			CAST(value->>5 AS BIGINT), CAST(value->>5 AS BIGINT), 1, 1 FROM `+each, string(cdoc)).Error; err != nil {
			t.Fatal(err)
		}
		if err := e.st.db.W.Exec(`INSERT INTO audience_members (snapshot_id, page_id, psid) SELECT value->>0, value->>1, value->>2 FROM `+each,
			string(mdoc)).Error; err != nil {
			t.Fatal(err)
		}
	}
	// Statistics, as a running relance keeps them (Optimize on SQLite, autovacuum on PostgreSQL): without
	// them PostgreSQL joins the members to the brand's contacts by a nested loop over all of them.
	if err := e.st.db.Optimize(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkSlotSends measures relance's own cost per send with pacing off: each iteration runs a new slot
// of a running campaign whose audience holds only members in the free window, through RunSlot: routing
// (members streamed with their contact state, policy, variant), recording (a send row each, written before
// any call), the Send API call through the Meta client to the in-process sandbox (signed request, the
// sandbox's checks and echo), and settling each row with the call's outcome. No holdout and a cap nobody reaches
// (a cap of a million messages a day: the cap query runs, nobody is capped), so every member is sent to at every
// slot. It reports sends/s.
//
// Sub-benchmark sandbox counts Meta's side too (the in-process sandbox checks, stores and echoes each
// message, on the same cores); canned answers every call with a fixed Send API answer, so that only
// relance's own cost is left: the client builds, signs and sends the request and decodes the answer.
func BenchmarkSlotSends(b *testing.B) {
	b.Run("sandbox", func(b *testing.B) { benchSlotSends(b, false) })
	b.Run("canned", func(b *testing.B) { benchSlotSends(b, true) })
}

// cannedMeta answers every Send API call as Meta does for a message that went.
type cannedMeta struct{}

func (cannedMeta) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, r.Body)
		r.Body.Close()
	}
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}}, Request: r,
		Body: io.NopCloser(strings.NewReader(`{"recipient_id":"1254477777772919","message_id":"m_AG5Hz2Uq7tuwNEhXfYYKj8mJEM_QPpz5jdCK48PnKAjSdjfipqxqMvK8ma6AC8fplwlqLP_5cgXIbu7I3rBN0P"}`))}, nil
}

func benchSlotSends(b *testing.B, canned bool) {
	e := newTestEnv(b)
	sb, err := sandbox.New(sandbox.Options{AppSecret: sendSecret, AppID: sendAppID, Seed: "bench", Start: e.now,
		ReplyRate: -1, Now: func() time.Time { return e.now }})
	if err != nil {
		b.Fatal(err)
	}
	n := benchAudience()
	e.seedFree(b, sb, n)
	c, err := e.st.Create(ctxAs("m"), input(b, merge(b, e.sponsored(), `{"holdout_percent":0}`)))
	if err != nil {
		b.Fatal(err)
	}
	if err := e.st.db.W.Exec(`UPDATE campaigns SET state = ?, cap_messages = 1000000, cap_days = 1 WHERE id = ?`, StateRunning, c.ID).Error; err != nil {
		b.Fatal(err)
	}
	var wire http.RoundTripper = sb.Transport()
	if canned {
		wire = cannedMeta{}
	}
	client, err := meta.New(meta.Options{BaseURL: "http://sandbox.invalid", Version: "v25.0", AppSecret: sendSecret, SendRate: -1,
		HTTP: &http.Client{Transport: wire}})
	if err != nil {
		b.Fatal(err)
	}
	ro := RunOptions{Sender: client, Instance: "bench", Cause: "schedule",
		PageToken: func(_ context.Context, pageID string) (string, error) {
			return sandbox.PageToken(sendSecret, pageID), nil
		}}
	ctx := context.Background()
	start := e.now
	cpu0 := cpuTime()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e.now = start.Add(time.Duration(i) * time.Minute)
		runID, err := e.st.RunSlot(ctx, c.ID, e.now, ro)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		var sent int64
		e.st.db.R.Model(&sendRow{}).Where("run_id = ? AND status = ?", runID, SendSent).Count(&sent)
		if int(sent) != n {
			var st []struct {
				Status, Route, Reason string
				N                     int
			}
			e.st.db.R.Raw("SELECT status, route, reason, COUNT(*) AS n FROM campaign_sends WHERE run_id = ? GROUP BY status, route, reason", runID).Scan(&st)
			b.Fatalf("slot %d: %d sent, want %d: %+v", i, sent, n, st)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "sends/s")
	// On a shared machine the wall clock says more about the neighbours than about relance: the process's
	// CPU time per send (both cores, the sandbox's included) is the figure to compare.
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(n*b.N), "cpu-µs/send")
}

// cpuTime is the user and system CPU time this process used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
