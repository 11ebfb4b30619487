package conversations_test

import (
	"bytes"
	"context"
	"sort"
	"testing"
	"time"

	"relance/conversations"
)

// TestSyntheticPlan checks that Plan's total is met exactly, with a skewed spread, and that the same seed gives
// the same deliveries.
func TestSyntheticPlan(t *testing.T) {
	end := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	o := conversations.ParseOptions{AppID: ourApp, NLPThreshold: 0.8}
	const contacts, messages = 5000, 50000
	gen := conversations.NewSynthetic([]string{fixturePage}, ourApp, end, 3, 7100000000100000)
	gen.Plan(contacts, messages)
	again := conversations.NewSynthetic([]string{fixturePage}, ourApp, end, 3, 7100000000100000)
	again.Plan(contacts, messages)
	counts := make([]int, contacts)
	total := 0
	for i := range contacts {
		body := gen.Contact(i)
		if i < 50 && !bytes.Equal(body, again.Contact(i)) {
			t.Fatalf("contact %d differs between two generators with the same seed", i)
		}
		entries, err := conversations.Parse(body, o)
		if err != nil || len(entries) != 1 {
			t.Fatalf("contact %d: %d entries, %v", i, len(entries), err)
		}
		for _, e := range entries[0].Events {
			if e.At > end.UnixMilli() {
				t.Fatalf("contact %d has an event after End", i)
			}
			if e.Kind == conversations.KindMessage || e.Kind == conversations.KindEcho {
				counts[i]++
			}
		}
		if counts[i] == 0 {
			t.Fatalf("contact %d has no message", i)
		}
		total += counts[i]
	}
	if total != messages {
		t.Errorf("%d messages, want %d", total, messages)
	}
	sort.Ints(counts)
	few := sort.SearchInts(counts, 6) // contacts with 1 to 5 messages
	if share := float64(few) / contacts; share < 0.35 || share > 0.65 {
		t.Errorf("%.0f%% of the contacts have 1-5 messages, want about half", share*100)
	}
	if p99 := counts[contacts*99/100]; p99 < 50 {
		t.Errorf("99th percentile %d messages, want a long tail", p99)
	}
	t.Logf("messages per contact: median %d, p90 %d, p99 %d, max %d; 1-5: %d%%", counts[contacts/2], counts[contacts*9/10],
		counts[contacts*99/100], counts[contacts-1], few*100/contacts)
}

// TestBulkLoadRestoresIndexes checks that BulkLoad drops only the scattered secondary indexes and that its
// finish puts back exactly the schema there was.
func TestBulkLoadRestoresIndexes(t *testing.T) {
	e := newEnv(t)
	if e.db.Dialect != "sqlite" {
		t.Skip("BulkLoad only changes SQLite")
	}
	ctx := context.Background()
	schema := func() map[string]string {
		var rows []struct{ Name, SQL string }
		if err := e.db.R.Raw("SELECT name, coalesce(sql, '') AS sql FROM sqlite_schema WHERE type = 'index'").Scan(&rows).Error; err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		for _, r := range rows {
			m[r.Name] = r.SQL
		}
		return m
	}
	before := schema()
	finish, err := conversations.BulkLoad(ctx, e.db)
	if err != nil {
		t.Fatal(err)
	}
	during := schema()
	for _, gone := range []string{"contacts_brand_inbound", "contacts_brand_activity", "contact_entities_brand"} {
		if _, ok := during[gone]; ok {
			t.Errorf("index %s still there during the load", gone)
		}
	}
	for _, kept := range []string{"contacts_key", "messages_mid", "messages_thread", "contact_events_dedup"} {
		if _, ok := during[kept]; !ok {
			t.Errorf("index %s dropped during the load", kept)
		}
	}
	gen := conversations.NewSynthetic([]string{fixturePage}, ourApp, time.Now().UTC(), 1, 7100000000100000)
	gen.Plan(300, 3000)
	st, err := e.in.Feed(ctx, gen, 300, conversations.FeedOptions{Parse: conversations.ParseOptions{AppID: ourApp, NLPThreshold: 0.8}})
	if err != nil || st.Contacts != 300 || st.Messages != 3000 {
		t.Fatalf("Feed = %+v, %v", st, err)
	}
	if err := finish(); err != nil {
		t.Fatal(err)
	}
	after := schema()
	if len(after) != len(before) {
		t.Errorf("%d indexes after, %d before", len(after), len(before))
	}
	for name, sql := range before {
		if after[name] != sql {
			t.Errorf("index %s is %q after the load, was %q", name, after[name], sql)
		}
	}
}
