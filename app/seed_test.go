package app

import (
	"errors"
	"strings"
	"testing"

	"relance/database"
)

// TestDemoSeedFlags checks that demo seed's numbers are validated before anything is opened, naming the flag.
func TestDemoSeedFlags(t *testing.T) {
	c := newCLI(t)
	for _, tt := range []struct {
		args []string
		flag string
	}{
		{[]string{"--contacts", "-1"}, "--contacts"},
		{[]string{"--contacts", "20000000"}, "--contacts"},
		{[]string{"--messages", "-5"}, "--messages"},
		{[]string{"--contacts", "100", "--messages", "99"}, "--messages"},
		{[]string{"--contacts", "0", "--messages", "10"}, "--messages"},
		{[]string{"--contacts", "1", "--messages", "5000"}, "--messages"},
		{[]string{"--brands", "0"}, "--brands"},
		{[]string{"--brands", "4"}, "--brands"},
	} {
		args := append([]string{"demo", "seed", "--tenant", "acme"}, tt.args...)
		_, err := c.run("", args...)
		if !errors.Is(err, errUsage) || !strings.Contains(err.Error(), tt.flag) {
			t.Errorf("relance %s = %v, want a usage error naming %s", strings.Join(args, " "), err, tt.flag)
		}
	}
	if fileExists(strings.TrimPrefix(c.db, "sqlite://")) {
		t.Error("a usage error created the database")
	}
}

