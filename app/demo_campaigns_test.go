package app

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"relance/campaigns"
	"relance/conversations"
	"relance/scheduler"
	"relance/tenancy"
)

// TestDemoCampaigns seeds the demo agency as serve --demo does and finds, on every demo brand (EUR, IDR and
// THB budgets alike), the three kinds of campaign in every state a newcomer should see, with data behind each
// campaign screen: the lists, the approval inbox, the calendar. It then runs one slot of each brand's running
// campaign against the sandbox as the scheduler would, lets the sandbox's simulated people take two hours, and
// finds sends delivered, read and replied, counted on the campaign's run and in its list activity.
func TestDemoCampaigns(t *testing.T) {
	ctx := tenancy.WithActor(context.Background(), tenancy.Actor{Label: "test"})
	r, cfg, tn := seededDemo(ctx, t, func(c *Config) { c.Meta.SandboxSeed = "demo-campaigns-test" })
	brands, _, err := r.store.Tenant(tn.ID).Brands(ctx, tenancy.Visible{All: true}, tenancy.Cursor{})
	if err != nil || len(brands) != len(demoBrands) {
		t.Fatalf("brands: %d %v", len(brands), err)
	}
	opts := campaigns.Options{NextRun: scheduler.Next}
	now := time.Now().UTC()
	running := map[string]campaigns.Campaign{} // brand id → its every-minute campaign
	for _, b := range brands {
		if q := b.Settings.Effective().QuietHours; q.From != q.To {
			t.Errorf("%s has quiet hours %v: the demo would stand still at night", b.Name, q)
		}
		list, _, err := campaigns.NewStore(r.db, tn.ID, b, opts).List(ctx, campaigns.Filter{}, tenancy.Cursor{})
		if err != nil {
			t.Fatal(err)
		}
		states := map[string]campaigns.Campaign{}
		for _, c := range list {
			states[c.Kind+" "+c.State] = c
		}
		for _, want := range []string{"sponsored_message running", "sponsored_message scheduled", "click_to_messenger scheduled",
			"messenger_home pending_approval", "click_to_messenger draft", "sponsored_message paused", "sponsored_message completed",
			"sponsored_message archived"} {
			if states[want].ID == "" {
				t.Errorf("%s has no %s campaign", b.Name, want)
			}
		}
		run := states["sponsored_message running"]
		if run.Schedule.SendCron != "* * * * *" || run.NextSlot == nil || run.NextSlot.Sub(now) > time.Minute {
			t.Errorf("%s: the running campaign's next slot is %v (%q), want within a minute", b.Name, run.NextSlot, run.Schedule.SendCron)
		}
		running[b.ID] = run
	}
	// The approval inbox (pending campaigns) and the calendar have something on every brand.
	pending, _, err := campaigns.ListBrands(ctx, r.db, tn.ID, brands, campaigns.Filter{State: campaigns.StatePendingApproval}, tenancy.Cursor{}, opts)
	if err != nil || len(pending) != len(brands) {
		t.Errorf("approval inbox: %d campaigns (%v), want one a brand", len(pending), err)
	}
	cal, err := campaigns.CalendarOf(ctx, r.db, tn.ID, brands, now, now.Add(7*24*time.Hour), opts)
	if err != nil {
		t.Fatal(err)
	}
	what := map[string]map[string]bool{}
	for _, e := range cal.Data {
		if what[e.BrandID] == nil {
			what[e.BrandID] = map[string]bool{}
		}
		what[e.BrandID][e.What] = true
	}
	for _, b := range brands {
		if !what[b.ID][campaigns.OccurSlot] || !what[b.ID][campaigns.OccurWindow] {
			t.Errorf("%s: the calendar's week holds %v, want slots and ads windows", b.Name, what[b.ID])
		}
	}

	// One slot of each running campaign, through the sandbox serve --demo talks to (webhooks kept in its
	// outbox here, and ingested below as the server would).
	sb, err := newSandbox(cfg, r.key, "", r, nil)
	if err != nil {
		t.Fatal(err)
	}
	graph, err := newMetaClient(cfg, r.key, sb, prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	var runs []string
	for _, b := range brands {
		b.TenantID = tn.ID
		st := campaigns.NewStore(r.db, tn.ID, b, opts)
		id, err := st.RunSlot(ctx, running[b.ID].ID, now, r.sendOptions(b, graph, "schedule"))
		if err != nil {
			t.Fatalf("%s: slot: %v", b.Name, err)
		}
		runs = append(runs, id)
	}
	if len(sb.Sends()) == 0 {
		t.Fatal("the demo's running campaigns sent nothing")
	}
	if err := sb.Advance(ctx, 2*time.Hour); err != nil {
		t.Fatal(err)
	}
	ingestPending(t, r, sb.Pending(), cfg.EffectiveAppID())
	if _, err := campaigns.Settle(ctx, r.db, now.Add(2*time.Hour), campaigns.DefaultReplyWindow); err != nil {
		t.Fatal(err)
	}
	total := map[string]int{}
	for i, b := range brands {
		st := campaigns.NewStore(r.db, tn.ID, b, opts)
		rs, err := st.Runs(ctx, running[b.ID].ID)
		if err != nil || len(rs) != 1 || rs[0].ID != runs[i] {
			t.Fatalf("%s: runs %+v %v", b.Name, rs, err)
		}
		for k, n := range rs[0].Counts {
			total[k] += n
		}
		if rs[0].Counts[campaigns.SendSent] != 0 || rs[0].Counts[campaigns.SendQueued] != 0 {
			t.Errorf("%s: after two hours, sends still sent or queued: %v", b.Name, rs[0].Counts)
		}
		acts, err := campaigns.Activities(ctx, r.db, tn.ID, []campaigns.Campaign{running[b.ID]}, now, opts)
		if err != nil || acts[running[b.ID].ID].Sends.Messaged == 0 {
			t.Errorf("%s: list activity %+v %v", b.Name, acts[running[b.ID].ID], err)
		}
	}
	if total[campaigns.SendDelivered] == 0 || total[campaigns.SendRead] == 0 || total[campaigns.SendReplied] == 0 {
		t.Errorf("after two simulated hours the demo's sends are %v, want some delivered, read and replied", total)
	}
	t.Logf("one slot on %d brands: %v", len(brands), total)
}

// ingestPending feeds webhook bodies through conversations ingestion, as the webhook endpoint would.
func ingestPending(t *testing.T, r *runtime, bodies [][]byte, appID string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	in := conversations.NewIngester(r.db, r.store.Vault(), prometheus.NewRegistry(), r.log, 5000)
	done := make(chan struct{})
	go func() { in.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	for _, body := range bodies {
		entries, err := conversations.Parse(body, conversations.ParseOptions{AppID: appID})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := in.Submit(ctx, entries); err != nil {
			t.Fatal(err)
		}
	}
}

// TestDemoPeopleHaveNames: the demo's contacts get their names and pictures from the sandbox's User Profile
// API once the server runs, each asked for once.
func TestDemoPeopleHaveNames(t *testing.T) {
	ctx := context.Background()
	r, cfg, _ := seededDemo(ctx, t, func(c *Config) { c.Meta.SandboxStart = "2026-03-02T00:00:00Z" })
	sb, err := newSandbox(cfg, r.key, "", r, nil)
	if err != nil {
		t.Fatal(err)
	}
	graph, err := newMetaClient(cfg, r.key, sb, nil)
	if err != nil {
		t.Fatal(err)
	}
	p := conversations.NewProfiles(r.db, graph, r.store, r.log, conversations.ProfileOptions{Pace: time.Millisecond})
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	queueDemoProfiles(ctx, r, p)
	go p.Run(runCtx)
	count := func(q string) (n int64) {
		if err := r.db.R.Raw(q).Scan(&n).Error; err != nil {
			t.Fatal(err)
		}
		return n
	}
	total := count("SELECT COUNT(*) FROM contacts")
	// About 1,800 people one after the other (the A/B test's recipients among them): on a loaded machine, minutes.
	deadline := time.Now().Add(180 * time.Second)
	for count("SELECT COUNT(*) FROM contacts WHERE name <> '' AND profile_pic_url <> ''") < total && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if named := count("SELECT COUNT(*) FROM contacts WHERE name <> '' AND profile_pic_url <> ''"); total == 0 || named != total {
		t.Fatalf("%d of %d demo contacts named", named, total)
	}
	var page, psid, name string
	if err := r.db.R.Raw("SELECT page_id, psid, name FROM contacts ORDER BY id LIMIT 1").Row().Scan(&page, &psid, &name); err != nil {
		t.Fatal(err)
	}
	if first, last := sb.PersonName(psid); name != first+" "+last || sb.ProfileCalls(page, psid) != 1 {
		t.Errorf("%s is %q (%d calls), want %s %s asked once", psid, name, sb.ProfileCalls(page, psid), first, last)
	}
}
