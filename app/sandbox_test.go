package app

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"relance/database"
	"relance/internal/testdb"
	"relance/meta"
	"relance/meta/sandbox"
	"relance/tenancy"
)

const (
	scenarioSecret  = "scenario-app-secret"
	scenarioKey     = "scenario-secret-key-0123456789abcdefghij"
	scenarioPage    = "104000000000777"
	scenarioAccount = "act_1000000000777"
	scenarioStart   = "2026-03-02T00:00:00Z"
)

// scenarioToken is the Page's token as the sandbox issues it; the scenario also uses it for the ad account.
var scenarioToken = sandbox.PageToken(scenarioSecret, scenarioPage)

// scenarioOutcome is what one simulated day leaves behind, compared between the two ways of running.
type scenarioOutcome struct {
	AdID            string
	Spend           meta.Money
	Conversations   int64 // Insights: onsite_conversion.messaging_conversation_started_7d
	ContactsFromAd  int64 // contacts in relance's database whose referral names the ad
	ContactsWithRef int64 // … and carries the creative's ref
	Inbound         int64 // inbound messages stored
	AdEvents        int64 // postbacks and referrals stored with the ad's id and ref: one per conversation started
}

// scenarioDB makes a database with a brand that connected the Page and the EUR ad account.
func scenarioDB(t *testing.T) string {
	t.Helper()
	url := testdb.URL(t)
	db, err := database.Open(url, database.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	v, _ := tenancy.NewVault([]byte(scenarioKey))
	st, err := tenancy.NewStore(ctx, db, v)
	if err != nil {
		t.Fatal(err)
	}
	tn, _ := st.CreateTenant(ctx, "Scenario", "scenario")
	name, cur, tz := "Spring brand", "EUR", "Europe/Paris"
	br, err := st.Tenant(tn.ID).CreateBrand(ctx, tenancy.BrandInput{Name: &name, Currency: &cur, Timezone: &tz})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Tenant(tn.ID).ConnectPage(ctx, br.ID, tenancy.PageInput{PageID: scenarioPage, Name: "Spring", AccessToken: scenarioToken}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Tenant(tn.ID).AddAdAccount(ctx, br.ID, tenancy.AdAccountInput{AccountID: scenarioAccount, Name: "Spring EUR", Currency: "EUR", Timezone: "Europe/Paris"}); err != nil {
		t.Fatal(err)
	}
	return url
}

func scenarioConfig(url string) Config {
	cfg := Defaults()
	cfg.Database.URL = url
	cfg.Security.SecretKey = scenarioKey
	cfg.Meta.AppSecret = scenarioSecret
	cfg.Meta.SandboxStart = scenarioStart
	cfg.Log.Level = "error"
	return cfg
}

// serveOn runs relance on ln until the test ends and returns its Graph client and in-process sandbox.
func serveOn(t *testing.T, cfg Config, ln net.Listener) (*meta.Client, *sandbox.Sandbox) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready, done := make(chan struct{}), make(chan error, 1)
	var graph *meta.Client
	var sb *sandbox.Sandbox
	go func() {
		done <- Serve(ctx, cfg, ServeOptions{Listener: ln, Ready: ready,
			Started: func(c *meta.Client, s *sandbox.Sandbox) { graph, sb = c, s }})
	}()
	select {
	case <-ready:
	case err := <-done:
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); <-done })
	return graph, sb
}

func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// runScenario launches an active Click-to-Messenger ad with a EUR 20.00 daily budget, lets a simulated day
// pass, and reads what Meta reports and what relance stored.
func runScenario(t *testing.T, url string, graph *meta.Client, advance func(time.Duration)) scenarioOutcome {
	t.Helper()
	ctx := context.Background()
	start, _ := time.Parse(time.RFC3339, scenarioStart)
	camp, err := graph.CreateCampaign(ctx, scenarioToken, scenarioAccount, meta.CampaignSpec{Name: "Spring", Objective: meta.ObjectiveEngagement, Status: "ACTIVE"})
	if err != nil {
		t.Fatal(err)
	}
	set, err := graph.CreateAdSet(ctx, scenarioToken, scenarioAccount, meta.AdSetSpec{CampaignID: camp, Name: "Spring FR", PageID: scenarioPage,
		DailyBudget: meta.Money{Minor: 2000, Currency: "EUR"}, Start: start, Countries: []string{"FR"},
		MessengerPositions: []string{meta.PositionMessengerHome}, Status: "ACTIVE"})
	if err != nil {
		t.Fatal(err)
	}
	creative, err := graph.CreateCreative(ctx, scenarioToken, scenarioAccount, meta.CreativeSpec{Name: "Spring", PageID: scenarioPage,
		Message: "Spring collection: ask us anything", Ref: "camp=spring&src=ctm"})
	if err != nil {
		t.Fatal(err)
	}
	ad, err := graph.CreateAd(ctx, scenarioToken, scenarioAccount, "Spring ad", set, creative, "ACTIVE")
	if err != nil {
		t.Fatal(err)
	}
	advance(24 * time.Hour)

	rows, err := graph.Insights(ctx, scenarioToken, scenarioAccount, meta.InsightsQuery{Level: meta.LevelAd, Since: "2026-03-01", Until: "2026-03-02"})
	if err != nil {
		t.Fatal(err)
	}
	out := scenarioOutcome{AdID: ad, Spend: meta.Money{Currency: "EUR"}}
	for _, r := range rows {
		if r.AdID != ad {
			t.Fatalf("Insights row for ad %s", r.AdID)
		}
		// A daily budget may spend 125 % in one day (reference §3).
		if r.Spend.Minor > 2500 {
			t.Errorf("%s: spent %d cents of a 2000 daily budget", r.DateStart, r.Spend.Minor)
		}
		out.Spend.Minor += r.Spend.Minor
		out.Conversations += r.Actions["onsite_conversion.messaging_conversation_started_7d"]
	}
	db, err := database.Open(url, database.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	q := func(sql string, args ...any) int64 {
		var n int64
		if err := db.R.Raw(sql, args...).Row().Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	// Contacts are folded after the webhooks' commits (ingest.fold_interval): wait until nothing is queued.
	for deadline := time.Now().Add(30 * time.Second); q("SELECT COUNT(*) FROM contact_fold_queue") > 0; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("contact deltas still queued after 30 s")
		}
	}
	out.ContactsFromAd = q("SELECT COUNT(*) FROM contacts WHERE page_id = ? AND (first_ref_ad_id = ? OR last_ref_ad_id = ?)", scenarioPage, ad, ad)
	out.ContactsWithRef = q("SELECT COUNT(*) FROM contacts WHERE page_id = ? AND (first_ref_ref = ? OR last_ref_ref = ?)", scenarioPage, "camp=spring&src=ctm", "camp=spring&src=ctm")
	out.Inbound = q("SELECT COUNT(*) FROM messages WHERE page_id = ? AND direction = 'in'", scenarioPage)
	out.AdEvents = q("SELECT COUNT(*) FROM contact_events WHERE page_id = ? AND ref_ad_id = ? AND ref_ref = ?", scenarioPage, ad, "camp=spring&src=ctm")
	return out
}

