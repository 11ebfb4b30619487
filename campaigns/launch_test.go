package campaigns

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"relance/audiences"
	"relance/meta"
	"relance/meta/sandbox"
	"relance/tenancy"
)

const launchToken = "EAAB-launch-test-token"

// launchFixture is a scheduled ads campaign of the test brand, a sandbox playing Meta on the test clock,
// and a wire that can crash a launch between two Meta calls.
type launchFixture struct {
	*testEnv
	sb       *sandbox.Sandbox
	wire     *crashWire
	client   *meta.Client
	rec      *recordingAds
	campaign Campaign
}

// crashWire forwards calls to the sandbox. While armed, the create call numbered crashAt (1 = the first
// POST that makes an object) either reaches Meta and loses its answer (lose: Meta made the object, relance
// never heard its id) or never leaves (the process died before the call).
type crashWire struct {
	next    http.RoundTripper
	creates atomic.Int32
	crashAt atomic.Int32
	lose    atomic.Bool
}

func (w *crashWire) RoundTrip(r *http.Request) (*http.Response, error) {
	edge := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
	isCreate := r.Method == http.MethodPost && strings.Contains(r.URL.Path, "/act_") &&
		(edge == "campaigns" || edge == "adsets" || edge == "adcreatives" || edge == "ads")
	if !isCreate || w.crashAt.Load() == 0 {
		return w.next.RoundTrip(r)
	}
	if n := w.creates.Add(1); n != w.crashAt.Load() {
		return w.next.RoundTrip(r)
	}
	if !w.lose.Load() {
		return nil, errors.New("dial tcp: connection refused")
	}
	resp, err := w.next.RoundTrip(r)
	if err == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	return nil, errors.New("read tcp: connection reset by peer")
}

// arm makes the n-th create of the next launch crash.
func (w *crashWire) arm(n int, lose bool) {
	w.creates.Store(0)
	w.lose.Store(lose)
	w.crashAt.Store(int32(n))
}

// recordingAds is the Meta client with what the launch asked for recorded, and a refusal it can inject.
type recordingAds struct {
	*meta.Client
	mu          sync.Mutex
	creatives   []meta.CreativeSpec
	adsets      []meta.AdSetSpec
	budgetEdits int
	refuseAdSet error
}

func (r *recordingAds) CreateCreative(ctx context.Context, token, account string, s meta.CreativeSpec) (string, error) {
	r.mu.Lock()
	r.creatives = append(r.creatives, s)
	r.mu.Unlock()
	return r.Client.CreateCreative(ctx, token, account, s)
}

func (r *recordingAds) CreateAdSet(ctx context.Context, token, account string, s meta.AdSetSpec) (string, error) {
	r.mu.Lock()
	r.adsets = append(r.adsets, s)
	refuse := r.refuseAdSet
	r.mu.Unlock()
	if refuse != nil {
		return "", refuse
	}
	return r.Client.CreateAdSet(ctx, token, account, s)
}

func (r *recordingAds) UpdateAdSet(ctx context.Context, token, id string, u meta.AdSetUpdate) error {
	if u.DailyBudget != (meta.Money{}) || u.LifetimeBudget != (meta.Money{}) {
		r.mu.Lock()
		r.budgetEdits++
		r.mu.Unlock()
	}
	return r.Client.UpdateAdSet(ctx, token, id, u)
}

// adsBody is a valid click-to-Messenger campaign with two variants, targeting the fixture's audience.
func (e *testEnv) adsBody() string {
	return `{"name":"Spring feed","kind":"click_to_messenger","page_id":"` + testPage + `","ad_account_id":"` + testAccount + `",
		"objective":"OUTCOME_ENGAGEMENT","budget":{"period":"daily","amount":"20.00"},"starts_at":"2026-03-01T00:00:00Z",
		"ends_at":"2026-04-01T00:00:00Z","audiences":{"include":["` + e.audience + `"],"exclude":[]},"ref":"spring-feed",
		"variants":[{"key":"A","weight":50,"creative":{"text":"Chat with us","welcome":{"greeting":"Hi!","ice_breakers":[{"question":"Menu?","payload":"MENU"}]}}},
		            {"key":"B","weight":50,"creative":{"text":"Ask us anything","welcome":{"greeting":"Hello!","ice_breakers":[{"question":"Prices?","payload":"PRICES"}]}}}]}`
}

