package web_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"relance/conversations"
	"relance/internal/fixtures"
	"relance/tenancy"
)

const fixturePage = "104000000000001"

// connectFixturePage connects the fixtures' Page to brand A1.
func (f *fixture) connectFixturePage() {
	f.t.Helper()
	if _, err := f.store.Tenant(f.a.ID).ConnectPage(context.Background(), f.a1.ID,
		tenancy.PageInput{PageID: fixturePage, Name: "Fixture Page", AccessToken: "EAAB-fixture-page-token"}); err != nil {
		f.t.Fatal(err)
	}
}

// postWebhook posts a body signed with sig ("" = sign correctly).
func (f *fixture) postWebhook(body []byte, sig string) (int, string) {
	f.t.Helper()
	if sig == "" {
		sig = conversations.Sign(body, fixtureSecret)
	}
	req := httptest.NewRequest(http.MethodPost, "/webhooks/messenger", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	if sig != "none" {
		req.Header.Set("X-Hub-Signature-256", sig)
	}
	resp, err := f.srv.App().Test(req, -1)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b := make([]byte, 512)
	n, _ := resp.Body.Read(b)
	return resp.StatusCode, string(b[:n])
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := fixtures.Messenger(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// row reads one row as a map of column → value, rendered as strings.
func (f *fixture) row(query string, args ...any) map[string]string {
	f.t.Helper()
	rows, err := f.store.DB().R.Raw(query, args...).Rows()
	if err != nil {
		f.t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	if !rows.Next() {
		f.t.Fatalf("no row for %s %v", query, args)
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		f.t.Fatal(err)
	}
	out := map[string]string{}
	for i, c := range cols {
		switch v := vals[i].(type) {
		case []byte:
			out[c] = string(v)
		case nil:
			out[c] = ""
		case bool:
			if v {
				out[c] = "1"
			} else {
				out[c] = "0"
			}
		default:
			out[c] = strings.TrimSpace(strings.ReplaceAll(strings.ReplaceAll(fmtAny(v), "true", "1"), "false", "0"))
		}
	}
	return out
}

// expect compares selected columns.
func expect(t *testing.T, what string, got map[string]string, want map[string]string) {
	t.Helper()
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s.%s = %q, want %q", what, k, got[k], w)
		}
	}
}

func TestWebhookFixtures(t *testing.T) {
	f := newFixture(t)
	f.connectFixturePage()
	post := func(name string) {
		t.Helper()
		if status, body := f.postWebhook(readFixture(t, name), ""); status != 200 || body != "EVENT_RECEIVED" {
			t.Fatalf("%s: %d %s", name, status, body)
		}
	}
	msg := func(mid string) map[string]string {
		return f.row("SELECT * FROM messages WHERE mid = ?", mid)
	}
	contact := func(psid string) map[string]string {
		return f.row("SELECT * FROM contacts WHERE page_id = ? AND psid = ?", fixturePage, psid)
	}
	event := func(psid, kind string) map[string]string {
		return f.row("SELECT * FROM contact_events WHERE page_id = ? AND psid = ? AND kind = ? ORDER BY at DESC", fixturePage, psid, kind)
	}
	a1 := map[string]string{"tenant_id": f.a.ID, "brand_id": f.a1.ID, "page_id": fixturePage}

	t.Run("message_text_nlpv2", func(t *testing.T) {
		post("message_text_nlpv2.json")
		m := msg("m_fixture_0001")
		expect(t, "message", m, a1)
		expect(t, "message", m, map[string]string{"psid": "7100000000000001", "direction": "in", "sender": "user",
			"text": "Bonjour ! Is the 49.90 EUR offer still valid tomorrow at 10am?", "sent_at": "1764064800100", "standby": "0"})
		for _, ent := range []string{`"amount_of_money"`, `"datetime"`, `"greetings"`} {
			if !strings.Contains(m["entities"], ent) {
				t.Errorf("entities %s lack %s", m["entities"], ent)
			}
		}
		c := contact("7100000000000001")
		expect(t, "contact", c, map[string]string{"first_seen_at": "1764064800100", "last_inbound_at": "1764064800100",
			"inbound_count": "1", "outbound_count": "0"})
		ent := f.row("SELECT * FROM contact_entities WHERE psid = ? AND entity = 'amount_of_money'", "7100000000000001")
		expect(t, "entity", ent, map[string]string{"count": "1", "last_seen_at": "1764064800100"})
	})
	t.Run("message_nlp_legacy", func(t *testing.T) {
		post("message_nlp_legacy.json")
		m := msg("mid.$cAAfixture0002")
		expect(t, "message", m, map[string]string{"psid": "7100000000000002", "sent_at": "1509028799000", "direction": "in"})
		for _, ent := range []string{`"thanks"`, `"phone_number"`, `"email"`, "lea@example.org"} {
			if !strings.Contains(m["entities"], ent) {
				t.Errorf("entities %s lack %s", m["entities"], ent)
			}
		}
	})
	t.Run("message_nlp_wit", func(t *testing.T) {
		post("message_nlp_wit.json")
		m := msg("m_fixture_0003")
		for _, ent := range []string{`"location"`, `"url"`, `"bye"`, "https://example.com/menu"} {
			if !strings.Contains(m["entities"], ent) {
				t.Errorf("entities %s lack %s", m["entities"], ent)
			}
		}
	})
	t.Run("postback_get_started_from_ad", func(t *testing.T) {
		post("postback_get_started_from_ad.json")
		e := event("7100000000000004", "postback")
		expect(t, "postback", e, map[string]string{"payload": "GET_STARTED", "ref_source": "ADS", "ref_ref": "camp=spring26-var=b",
			"ref_ad_id": "23850000000000001", "dedup_key": "pb:m_fixture_0004", "at": "1764068399000"})
		for _, s := range []string{`"title":"Get Started"`, `"camp":"spring26"`, `"var":"b"`, `"ad_title":"Spring menu: 20% off"`} {
			if !strings.Contains(e["data"], s) {
				t.Errorf("postback data %s lacks %s", e["data"], s)
			}
		}
		c := contact("7100000000000004")
		expect(t, "contact", c, map[string]string{"first_ref_source": "ADS", "first_ref_ad_id": "23850000000000001",
			"first_ref_ref": "camp=spring26-var=b", "last_ref_ad_id": "23850000000000001", "last_interaction_at": "1764068399000",
			"last_inbound_at": "0", "inbound_count": "0"})
	})
	t.Run("referral_shortlink", func(t *testing.T) {
		post("referral_shortlink.json")
		e := event("7100000000000001", "referral")
		expect(t, "referral", e, map[string]string{"ref_source": "SHORTLINK", "ref_ref": "poster-paris-11", "ref_ad_id": ""})
		expect(t, "contact", contact("7100000000000001"), map[string]string{"first_ref_ref": "poster-paris-11",
			"last_ref_source": "SHORTLINK", "last_interaction_at": "1764071999000"})
	})
	t.Run("referral_ad_existing_thread", func(t *testing.T) {
		post("referral_ad_existing_thread.json")
		e := event("7100000000000002", "referral")
		expect(t, "referral", e, map[string]string{"ref_source": "ADS", "ref_ad_id": "23850000000000002"})
		if !strings.Contains(e["data"], `"product_id":"sku-442"`) {
			t.Errorf("ads_context_data lost: %s", e["data"])
		}
		c := contact("7100000000000002")
		expect(t, "contact", c, map[string]string{"first_ref_ad_id": "23850000000000002", "last_ref_ad_id": "23850000000000002"})
	})
	t.Run("echo_page_inbox", func(t *testing.T) {
		post("echo_page_inbox.json")
		m := msg("m_fixture_0005")
		expect(t, "echo", m, map[string]string{"psid": "7100000000000001", "direction": "out", "sender": "human",
			"app_id": "263902037430900", "sent_at": "1764079199000"})
		expect(t, "contact", contact("7100000000000001"), map[string]string{"last_human_at": "1764079199000",
			"last_outbound_at": "1764079199000", "outbound_count": "1"})
	})
	t.Run("echo_our_app", func(t *testing.T) {
		post("echo_our_app.json")
		m := msg("m_fixture_0006")
		expect(t, "echo", m, map[string]string{"psid": "7100000000000004", "direction": "out", "sender": "bot",
			"app_id": "555000000000001", "metadata": "relance:send:cmp_demo:run_1", "text": "Welcome! Here is the spring menu."})
		expect(t, "contact", contact("7100000000000004"), map[string]string{"last_bot_at": "1764079299000", "last_human_at": "0"})
	})
	t.Run("standby_message", func(t *testing.T) {
		post("standby_message.json")
		expect(t, "message", msg("m_fixture_0007"), map[string]string{"standby": "1", "psid": "7100000000000003", "direction": "in"})
	})
	t.Run("handover_pass_thread_control", func(t *testing.T) {
		post("handover_pass_thread_control.json")
		e := event("7100000000000003", "pass_thread_control")
		if !strings.Contains(e["data"], `"new_owner_app_id":"555000000000001"`) || !strings.Contains(e["data"], `"metadata":"resolved by agent"`) {
			t.Errorf("handover data %s", e["data"])
		}
		expect(t, "contact", contact("7100000000000003"), map[string]string{"owner_app_id": "555000000000001", "owner_at": "1764086399000"})
	})
	t.Run("optin_marketing_messages", func(t *testing.T) {
		post("optin_marketing_messages.json")
		e := event("7100000000000004", "optin")
		if strings.Contains(e["data"], "nmt_fixture_0004") {
			t.Error("the opt-in token is stored in clear in the event")
		}
		c := contact("7100000000000004")
		expect(t, "contact", c, map[string]string{"subscribed": "1", "optin_timezone": "Europe/Paris", "optin_expires_at": "1795625999000"})
		if c["optin_token_enc"] == "" || strings.Contains(c["optin_token_enc"], "nmt_fixture_0004") {
			t.Errorf("opt-in token not sealed: %q", c["optin_token_enc"])
		}
	})
	t.Run("batch_reads_deliveries", func(t *testing.T) {
		post("batch_reads_deliveries.json")
		expect(t, "read", event("7100000000000001", "read"), map[string]string{"dedup_key": "read:7100000000000001:1764079199000"})
		expect(t, "delivery", event("7100000000000001", "delivery"), map[string]string{"dedup_key": "delivery:7100000000000001:1764079199000"})
		expect(t, "message", msg("m_fixture_0009"), map[string]string{"quick_reply": "ASK_DELIVERY", "psid": "7100000000000002"})
		expect(t, "message", msg("m_fixture_0008"), map[string]string{"text": "Merci, à dimanche !"})
		expect(t, "contact", contact("7100000000000001"), map[string]string{"read_watermark": "1764079199000",
			"delivery_watermark": "1764079199000", "inbound_count": "2"})
	})
	t.Run("every fixture again is a duplicate", func(t *testing.T) {
		var before int64
		f.store.DB().R.Raw("SELECT (SELECT COUNT(*) FROM messages) + (SELECT COUNT(*) FROM contact_events)").Scan(&before)
		for _, name := range fixtures.MessengerNames() {
			post(name)
		}
		var after int64
		f.store.DB().R.Raw("SELECT (SELECT COUNT(*) FROM messages) + (SELECT COUNT(*) FROM contact_events)").Scan(&after)
		if before != after {
			t.Errorf("rows %d → %d after posting every fixture again", before, after)
		}
		expect(t, "contact", contact("7100000000000001"), map[string]string{"inbound_count": "2", "outbound_count": "1"})
	})
}

func TestWebhookRefusesBadDeliveries(t *testing.T) {
	f := newFixture(t)
	f.connectFixturePage()
	body := readFixture(t, "message_text_nlpv2.json")
	count := func() int64 {
		var n int64
		f.store.DB().R.Raw("SELECT (SELECT COUNT(*) FROM messages) + (SELECT COUNT(*) FROM contact_events) + (SELECT COUNT(*) FROM unrouted_entries)").Scan(&n)
		return n
	}
	before := count()
	for _, c := range []struct {
		name   string
		body   []byte
		sig    string
		status int
	}{
		{"no signature", body, "none", 403},
		{"wrong signature", body, conversations.Sign(body, "another-secret"), 403},
		{"signature of another body", body, conversations.Sign([]byte("{}"), fixtureSecret), 403},
		{"not hex", body, "sha256=zz", 403},
		{"malformed JSON", []byte(`{"object":"page","entry":[`), "", 400},
		{"not an envelope", []byte(`[1,2,3]`), "", 400},
	} {
		if status, resp := f.postWebhook(c.body, c.sig); status != c.status {
			t.Errorf("%s: %d %s, want %d", c.name, status, resp, c.status)
		}
	}
	// Over the body limit: fasthttp refuses it before the handler, which app.Test cannot show: use a socket.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = f.srv.Serve(ln) }()
	defer f.srv.Shutdown(context.Background())
	// The headers announce a body over the limit; the server answers before reading it, so the client
	// sends none (a client still writing would see the connection reset instead of the answer).
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /webhooks/messenger HTTP/1.1\r\nHost: relance\r\nContent-Type: application/json\r\n"+
		"X-Hub-Signature-256: sha256=00\r\nContent-Length: %d\r\n\r\n", 2<<20)
	status, _ := bufio.NewReader(conn).ReadString('\n')
	if !strings.Contains(status, " 413 ") {
		t.Errorf("over the limit: %q, want 413", status)
	}
	if n := count(); n != before {
		t.Errorf("%d rows stored from refused deliveries", n-before)
	}
	// Unknown event objects and odd shapes are kept, never a 5xx.
	odd := []byte(`{"object":"page","entry":[{"id":104000000000001,"time":"1764064800000","messaging":[
		{"sender":{"id":7100000000000009},"recipient":{"id":"104000000000001"},"timestamp":"1764064800000","reaction":{"mid":"m_x","action":"react","emoji":"👍"}},
		{"sender":{"id":"7100000000000009"},"recipient":{"id":"104000000000001"},"timestamp":1764064800001,"message":{"mid":"m_str_ts","text":"ids as numbers"}},
		{"sender":"garbage"}]}]}`)
	if status, resp := f.postWebhook(odd, ""); status != 200 {
		t.Fatalf("odd delivery: %d %s", status, resp)
	}
	var kinds []string
	f.store.DB().R.Raw("SELECT kind FROM contact_events ORDER BY kind").Scan(&kinds)
	if len(kinds) != 2 || kinds[0] != "unknown" || kinds[1] != "unknown" {
		t.Errorf("kept events %v, want two unknown", kinds)
	}
	m := f.row("SELECT * FROM messages WHERE mid = 'm_str_ts'")
	expect(t, "message", m, map[string]string{"psid": "7100000000000009", "sent_at": "1764064800001"})
}

func TestWebhookHandshake(t *testing.T) {
	f := newFixture(t)
	status, body := f.do(caller{}, "GET", "/webhooks/messenger?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=1158201444", "")
	if status != 200 || body != "1158201444" {
		t.Errorf("handshake: %d %q", status, body)
	}
	if status, _ := f.do(caller{}, "GET", "/webhooks/messenger?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1", ""); status != 403 {
		t.Errorf("wrong token: %d", status)
	}
}

func fmtAny(v any) string { return fmt.Sprint(v) }

// postTo posts a body signed with secret to a webhook path.
func (f *fixture) postTo(path string, body []byte, secret string) int {
	f.t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(string(body)))
	req.Header.Set("X-Hub-Signature-256", conversations.Sign(body, secret))
	resp, err := f.srv.App().Test(req, -1)
	if err != nil {
		f.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestAgencyAppWebhooks(t *testing.T) {
	f := newFixture(t)
	f.connectFixturePage() // the fixtures' Page belongs to agency A
	ctx := context.Background()
	const appA, appB = "555000000000077", "555000000000088"
	if _, err := f.store.Tenant(f.a.ID).RegisterMetaApp(ctx, tenancy.MetaAppInput{AppID: appA, Name: "A's app",
		AppSecret: "secret-of-agency-a-app", VerifyToken: "verify-a-123"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.Tenant(f.b.ID).RegisterMetaApp(ctx, tenancy.MetaAppInput{AppID: appB, Name: "B's app",
		AppSecret: "secret-of-agency-b-app", VerifyToken: "verify-b-123"}); err != nil {
		t.Fatal(err)
	}
	if status, body := f.do(caller{}, "GET", "/webhooks/messenger/"+appA+"?hub.mode=subscribe&hub.verify_token=verify-a-123&hub.challenge=42", ""); status != 200 || body != "42" {
		t.Errorf("handshake: %d %q", status, body)
	}
	if status, _ := f.do(caller{}, "GET", "/webhooks/messenger/"+appA+"?hub.mode=subscribe&hub.verify_token=verify-b-123&hub.challenge=42", ""); status != 403 {
		t.Errorf("handshake with B's token on A's app: %d", status)
	}
	body := readFixture(t, "message_text_nlpv2.json")
	if status := f.postTo("/webhooks/messenger/"+appA, body, "secret-of-agency-b-app"); status != 403 {
		t.Errorf("A's endpoint with B's secret: %d", status)
	}
	if status := f.postTo("/webhooks/messenger/555000000000999", body, "secret-of-agency-a-app"); status != 403 {
		t.Errorf("unknown app: %d", status)
	}
	// B's app delivers for A's Page: answered (Meta must not retry) but nothing written into A.
	if status := f.postTo("/webhooks/messenger/"+appB, body, "secret-of-agency-b-app"); status != 200 {
		t.Errorf("B's app: %d", status)
	}
	var n int64
	f.store.DB().R.Raw("SELECT COUNT(*) FROM messages WHERE mid = 'm_fixture_0001'").Scan(&n)
	if n != 0 {
		t.Fatal("agency B's app wrote into agency A's conversations")
	}
	if status := f.postTo("/webhooks/messenger/"+appA, body, "secret-of-agency-a-app"); status != 200 {
		t.Errorf("A's app: %d", status)
	}
	f.store.DB().R.Raw("SELECT COUNT(*) FROM messages WHERE mid = 'm_fixture_0001' AND tenant_id = ?", f.a.ID).Scan(&n)
	if n != 1 {
		t.Fatalf("A's app delivery stored %d times", n)
	}
}
