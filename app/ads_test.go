package app

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"relance/campaigns"
	"relance/internal/testdb"
	"relance/meta"
	"relance/meta/sandbox"
	"relance/scheduler"
	"relance/tenancy"
)

// TestAdsSweepMirrorsPause: an ads campaign launched on the sandbox and then paused in relance (as a token
// error or a person would, without Meta hearing) is paused at Meta by the scheduler's minute sweep, which also
// reads the ads' review state.
func TestAdsSweepMirrorsPause(t *testing.T) {
	ctx := tenancy.WithActor(context.Background(), tenancy.Actor{Label: "test"})
	cfg := Defaults()
	cfg.Database.URL = testdb.URL(t)
	cfg.Security.SecretKey = "ads-test-secret-key-0123456789abcdef0"
	const secret, page, account = "ads-sandbox-secret", "1040000000078", "act_2300000000078"
	sb, err := sandbox.New(sandbox.Options{AppSecret: secret, Start: time.Now().UTC(), ReplyRate: -1})
	if err != nil {
		t.Fatal(err)
	}
	sb.RegisterAccount(sandbox.Account{ID: account, Currency: "EUR", Timezone: "Europe/Paris"})
	r, err := startWith(ctx, cfg, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.close)
	tn, brand := seedAgencyBrand(t, ctx, r)
	ts := r.store.Tenant(tn.ID)
	brand.TenantID = tn.ID
	if _, err := ts.ConnectPage(ctx, brand.ID, tenancy.PageInput{PageID: page, Name: "Maison FR", AccessToken: sandbox.PageToken(secret, page)}); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.AddAdAccount(ctx, brand.ID, tenancy.AdAccountInput{AccountID: account, Name: "Ads", Currency: "EUR",
		AccessToken: "EAAB-ads-sweep-token-0000001"}); err != nil {
		t.Fatal(err)
	}
	brand, _ = ts.Brand(ctx, brand.ID)
	brand.TenantID = tn.ID
	body := `{"name":"Feed","kind":"click_to_messenger","page_id":"` + page + `","ad_account_id":"` + account + `",
		"objective":"OUTCOME_ENGAGEMENT","budget":{"period":"daily","amount":"20.00"},"ref":"feed",
		"variants":[{"key":"A","weight":100,"creative":{"text":"Chat","welcome":{"greeting":"Hi","ice_breakers":[{"question":"Menu?","payload":"MENU"}]}}}]}`
	var in campaigns.Input
	if err := json.Unmarshal([]byte(body), &in); err != nil {
		t.Fatal(err)
	}
	st := campaigns.NewStore(r.db, tn.ID, brand, campaigns.Options{NextRun: scheduler.Next})
	c, err := st.Create(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.db.W.Exec(`UPDATE campaigns SET state = ? WHERE id = ?`, campaigns.StateScheduled, c.ID).Error; err != nil {
		t.Fatal(err)
	}
	graph, err := meta.New(meta.Options{BaseURL: "http://sandbox", Version: "v25.0", AppSecret: secret, SendRate: -1,
		HTTP: &http.Client{Transport: sb.Transport()}})
	if err != nil {
		t.Fatal(err)
	}
	if c, err = st.Launch(ctx, c.ID, campaigns.ActInput{}, r.launchOptions(brand, graph)); err != nil || c.State != campaigns.StateRunning {
		t.Fatalf("launch: %v", err)
	}
	if _, err := st.Act(ctx, c.ID, campaigns.ActPause, campaigns.ActInput{}); err != nil {
		t.Fatal(err)
	}
	s, err := newScheduler(r, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := registerAds(s, r, graph); err != nil {
		t.Fatal(err)
	}
	if err := s.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	start := time.Now().UTC()
	for now := start; now.Before(start.Add(2 * time.Minute)); now = now.Add(20 * time.Second) {
		if err := s.Tick(ctx, now); err != nil {
			t.Fatal(err)
		}
	}
	mc, err := graph.Campaign(ctx, "EAAB-ads-sweep-token-0000001", c.Meta.CampaignID)
	if err != nil || mc.Status != "PAUSED" {
		t.Errorf("Meta campaign after the sweep: %+v %v", mc, err)
	}
	got, _ := st.Get(ctx, c.ID)
	if got.Meta.PolledAt == nil || got.Meta.Ads[0].EffectiveStatus == "" || got.Meta.Status != "PAUSED" {
		t.Errorf("after the sweep: %+v", got.Meta)
	}
}
