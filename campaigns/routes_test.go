package campaigns

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"relance/meta"
	"relance/meta/sandbox"
	"relance/policy"
	"relance/tenancy"
)

// member is one audience member of the routing table: its contact state in relance and its thread in the
// sandbox.
type member struct {
	psid                   string
	sinceInbound           time.Duration // before the slot; 0 = never wrote
	sinceOutbound          time.Duration // the Page's last message before the slot; 0 = never
	optin                  bool
	subscribed             bool
	token                  string
	zone, country          string
	wantRoute, wantStatus  string
	wantReason             string
	wantSent, wantMarketed bool
}

// routeFixture is a running sponsored-message campaign of a brand under profile, paid from the brand's ad
// account, with the members given, and the sandbox playing the Page under the same profile.
func newRouteFixture(t *testing.T, profile string, members []member) *sendFixture {
	t.Helper()
	e := newTestEnv(t)
	if err := e.st.db.W.Exec(`UPDATE brands SET policy = ? WHERE id = ?`, profile, e.brand.ID).Error; err != nil {
		t.Fatal(err)
	}
	e.brand.Policy = profile
	e.st = NewStore(e.st.db, e.st.tenant, e.brand, e.st.opts)
	sb, err := sandbox.New(sandbox.Options{AppSecret: sendSecret, AppID: sendAppID, Seed: "routes", Start: e.now,
		ReplyRate: -1, Now: func() time.Time { return e.now }})
	if err != nil {
		t.Fatal(err)
	}
	sb.SetPageProfile(testPage, profile)
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	f := &sendFixture{testEnv: e, sb: sb, url: srv.URL}
	f.vault, _ = tenancy.NewVault([]byte("0123456789abcdef0123456789abcdef"))
	snap := e.snapshot(t, e.audience, 1)
	for _, m := range members {
		f.seedContact(t, snap, m)
	}
	c, err := e.st.Create(ctxAs("m"), input(t, merge(t, e.sponsored(), `{"holdout_percent":0,"ad_account_id":"`+testAccount+`"}`)))
	if err != nil {
		t.Fatal(err)
	}
	f.exec(t, `UPDATE campaigns SET state = ? WHERE id = ?`, StateRunning, c.ID)
	f.campaign = c
	return f
}

// seedContact writes a member's contact and snapshot row and registers its thread with the sandbox.
func (f *sendFixture) seedContact(t *testing.T, snap string, m member) {
	t.Helper()
	ms := func(d time.Duration) int64 {
		if d == 0 {
			return 0
		}
		return f.now.Add(-d).UnixMilli()
	}
	sealed, optinAt := "", int64(0)
	if m.token != "" {
		sealed = f.vault.Seal(m.token, "optin:"+testPage+":"+m.psid)
	}
	if m.optin {
		optinAt = f.now.Add(-40 * 24 * time.Hour).UnixMilli()
	}
	f.exec(t, `INSERT INTO contacts (id, tenant_id, brand_id, page_id, psid, first_seen_at, last_inbound_at, last_interaction_at,
		last_outbound_at, inbound_count, optin_at, subscribed, optin_token_enc, optin_timezone, updated_at)
		VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, 1, ?, ?, ?, ?, 1)`, tenancy.NewID(), f.st.tenant, f.brand.ID, testPage, m.psid,
		ms(m.sinceInbound), ms(m.sinceInbound), ms(m.sinceOutbound), optinAt, m.subscribed, sealed, m.zone)
	f.exec(t, `INSERT INTO audience_members (snapshot_id, page_id, psid) VALUES (?, ?, ?)`, snap, testPage, m.psid)
	token := ""
	if m.subscribed {
		token = m.token // Meta forgets the token of a person who sent STOP
	}
	f.sb.RegisterThread(testPage, m.psid, m.country, f.now.Add(-m.sinceInbound), token)
}

// marketingOptions is one instance with the paid route wired: the ad account token and the vault.
func (f *sendFixture) marketingOptions(t *testing.T, instance string, w http.RoundTripper) RunOptions {
	t.Helper()
	ro := f.options(t, instance, w)
	ro.Marketing = ro.Sender.(*meta.Client)
	ro.Vault = f.vault
	ro.AdAccountToken = func(context.Context, string) (string, error) { return "EAAB-fixture-ads-token", nil }
	return ro
}

