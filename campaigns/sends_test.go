package campaigns

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"relance/audiences"
	"relance/conversations"
	"relance/meta"
	"relance/meta/sandbox"
	"relance/tenancy"
)

const (
	sendSecret = "sandbox-send-secret"
	sendAppID  = "1700000000001"
)

// sendFixture is a running sponsored-message campaign whose audience holds free, unreachable and ads-only
// members, a sandbox playing Meta, and a wire that can lose answers.
type sendFixture struct {
	*testEnv
	sb       *sandbox.Sandbox
	url      string
	campaign Campaign
	free     []string // PSIDs in the window
	vault    *tenancy.Vault
}

// lossyWire forwards calls to the sandbox and, while lose > 0, throws away the answer of a message send after
// the sandbox processed it: the message went, the caller never hears.
type lossyWire struct {
	lose atomic.Int32
}

func (w *lossyWire) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err == nil && strings.HasSuffix(r.URL.Path, "/messages") && w.lose.Add(-1) >= 0 {
		resp.Body.Close()
		return nil, errors.New("connection reset by peer")
	}
	return resp, err
}

func newSendFixture(t *testing.T, nFree int) *sendFixture {
	t.Helper()
	return newSendFixtureReplying(t, nFree, -1)
}

// newSendFixtureReplying is newSendFixture with the sandbox's people replying at replyRate.
func newSendFixtureReplying(t *testing.T, nFree int, replyRate float64) *sendFixture {
	t.Helper()
	e := newTestEnv(t)
	sb, err := sandbox.New(sandbox.Options{AppSecret: sendSecret, AppID: sendAppID, Seed: "sends", Start: e.now,
		ReplyRate: replyRate, Now: func() time.Time { return e.now }})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	f := &sendFixture{testEnv: e, sb: sb, url: srv.URL}
	f.vault, _ = tenancy.NewVault([]byte("0123456789abcdef0123456789abcdef"))
	snap := e.snapshot(t, e.audience, 1)
	for i := 0; i < nFree; i++ {
		psid := fmt.Sprintf("10%04d", i)
		e.seedMember(t, snap, testPage, psid, true, e.now.Add(-time.Hour), false)
		sb.RegisterThread(testPage, psid, "FR", e.now.Add(-time.Hour), "")
		f.free = append(f.free, psid)
	}
	e.seedMember(t, snap, testPage, "2001", true, e.now.Add(-time.Hour), true) // blocked: skipped unreachable
	e.seedMember(t, snap, testPage, "2002", false, time.Time{}, false)         // no thread: ads_only, stays queued
	c, err := e.st.Create(ctxAs("m"), input(t, merge(t, e.sponsored(), `{"holdout_percent":0}`)))
	if err != nil {
		t.Fatal(err)
	}
	if err := e.st.db.W.Exec(`UPDATE campaigns SET state = ? WHERE id = ?`, StateRunning, c.ID).Error; err != nil {
		t.Fatal(err)
	}
	f.campaign = c
	return f
}

// options is one relance instance: its own Meta client over the wire given.
func (f *sendFixture) options(t *testing.T, instance string, w http.RoundTripper) RunOptions {
	t.Helper()
	if w == nil {
		w = http.DefaultTransport
	}
	c, err := meta.New(meta.Options{BaseURL: f.url, Version: "v25.0", AppSecret: sendSecret, SendRate: -1, Retries: 2,
		BaseBackoff: time.Millisecond, HTTP: &http.Client{Transport: w}})
	if err != nil {
		t.Fatal(err)
	}
	return RunOptions{Sender: c, Instance: instance, Cause: "schedule",
		PageToken: func(_ context.Context, pageID string) (string, error) {
			return sandbox.PageToken(sendSecret, pageID), nil
		}}
}

// sentTo counts the sandbox's messages per PSID.
func (f *sendFixture) sentTo() map[string]int {
	out := map[string]int{}
	for _, s := range f.sb.Sends() {
		out[s.PSID]++
	}
	return out
}

