package conversations_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"relance/conversations"
	"relance/tenancy"
)

// TestDeferredFoldEqualsInlineUpdates: the same events, one by one in a shuffled order, in deliveries of
// various sizes, some delivered twice, give the same contacts and contact_entities whether contacts are
// updated by each ingesting commit or folded later from the queue (here with folds in the middle, so that
// folded rows meet later deltas).
func TestDeferredFoldEqualsInlineUpdates(t *testing.T) {
	inline, deferred := newEnvFolding(t, 0), newEnvFolding(t, time.Hour)
	gen := conversations.NewSynthetic([]string{fixturePage}, ourApp, time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), 11, 7200000000100000)
	var events []conversations.Entry
	for i := 0; i < 60; i++ {
		entries, err := conversations.Parse(gen.Contact(i), conversations.ParseOptions{AppID: ourApp, NLPThreshold: 0.8})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			for _, ev := range e.Events {
				events = append(events, conversations.Entry{PageID: e.PageID, Events: []conversations.Event{ev}})
			}
		}
	}
	rng := rand.New(rand.NewPCG(3, 4))
	rng.Shuffle(len(events), func(i, j int) { events[i], events[j] = events[j], events[i] })
	ctx := context.Background()
	for start, round := 0, 0; start < len(events); round++ {
		end := min(len(events), start+1+rng.IntN(40))
		batch := events[start:end]
		if round%7 == 3 {
			batch = append(batch, events[max(0, start-5):start]...) // a retry of earlier events
		}
		for _, e := range []*env{inline, deferred} {
			if _, err := e.in.Submit(ctx, batch); err != nil {
				t.Fatal(err)
			}
		}
		if round%9 == 4 {
			deferred.fold(t)
		}
		start = end
	}
	deferred.fold(t)
	contacts := `SELECT page_id, psid, first_seen_at, last_inbound_at, last_interaction_at, last_outbound_at, last_bot_at,
		last_human_at, inbound_count, outbound_count, first_ref_at, first_ref_source, first_ref_ref, first_ref_ad_id,
		last_ref_at, last_ref_source, last_ref_ref, last_ref_ad_id, optin_at, subscribed, optin_timezone,
		optin_expires_at, owner_at, owner_app_id, read_watermark, delivery_watermark, entities_mask
		FROM contacts ORDER BY page_id, psid`
	entities := `SELECT page_id, psid, entity, first_seen_at, last_seen_at, count FROM contact_entities ORDER BY page_id, psid, entity`
	for _, q := range []string{contacts, entities} {
		want, got := dump(t, inline, q), dump(t, deferred, q)
		if len(want) < 60 {
			t.Fatalf("only %d rows from %s", len(want), q)
		}
		if !reflect.DeepEqual(want, got) {
			for i := range min(len(want), len(got)) {
				if !reflect.DeepEqual(want[i], got[i]) {
					t.Fatalf("row %d differs:\n inline   %v\n deferred %v", i, want[i], got[i])
				}
			}
			t.Fatalf("%d rows inline, %d deferred", len(want), len(got))
		}
	}
	var left int64
	deferred.db.R.Raw("SELECT COUNT(*) FROM contact_fold_queue").Scan(&left)
	if left != 0 {
		t.Errorf("%d rows left in the queue after Fold", left)
	}
}

// dump reads every row of q as strings.
func dump(t *testing.T, e *env, q string) [][]string {
	t.Helper()
	rs, err := e.db.R.Raw(q).Rows()
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	cols, _ := rs.Columns()
	var out [][]string
	for rs.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rs.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		row := make([]string, len(cols))
		for i, v := range vals {
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			row[i] = fmt.Sprint(v)
		}
		out = append(out, row)
	}
	return out
}

// TestQueuedDeltasOutliveTheirIngester: deltas queued by an ingester that stopped before folding (a crash
// between the commit and the fold) are folded by the next ingester's first fold, once.
func TestQueuedDeltasOutliveTheirIngester(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	entries, err := conversations.Parse(fixture(t, "message_text_nlpv2.json"), conversations.ParseOptions{AppID: ourApp})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.in.Submit(ctx, entries); err != nil {
		t.Fatal(err)
	}
	var queued, contacts int64
	e.db.R.Raw("SELECT COUNT(*) FROM contact_fold_queue").Scan(&queued)
	e.db.R.Raw("SELECT COUNT(*) FROM contacts").Scan(&contacts)
	if queued != 1 || contacts != 0 {
		t.Fatalf("before the fold: %d queued, %d contacts; want 1 and 0", queued, contacts)
	}
	next := conversations.NewIngester(e.db, e.store.Vault(), prometheus.NewRegistry(), slog.New(slog.NewTextHandler(io.Discard, nil)), 100)
	next.FoldEvery(time.Hour)
	for range 2 {
		if err := next.Fold(ctx); err != nil {
			t.Fatal(err)
		}
	}
	var inbound int64
	e.db.R.Raw("SELECT COUNT(*) FROM contact_fold_queue").Scan(&queued)
	e.db.R.Raw("SELECT COALESCE(SUM(inbound_count), 0) FROM contacts").Scan(&inbound)
	if queued != 0 || inbound != 1 {
		t.Fatalf("after the next ingester's fold: %d queued, %d inbound messages; want 0 and 1", queued, inbound)
	}
}