// newLaunchFixture launches nothing yet: patch, if any, is merged into adsBody.
func newLaunchFixture(t *testing.T, patch string) *launchFixture {
	t.Helper()
	e := newTestEnv(t)
	sb, err := sandbox.New(sandbox.Options{AppSecret: sendSecret, Seed: "launch", Start: e.now, Now: func() time.Time { return e.now }})
	if err != nil {
		t.Fatal(err)
	}
	sb.RegisterAccount(sandbox.Account{ID: testAccount, Currency: "EUR", Timezone: "Europe/Paris"})
	f := &launchFixture{testEnv: e, sb: sb, wire: &crashWire{next: sb.Transport()}}
	f.client, err = meta.New(meta.Options{BaseURL: "http://sandbox.invalid", Version: "v25.0", AppSecret: sendSecret,
		SendRate: -1, Retries: 2, BaseBackoff: time.Millisecond, HTTP: &http.Client{Transport: f.wire}})
	if err != nil {
		t.Fatal(err)
	}
	f.rec = &recordingAds{Client: f.client}
	// The audience is built and belongs to the campaign's ad account, so the launch can sync it.
	snap := e.snapshot(t, e.audience, 1)
	e.seedMember(t, snap, testPage, "7001", true, e.now.Add(-time.Hour), false)
	if err := e.st.db.W.Exec(`UPDATE audiences SET ad_account_id = ?, last_seq = 1 WHERE id = ?`, testAccount, e.audience).Error; err != nil {
		t.Fatal(err)
	}
	body := e.adsBody()
	if patch != "" {
		body = merge(t, body, patch)
	}
	c, err := e.st.Create(ctxAs("m"), input(t, body))
	if err != nil {
		t.Fatal(err)
	}
	if err := e.st.db.W.Exec(`UPDATE campaigns SET state = ? WHERE id = ?`, StateScheduled, c.ID).Error; err != nil {
		t.Fatal(err)
	}
	f.campaign = c
	return f
}

// options is how the launch reaches Meta: the recording client, a token, and the audiences' real syncer.
func (f *launchFixture) options() LaunchOptions {
	syncer := audiences.NewSyncer(f.st.db, f.client, audiences.SyncOptions{Now: func() time.Time { return f.now },
		Token: func(context.Context, string, string, string) (string, error) { return launchToken, nil }})
	return LaunchOptions{Ads: f.rec,
		Token: func(_ context.Context, account string) (string, error) {
			if account != testAccount {
				return "", tenancy.ErrNotFound
			}
			return launchToken, nil
		},
		Audience: func(ctx context.Context, id string) (string, string, error) {
			st, err := syncer.Sync(ctx, f.st.tenant, f.brand, id)
			return st.MetaAudienceID, st.AdAccountID, err
		}}
}

// metaCounts counts what Meta holds with the campaign's tag: campaigns, ad sets, creatives and ads.
func (f *launchFixture) metaCounts(t *testing.T) [4]int {
	t.Helper()
	var out [4]int
	for i, edge := range []string{meta.EdgeCampaigns, meta.EdgeAdSets, meta.EdgeCreatives, meta.EdgeAds} {
		found, err := f.client.FindAdObjects(context.Background(), launchToken, testAccount, edge, "[relance:"+f.campaign.ID)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = len(found)
	}
	return out
}

var oneOfEach = [4]int{1, 1, 2, 2}

