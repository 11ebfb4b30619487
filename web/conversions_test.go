package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"relance/campaigns"
	"relance/conversations"
)

// TestConversionsAPI reports a conversion of the fixture's contact, again with the same external id (200, the
// stored one), refuses bad fields by name, imports a CSV, and keeps conversions from other agencies and from
// roles without the permission.
func TestConversionsAPI(t *testing.T) {
	f := newFixture(t)
	mgr := caller{token: f.tokens[manager]}
	base := "/api/v1/brands/" + f.a1.ID + "/conversions"
	at := time.Now().UTC().Add(-time.Hour).Format(time.RFC3339)
	body := `{"external_id":"order-77","contact_id":"` + f.contact + `","type":"purchase","value":{"amount":"49.90","currency":"EUR"},"occurred_at":"` + at + `"}`
	status, out := f.do(mgr, http.MethodPost, base, body)
	if status != http.StatusCreated || !strings.Contains(out, `"amount":"49.90"`) || !strings.Contains(out, `"status":"off"`) {
		t.Fatalf("create: %d %s", status, out)
	}
	if status, out := f.do(mgr, http.MethodPost, base, strings.Replace(body, "49.90", "99.00", 1)); status != http.StatusOK || !strings.Contains(out, `"amount":"49.90"`) {
		t.Errorf("the same external id: %d %s", status, out)
	}
	for name, c := range map[string]struct{ body, field string }{
		"comma":    {strings.Replace(body, `"49.90"`, `"49,90"`, 1), "value.amount"},
		"negative": {strings.Replace(body, `"49.90"`, `"-1"`, 1), "value.amount"},
		"currency": {strings.Replace(body, `"EUR"`, `"XYZ"`, 1), "value.currency"},
		"contact":  {strings.Replace(strings.Replace(body, f.contact, "no-such-contact", 1), "order-77", "order-78", 1), "contact_id"},
		"future":   {strings.Replace(strings.Replace(body, at, "2999-01-01T00:00:00Z", 1), "order-77", "order-79", 1), "occurred_at"},
		"null":     {strings.Replace(body, `{"amount":"49.90","currency":"EUR"}`, "null", 1), "value"},
	} {
		if status, out := f.do(mgr, http.MethodPost, base, c.body); status != http.StatusUnprocessableEntity || !strings.Contains(out, `"`+c.field+`"`) {
			t.Errorf("%s: %d %s", name, status, out)
		}
	}
	if _, out := f.do(caller{token: f.tokens[finance]}, http.MethodGet, base, ""); strings.Count(out, `"external_id"`) != 1 {
		t.Errorf("list: %s", out)
	}
	if status, _ := f.do(caller{token: f.tokens[bViewer]}, http.MethodGet, base, ""); status != http.StatusForbidden {
		t.Errorf("a brand viewer listed conversions: %d", status)
	}
	if status, _ := f.do(caller{token: f.tokens["b_admin"]}, http.MethodGet, base, ""); status != http.StatusForbidden && status != http.StatusNotFound {
		t.Errorf("another agency listed conversions: %d", status)
	}
}