const (
	hour = time.Hour
	day  = 24 * time.Hour
)

// TestRoutingAtWindowEdges is the routing table of DESIGN §5 at the window's edges under both profiles, each
// member's route chosen by a real slot AND what the sandbox (playing the Page's profile) delivered: free at
// 23h59; at 24h01 the "+1" follow_up under meta-2017 and nothing under meta-current (human agent is never a
// campaign's); a Marketing Message to a US subscriber's token; no token, a STOP and an EU subscriber never
// paid for.
func TestRoutingAtWindowEdges(t *testing.T) {
	free := 23*hour + 59*time.Minute
	late := 24*hour + time.Minute
	for _, tc := range []struct {
		profile string
		members []member
	}{
		{policy.MetaCurrent, []member{
			{psid: "3001", sinceInbound: free, wantRoute: RouteFree, wantStatus: SendSent, wantSent: true},
			{psid: "3002", sinceInbound: late, wantRoute: RouteAdsOnly, wantStatus: SendQueued, wantReason: "human agent"},
			{psid: "3003", sinceInbound: 30 * day, optin: true, subscribed: true, token: "tok-us", zone: "America/New_York", country: "US",
				wantRoute: RoutePaid, wantStatus: SendSent, wantMarketed: true},
			{psid: "3004", sinceInbound: 30 * day, optin: true, subscribed: true, zone: "America/New_York", country: "US",
				wantRoute: RouteSkipped, wantStatus: SendSkipped, wantReason: SkipNoToken},
			{psid: "3005", sinceInbound: 30 * day, optin: true, subscribed: false, token: "tok-stop", zone: "America/New_York", country: "US",
				wantRoute: RouteAdsOnly, wantStatus: SendQueued, wantReason: "opt-in stopped"},
			{psid: "3006", sinceInbound: 30 * day, optin: true, subscribed: true, token: "tok-eu", zone: "Europe/Paris", country: "FR",
				wantRoute: RouteAdsOnly, wantStatus: SendQueued, wantReason: "FR, where Marketing Messages are not allowed"},
			{psid: "3007", sinceInbound: late, optin: true, subscribed: true, token: "tok-late", zone: "America/Chicago", country: "US",
				wantRoute: RoutePaid, wantStatus: SendSent, wantMarketed: true},
		}},
		{policy.Meta2017, []member{
			{psid: "3101", sinceInbound: free, wantRoute: RouteFree, wantStatus: SendSent, wantSent: true},
			{psid: "3102", sinceInbound: late, wantRoute: RouteFollowUp, wantStatus: SendSent, wantSent: true},
			// The "+1" spent (the Page wrote after the window closed): a sponsored message, not delivered here.
			{psid: "3103", sinceInbound: 30 * day, sinceOutbound: 20 * day, wantRoute: RoutePaid, wantStatus: SendQueued},
		}},
	} {
		t.Run(tc.profile, func(t *testing.T) {
			f := newRouteFixture(t, tc.profile, tc.members)
			ctx := context.Background()
			runID, err := f.st.RunSlot(ctx, f.campaign.ID, f.now, f.marketingOptions(t, "a", nil))
			if err != nil {
				t.Fatal(err)
			}
			var rows []sendRow
			if err := f.st.db.R.Where("run_id = ?", runID).Find(&rows).Error; err != nil {
				t.Fatal(err)
			}
			// The preview of the next slot agrees: a subscriber without a token is skipped no_token there too.
			if p, err := f.st.PreviewSlot(ctx, f.campaign.ID); err != nil || (p.Skipped[SkipNoToken] == 1) != (tc.profile == policy.MetaCurrent) {
				t.Errorf("preview skipped %v (%v)", p.Skipped, err)
			}
			byPSID := map[string]sendRow{}
			for _, r := range rows {
				byPSID[r.PSID] = r
			}
			outbox := map[string][]sandbox.Send{}
			for _, s := range f.sb.Sends() {
				outbox[s.PSID] = append(outbox[s.PSID], s)
			}
			for _, m := range tc.members {
				r := byPSID[m.psid]
				if r.Route != m.wantRoute || r.Status != m.wantStatus || !strings.Contains(r.Reason, m.wantReason) || (m.wantReason == "" && r.Reason != "") {
					t.Errorf("%s: route %s status %s reason %q, want %s %s %q", m.psid, r.Route, r.Status, r.Reason, m.wantRoute, m.wantStatus, m.wantReason)
				}
				got := outbox[m.psid]
				want := 0
				if m.wantSent || m.wantMarketed {
					want = 1
				}
				if len(got) != want {
					t.Errorf("%s: the sandbox delivered %d messages, want %d", m.psid, len(got), want)
					continue
				}
				if want == 1 && (got[0].Metadata != r.ID || got[0].Marketing != m.wantMarketed) {
					t.Errorf("%s: sandbox send %+v for send %s", m.psid, got[0], r.ID)
				}
				switch {
				case m.wantRoute == RouteFollowUp && got[0].MessagingType != meta.MessagingUpdate:
					t.Errorf("%s: the +1 went as %s, want UPDATE", m.psid, got[0].MessagingType)
				case m.wantMarketed && r.TrackingID == "":
					t.Errorf("%s: a Marketing Message without its tracking id", m.psid)
				}
			}
		})
	}
}

