package conversations_test

import (
	"context"
	"strings"
	"testing"

	"relance/conversations"
	"relance/tenancy"
)

// TestMessagesWithoutMidInOneEntryStayTwo: two messages without a mid in one entry are two messages (their
// names came from the whole entry, so the second was dropped after a 200), and a retry stores neither again.
func TestMessagesWithoutMidInOneEntryStayTwo(t *testing.T) {
	e := newEnv(t)
	body := []byte(`{"object":"page","entry":[{"id":"` + fixturePage + `","time":1764064800000,"messaging":[
		{"sender":{"id":"7400"},"recipient":{"id":"` + fixturePage + `"},"timestamp":1764064800000,"message":{"text":"first"}},
		{"sender":{"id":"7400"},"recipient":{"id":"` + fixturePage + `"},"timestamp":1764064800001,"message":{"text":"second"}},
		{"sender":{"id":"` + fixturePage + `"},"recipient":{"id":"7400"},"timestamp":1764064800002,"message":{"is_echo":true,"text":"an echo"}}]}]}`)
	if res := e.ingest(t, body); res.Stored != 3 || res.Duplicates != 0 {
		t.Fatalf("first delivery: %+v", res)
	}
	if res := e.ingest(t, body); res.Stored != 0 || res.Duplicates != 3 {
		t.Fatalf("retry: %+v", res)
	}
	var texts []string
	e.db.R.Raw("SELECT text FROM messages WHERE psid = '7400' ORDER BY sent_at").Scan(&texts)
	if strings.Join(texts, "|") != "first|second|an echo" {
		t.Fatalf("stored %q", texts)
	}
	var in int64
	e.db.R.Raw("SELECT inbound_count FROM contacts WHERE psid = '7400'").Scan(&in)
	if in != 2 {
		t.Fatalf("inbound_count %d, want 2", in)
	}
}

// TestReplayedEchoesOfTheAgencyAppAreTheBot: an entry that came through an agency's own app for a Page not
// yet connected is replayed later through relance's parser; its echoes, sent by that agency's app, are still
// the bot's, as are echoes of that app delivered through relance's app; another agency's app stays "app".
func TestReplayedEchoesOfTheAgencyAppAreTheBot(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const agencyApp, strangerApp, page = "556000000000001", "557000000000001", "104000000000777"
	if _, err := e.store.Tenant(e.tenant.ID).RegisterMetaApp(ctx, tenancy.MetaAppInput{AppID: agencyApp, Name: "Agency app",
		AppSecret: "agency-app-secret-0123", VerifyToken: "verify-agency"}); err != nil {
		t.Fatal(err)
	}
	other, _ := e.store.CreateTenant(ctx, "Other", "other")
	if _, err := e.store.Tenant(other.ID).RegisterMetaApp(ctx, tenancy.MetaAppInput{AppID: strangerApp, Name: "Stranger",
		AppSecret: "stranger-app-secret-01", VerifyToken: "verify-stranger"}); err != nil {
		t.Fatal(err)
	}
	echo := func(mid, app string) string {
		return `{"sender":{"id":"` + page + `"},"recipient":{"id":"7401"},"timestamp":1764064800000,"message":{"is_echo":true,"mid":"` +
			mid + `","app_id":` + app + `,"text":"bot says hi"}}`
	}
	body := []byte(`{"object":"page","entry":[{"id":"` + page + `","time":1764064800000,"messaging":[` + echo("m_echo_agency", agencyApp) + `]}]}`)
	entries, err := conversations.Parse(body, conversations.ParseOptions{AppID: agencyApp})
	if err != nil {
		t.Fatal(err)
	}
	if res, err := e.in.SubmitFor(ctx, e.tenant.ID, entries); err != nil || res.Unrouted != 1 {
		t.Fatalf("kept aside: %+v %v", res, err)
	}
	if _, err := e.store.Tenant(e.tenant.ID).ConnectPage(ctx, e.brand.ID, tenancy.PageInput{PageID: page, Name: "Later",
		AccessToken: "EAAB-later-page-token"}); err != nil {
		t.Fatal(err)
	}
	if n, err := e.in.Replay(ctx, conversations.ParseOptions{AppID: ourApp}); err != nil || n != 1 {
		t.Fatalf("replay: %d %v", n, err)
	}
	// The same app's echo, and a stranger's, delivered through relance's own app.
	e.ingest(t, []byte(`{"object":"page","entry":[{"id":"`+page+`","time":1764064800000,"messaging":[`+
		echo("m_echo_direct", agencyApp)+`,`+echo("m_echo_stranger", strangerApp)+`]}]}`))
	for mid, want := range map[string]string{"m_echo_agency": "bot", "m_echo_direct": "bot", "m_echo_stranger": "app"} {
		var sender string
		e.db.R.Raw("SELECT sender FROM messages WHERE mid = ?", mid).Scan(&sender)
		if sender != want {
			t.Errorf("%s: sender %q, want %q", mid, sender, want)
		}
	}
}