func (f *sendFixture) run(t *testing.T, runID string) Run {
	t.Helper()
	runs, err := f.st.Runs(context.Background(), f.campaign.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range runs {
		if r.ID == runID {
			return r
		}
	}
	t.Fatalf("run %s not listed in %+v", runID, runs)
	return Run{}
}

// TestSlotSendsEachFreeMemberOnce runs a slot against the sandbox: each free member gets one message carrying
// its send id, the blocked one is skipped, the one without a thread stays queued as ads_only; running the
// slot again sends nothing more, and a run by hand for that slot is a conflict.
func TestSlotSendsEachFreeMemberOnce(t *testing.T) {
	f := newSendFixture(t, 5)
	ctx := context.Background()
	ro := f.options(t, "a", nil)
	runID, err := f.st.RunSlot(ctx, f.campaign.ID, f.now, ro)
	if err != nil {
		t.Fatal(err)
	}
	got := f.sentTo()
	for _, psid := range f.free {
		if got[psid] != 1 {
			t.Errorf("%s got %d messages, want 1", psid, got[psid])
		}
	}
	if len(got) != len(f.free) {
		t.Errorf("sandbox messaged %v", got)
	}
	r := f.run(t, runID)
	if r.Status != RunDone || r.Counts[SendSent] != 5 || r.Counts[SendSkipped] != 1 || r.Counts[SendQueued] != 1 ||
		r.Routes[RouteFree] != 5 || r.Routes[RouteAdsOnly] != 1 {
		t.Errorf("run %+v", r)
	}
	sends, _, err := f.st.Sends(ctx, f.campaign.ID, runID, SendFilter{Status: SendSent}, tenancy.Cursor{})
	if err != nil || len(sends) != 5 {
		t.Fatalf("sent sends %d (%v)", len(sends), err)
	}
	ids := map[string]bool{}
	for _, s := range sends {
		ids[s.ID] = true
		if s.Route != RouteFree || s.Variant == "" || s.SentAt == nil {
			t.Errorf("send %+v", s)
		}
	}
	for _, s := range f.sb.Sends() {
		if !ids[s.Metadata] || s.MessagingType != meta.MessagingResponse {
			t.Errorf("sandbox send %+v does not carry a send id as metadata", s)
		}
	}
	skipped, _, _ := f.st.Sends(ctx, f.campaign.ID, runID, SendFilter{Route: RouteSkipped}, tenancy.Cursor{})
	if len(skipped) != 1 || skipped[0].Reason != SkipUnreachable || skipped[0].PSID != "2001" {
		t.Errorf("skipped %+v", skipped)
	}

	if _, err := f.st.RunSlot(ctx, f.campaign.ID, f.now, ro); err != nil {
		t.Fatal(err)
	}
	if n := len(f.sb.Sends()); n != 5 {
		t.Errorf("the slot run twice sent %d messages, want 5", n)
	}
	manual := ro
	manual.Cause = "manual"
	if _, err := f.st.RunSlot(ctx, f.campaign.ID, f.now, manual); !errors.Is(err, ErrSlotRan) || !errors.Is(err, tenancy.ErrConflict) {
		t.Errorf("run by hand of a slot that ran: %v, want ErrSlotRan", err)
	}
	if _, _, err := f.st.Sends(ctx, f.campaign.ID, runID, SendFilter{Status: "lost"}, tenancy.Cursor{}); fieldsOf(err)["status"] == "" {
		t.Errorf("bad status filter: %v", err)
	}
}

// TestRunnersRaceOnOneSlot starts four instances on the same slot at once (on PostgreSQL in CI, where they
// truly run together): every contact is messaged once.
func TestRunnersRaceOnOneSlot(t *testing.T) {
	f := newSendFixture(t, 40)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		ro := f.options(t, fmt.Sprintf("i%d", i), nil)
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = f.st.RunSlot(ctx, f.campaign.ID, f.now, ro)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	got := f.sentTo()
	for _, psid := range f.free {
		if got[psid] != 1 {
			t.Errorf("%s got %d messages, want 1", psid, got[psid])
		}
	}
	if len(f.sb.Sends()) != 40 {
		t.Errorf("%d messages for 40 free members", len(f.sb.Sends()))
	}
}

// TestLostAnswerSettledFromEcho loses the Send API's answer after the sandbox sent the message: the send is
// unknown, never sent again (the client does not retry a send whose answer was lost), and turns sent with
// the message id once the echo carrying its id as metadata is ingested; then the delivery and read webhooks
// move it on.
func TestLostAnswerSettledFromEcho(t *testing.T) {
	f := newSendFixture(t, 3)
	ctx := context.Background()
	w := &lossyWire{}
	w.lose.Store(1)
	runID, err := f.st.RunSlot(ctx, f.campaign.ID, f.now, f.options(t, "a", w))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(f.sb.Sends()); n != 3 {
		t.Fatalf("sandbox sent %d messages, want 3 (a lost answer must not be retried)", n)
	}
	r := f.run(t, runID)
	if r.Counts[SendUnknown] != 1 || r.Counts[SendSent] != 2 {
		t.Fatalf("counts %v, want 1 unknown and 2 sent", r.Counts)
	}
	if _, err := f.st.RunSlot(ctx, f.campaign.ID, f.now, f.options(t, "b", nil)); err != nil {
		t.Fatal(err)
	}
	if n := len(f.sb.Sends()); n != 3 {
		t.Fatalf("rerun sent again: %d messages", n)
	}
	f.ingest(t)
	if _, err := Settle(ctx, f.st.db, f.now, DefaultReplyWindow); err != nil {
		t.Fatal(err)
	}
	r = f.run(t, runID)
	if r.Counts[SendUnknown] != 0 || r.Counts[SendSent] != 3 {
		t.Errorf("after the echo: counts %v, want 3 sent", r.Counts)
	}
	sends, _, _ := f.st.Sends(ctx, f.campaign.ID, runID, SendFilter{Route: RouteFree}, tenancy.Cursor{})
	mids := map[string]bool{}
	for _, s := range f.sb.Sends() {
		mids[s.MessageID] = true
	}
	for _, s := range sends {
		var row sendRow
		if err := f.st.db.R.Where("id = ?", s.ID).Take(&row).Error; err != nil || !mids[row.MessageID] {
			t.Errorf("send %s has message id %q (%v)", s.ID, row.MessageID, err)
		}
	}

	// Delivery and read watermarks past the messages move them on.
	f.exec(t, `UPDATE contacts SET delivery_watermark = ? WHERE psid = ?`, f.now.Add(time.Minute).UnixMilli(), f.free[0])
	f.exec(t, `UPDATE contacts SET delivery_watermark = ?, read_watermark = ? WHERE psid = ?`,
		f.now.Add(time.Minute).UnixMilli(), f.now.Add(time.Minute).UnixMilli(), f.free[1])
	f.exec(t, `INSERT INTO messages (tenant_id, brand_id, page_id, psid, mid, direction, sender, text, sent_at) VALUES (?, ?, ?, ?, 'm_reply', 'in', 'user', 'yes', ?)`,
		f.st.tenant, f.brand.ID, testPage, f.free[2], f.now.Add(2*time.Hour).UnixMilli())
	st, err := Settle(ctx, f.st.db, f.now, DefaultReplyWindow)
	if err != nil {
		t.Fatal(err)
	}
	r = f.run(t, runID)
	if r.Counts[SendDelivered] != 1 || r.Counts[SendRead] != 1 || r.Counts[SendReplied] != 1 {
		t.Errorf("tracking: counts %v (settled %+v)", r.Counts, st)
	}
}

func (f *sendFixture) exec(t *testing.T, q string, args ...any) {
	t.Helper()
	if err := f.st.db.W.Exec(q, args...).Error; err != nil {
		t.Fatalf("%v\n%s", err, q)
	}
}

// ingest feeds the sandbox's pending webhooks (the echoes) through conversations ingestion.
func (f *sendFixture) ingest(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	in := conversations.NewIngester(f.st.db, f.vault, prometheus.NewRegistry(), slog.New(slog.NewTextHandler(io.Discard, nil)), 5000)
	done := make(chan struct{})
	go func() { in.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	for _, body := range f.sb.Pending() {
		entries, err := conversations.Parse(body, conversations.ParseOptions{AppID: sendAppID})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := in.Submit(ctx, entries); err != nil {
			t.Fatal(err)
		}
	}
}

// TestSendErrorsClassified answers sends with Meta's errors: 551 skips the person as unreachable, a closed
// window skips with policy, a throttle leaves the send queued for the paced retry, an invalid token or a
// missing permission pauses the campaign with the reason on its timeline.
func TestSendErrorsClassified(t *testing.T) {
	for _, c := range []struct {
		name, body         string
		status, reason     string
		paused, stillQueue bool
	}{
		{"unavailable", `{"error":{"message":"(#551) This person isn't available right now.","type":"OAuthException","code":551,"error_subcode":1545041}}`, SendSkipped, SkipUnreachable, false, false},
		{"window", `{"error":{"message":"(#10) outside of allowed window","type":"OAuthException","code":10,"error_subcode":2018278}}`, SendSkipped, SkipPolicy, false, false},
		{"throttled", `{"error":{"message":"(#32) Page request limit reached","type":"OAuthException","code":32}}`, SendQueued, "", false, true},
		{"token", `{"error":{"message":"Error validating access token: Session has expired","type":"OAuthException","code":190,"error_subcode":463}}`, SendQueued, "", true, true},
		{"permission", `{"error":{"message":"(#200) Requires pages_messaging permission","type":"OAuthException","code":200}}`, SendQueued, "", true, true},
		{"other", `{"error":{"message":"(#100) Invalid parameter","type":"OAuthException","code":100}}`, SendFailed, "(#100) Invalid parameter", false, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newSendFixture(t, 1)
			ctx := context.Background()
			meta := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusBadRequest)
				io.WriteString(w, c.body)
			}))
			t.Cleanup(meta.Close)
			f.url = meta.URL
			runID, err := f.st.RunSlot(ctx, f.campaign.ID, f.now, f.options(t, "a", nil))
			if err != nil {
				t.Fatal(err)
			}
			var row sendRow
			if err := f.st.db.R.Where("run_id = ? AND route = ?", runID, RouteFree).Take(&row).Error; err != nil {
				t.Fatal(err)
			}
			if row.Status != c.status || row.Reason != c.reason || row.ErrorClass == "" {
				t.Errorf("send %s/%s class %s, want %s/%s", row.Status, row.Reason, row.ErrorClass, c.status, c.reason)
			}
			got, _ := f.st.Get(ctx, f.campaign.ID)
			if (got.State == StatePaused) != c.paused {
				t.Errorf("campaign %s", got.State)
			}
			if c.paused {
				tl, _ := f.st.Timeline(ctx, f.campaign.ID)
				if len(tl) == 0 || tl[len(tl)-1].Action != ActPause || !strings.Contains(tl[len(tl)-1].Detail, c.name) {
					t.Errorf("timeline %+v", tl)
				}
			}
			if r := f.run(t, runID); (r.Status == RunDone) == c.stillQueue {
				t.Errorf("run %s with the send %s", r.Status, row.Status)
			}
			// The sweep delivers a throttled run again later; a paused campaign's run waits for resume.
			due, err := DueRuns(ctx, f.st.db.R, f.now)
			if err != nil || (len(due) == 1) != (c.stillQueue && !c.paused) {
				t.Errorf("due runs %+v (%v)", due, err)
			}
		})
	}
}