// TestSandboxPlaysThePageProfile: a standard message after the window is the "+1" for a meta-2017 Page,
// once, and refused for a meta-current Page with Meta's 10/2018278 (reference §2), which relance classifies as
// outside the window.
func TestSandboxPlaysThePageProfile(t *testing.T) {
	f := newSendFixture(t, 0)
	ro := f.options(t, "a", nil)
	const old, current = "1040000000077", "1040000000078"
	f.sb.SetPageProfile(old, policy.Meta2017)
	f.sb.SetPageProfile(current, policy.MetaCurrent)
	send := func(page string) error {
		_, err := ro.Sender.Send(context.Background(), meta.Message{PageID: page, Token: sandbox.PageToken(sendSecret, page),
			Recipient: "777", MessagingType: meta.MessagingUpdate, Text: "We have news"})
		return err
	}
	for _, page := range []string{old, current} {
		f.sb.RegisterThread(page, "777", "US", f.now.Add(-25*hour), "")
	}
	if err := send(old); err != nil {
		t.Errorf("meta-2017: the +1 refused: %v", err)
	}
	if err := send(old); meta.ClassOf(err) != meta.ClassOutsideWindow {
		t.Errorf("meta-2017: a second message after the window: %v, want outside the window", err)
	}
	var me *meta.Error
	if err := send(current); !errors.As(err, &me) || me.Code != 10 || me.Subcode != 2018278 {
		t.Errorf("meta-current: a message after the window: %v, want 10/2018278", err)
	}
}