// TestDemoSeedMessages seeds one brand with a message target and checks the totals, the variety the audience
// rules need, and that every contact's aggregates agree with its stored messages and events.
func TestDemoSeedMessages(t *testing.T) {
	c := newCLI(t)
	wantID(t, "tenant create", c.ok("", "tenant", "create", "--name", "Acme", "--slug", "acme"))
	out := c.ok("", "demo", "seed", "--tenant", "acme", "--contacts", "400", "--messages", "4000", "--brands", "1")
	// Progress lines come every few seconds of wall clock, so on a slow machine some precede the summary.
	if !strings.Contains("\n"+out, "\nseeded 3 demo brands into acme; conversations for 1: 400 contacts, 4000 messages") {
		t.Errorf("demo seed printed %q", out)
	}
	db, err := database.Open(c.db, database.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	count := func(q string, args ...any) int64 {
		t.Helper()
		var n int64
		if err := db.R.Raw(q, args...).Row().Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}
	if n := count("SELECT count(DISTINCT brand_id) FROM contacts"); n != 1 {
		t.Errorf("contacts in %d brands, want 1 (--brands 1)", n)
	}
	if n := count("SELECT count(*) FROM contacts"); n != 400 {
		t.Errorf("%d contacts, want 400", n)
	}
	if n := count("SELECT count(*) FROM messages"); n != 4000 {
		t.Errorf("%d messages, want 4000", n)
	}
	// Skewed: many contacts with a handful of messages, and a tail.
	few := count("SELECT count(*) FROM contacts WHERE inbound_count + outbound_count <= 5")
	many := count("SELECT count(*) FROM contacts WHERE inbound_count + outbound_count >= 30")
	if few < 120 || many < 10 {
		t.Errorf("%d contacts with 1-5 messages and %d with 30 or more, want a skewed spread", few, many)
	}

	// Every aggregate the audience rules read, recomputed from the messages and events.
	mismatch := count(`SELECT count(*) FROM contacts c WHERE
		c.inbound_count != (SELECT count(*) FROM messages m WHERE m.tenant_id = c.tenant_id AND m.brand_id = c.brand_id
			AND m.page_id = c.page_id AND m.psid = c.psid AND m.direction = 'in')
		OR c.outbound_count != (SELECT count(*) FROM messages m WHERE m.tenant_id = c.tenant_id AND m.brand_id = c.brand_id
			AND m.page_id = c.page_id AND m.psid = c.psid AND m.direction = 'out')
		OR c.last_inbound_at != (SELECT coalesce(max(sent_at), 0) FROM messages m WHERE m.tenant_id = c.tenant_id
			AND m.brand_id = c.brand_id AND m.page_id = c.page_id AND m.psid = c.psid AND m.direction = 'in')
		OR c.last_human_at != (SELECT coalesce(max(sent_at), 0) FROM messages m WHERE m.tenant_id = c.tenant_id
			AND m.brand_id = c.brand_id AND m.page_id = c.page_id AND m.psid = c.psid AND m.sender = 'human')
		OR c.first_seen_at != min(
			(SELECT coalesce(min(sent_at), 9e18) FROM messages m WHERE m.tenant_id = c.tenant_id AND m.brand_id = c.brand_id
				AND m.page_id = c.page_id AND m.psid = c.psid),
			(SELECT coalesce(min(at), 9e18) FROM contact_events e WHERE e.tenant_id = c.tenant_id AND e.brand_id = c.brand_id
				AND e.page_id = c.page_id AND e.psid = c.psid))
		OR c.last_interaction_at != max(c.last_inbound_at,
			(SELECT coalesce(max(at), 0) FROM contact_events e WHERE e.tenant_id = c.tenant_id AND e.brand_id = c.brand_id
				AND e.page_id = c.page_id AND e.psid = c.psid AND e.kind IN ('postback', 'referral', 'optin')))
		OR c.first_ref_source != coalesce((SELECT ref_source FROM contact_events e WHERE e.tenant_id = c.tenant_id
			AND e.brand_id = c.brand_id AND e.page_id = c.page_id AND e.psid = c.psid AND e.ref_source != ''
			ORDER BY at LIMIT 1), '')
		OR c.last_ref_ad_id != coalesce((SELECT ref_ad_id FROM contact_events e WHERE e.tenant_id = c.tenant_id
			AND e.brand_id = c.brand_id AND e.page_id = c.page_id AND e.psid = c.psid AND e.ref_source != ''
			ORDER BY at DESC LIMIT 1), '')
		OR (c.owner_app_id != '') != EXISTS (SELECT 1 FROM contact_events e WHERE e.tenant_id = c.tenant_id
			AND e.brand_id = c.brand_id AND e.page_id = c.page_id AND e.psid = c.psid AND e.kind = 'pass_thread_control')`)
	if mismatch != 0 {
		t.Errorf("%d contacts have aggregates that disagree with their messages and events", mismatch)
	}
	entityMismatch := count(`SELECT count(*) FROM contact_entities ce WHERE ce.count != (SELECT count(*) FROM messages m,
		json_each(m.entities) j WHERE m.tenant_id = ce.tenant_id AND m.brand_id = ce.brand_id AND m.page_id = ce.page_id
		AND m.psid = ce.psid AND m.entities != '' AND j.value->>'name' = ce.entity)`)
	if entityMismatch != 0 {
		t.Errorf("%d contact entities disagree with their messages' entities", entityMismatch)
	}

	// The variety audience rules filter on.
	for _, v := range []struct {
		what string
		q    string
	}{
		{"ADS first referrals", "SELECT count(*) FROM contacts WHERE first_ref_source = 'ADS' AND first_ref_ad_id != ''"},
		{"SHORTLINK referrals", "SELECT count(*) FROM contact_events WHERE ref_source = 'SHORTLINK' AND ref_ref != ''"},
		{"chat plugin referrals", "SELECT count(*) FROM contact_events WHERE ref_source = 'CUSTOMER_CHAT_PLUGIN'"},
		{"refs with parts", "SELECT count(*) FROM contacts WHERE first_ref_ref LIKE 'camp=%'"},
		{"distinct ad ids", "SELECT count(DISTINCT ref_ad_id) - 4 FROM contact_events WHERE ref_ad_id != ''"},
		{"postback payloads", "SELECT count(*) FROM contact_events WHERE kind = 'postback' AND payload = 'TALK_TO_HUMAN'"},
		{"quick replies", "SELECT count(*) FROM messages WHERE quick_reply = 'QR_MENU'"},
		{"human replies", "SELECT count(*) FROM contacts WHERE last_human_at > 0"},
		{"subscribed", "SELECT count(*) FROM contacts WHERE subscribed AND optin_timezone != ''"},
		{"opted out", "SELECT count(*) FROM contacts WHERE optin_at > 0 AND NOT subscribed"},
		{"blocked", "SELECT count(*) FROM contacts WHERE blocked"},
		{"owned by the Page Inbox", "SELECT count(*) FROM contacts WHERE owner_app_id = '263902037430900'"},
		{"amounts of money", "SELECT count(*) FROM contact_entities WHERE entity = 'amount_of_money'"},
		{"phone numbers", "SELECT count(*) FROM contact_entities WHERE entity = 'phone_number'"},
		{"e-mails", "SELECT count(*) FROM contact_entities WHERE entity = 'email'"},
		{"French texts with prices", "SELECT count(*) FROM messages WHERE text LIKE '%€%'"},
		{"images", "SELECT count(*) FROM messages WHERE attachments LIKE '%image%'"},
		{"active in the last two days", "SELECT count(*) FROM contacts WHERE last_inbound_at > (unixepoch() - 2*86400) * 1000"},
	} {
		if n := count(v.q); n <= 0 {
			t.Errorf("no %s in the seeded brand", v.what)
		}
	}
}