// TestFoldSkipsDeletedBrands: deltas queued for a brand deleted before the fold are dropped with it; they must
// not block the fold (the contacts' foreign key would refuse them) nor the other brands' contacts.
func TestFoldSkipsDeletedBrands(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	name, cur, tz := "Gone", "EUR", "Europe/Paris"
	gone, err := e.store.Tenant(e.tenant.ID).CreateBrand(ctx, tenancy.BrandInput{Name: &name, Currency: &cur, Timezone: &tz})
	if err != nil {
		t.Fatal(err)
	}
	const gonePage = "104000000000909"
	p, err := e.store.Tenant(e.tenant.ID).ConnectPage(ctx, gone.ID, tenancy.PageInput{PageID: gonePage, Name: "Gone FR",
		AccessToken: "EAAB-gone-page-token"})
	if err != nil {
		t.Fatal(err)
	}
	goneID := p.ID
	msg := func(page, psid, mid string) conversations.Entry {
		return conversations.Entry{PageID: page, Events: []conversations.Event{{Kind: conversations.KindMessage, PageID: page,
			PSID: psid, MID: mid, At: 1764064800000, Text: "bonjour", Sender: conversations.SenderUser}}}
	}
	if _, err := e.in.Submit(ctx, []conversations.Entry{msg(gonePage, "7801", "m_gone"), msg(fixturePage, "7802", "m_kept")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.Tenant(e.tenant.ID).DisconnectPage(ctx, gone.ID, goneID); err != nil {
		t.Fatal(err)
	}
	if err := e.store.Tenant(e.tenant.ID).DeleteBrand(ctx, gone.ID); err != nil {
		t.Fatal(err)
	}
	e.fold(t)
	var queued, contacts int64
	e.db.R.Raw("SELECT COUNT(*) FROM contact_fold_queue").Scan(&queued)
	e.db.R.Raw("SELECT COUNT(*) FROM contacts").Scan(&contacts)
	if queued != 0 || contacts != 1 {
		t.Fatalf("after the fold: %d queued, %d contacts; want 0 and the kept brand's 1", queued, contacts)
	}
	e.contactID(t, "7802")
}

// TestFoldKeepsARefusedDeltaAside: a queued row the fold cannot apply (here one that does not parse) is moved to
// failed_entries, and the rows around it are folded: one bad row does not stop every contact's aggregates.
func TestFoldKeepsARefusedDeltaAside(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	msg := func(psid, mid string) []conversations.Entry {
		return []conversations.Entry{{PageID: fixturePage, Events: []conversations.Event{{Kind: conversations.KindMessage,
			PageID: fixturePage, PSID: psid, MID: mid, At: 1764064800000, Text: "bonjour", Sender: conversations.SenderUser}}}}
	}
	if _, err := e.in.Submit(ctx, msg("7901", "m_before")); err != nil {
		t.Fatal(err)
	}
	if err := e.db.W.Exec("INSERT INTO contact_fold_queue (delta) VALUES ('not a delta')").Error; err != nil {
		t.Fatal(err)
	}
	if _, err := e.in.Submit(ctx, msg("7902", "m_after")); err != nil {
		t.Fatal(err)
	}
	e.fold(t)
	var queued, contacts, failed int64
	e.db.R.Raw("SELECT COUNT(*) FROM contact_fold_queue").Scan(&queued)
	e.db.R.Raw("SELECT COUNT(*) FROM contacts").Scan(&contacts)
	e.db.R.Raw("SELECT COUNT(*) FROM failed_entries WHERE body = 'not a delta'").Scan(&failed)
	if queued != 0 || contacts != 2 || failed != 1 {
		t.Fatalf("after the fold: %d queued, %d contacts, %d kept aside; want 0, 2 and 1", queued, contacts, failed)
	}
}

// TestLastInteractionsSeeQueuedDeltas: a contact's latest user event is found whether it was folded into the
// contact or still waits in the queue, and an echo (the Page's, not the user's) does not count.
func TestLastInteractionsSeeQueuedDeltas(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	submit := func(kind, psid, mid string, at int64) {
		t.Helper()
		ev := conversations.Event{Kind: kind, PageID: fixturePage, PSID: psid, MID: mid, At: at, Text: "bonjour", Sender: conversations.SenderUser}
		if kind == conversations.KindEcho {
			ev.Sender = conversations.SenderHuman
		}
		if _, err := e.in.Submit(ctx, []conversations.Entry{{PageID: fixturePage, Events: []conversations.Event{ev}}}); err != nil {
			t.Fatal(err)
		}
	}
	key := func(psid string) conversations.ContactKey {
		return conversations.ContactKey{TenantID: e.tenant.ID, BrandID: e.brand.ID, PageID: fixturePage, PSID: psid}
	}
	read := func() map[conversations.ContactKey]int64 {
		t.Helper()
		got, err := conversations.LastInteractions(ctx, e.db.W, []conversations.ContactKey{key("7701"), key("7702"), key("7703")})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	submit(conversations.KindMessage, "7701", "m1", 1_000)
	e.fold(t)
	submit(conversations.KindMessage, "7701", "m2", 5_000) // queued, later than the folded one
	submit(conversations.KindEcho, "7701", "m3", 9_000)    // the Page's: no user activity
	submit(conversations.KindMessage, "7702", "m4", 3_000) // a contact only queued so far
	want := map[conversations.ContactKey]int64{key("7701"): 5_000, key("7702"): 3_000}
	if got := read(); !reflect.DeepEqual(got, want) {
		t.Fatalf("queued: %v, want %v", got, want)
	}
	e.fold(t)
	if got := read(); !reflect.DeepEqual(got, want) {
		t.Fatalf("folded: %v, want %v", got, want)
	}
}