// TestPaidLostAnswerSettledOnce loses the answer of a Marketing Message after the sandbox delivered it: the
// send turns unknown and is never sent again (not by a rerun of the slot, not by another instance); the
// echo carrying its id settles it to sent with the message's mid. The message campaign is created once
// for two slots, and the sandbox's outbox holds exactly one message per contact per slot.
func TestPaidLostAnswerSettledOnce(t *testing.T) {
	members := []member{
		{psid: "3201", sinceInbound: 30 * day, optin: true, subscribed: true, token: "tok-a", zone: "America/New_York", country: "US"},
		{psid: "3202", sinceInbound: 30 * day, optin: true, subscribed: true, token: "tok-b", zone: "America/New_York", country: "US"},
		{psid: "3203", sinceInbound: 30 * day, optin: true, subscribed: true, token: "tok-c", zone: "America/Denver", country: "US"},
	}
	f := newRouteFixture(t, policy.MetaCurrent, members)
	ctx := context.Background()
	w := &countingWire{}
	w.lose.Store(1)
	runID, err := f.st.RunSlot(ctx, f.campaign.ID, f.now, f.marketingOptions(t, "a", w))
	if err != nil {
		t.Fatal(err)
	}
	r := f.run(t, runID)
	if r.Counts[SendUnknown] != 1 || r.Counts[SendSent] != 2 || r.Routes[RoutePaid] != 3 {
		t.Fatalf("counts %v routes %v, want 1 unknown and 2 sent on the paid route", r.Counts, r.Routes)
	}
	for _, instance := range []string{"a", "b"} {
		if _, err := f.st.RunSlot(ctx, f.campaign.ID, f.now, f.marketingOptions(t, instance, nil)); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.st.Deliver(ctx, runID, f.marketingOptions(t, "c", nil)); err != nil {
		t.Fatal(err)
	}
	assertOnePerContact(t, f, 1)
	f.ingest(t)
	if _, err := Settle(ctx, f.st.db, f.now, DefaultReplyWindow); err != nil {
		t.Fatal(err)
	}
	r = f.run(t, runID)
	if r.Counts[SendUnknown] != 0 || r.Counts[SendSent] != 3 {
		t.Errorf("after the echoes: counts %v, want 3 sent", r.Counts)
	}
	mids := map[string]string{}
	for _, s := range f.sb.Sends() {
		mids[s.Metadata] = s.MessageID
	}
	var rows []sendRow
	f.st.db.R.Where("run_id = ?", runID).Find(&rows)
	for _, row := range rows {
		if row.MessageID == "" || row.MessageID != mids[row.ID] {
			t.Errorf("send %s settled with mid %q, the sandbox sent %q", row.ID, row.MessageID, mids[row.ID])
		}
	}
	// A later slot (past the frequency cap of 1 message in 3 days) pays with the same message campaign.
	f.now = f.now.Add(4 * day)
	f.sb.AdvanceTo(ctx, f.now)
	if _, err := f.st.RunSlot(ctx, f.campaign.ID, f.now, f.marketingOptions(t, "a", w)); err != nil {
		t.Fatal(err)
	}
	assertOnePerContact(t, f, 2)
	if n := w.creates.Load(); n != 1 {
		t.Errorf("%d message campaigns created for two slots, want 1", n)
	}
}

// assertOnePerContact checks the sandbox's outbox: want messages to each contact, no more.
func assertOnePerContact(t *testing.T, f *sendFixture, want int) {
	t.Helper()
	for psid, n := range f.sentTo() {
		if n != want {
			t.Errorf("the sandbox messaged %s %d times, want %d", psid, n, want)
		}
	}
}

// countingWire counts message campaign creates and, while lose > 0, loses the answer of the calls whose path
// ends with suffix (default /messages) after the sandbox processed them.
type countingWire struct {
	lose    atomic.Int32
	suffix  string
	creates atomic.Int32
}

func (w *countingWire) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasSuffix(r.URL.Path, "/message_campaign") {
		w.creates.Add(1)
	}
	resp, err := http.DefaultTransport.RoundTrip(r)
	suffix := w.suffix
	if suffix == "" {
		suffix = "/messages"
	}
	if err == nil && strings.HasSuffix(r.URL.Path, suffix) && w.lose.Add(-1) >= 0 {
		resp.Body.Close()
		return nil, errors.New("connection reset by peer")
	}
	return resp, err
}

// TestLostMessageCampaignCreate loses the answer of the message campaign's create: the campaign pauses with
// the reason, a rerun creates nothing (Meta may hold it), and only a resume by a person creates it again.
func TestLostMessageCampaignCreate(t *testing.T) {
	f := newRouteFixture(t, policy.MetaCurrent, []member{
		{psid: "3301", sinceInbound: 30 * day, optin: true, subscribed: true, token: "tok-a", zone: "America/New_York", country: "US"},
	})
	ctx := context.Background()
	w := &countingWire{suffix: "/message_campaign"}
	w.lose.Store(1)
	runID, err := f.st.RunSlot(ctx, f.campaign.ID, f.now, f.marketingOptions(t, "a", w))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := f.st.Get(ctx, f.campaign.ID)
	tl, _ := f.st.Timeline(ctx, f.campaign.ID)
	if got.State != StatePaused || len(tl) == 0 || !strings.Contains(tl[len(tl)-1].Detail, "answer was lost") {
		t.Fatalf("campaign %s, timeline %+v", got.State, tl)
	}
	f.exec(t, `UPDATE campaigns SET state = ? WHERE id = ?`, StateRunning, f.campaign.ID) // running again without a resume
	if err := f.st.Deliver(ctx, runID, f.marketingOptions(t, "b", w)); err != nil {
		t.Fatal(err)
	}
	if n := w.creates.Load(); n != 1 || len(f.sb.Sends()) != 0 {
		t.Fatalf("%d creates and %d sends before a resume, want 1 and 0", n, len(f.sb.Sends()))
	}
	f.exec(t, `UPDATE campaigns SET state = ? WHERE id = ?`, StatePaused, f.campaign.ID)
	f.now = f.now.Add(time.Minute)
	if _, err := f.st.Act(ctxAs("m"), f.campaign.ID, ActResume, ActInput{}); err != nil {
		t.Fatal(err)
	}
	if err := f.st.Deliver(ctx, runID, f.marketingOptions(t, "b", w)); err != nil {
		t.Fatal(err)
	}
	if n := w.creates.Load(); n != 2 || len(f.sb.Sends()) != 1 {
		t.Errorf("after the resume: %d creates and %d sends, want 2 and 1", n, len(f.sb.Sends()))
	}
}