// TestDeadClaimTurnsUnknown: a send claimed by an instance that died mid-call is never queued again; after
// the lease it shows as unknown, and an echo would settle it.
func TestDeadClaimTurnsUnknown(t *testing.T) {
	f := newSendFixture(t, 1)
	ctx := context.Background()
	f.exec(t, `UPDATE campaigns SET state = ? WHERE id = ?`, StatePaused, f.campaign.ID)
	f.exec(t, `INSERT INTO campaign_runs (id, tenant_id, brand_id, campaign_id, slot, status, started_at) VALUES ('r1', ?, ?, ?, 1, ?, 1)`,
		f.st.tenant, f.brand.ID, f.campaign.ID, RunSending)
	f.exec(t, `INSERT INTO campaign_sends (id, tenant_id, brand_id, campaign_id, run_id, slot, contact_id, page_id, psid, route, status, claimed_by, claimed_at, updated_at)
		VALUES ('s1', ?, ?, ?, 'r1', 1, 'c1', ?, '100000', 'free', ?, 'dead', ?, 1)`, f.st.tenant, f.brand.ID, f.campaign.ID, testPage, SendSending, f.now.UnixMilli())
	if st, err := Settle(ctx, f.st.db, f.now.Add(ClaimLease/2), DefaultReplyWindow); err != nil || st.Lost != 0 {
		t.Fatalf("within the lease: %+v %v", st, err)
	}
	if st, err := Settle(ctx, f.st.db, f.now.Add(ClaimLease+time.Second), DefaultReplyWindow); err != nil || st.Lost != 1 {
		t.Fatalf("after the lease: %+v %v", st, err)
	}
	var row sendRow
	if err := f.st.db.R.Where("id = 's1'").Take(&row).Error; err != nil || row.Status != SendUnknown {
		t.Errorf("status %s (%v)", row.Status, err)
	}
}

