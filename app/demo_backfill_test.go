package app

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"relance/conversations"
	"relance/tenancy"
)

// TestDemoVoicesAndBackfill seeds the demo agency as serve --demo does and checks that each brand's people
// write in the brand's voice with the entities relance extracts (phone numbers, e-mails, amounts on every
// brand), then runs the demo's start against the sandbox: Maison Lumière's older threads come in through the
// Conversations API, as contacts whose whole history predates the live seed, and a second start changes
// nothing.
func TestDemoVoicesAndBackfill(t *testing.T) {
	ctx := tenancy.WithActor(context.Background(), tenancy.Actor{Label: "test"})
	r, cfg, tn := seededDemo(ctx, t, func(c *Config) { c.Meta.SandboxSeed = "demo-backfill-test" })
	brands, _, err := r.store.Tenant(tn.ID).Brands(ctx, tenancy.Visible{All: true}, tenancy.Cursor{})
	if err != nil || len(brands) != len(demoBrands) {
		t.Fatalf("brands: %d %v", len(brands), err)
	}
	byName := map[string]string{}
	for _, b := range brands {
		byName[b.Name] = b.ID
	}
	count := func(q string, args ...any) (n int64) {
		t.Helper()
		if err := r.db.R.Raw(q, args...).Scan(&n).Error; err != nil {
			t.Fatal(err)
		}
		return n
	}
	inbound := func(brand, like string) int64 {
		return count("SELECT COUNT(*) FROM messages WHERE tenant_id = ? AND brand_id = ? AND direction = 'in' AND lower(text) LIKE ?",
			tn.ID, byName[brand], like)
	}
	// Each brand's own words, and none of another brand's (lower() as LIKE is case-sensitive on PostgreSQL).
	for _, c := range []struct{ brand, word string }{{"Maison Lumière", "%réserv%"}, {"Kopi Nusantara", "%kak%"},
		{"Bangkok Bikes", "%pick%up%"}, {"Kopi Nusantara", "%+62 %"}, {"Bangkok Bikes", "%+66 %"}, {"Bangkok Bikes", "%ครับ%"}} {
		for _, d := range demoBrands {
			if n := inbound(d.name, c.word); (n > 0) != (d.name == c.brand) {
				t.Errorf("%s: %d inbound messages like %q, want some only at %s", d.name, n, c.word, c.brand)
			}
		}
	}
	// French mostly at the restaurant, some English from its visitors (people keep their language).
	people := func(brand string, likes ...string) int64 {
		q := "SELECT COUNT(DISTINCT psid) FROM messages WHERE tenant_id = ? AND brand_id = ? AND direction = 'in' AND (" +
			strings.TrimSuffix(strings.Repeat("lower(text) LIKE ? OR ", len(likes)), " OR ") + ")"
		args := []any{tn.ID, byName[brand]}
		for _, l := range likes {
			args = append(args, l)
		}
		return count(q, args...)
	}
	fr := people("Maison Lumière", "%bonjour%", "%bonsoir%", "%vous%", "%merci%", "%personnes%", "%mon numéro%", "%c'est%",
		"%on est%", "%réserver%")
	en := people("Maison Lumière", "hello%", "hi!%", "how much%", "thanks%", "you can%", "we are%", "do you%", "is %", "can %",
		"my number%", "book a table")
	if en == 0 || fr < en*3/2 {
		t.Errorf("Maison Lumière: %d people write French and %d English, want French mostly and some English", fr, en)
	}
	t.Logf("Maison Lumière: %d people write French, %d English", fr, en)
	for _, d := range demoBrands {
		for _, e := range []string{"phone_number", "email", "amount_of_money"} {
			if n := count("SELECT COUNT(*) FROM contact_entities WHERE tenant_id = ? AND brand_id = ? AND entity = ?", tn.ID, byName[d.name], e); n == 0 {
				t.Errorf("%s: no contact mentions %s", d.name, e)
			}
		}
	}

	// The demo's start: the sandbox gets the older threads, and the Page is backfilled from it.
	sb, err := newSandbox(cfg, r.key, "", r, nil)
	if err != nil {
		t.Fatal(err)
	}
	graph, err := newMetaClient(cfg, r.key, sb, nil)
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	in := conversations.NewIngester(r.db, r.store.Vault(), prometheus.NewRegistry(), r.log, 5000)
	done := make(chan struct{})
	go func() { in.Run(runCtx); close(done) }()
	defer func() { stop(); <-done }()
	bf := conversations.NewBackfiller(r.db, in, graph, r.store, r.log)
	page := demoBrands[demoHistoryBrand].pageID
	liveContacts := count("SELECT COUNT(*) FROM contacts WHERE tenant_id = ? AND page_id = ?", tn.ID, page)
	job, err := demoBackfill(ctx, r, sb, bf)
	if err != nil {
		t.Fatal(err)
	}
	if job.Status != conversations.BackfillDone || job.Threads != demoHistoryThreads || job.Imported == 0 ||
		job.Imported != job.Messages || job.Duplicates != 0 {
		t.Fatalf("backfill %+v, want done with %d threads, every message imported", job, demoHistoryThreads)
	}
	if sb.ThreadCount(page) != demoHistoryThreads {
		t.Errorf("the sandbox lists %d threads of the Page, want %d", sb.ThreadCount(page), demoHistoryThreads)
	}
	before := tn.CreatedAt.Add(-60 * 24 * time.Hour).UnixMilli()
	if n := count("SELECT COUNT(*) FROM contacts WHERE tenant_id = ? AND page_id = ?", tn.ID, page); n != liveContacts+demoHistoryThreads {
		t.Errorf("%d contacts on the Page after the backfill, want the %d live ones and %d backfilled", n, liveContacts, demoHistoryThreads)
	}
	if n := count("SELECT COUNT(*) FROM contacts WHERE tenant_id = ? AND page_id = ? AND last_interaction_at > 0 AND last_interaction_at < ? AND psid >= ?",
		tn.ID, page, before, "7100000000900000"); n != demoHistoryThreads {
		t.Errorf("%d backfilled contacts whose history ends before the live seed's window, want %d", n, demoHistoryThreads)
	}
	if n := count("SELECT COUNT(*) FROM messages WHERE tenant_id = ? AND page_id = ? AND mid LIKE 'm_hist_%'", tn.ID, page); n != job.Imported {
		t.Errorf("%d backfilled messages stored, the job imported %d", n, job.Imported)
	}
	if n := count("SELECT COUNT(*) FROM messages WHERE tenant_id = ? AND page_id = ? AND mid LIKE 'm_hist_%' AND direction = 'out' AND sender = ?",
		tn.ID, page, conversations.SenderHuman); n == 0 {
		t.Error("no answer of the Page's team among the backfilled messages")
	}
	if n := count("SELECT COUNT(*) FROM audit_log WHERE tenant_id = ? AND action = ?", tn.ID, tenancy.ActionBackfillStart); n != 1 {
		t.Errorf("%d backfill.start audit entries, want 1", n)
	}

	// A second start (serve --demo again, a new sandbox) finds the backfill done and runs none.
	sb2, err := newSandbox(cfg, r.key, "", r, nil)
	if err != nil {
		t.Fatal(err)
	}
	graph2, err := newMetaClient(cfg, r.key, sb2, nil)
	if err != nil {
		t.Fatal(err)
	}
	again, err := demoBackfill(ctx, r, sb2, conversations.NewBackfiller(r.db, in, graph2, r.store, r.log))
	if err != nil || again.ID != job.ID || sb2.ThreadCount(page) != demoHistoryThreads {
		t.Errorf("second start: job %s (%v), %d sandbox threads; want the first job %s and the same %d threads",
			again.ID, err, sb2.ThreadCount(page), job.ID, demoHistoryThreads)
	}
	if strings.TrimSpace(job.Error) != "" {
		t.Errorf("backfill error %q", job.Error)
	}
}
