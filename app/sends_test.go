package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"relance/audiences"
	"relance/campaigns"
	"relance/internal/testdb"
	"relance/meta"
	"relance/meta/sandbox"
	"relance/scheduler"
	"relance/tenancy"
)

// TestSendSlotOnceAcrossInstances: three instances on one database (PostgreSQL in CI), each with its own
// scheduler and Meta client to one sandbox, tick together through three minutes of a campaign whose
// send_cron fires every minute: each slot has one run, and the sandbox messaged each contact once per slot.
func TestSendSlotOnceAcrossInstances(t *testing.T) {
	ctx := tenancy.WithActor(context.Background(), tenancy.Actor{Label: "test"})
	cfg := Defaults()
	cfg.Database.URL = testdb.URL(t)
	cfg.Security.SecretKey = "sends-test-secret-key-0123456789abcdef"
	cfg.Audiences.MinRefreshInterval = Duration{time.Minute}
	const secret, page = "sends-sandbox-secret", "1040000000077"
	sb, err := sandbox.New(sandbox.Options{AppSecret: secret, Start: time.Now().UTC(), ReplyRate: -1})
	if err != nil {
		t.Fatal(err)
	}
	var runs []*runtime
	for i := 0; i < 3; i++ {
		r, err := startWith(ctx, cfg, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(r.close)
		runs = append(runs, r)
	}
	r := runs[0]
	tn, brand := seedAgencyBrand(t, ctx, r)
	ts := r.store.Tenant(tn.ID)
	brand.TenantID = tn.ID
	// No quiet hours: the test must not depend on the hour it runs at.
	if err := r.db.W.Exec(`UPDATE brands SET settings = ? WHERE id = ?`, `{"quiet_hours":{"from":"00:00","to":"00:00"},"approval_required":false}`, brand.ID).Error; err != nil {
		t.Fatal(err)
	}
	if _, err := ts.ConnectPage(ctx, brand.ID, tenancy.PageInput{PageID: page, Name: "Maison FR", AccessToken: sandbox.PageToken(secret, page)}); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.AddAdAccount(ctx, brand.ID, tenancy.AdAccountInput{AccountID: "act_2300000000077", Name: "Ads"}); err != nil {
		t.Fatal(err)
	}
	recent := time.Now().Add(-time.Hour).UnixMilli()
	const members = 12
	for i := 0; i < members; i++ {
		psid := fmt.Sprint(7100 + i)
		if err := r.db.W.Exec(`INSERT INTO contacts (id, tenant_id, brand_id, page_id, psid, first_seen_at, last_inbound_at, last_interaction_at,
			inbound_count, updated_at) VALUES (?, ?, ?, ?, ?, 1, ?, ?, 1, 1)`, tenancy.NewID(), tn.ID, brand.ID, page, psid, recent, recent).Error; err != nil {
			t.Fatal(err)
		}
		sb.RegisterThread(page, psid, "FR", sb.Now(), "")
	}
	brand, _ = ts.Brand(ctx, brand.ID)
	brand.TenantID = tn.ID
	aname := "Everyone"
	a, err := audiences.NewStore(r.db, tn.ID, brand, audiences.Options{Keep: 20}).Create(ctx,
		audiences.Input{Name: &aname, Rule: []byte(`{"field":"inbound_count","op":"gte","value":1}`)})
	if err != nil {
		t.Fatal(err)
	}
	body := `{"name":"Every minute","kind":"sponsored_message","page_id":"` + page + `","budget":{"period":"daily","amount":"25.00"},
		"schedule":{"send_cron":"0 11 * * MON"},"audiences":{"include":["` + a.ID + `"],"exclude":[]},
		"variants":[{"key":"A","weight":100,"creative":{"text":"Hello"}}],"holdout_percent":0,"ref":"every-minute"}`
	var in campaigns.Input
	if err := json.Unmarshal([]byte(body), &in); err != nil {
		t.Fatal(err)
	}
	c, err := campaigns.NewStore(r.db, tn.ID, brand, campaigns.Options{NextRun: scheduler.Next}).Create(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.db.W.Exec(`UPDATE campaigns SET state = ?, send_cron = '* * * * *', cap_messages = 100, cap_days = 1 WHERE id = ?`, campaigns.StateRunning, c.ID).Error; err != nil {
		t.Fatal(err)
	}
	var updated int64
	r.db.R.Raw("SELECT updated_at FROM campaigns WHERE id = ?", c.ID).Scan(&updated)
	start := time.UnixMilli(updated).UTC()

	var scheds []*scheduler.Scheduler
	for _, rt := range runs {
		graph, err := meta.New(meta.Options{BaseURL: "http://sandbox", Version: "v25.0", AppSecret: secret, SendRate: -1,
			HTTP: &http.Client{Transport: sb.Transport()}})
		if err != nil {
			t.Fatal(err)
		}
		s, err := newScheduler(rt, nil, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := registerSends(s, rt, graph); err != nil {
			t.Fatal(err)
		}
		if err := s.Reload(ctx); err != nil {
			t.Fatal(err)
		}
		scheds = append(scheds, s)
	}
	end := start.Add(3 * time.Minute)
	if end.Truncate(time.Minute).Equal(end) {
		end = end.Add(-time.Second)
	}
	for now := start; !now.After(end); now = now.Add(20 * time.Second) {
		var wg sync.WaitGroup
		for i, s := range scheds {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := s.Tick(ctx, now.Add(time.Duration(i)*200*time.Millisecond)); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
	}
	var slots []struct {
		Slot int64
		N    int
	}
	r.db.R.Raw("SELECT slot, COUNT(*) AS n FROM campaign_runs WHERE campaign_id = ? GROUP BY slot ORDER BY slot", c.ID).Scan(&slots)
	if len(slots) < 2 {
		t.Fatalf("runs per slot %+v, want at least two slots", slots)
	}
	perPSID := map[string]int{}
	for _, s := range sb.Sends() {
		perPSID[s.PSID]++
	}
	if len(perPSID) != members {
		t.Errorf("sandbox messaged %d people, want %d", len(perPSID), members)
	}
	for psid, n := range perPSID {
		if n != len(slots) {
			t.Errorf("%s messaged %d times over %d slots", psid, n, len(slots))
		}
	}
}