// TestSandboxBothWays runs one scenario against the in-process sandbox (the default) and against
// `relance sandbox` over real HTTP, and wants the same outcome: a simulated day of an active
// Click-to-Messenger ad leaves conversations carrying its ad_id and ref in relance's database, and spend
// within the budget rules.
func TestSandboxBothWays(t *testing.T) {
	var inProcess, standalone scenarioOutcome
	t.Run("in-process", func(t *testing.T) {
		url := scenarioDB(t)
		graph, sb := serveOn(t, scenarioConfig(url), listen(t))
		if sb == nil {
			t.Fatal("no in-process sandbox with meta.graph_url = sandbox")
		}
		inProcess = runScenario(t, url, graph, func(d time.Duration) {
			if err := sb.Advance(context.Background(), d); err != nil {
				t.Fatal(err)
			}
		})
	})
	t.Run("standalone", func(t *testing.T) {
		url := scenarioDB(t)
		cfg := scenarioConfig(url)
		relanceLn, sbLn := listen(t), listen(t)
		ctx, cancel := context.WithCancel(context.Background())
		sbDone := make(chan error, 1)
		go func() {
			sbDone <- RunSandbox(ctx, cfg, sbLn, "http://"+relanceLn.Addr().String()+"/webhooks/messenger", true, &bytes.Buffer{})
		}()
		t.Cleanup(func() { cancel(); <-sbDone })
		cfg.Meta.GraphURL = "http://" + sbLn.Addr().String()
		graph, sb := serveOn(t, cfg, relanceLn)
		if sb != nil {
			t.Fatal("an in-process sandbox runs although meta.graph_url names a server")
		}
		standalone = runScenario(t, url, graph, func(d time.Duration) {
			body, _ := json.Marshal(map[string]int64{"seconds": int64(d / time.Second)})
			req, _ := http.NewRequest(http.MethodPost, cfg.Meta.GraphURL+"/_sandbox/advance", bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+scenarioSecret)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("advance: %d", resp.StatusCode)
			}
		})
	})
	if inProcess.ContactsFromAd == 0 || inProcess.ContactsFromAd != inProcess.ContactsWithRef || inProcess.Inbound == 0 {
		t.Errorf("in-process: %+v: want contacts from the ad, each with its ref, and their messages", inProcess)
	}
	if inProcess.Conversations != inProcess.AdEvents || inProcess.Spend.Minor == 0 {
		t.Errorf("in-process: %+v: Insights should count every conversation relance stored", inProcess)
	}
	if inProcess != standalone {
		t.Errorf("the two ways differ:\nin-process %+v\nstandalone %+v", inProcess, standalone)
	}
	t.Logf("one simulated day: %+v", inProcess)
}

// TestSandboxCommand runs `relance sandbox --addr 127.0.0.1:0` as the command line does: it prints where it
// listens, answers Graph calls with Meta-shaped errors, and stops with its context.
func TestSandboxCommand(t *testing.T) {
	c := newCLI(t)
	ctx, cancel := context.WithCancel(context.Background())
	out := &testdb.Buffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"sandbox", "--addr", "127.0.0.1:0", "--set", "database.url=" + c.db}, strings.NewReader(""), out)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "Graph API at http://") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	line := out.String()
	addr := strings.Fields(line[strings.Index(line, "http://"):])[0]
	resp, err := http.Get(addr + "/v25.0/104000000000001/subscribed_apps")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if e := meta.ParseError(resp.StatusCode, raw, resp.Header); e.Code != 104 {
		t.Errorf("a call without a token answered %d %s, want Meta's code 104", resp.StatusCode, raw)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("sandbox stopped with %v", err)
	}
}
