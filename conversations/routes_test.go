package conversations_test

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"relance/conversations"
	"relance/tenancy"
)

// TestDisconnectedPageIsRoutedNowhere runs two ingesters on one database, as two instances: both have the
// Page's route cached when it is disconnected; the next webhook on either is kept aside at once (it was still
// stored for the old brand for up to 30 s), and once another agency connects the Page, the kept-aside entries
// go to that agency and never to the old one.
func TestDisconnectedPageIsRoutedNowhere(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	v, _ := tenancy.NewVault([]byte("0123456789abcdef0123456789abcdef"))
	other := conversations.NewIngester(e.db, v, prometheus.NewRegistry(), slog.New(slog.NewTextHandler(io.Discard, nil)), 5000)
	runCtx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); other.Run(runCtx) }()
	t.Cleanup(func() { cancel(); wg.Wait() })
	o := conversations.ParseOptions{AppID: ourApp, NLPThreshold: 0.8}
	deliver := func(in *conversations.Ingester, mid string) conversations.Result {
		t.Helper()
		entries, err := conversations.Parse([]byte(`{"object":"page","entry":[{"id":"`+fixturePage+`","time":1764064800000,"messaging":[{"sender":{"id":"7302"},"recipient":{"id":"`+fixturePage+`"},"timestamp":1764064800000,"message":{"mid":"`+mid+`","text":"hello"}}]}]}`), o)
		if err != nil {
			t.Fatal(err)
		}
		res, err := in.Submit(ctx, entries)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	if a, b := deliver(e.in, "m_before_1"), deliver(other, "m_before_2"); a.Stored != 1 || b.Stored != 1 {
		t.Fatalf("before the disconnection: %+v %+v", a, b)
	}
	pages, err := e.store.Tenant(e.tenant.ID).Pages(ctx, e.brand.ID)
	if err != nil || len(pages) != 1 {
		t.Fatalf("pages %v %v", pages, err)
	}
	if _, err := e.store.Tenant(e.tenant.ID).DisconnectPage(ctx, e.brand.ID, pages[0].ID); err != nil {
		t.Fatal(err)
	}
	for i, in := range []*conversations.Ingester{e.in, other} {
		if res := deliver(in, "m_after_"+string(rune('1'+i))); res.Stored != 0 || res.Unrouted != 1 {
			t.Errorf("instance %d after the disconnection: %+v, want the entry kept aside", i+1, res)
		}
	}
	// Another agency connects the Page: the kept-aside entries are its own, not the former holder's.
	b, _ := e.store.CreateTenant(ctx, "Agency B", "agency-b")
	name, cur, tz := "Bistro", "EUR", "Europe/Paris"
	bb, err := e.store.Tenant(b.ID).CreateBrand(ctx, tenancy.BrandInput{Name: &name, Currency: &cur, Timezone: &tz})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.Tenant(b.ID).ConnectPage(ctx, bb.ID, tenancy.PageInput{PageID: fixturePage, Name: "Bistro",
		AccessToken: "EAAB-bistro-page-token-0"}); err != nil {
		t.Fatal(err)
	}
	if n, err := other.Replay(ctx, o); err != nil || n != 2 {
		t.Fatalf("replay: %d %v", n, err)
	}
	var mine, theirs int64
	e.db.R.Raw("SELECT COUNT(*) FROM messages WHERE brand_id = ? AND mid LIKE 'm_after_%'", e.brand.ID).Scan(&mine)
	e.db.R.Raw("SELECT COUNT(*) FROM messages WHERE brand_id = ? AND mid LIKE 'm_after_%'", bb.ID).Scan(&theirs)
	if mine != 0 || theirs != 2 {
		t.Errorf("messages after the disconnection: %d for the former holder, %d for the new one (want 0 and 2)", mine, theirs)
	}
}