// TestImportRefusesNonNumericPSIDs: a PSID is digits; anything else is refused with the line and the field.
func TestImportRefusesNonNumericPSIDs(t *testing.T) {
	e := newEnv(t)
	jsonl := strings.Join([]string{
		`{"page_id":"` + fixturePage + `","psid":"7500","sent_at":"2025-06-01T10:00:00Z","text":"ok"}`,
		`{"page_id":"` + fixturePage + `","psid":"anna@example.com","sent_at":"2025-06-01T10:00:00Z","text":"no"}`,
		`{"page_id":"` + fixturePage + `","psid":"7500 ","sent_at":"2025-06-01T10:01:00Z","text":"trimmed, fine"}`,
		`{"page_id":"` + fixturePage + `","psid":"-12","sent_at":"2025-06-01T10:00:00Z","text":"no"}`,
		`{"page_id":"` + fixturePage + `","psid":"7500","sent_at":"2025-06-01T10:00:00Z","text":"no","mid":"a\u0000b"}`,
	}, "\n")
	res, err := e.in.Import(context.Background(), strings.NewReader(jsonl), "jsonl", map[string]bool{fixturePage: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Imported != 2 || len(res.Errors) != 3 {
		t.Fatalf("import: %+v", res)
	}
	for i, want := range []conversations.ImportError{{Line: 2, Field: "psid"}, {Line: 4, Field: "psid"}, {Line: 5, Field: "mid"}} {
		if got := res.Errors[i]; got.Line != want.Line || got.Field != want.Field {
			t.Errorf("error %d: %+v, want line %d field %s", i, got, want.Line, want.Field)
		}
	}
	if !strings.Contains(res.Errors[0].Message, "digits") {
		t.Errorf("message: %q", res.Errors[0].Message)
	}
	e.fold(t)
	var n int64
	e.db.R.Raw("SELECT COUNT(*) FROM contacts").Scan(&n)
	if n != 1 {
		t.Errorf("%d contacts, want 1", n)
	}
}

// TestImportIntoADisconnectedPageLosesNothing: a Page disconnected while its import runs (after the import
// read the brand's Pages) leaves every remaining line listed as not imported, naming the field, and nothing
// half-written: no contact, no message, no kept-aside entry that could never be replayed.
func TestImportIntoADisconnectedPageLosesNothing(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const page = "104000000000666"
	ts := e.store.Tenant(e.tenant.ID)
	p, err := ts.ConnectPage(ctx, e.brand.ID, tenancy.PageInput{PageID: page, Name: "Leaving", AccessToken: "EAAB-leaving-page-token"})
	if err != nil {
		t.Fatal(err)
	}
	pages := map[string]bool{page: true, fixturePage: true} // read when the import started
	if _, err := ts.DisconnectPage(ctx, e.brand.ID, p.ID); err != nil {
		t.Fatal(err)
	}
	jsonl := strings.Join([]string{
		`{"page_id":"` + page + `","psid":"7430","sent_at":"2025-06-01T10:00:00Z","text":"one","referral":{"source":"ADS","ad_id":"2385"}}`,
		`{"page_id":"` + fixturePage + `","psid":"7431","sent_at":"2025-06-01T10:00:00Z","text":"still connected"}`,
		`{"page_id":"` + page + `","psid":"7430","sent_at":"2025-06-01T10:01:00Z","text":"two"}`,
	}, "\n")
	res, err := e.in.Import(ctx, strings.NewReader(jsonl), "jsonl", pages)
	if err != nil {
		t.Fatal(err)
	}
	if res.Imported != 1 || len(res.Errors) != 2 || res.Errors[0].Line != 1 || res.Errors[1].Line != 3 ||
		res.Errors[0].Field != "page_id" || !strings.Contains(res.Errors[0].Message, "disconnected") {
		t.Fatalf("import: %+v", res)
	}
	var n int64
	e.db.R.Raw("SELECT (SELECT COUNT(*) FROM messages WHERE page_id = ?) + (SELECT COUNT(*) FROM contacts WHERE page_id = ?) + "+
		"(SELECT COUNT(*) FROM contact_events WHERE page_id = ?) + (SELECT COUNT(*) FROM unrouted_entries)", page, page, page).Scan(&n)
	if n != 0 {
		t.Errorf("%d rows written for the disconnected Page", n)
	}
}

// TestImportLineErrorsInPeoplesWords: a JSON line that does not fit the import format is explained with the
// field and what it must be, never with the decoder's Go type names (before: "cannot unmarshal number into
// Go struct field ImportRecord.psid of type string").
func TestImportLineErrorsInPeoplesWords(t *testing.T) {
	e := newEnv(t)
	jsonl := strings.Join([]string{
		`{"page_id":"` + fixturePage + `","psid":7500,"sent_at":"2025-06-01T10:00:00Z"}`,
		`{"page_id":"` + fixturePage + `","psid":"7500","sent_at":"2025-06-01T10:00:00Z","colour":"red"}`,
		`{"page_id":"` + fixturePage + `","psid":"7500",`,
		`[1,2]`,
	}, "\n")
	res, err := e.in.Import(context.Background(), strings.NewReader(jsonl), "jsonl", map[string]bool{fixturePage: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Errors) != 4 {
		t.Fatalf("import: %+v", res)
	}
	wants := []string{"psid must be a string, not a JSON number", `unknown field "colour"`, "cut short", "must be a JSON object"}
	for i, want := range wants {
		msg := res.Errors[i].Message
		if !strings.Contains(msg, want) || strings.Contains(msg, "Go ") || strings.Contains(msg, "ImportRecord") || strings.Contains(msg, "unmarshal") {
			t.Errorf("line %d: %q, want it to say %q in people's words", res.Errors[i].Line, msg, want)
		}
	}
}