// TestFrequencyCapCountsSends: after a slot messaged everyone, the campaign's cap (1 message in 3 days) skips
// them as capped at the next slot and in the preview; the slot that sent does not cap itself on a rerun.
func TestFrequencyCapCountsSends(t *testing.T) {
	f := newSendFixture(t, 3)
	ctx := context.Background()
	ro := f.options(t, "a", nil)
	if _, err := f.st.RunSlot(ctx, f.campaign.ID, f.now, ro); err != nil {
		t.Fatal(err)
	}
	p, err := f.st.PreviewSlot(ctx, f.campaign.ID)
	if err != nil || p.Skipped[SkipCapped] != 3 || p.Routes[RouteFree] != 0 {
		t.Errorf("preview after the slot: skipped %v routes %v (%v)", p.Skipped, p.Routes, err)
	}
	next, err := f.st.RunSlot(ctx, f.campaign.ID, f.now.Add(24*time.Hour), ro)
	if err != nil {
		t.Fatal(err)
	}
	sends, _, _ := f.st.Sends(ctx, f.campaign.ID, next, SendFilter{Status: SendSkipped}, tenancy.Cursor{})
	capped := 0
	for _, s := range sends {
		if s.Reason == SkipCapped {
			capped++
		}
	}
	if capped != 3 || len(f.sb.Sends()) != 3 {
		t.Errorf("next slot: %d capped, %d messages in all", capped, len(f.sb.Sends()))
	}
}

