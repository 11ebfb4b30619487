package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"relance/conversations"
	"relance/meta"
	"relance/meta/sandbox"
	"relance/tenancy"
	"relance/web"
)

// withGraph rebuilds the fixture's server with a Graph client to a sandbox that holds n threads of the
// fixture's Page (a message from the Page and the person's reply in each).
func (f *fixture) withGraph(n int) {
	t, ctx := f.t, context.Background()
	sb, err := sandbox.New(sandbox.Options{AppSecret: sandboxSecret, Start: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), ReplyRate: 1})
	if err != nil {
		t.Fatal(err)
	}
	graph, err := meta.New(meta.Options{BaseURL: "http://sandbox.invalid", Version: "v25.0", AppSecret: sandboxSecret, SendRate: -1,
		HTTP: &http.Client{Transport: sb.Transport()}})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		psid := fmt.Sprintf("7299000000000%03d", i)
		sb.RegisterThread(f.page.PageID, psid, "", sb.Now(), "")
		if _, err := graph.Send(ctx, meta.Message{PageID: f.page.PageID, Token: fixturePageToken, Recipient: psid,
			MessagingType: "RESPONSE", Text: "Bonjour"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := sb.Advance(ctx, time.Hour); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	f.srv, err = web.New(web.Deps{Store: f.store, DB: f.store.DB(), Log: log, Registry: prometheus.NewRegistry(), Ingest: f.ingest,
		Webhook:  web.WebhookConfig{AppID: fixtureApp, AppSecret: fixtureSecret, VerifyToken: "verify-me", NLPThreshold: 0.8},
		Sessions: tenancy.SessionPolicy{Idle: time.Hour, Absolute: 24 * time.Hour}, Login: tenancy.LoginLimits{PerEmail: 5, PerIP: 50, Window: time.Minute},
		CSRFKey: []byte("0123456789abcdef0123456789abcdef"), BodyLimit: 1 << 20, DefaultPolicy: tenancy.PolicyMetaCurrent, Graph: graph})
	if err != nil {
		t.Fatal(err)
	}
	srv := f.srv
	// Registered after the fixture's: runs before the ingester stops, so a run still going ends cleanly.
	t.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
}

// waitBackfill polls the API until the Page's latest backfill is finished (deadline, not a sleep for timing).
func (f *fixture) waitBackfill(path string) conversations.Backfill {
	f.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		status, body := f.do(caller{token: f.tokens[admin]}, "GET", path, "")
		var job conversations.Backfill
		if status == http.StatusOK {
			if err := json.Unmarshal([]byte(body), &job); err != nil {
				f.t.Fatal(err)
			}
			if !job.Active() {
				return job
			}
		}
		if time.Now().After(deadline) {
			f.t.Fatalf("backfill not finished in time: %d %s", status, body)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestBackfillAPI(t *testing.T) {
	f := newFixture(t)
	f.withGraph(3)
	path := "/api/v1/brands/" + f.a1.ID + "/pages/" + f.page.ID + "/backfill"
	if status, body := f.do(caller{token: f.tokens[admin]}, "GET", path, ""); status != http.StatusNotFound {
		t.Fatalf("before any backfill: %d %s", status, body)
	}
	status, body := f.do(caller{token: f.tokens[admin]}, "POST", path, "")
	if status != http.StatusAccepted || !strings.Contains(body, `"status":"queued"`) {
		t.Fatalf("start: %d %s", status, body)
	}
	job := f.waitBackfill(path)
	if job.Status != conversations.BackfillDone || job.Threads != 3 || job.Imported != 6 || job.Duplicates != 0 {
		t.Fatalf("finished job: %+v", job)
	}
	// Progress by the Meta Page id too, for any conversation reader; not for brand viewers nor outsiders.
	byMetaID := "/api/v1/brands/" + f.a1.ID + "/pages/" + f.page.PageID + "/backfill"
	if status, body := f.do(caller{token: f.tokens[analyst]}, "GET", byMetaID, ""); status != http.StatusOK || !strings.Contains(body, job.ID) {
		t.Errorf("analyst reads progress: %d %s", status, body)
	}
	for who, c := range map[string]caller{"brand_viewer": {token: f.tokens[bViewer]},
		"brand_admin of A2": {token: f.tokens["a2_brand_admin"]}, "analyst (start)": {token: f.tokens[analyst]}} {
		method := "GET"
		if strings.Contains(who, "start") {
			method = "POST"
		}
		if status, body := f.do(c, method, path, ""); status != http.StatusForbidden {
			t.Errorf("%s: %d %s, want 403", who, status, body)
		}
	}
	if status, _ := f.do(caller{token: f.tokens["b_admin"]}, "GET", path, ""); status != http.StatusNotFound {
		t.Errorf("other agency: %d, want 404", status)
	}
	// While a job holds the Page, a second start is a conflict.
	if _, err := conversations.NewBackfills(f.store.DB(), f.a.ID, nil).Start(context.Background(), f.a1.ID, f.page.PageID); err != nil {
		t.Fatal(err)
	}
	if status, body := f.do(caller{token: f.tokens[admin]}, "POST", path, ""); status != http.StatusConflict || !strings.Contains(body, "already running") {
		t.Errorf("start while one runs: %d %s", status, body)
	}
	if status, _ := f.do(caller{token: f.tokens[admin]}, "POST", "/api/v1/brands/"+f.a1.ID+"/pages/104999000000999/backfill", ""); status != http.StatusNotFound {
		t.Errorf("unknown Page: %d, want 404", status)
	}
}

func TestBackfillUI(t *testing.T) {
	f := newFixture(t)
	f.withGraph(2)
	adminUser := f.users[admin]
	status, body := f.do(caller{user: &adminUser}, "GET", "/brands/"+f.a1.ID, "")
	if status != http.StatusOK || !strings.Contains(body, "Backfill history") || !strings.Contains(body, "not backfilled") {
		t.Fatalf("brand page: %d %s", status, trim(body))
	}
	analystUser := f.users[analyst]
	if _, body := f.do(caller{user: &analystUser}, "GET", "/brands/"+f.a1.ID, ""); strings.Contains(body, "Backfill history") {
		t.Error("an analyst sees the backfill button")
	}
	start := "/brands/" + f.a1.ID + "/pages/" + f.page.ID + "/backfill"
	if status, _ := f.do(caller{user: &adminUser}, "POST", start, ""); status != http.StatusSeeOther {
		t.Fatalf("start from the UI: %d", status)
	}
	job := f.waitBackfill("/api/v1/brands/" + f.a1.ID + "/pages/" + f.page.ID + "/backfill")
	status, body = f.do(caller{user: &analystUser}, "GET", start, "")
	if status != http.StatusOK || !strings.Contains(body, "done") || !strings.Contains(body, "4 imported") || strings.Contains(body, "hx-trigger") {
		t.Fatalf("progress line of a finished job %+v: %d %s", job, status, body)
	}
	// A queued job's line polls itself.
	if _, err := conversations.NewBackfills(f.store.DB(), f.a.ID, nil).Start(context.Background(), f.a1.ID, f.page.PageID); err != nil {
		t.Fatal(err)
	}
	status, body = f.do(caller{user: &analystUser}, "GET", start, "")
	if status != http.StatusOK || !strings.Contains(body, `hx-trigger="every 2s"`) || !strings.Contains(body, "queued") {
		t.Fatalf("progress line of a queued job: %d %s", status, body)
	}
}

func TestBackfillWithoutGraph(t *testing.T) {
	f := newFixture(t)
	f.withoutGraph()
	path := "/api/v1/brands/" + f.a1.ID + "/pages/" + f.page.ID + "/backfill"
	status, body := f.do(caller{token: f.tokens[admin]}, "POST", path, "")
	if status != http.StatusServiceUnavailable || !strings.Contains(body, "meta.graph_url") {
		t.Fatalf("backfill without a Graph client: %d %s", status, body)
	}
	if status, _ := f.do(caller{token: f.tokens[admin]}, "GET", path, ""); status != http.StatusNotFound {
		t.Errorf("no job may have been left behind: %d", status)
	}
}