// TestLaunchCreatesEachMetaObjectOnce: a launch makes one campaign, one ad set targeting the synced
// audience, one creative and one ad per variant whose welcome message carries the ref and the variant,
// and moves the campaign to running; launching again, at once or side by side, makes nothing more.
func TestLaunchCreatesEachMetaObjectOnce(t *testing.T) {
	f := newLaunchFixture(t, "")
	ctx := ctxAs("m")
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range errs {
		wg.Add(1)
		go func() { defer wg.Done(); _, errs[i] = f.st.Launch(ctx, f.campaign.ID, ActInput{}, f.options()) }()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		var se *StateError
		switch {
		case err == nil:
			ok++
		case errors.Is(err, ErrLaunchBusy), errors.As(err, &se):
		default:
			t.Errorf("concurrent launch: %v", err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d launches succeeded, want 1 (%v)", ok, errs)
	}
	if got := f.metaCounts(t); got != oneOfEach {
		t.Fatalf("Meta holds %v (campaigns, ad sets, creatives, ads), want %v", got, oneOfEach)
	}
	c, err := f.st.Get(ctx, f.campaign.ID)
	if err != nil {
		t.Fatal(err)
	}
	m := c.Meta
	if c.State != StateRunning || m == nil || m.CampaignID == "" || m.AdSetID == "" || len(m.Ads) != 2 || m.Error != nil ||
		m.Status != "ACTIVE" || m.AdSetStatus != "ACTIVE" {
		t.Fatalf("after launch: state %s, meta %+v", c.State, m)
	}
	if _, err := f.st.Launch(ctx, f.campaign.ID, ActInput{}, f.options()); err == nil || !errors.Is(err, ErrState) {
		t.Errorf("launch of a running campaign: %v, want a state error", err)
	}
	if got := f.metaCounts(t); got != oneOfEach {
		t.Errorf("after a second launch Meta holds %v", got)
	}
	set, err := f.client.AdSet(context.Background(), launchToken, m.AdSetID, "EUR")
	if err != nil {
		t.Fatal(err)
	}
	if len(set.CustomAudienceIDs) != 1 || set.DailyBudget != (meta.Money{Minor: 2000, Currency: "EUR"}) || set.DestinationType != "MESSENGER" ||
		!set.End.Equal(time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("ad set: %+v", set)
	}
	if len(f.rec.creatives) != 2 {
		t.Fatalf("creatives asked: %d", len(f.rec.creatives))
	}
	for _, cr := range f.rec.creatives {
		if cr.Ref != "spring-feed" || (cr.Variant != "A" && cr.Variant != "B") || cr.WelcomeMessage == nil || len(cr.WelcomeMessage.IceBreakers) != 1 {
			t.Errorf("creative: %+v", cr)
		}
	}
	tl, _ := f.st.Timeline(ctx, c.ID)
	if last := tl[len(tl)-1]; last.Action != ActLaunch || !strings.Contains(last.Detail, m.CampaignID) {
		t.Errorf("timeline ends with %+v", last)
	}
}

// TestLaunchAfterCrashBetweenCalls crashes the launch at every Meta create in turn, once with the answer
// lost after Meta made the object and once before the call left: each time the campaign stays scheduled with
// the error shown, and the next launch finishes with exactly one of each object at Meta.
func TestLaunchAfterCrashBetweenCalls(t *testing.T) {
	for _, lose := range []bool{true, false} {
		for n := 1; n <= 6; n++ {
			f := newLaunchFixture(t, "")
			ctx := ctxAs("m")
			f.wire.arm(n, lose)
			_, err := f.st.Launch(ctx, f.campaign.ID, ActInput{}, f.options())
			var le *LaunchError
			if !errors.As(err, &le) || le.Status() != http.StatusBadGateway {
				t.Fatalf("lose=%v crash at create %d: %v, want a launch error (502)", lose, n, err)
			}
			c, _ := f.st.Get(ctx, f.campaign.ID)
			if c.State != StateScheduled || c.Meta == nil || c.Meta.Error == nil || c.Meta.LaunchedAt != nil {
				t.Fatalf("lose=%v crash at create %d: state %s, meta %+v", lose, n, c.State, c.Meta)
			}
			f.wire.arm(0, false)
			if c, err = f.st.Launch(ctx, f.campaign.ID, ActInput{}, f.options()); err != nil || c.State != StateRunning || c.Meta.Error != nil {
				t.Fatalf("lose=%v crash at create %d, retry: %v %+v", lose, n, err, c.Meta)
			}
			if got := f.metaCounts(t); got != oneOfEach {
				t.Errorf("lose=%v crash at create %d: Meta holds %v, want %v", lose, n, got, oneOfEach)
			}
		}
	}
}

// TestLaunchRefusedByMeta: Meta refuses the ad set (budget under its floor); the campaign stays scheduled
// with Meta's message and code on it and on its timeline, the error is a 422 naming the budget, and the
// retry reuses the campaign Meta already made.
func TestLaunchRefusedByMeta(t *testing.T) {
	f := newLaunchFixture(t, "")
	ctx := ctxAs("m")
	f.rec.refuseAdSet = &meta.Error{Code: 100, Subcode: 1885272, Type: "OAuthException", HTTPStatus: 400,
		Message: "(#100) Invalid parameter daily_budget", UserMsg: "The minimum budget for this ad set is €1.00."}
	_, err := f.st.Launch(ctx, f.campaign.ID, ActInput{}, f.options())
	var le *LaunchError
	if !errors.As(err, &le) || le.Status() != http.StatusUnprocessableEntity || le.Fields()["budget.amount"] == "" {
		t.Fatalf("refused launch: %v", err)
	}
	c, _ := f.st.Get(ctx, f.campaign.ID)
	if c.State != StateScheduled || c.Meta.Error == nil || c.Meta.Error.Code != 100 || c.Meta.Error.Subcode != 1885272 ||
		!strings.Contains(c.Meta.Error.Message, "ad set") || !strings.Contains(c.Meta.Error.Message, "minimum budget") {
		t.Fatalf("after refusal: %s %+v", c.State, c.Meta.Error)
	}
	tl, _ := f.st.Timeline(ctx, c.ID)
	if last := tl[len(tl)-1]; last.Action != "launch_failed" || last.ToState != StateScheduled {
		t.Errorf("timeline ends with %+v", last)
	}
	if got := f.metaCounts(t); got != [4]int{1, 0, 0, 0} {
		t.Errorf("Meta holds %v after the refusal", got)
	}
	f.rec.refuseAdSet = nil
	if c, err = f.st.Launch(ctx, f.campaign.ID, ActInput{}, f.options()); err != nil || c.State != StateRunning {
		t.Fatalf("retry: %v", err)
	}
	if got := f.metaCounts(t); got != oneOfEach {
		t.Errorf("Meta holds %v after the retry", got)
	}
}

// TestLaunchRefusesAudienceOfAnotherAccount: an audience synced to another ad account cannot be targeted;
// the launch is a 422 naming the audience, before any Meta object is made.
func TestLaunchRefusesAudienceOfAnotherAccount(t *testing.T) {
	f := newLaunchFixture(t, "")
	if err := f.st.db.W.Exec(`UPDATE audiences SET ad_account_id = 'act_2300000000999' WHERE id = ?`, f.audience).Error; err != nil {
		t.Fatal(err)
	}
	_, err := f.st.Launch(ctxAs("m"), f.campaign.ID, ActInput{}, f.options())
	if fieldsOf(err)["audiences.include[0]"] == "" {
		t.Fatalf("audience of another account: %v", err)
	}
	if got := f.metaCounts(t); got != [4]int{} {
		t.Errorf("Meta holds %v", got)
	}
}

// TestSteerMirrorsAndPolls: after the launch, review states move from PENDING_REVIEW to ACTIVE as Meta
// reviews, a disapproval shows with its reason, pause and resume reach the Meta campaign, and budget edits
// are coalesced to at most 4 an hour per ad set, the latest value winning.
func TestSteerMirrorsAndPolls(t *testing.T) {
	f := newLaunchFixture(t, "")
	ctx := ctxAs("m")
	lo := f.options()
	c, err := f.st.Launch(ctx, f.campaign.ID, ActInput{}, lo)
	if err != nil {
		t.Fatal(err)
	}
	steer := func() Campaign {
		t.Helper()
		if err := f.st.Steer(ctx, c.ID, lo); err != nil {
			t.Fatal(err)
		}
		out, err := f.st.Get(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	effective := func(c Campaign) map[string]string {
		out := map[string]string{}
		for _, a := range c.Meta.Ads {
			out[a.Variant] = a.EffectiveStatus
		}
		return out
	}
	if got := effective(steer()); got["A"] != "PENDING_REVIEW" || got["B"] != "PENDING_REVIEW" {
		t.Errorf("just launched: %v", got)
	}
	f.now = f.now.Add(11 * time.Minute)
	if err := f.sb.Advance(context.Background(), 11*time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := f.sb.SetReview(c.Meta.Ads[1].AdID, "DISAPPROVED", "Prohibited content"); err != nil {
		t.Fatal(err)
	}
	got := steer()
	if e := effective(got); e[c.Meta.Ads[0].Variant] != "ACTIVE" || e[c.Meta.Ads[1].Variant] != "DISAPPROVED" ||
		!strings.Contains(got.Meta.Ads[1].Review, "Prohibited content") {
		t.Errorf("after review: %+v", got.Meta.Ads)
	}
	if _, err := f.st.Act(ctx, c.ID, ActPause, ActInput{}); err != nil {
		t.Fatal(err)
	}
	steer()
	if mc, err := f.client.Campaign(context.Background(), launchToken, c.Meta.CampaignID); err != nil || mc.Status != "PAUSED" {
		t.Errorf("paused at Meta: %+v %v", mc, err)
	}
	if _, err := f.st.Act(ctx, c.ID, ActResume, ActInput{}); err != nil {
		t.Fatal(err)
	}
	steer()
	if mc, _ := f.client.Campaign(context.Background(), launchToken, c.Meta.CampaignID); mc.Status != "ACTIVE" {
		t.Errorf("resumed at Meta: %+v", mc)
	}
	for _, amount := range []string{"21.00", "22.00", "23.00", "24.00", "25.00", "26.00"} {
		if _, err := f.st.Update(ctx, c.ID, Input{Budget: &BudgetInput{Period: "daily", Amount: amount}}); err != nil {
			t.Fatal(err)
		}
		steer()
	}
	set, _ := f.client.AdSet(context.Background(), launchToken, c.Meta.AdSetID, "EUR")
	if f.rec.budgetEdits != 4 || set.DailyBudget.Minor != 2400 {
		t.Errorf("within the hour: %d budget edits, Meta's budget %d; want 4 and 2400", f.rec.budgetEdits, set.DailyBudget.Minor)
	}
	f.now = f.now.Add(61 * time.Minute)
	steer()
	set, _ = f.client.AdSet(context.Background(), launchToken, c.Meta.AdSetID, "EUR")
	if f.rec.budgetEdits != 5 || set.DailyBudget.Minor != 2600 {
		t.Errorf("an hour later: %d budget edits, Meta's budget %d; want 5 and 2600", f.rec.budgetEdits, set.DailyBudget.Minor)
	}
}

// TestDaypartingDailyBudget: with a daily budget the ad set runs only inside the active window, in the
// brand's zone (Paris), paused and resumed at the edges by the sweep.
func TestDaypartingDailyBudget(t *testing.T) {
	f := newLaunchFixture(t, `{"schedule":{"active":[{"cron":"0 18 * * *","minutes":120}]}}`)
	ctx := ctxAs("m")
	lo := f.options()
	c, err := f.st.Launch(ctx, f.campaign.ID, ActInput{}, lo) // 10:00 UTC, 11:00 in Paris
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		at   time.Time
		want string
	}{
		{time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC), "PAUSED"},
		{time.Date(2026, 3, 2, 17, 0, 0, 0, time.UTC), "ACTIVE"}, // 18:00 Paris
		{time.Date(2026, 3, 2, 18, 59, 0, 0, time.UTC), "ACTIVE"},
		{time.Date(2026, 3, 2, 19, 0, 0, 0, time.UTC), "PAUSED"}, // 20:00 Paris
	} {
		f.now = step.at
		if err := f.st.Steer(ctx, c.ID, lo); err != nil {
			t.Fatal(err)
		}
		set, err := f.client.AdSet(context.Background(), launchToken, c.Meta.AdSetID, "EUR")
		if err != nil || set.Status != step.want {
			t.Errorf("at %s: ad set %s (%v), want %s", step.at.Format(time.Kitchen), set.Status, err, step.want)
		}
	}
}

// TestDaypartingLifetimeSchedule: with a lifetime budget the windows become Meta's adset_schedule, in the
// ad account's zone.
func TestDaypartingLifetimeSchedule(t *testing.T) {
	f := newLaunchFixture(t, `{"budget":{"period":"lifetime","amount":"600.00"},
		"schedule":{"active":[{"cron":"0 18 * * FRI","minutes":480}]}}`)
	c, err := f.st.Launch(ctxAs("m"), f.campaign.ID, ActInput{}, f.options())
	if err != nil {
		t.Fatal(err)
	}
	set, err := f.client.AdSet(context.Background(), launchToken, c.Meta.AdSetID, "EUR")
	want := []meta.ScheduleBlock{{StartMinute: 18 * 60, EndMinute: 1440, Days: []int{5}, TimezoneType: "ADVERTISER"},
		{StartMinute: 0, EndMinute: 120, Days: []int{6}, TimezoneType: "ADVERTISER"}}
	if err != nil || len(set.Schedule) != 2 || set.Schedule[0].StartMinute != want[0].StartMinute || set.Schedule[1].EndMinute != 120 ||
		set.Schedule[1].Days[0] != 6 || set.LifetimeBudget.Minor != 60000 {
		t.Errorf("schedule %+v (%v), want %+v", set.Schedule, err, want)
	}
}

// TestScheduleBlocks: windows become whole-hour blocks per day, shifted into the account's zone, merged;
// monthly windows are refused.
func TestScheduleBlocks(t *testing.T) {
	winter := time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)
	got, err := scheduleBlocks([]Window{{Cron: "0 18 * * FRI", Minutes: 480}, {Cron: "0 20 * * FRI", Minutes: 60}}, "Europe/Paris", "UTC", winter)
	if err != nil || len(got) != 2 || got[0].StartMinute != 17*60 || got[0].EndMinute != 1440 || got[0].Days[0] != 5 ||
		got[1].StartMinute != 0 || got[1].EndMinute != 60 || got[1].Days[0] != 6 {
		t.Errorf("Paris → UTC: %+v %v", got, err)
	}
	got, err = scheduleBlocks([]Window{{Cron: "0 23 * * SAT", Minutes: 120}}, "UTC", "UTC", winter)
	if err != nil || len(got) != 2 || got[0].Days[0] != 0 || got[0].EndMinute != 60 || got[1].Days[0] != 6 || got[1].StartMinute != 23*60 {
		t.Errorf("Saturday night into Sunday: %+v %v", got, err)
	}
	if _, err := scheduleBlocks([]Window{{Cron: "0 9 1 * *", Minutes: 60}}, "UTC", "UTC", winter); fieldsOf(err)["schedule.active[0].cron"] == "" {
		t.Errorf("a monthly window: %v", err)
	}
	if got, err := scheduleBlocks(nil, "UTC", "UTC", winter); got != nil || err != nil {
		t.Errorf("no windows: %+v %v", got, err)
	}
}

// TestRelaunchAfterContentChange: a running campaign whose content changes waits for approval again with
// its Meta campaign paused by the sweep; launched again, its variants get new creatives and ads and the
// older ads are paused, while the campaign and ad set stay the same, the ad set reaching the new audiences.
func TestRelaunchAfterContentChange(t *testing.T) {
	f := newLaunchFixture(t, "")
	ctx := ctxAs("m")
	lo := f.options()
	c, err := f.st.Launch(ctx, f.campaign.ID, ActInput{}, lo)
	if err != nil {
		t.Fatal(err)
	}
	first := c.Meta
	c, err = f.st.Update(ctx, c.ID, input(t, `{"audiences":{"include":[],"exclude":["`+f.audience+`"]},
		"variants":[{"key":"A","weight":100,"creative":{"text":"New text",
		"welcome":{"greeting":"Hi!","ice_breakers":[{"question":"Menu?","payload":"MENU"}]}}}]}`))
	if err != nil || c.State != StatePendingApproval {
		t.Fatalf("content change: %v %s", err, c.State)
	}
	if err := f.st.Steer(ctx, c.ID, lo); err != nil {
		t.Fatal(err)
	}
	if mc, _ := f.client.Campaign(context.Background(), launchToken, first.CampaignID); mc.Status != "PAUSED" {
		t.Errorf("waiting for approval, the Meta campaign is %s", mc.Status)
	}
	if _, err := f.st.Act(ctx, c.ID, ActApprove, ActInput{}); err != nil {
		t.Fatal(err)
	}
	if c, err = f.st.Launch(ctx, c.ID, ActInput{}, lo); err != nil || c.State != StateRunning {
		t.Fatalf("relaunch: %v", err)
	}
	m := c.Meta
	if m.CampaignID != first.CampaignID || m.AdSetID != first.AdSetID || m.Status != "ACTIVE" {
		t.Errorf("relaunch changed the campaign or ad set: %+v", m)
	}
	status := map[string]string{}
	for _, a := range m.Ads {
		status[a.Variant+"/"+map[bool]string{true: "current", false: "old"}[a.Current]] = a.Status
	}
	if len(m.Ads) != 3 || status["A/current"] != "ACTIVE" || status["A/old"] != "PAUSED" || status["B/old"] != "PAUSED" {
		t.Errorf("ads after the relaunch: %+v", m.Ads)
	}
	if got := f.metaCounts(t); got != [4]int{1, 1, 3, 3} {
		t.Errorf("Meta holds %v", got)
	}
	set, err := f.client.AdSet(context.Background(), launchToken, m.AdSetID, "EUR")
	if err != nil || len(set.CustomAudienceIDs) != 0 || len(set.ExcludedAudienceIDs) != 1 {
		t.Errorf("the relaunched ad set's targeting: %+v %v", set, err)
	}
}