// TestSandboxRepliesMarkReplied: the sandbox's people answer every message a few minutes later; once the
// echoes and the replies are ingested, the sweep marks each send replied.
func TestSandboxRepliesMarkReplied(t *testing.T) {
	f := newSendFixtureReplying(t, 3, 1)
	ctx := context.Background()
	runID, err := f.st.RunSlot(ctx, f.campaign.ID, f.now, f.options(t, "a", nil))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.sb.Advance(ctx, time.Hour); err != nil {
		t.Fatal(err)
	}
	f.ingest(t)
	st, err := Settle(ctx, f.st.db, f.now.Add(time.Hour), DefaultReplyWindow)
	if err != nil {
		t.Fatal(err)
	}
	if r := f.run(t, runID); r.Counts[SendReplied] != 3 {
		t.Errorf("counts %v (settled %+v), want 3 replied", r.Counts, st)
	}
}

// TestRunKeepsItsSnapshots: the snapshot a run routed from survives the audience's pruning (keep 1), while a
// snapshot no run used is pruned as before.
func TestRunKeepsItsSnapshots(t *testing.T) {
	f := newSendFixture(t, 1)
	ctx := context.Background()
	if err := f.st.db.W.Exec(`UPDATE audiences SET rule = ?, last_seq = 1 WHERE id = ?`, `{"field":"inbound_count","op":"gte","value":1}`, f.audience).Error; err != nil {
		t.Fatal(err)
	}
	var used string
	f.st.db.R.Raw("SELECT id FROM audience_snapshots WHERE audience_id = ?", f.audience).Scan(&used)
	if _, err := f.st.RunSlot(ctx, f.campaign.ID, f.now, f.options(t, "a", nil)); err != nil {
		t.Fatal(err)
	}
	st := audiences.NewStore(f.st.db, f.st.tenant, f.brand, audiences.Options{Keep: 1})
	for i := 0; i < 3; i++ {
		if _, err := st.Build(ctx, f.audience, audiences.CauseManual); err != nil {
			t.Fatal(err)
		}
	}
	var ids []string
	f.st.db.R.Raw("SELECT id FROM audience_snapshots WHERE audience_id = ? ORDER BY seq", f.audience).Scan(&ids)
	if len(ids) != 2 || ids[0] != used {
		t.Errorf("snapshots left %v, want the run's %s and the latest", ids, used)
	}
}