// TestConversionAttribution shows a conversion's touches and credit under the model and window asked for,
// and refuses unknown models and windows by name.
func TestConversionAttribution(t *testing.T) {
	f := newFixture(t)
	mgr := caller{token: f.tokens[manager]}
	base := "/api/v1/brands/" + f.a1.ID + "/conversions"
	now := time.Now().UTC()
	// The contact comes back through the campaign's m.me link two hours ago (its ref is its id: it has none).
	body := fmt.Sprintf(`{"object":"page","entry":[{"id":"%s","time":1,"messaging":[{"sender":{"id":"7199000000000001"},"recipient":{"id":"%s"},`+
		`"timestamp":%d,"referral":{"source":"SHORTLINK","type":"OPEN_THREAD","ref":"%s"}}]}]}`, f.page.PageID, f.page.PageID,
		now.Add(-2*time.Hour).UnixMilli(), campaigns.BaseRef(f.campaign))
	entries, err := conversations.Parse([]byte(body), conversations.ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.ingest.Submit(context.Background(), entries); err != nil {
		t.Fatal(err)
	}
	conv := `{"external_id":"order-9","contact_id":"` + f.contact + `","type":"purchase","value":{"amount":"10.01","currency":"EUR"},"occurred_at":"` +
		now.Add(-time.Hour).Format(time.RFC3339) + `"}`
	status, out := f.do(mgr, http.MethodPost, base, conv)
	if status != http.StatusCreated {
		t.Fatalf("create: %d %s", status, out)
	}
	var created struct{ ID string }
	_ = json.Unmarshal([]byte(out), &created)
	status, out = f.do(caller{token: f.tokens[finance]}, http.MethodGet, base+"/"+created.ID, "")
	if status != http.StatusOK || !strings.Contains(out, `"model":"last_touch","window_days":7`) ||
		!strings.Contains(out, `"campaign_id":"`+f.campaign.ID+`"`) || !strings.Contains(out, `"type":"ref_link"`) ||
		!strings.Contains(out, `"value":{"amount":"10.01","currency":"EUR"}`) || !strings.Contains(out, `"unattributed":{"amount":"0.00"`) {
		t.Errorf("default credit: %d %s", status, out)
	}
	if _, out := f.do(mgr, http.MethodGet, base+"/"+created.ID+"?model=linear&window=1", ""); !strings.Contains(out, `"model":"linear","window_days":1`) ||
		!strings.Contains(out, `"amount":"10.01"`) {
		t.Errorf("linear, 1 day: %s", out)
	}
	for q, field := range map[string]string{"?model=last": "model", "?window=3": "window", "?model=linear&window=x": "window"} {
		if status, out := f.do(mgr, http.MethodGet, base+"/"+created.ID+q, ""); status != http.StatusUnprocessableEntity || !strings.Contains(out, `"`+field+`"`) {
			t.Errorf("%s: %d %s", q, status, out)
		}
	}
}

// TestAttributionSettings reads the conversation gap and reply window defaults and refuses values out of range.
func TestAttributionSettings(t *testing.T) {
	f := newFixture(t)
	adm := caller{token: f.tokens[admin]}
	path := "/api/v1/brands/" + f.a1.ID
	if status, body := f.do(adm, "GET", path, ""); status != 200 || !strings.Contains(body, `"conversation_gap_hours":24`) ||
		!strings.Contains(body, `"reply_window_hours":72`) {
		t.Fatalf("defaults: %d %s", status, body)
	}
	status, body := f.do(adm, "PATCH", path, `{"settings":{"conversation_gap_hours":0,"reply_window_hours":721}}`)
	if status != 422 || !strings.Contains(body, `"settings.conversation_gap_hours"`) || !strings.Contains(body, `"settings.reply_window_hours"`) {
		t.Errorf("out of range: %d %s", status, body)
	}
	if status, body := f.do(adm, "PATCH", path, `{"settings":{"conversation_gap_hours":12,"reply_window_hours":48}}`); status != 200 ||
		!strings.Contains(body, `"conversation_gap_hours":12`) || !strings.Contains(body, `"reply_window_hours":48`) {
		t.Errorf("patch: %d %s", status, body)
	}
}

// TestConversionsImportRefusesBadLines imports CSV through the API: each bad amount (a comma, a negative
// value), an unknown currency, an unknown contact and a future date refuses the whole file with a 422 naming
// the line and the field; a good file stores its conversions once, whether an external id repeats within the
// file or arrives again in a second import.
func TestConversionsImportRefusesBadLines(t *testing.T) {
	f := newFixture(t)
	mgr := caller{token: f.tokens[manager]}
	base := "/api/v1/brands/" + f.a1.ID + "/conversions"
	at := time.Now().UTC().Add(-time.Hour).Format(time.RFC3339)
	line := func(ext, psid, amount, cur, when string) string {
		return strings.Join([]string{ext, f.page.PageID, psid, "purchase", amount, cur, when}, ",") + "\n"
	}
	head := "external_id,page_id,psid,type,amount,currency,occurred_at\n"
	good := line("csv-1", "7199000000000001", "49.90", "EUR", at)
	for name, c := range map[string]struct{ bad, field string }{
		"comma":    {line("csv-2", "7199000000000001", `"49,90"`, "EUR", at), "line 3: value.amount"},
		"negative": {line("csv-2", "7199000000000001", "-1.00", "EUR", at), "line 3: value.amount"},
		"currency": {line("csv-2", "7199000000000001", "1.00", "XYZ", at), "line 3: value.currency"},
		"contact":  {line("csv-2", "7199000000000999", "1.00", "EUR", at), "line 3: psid"},
		"future":   {line("csv-2", "7199000000000001", "1.00", "EUR", "2999-01-01T00:00:00Z"), "line 3: occurred_at"},
	} {
		status, out := f.do(mgr, http.MethodPost, base+"/import", head+good+c.bad)
		if status != http.StatusUnprocessableEntity || !strings.Contains(out, `"`+c.field+`"`) {
			t.Errorf("%s: %d %s", name, status, out)
		}
	}
	if _, out := f.do(mgr, http.MethodGet, base, ""); strings.Contains(out, `"csv-1"`) {
		t.Fatalf("a refused file stored its good line: %s", out)
	}
	status, out := f.do(mgr, http.MethodPost, base+"/import", head+good+good+line("csv-3", "7199000000000001", "0.10", "EUR", at))
	if status != http.StatusOK || !strings.Contains(out, `"created":2`) || !strings.Contains(out, `"duplicates":1`) {
		t.Fatalf("import: %d %s", status, out)
	}
	status, out = f.do(mgr, http.MethodPost, base+"/import", head+good)
	if status != http.StatusOK || !strings.Contains(out, `"created":0`) || !strings.Contains(out, `"duplicates":1`) {
		t.Errorf("the same external id again: %d %s", status, out)
	}
	// The API counts an external id the CSV stored once as well.
	body := `{"external_id":"csv-1","contact_id":"` + f.contact + `","type":"purchase","value":{"amount":"99.00","currency":"EUR"},"occurred_at":"` + at + `"}`
	if status, out := f.do(mgr, http.MethodPost, base, body); status != http.StatusOK || !strings.Contains(out, `"amount":"49.90"`) {
		t.Errorf("the API after the import: %d %s", status, out)
	}
	if _, out := f.do(mgr, http.MethodGet, base, ""); strings.Count(out, `"external_id"`) != 2 {
		t.Errorf("list: %s", out)
	}
}