// TestPaidRunnersRace starts four instances on one slot whose members are all paid: one of them creates the
// message campaign (the others wait for it or find it), and each subscriber gets one Marketing Message.
func TestPaidRunnersRace(t *testing.T) {
	var members []member
	for i := 0; i < 12; i++ {
		members = append(members, member{psid: fmt.Sprint(3400 + i), sinceInbound: 30 * day, optin: true, subscribed: true,
			token: fmt.Sprint("tok-", i), zone: "America/New_York", country: "US"})
	}
	f := newRouteFixture(t, policy.MetaCurrent, members)
	ctx := context.Background()
	w := &countingWire{}
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		ro := f.marketingOptions(t, fmt.Sprintf("i%d", i), w)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := f.st.RunSlot(ctx, f.campaign.ID, f.now, ro); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	// An instance that found the message campaign being created left its share to the sweep.
	due, err := DueRuns(ctx, f.st.db.R, f.now)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range due {
		if err := f.st.Deliver(ctx, d.RunID, f.marketingOptions(t, "sweep", w)); err != nil {
			t.Fatal(err)
		}
	}
	assertOnePerContact(t, f, 1)
	if n := len(f.sentTo()); n != len(members) {
		t.Errorf("%d subscribers messaged, want %d", n, len(members))
	}
	if n := w.creates.Load(); n != 1 {
		t.Errorf("%d message campaigns created, want 1", n)
	}
}

// TestPaidErrorsClassified answers Marketing Messages with Meta's errors: a per-person gap skips the
// subscriber capped, a token Meta cannot load skips it no_token, a message campaign that cannot pay (budget
// spent, ended) pauses the campaign with the reason and leaves the send queued for after the resume.
func TestPaidErrorsClassified(t *testing.T) {
	for _, c := range []struct {
		name, body     string
		status, reason string
		paused         bool
	}{
		{"gap", `{"error":{"message":"(#2300052) less than min_conversation_gap_seconds","type":"OAuthException","code":2300052}}`, SendSkipped, SkipCapped, false},
		{"token", `{"error":{"message":"(#2300004) The subscription token you passed in could not be loaded.","type":"OAuthException","code":2300004}}`, SendSkipped, SkipNoToken, false},
		{"inactive", `{"error":{"message":"(#2300000) The message campaign's lifetime budget is spent","type":"OAuthException","code":2300000}}`, SendQueued, "", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newRouteFixture(t, policy.MetaCurrent, []member{
				{psid: "3501", sinceInbound: 30 * day, optin: true, subscribed: true, token: "tok-a", zone: "America/New_York", country: "US"},
			})
			fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				if strings.HasSuffix(r.URL.Path, "/message_campaign") {
					_, _ = w.Write([]byte(`{"id":"23850000000001"}`))
					return
				}
				w.WriteHeader(http.StatusBadRequest)
				_, _ = w.Write([]byte(c.body))
			}))
			t.Cleanup(fake.Close)
			f.url = fake.URL
			ctx := context.Background()
			runID, err := f.st.RunSlot(ctx, f.campaign.ID, f.now, f.marketingOptions(t, "a", nil))
			if err != nil {
				t.Fatal(err)
			}
			var row sendRow
			if err := f.st.db.R.Where("run_id = ? AND route = ?", runID, RoutePaid).Take(&row).Error; err != nil {
				t.Fatal(err)
			}
			if row.Status != c.status || row.Reason != c.reason || row.ErrorCode == 0 {
				t.Errorf("send %s/%s code %d, want %s/%s", row.Status, row.Reason, row.ErrorCode, c.status, c.reason)
			}
			got, _ := f.st.Get(ctx, f.campaign.ID)
			if (got.State == StatePaused) != c.paused {
				t.Errorf("campaign %s", got.State)
			}
		})
	}
}