// TestSandboxReceiptsMarkDeliveredAndRead: the sandbox's delivery and read webhooks, ingested, move every
// send to delivered or read.
func TestSandboxReceiptsMarkDeliveredAndRead(t *testing.T) {
	f := newSendFixture(t, 10)
	ctx := context.Background()
	runID, err := f.st.RunSlot(ctx, f.campaign.ID, f.now, f.options(t, "a", nil))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.sb.Advance(ctx, 2*time.Hour); err != nil {
		t.Fatal(err)
	}
	f.ingest(t)
	if _, err := Settle(ctx, f.st.db, f.now.Add(2*time.Hour), DefaultReplyWindow); err != nil {
		t.Fatal(err)
	}
	r := f.run(t, runID)
	if r.Counts[SendDelivered]+r.Counts[SendRead] != 10 || r.Counts[SendDelivered] == 0 || r.Counts[SendRead] == 0 {
		t.Errorf("counts %v, want the 10 sends delivered or read, some of each", r.Counts)
	}
}

// TestQuietHoursDelayDelivery: a slot at 22:30 in the brand's zone writes its sends but delivers nothing
// until quiet hours end (09:00); the sweep then finds the run due and delivers it.
func TestQuietHoursDelayDelivery(t *testing.T) {
	f := newSendFixture(t, 2)
	ctx := context.Background()
	paris, _ := time.LoadLocation("Europe/Paris")
	slot := time.Date(2026, 3, 2, 22, 30, 0, 0, paris).UTC()
	f.now = slot
	runID, err := f.st.RunSlot(ctx, f.campaign.ID, slot, f.options(t, "a", nil))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(f.sb.Sends()); n != 0 {
		t.Fatalf("%d messages sent in quiet hours", n)
	}
	if due, _ := DueRuns(ctx, f.st.db.R, slot.Add(time.Hour)); len(due) != 0 {
		t.Errorf("due during quiet hours: %+v", due)
	}
	morning := time.Date(2026, 3, 3, 9, 0, 0, 0, paris).UTC()
	f.now = morning
	due, err := DueRuns(ctx, f.st.db.R, morning)
	if err != nil || len(due) != 1 || due[0].RunID != runID {
		t.Fatalf("due at 09:00: %+v (%v)", due, err)
	}
	if err := f.st.Deliver(ctx, runID, f.options(t, "a", nil)); err != nil {
		t.Fatal(err)
	}
	if r := f.run(t, runID); len(f.sb.Sends()) != 2 || r.Counts[SendSent] != 2 || r.Status != RunDone {
		t.Errorf("after quiet hours: %d messages, run %+v", len(f.sb.Sends()), r)
	}
}
