package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"relance/reports"
)

// seedReport writes rollup rows for brands A1 (its campaign) and A2, and a day of A1's spend in EUR.
func (f *fixture) seedReport(t *testing.T) {
	t.Helper()
	db := f.deps.DB
	for _, r := range []struct {
		brand, campaign string
		n               int64
	}{{f.a1.ID, f.campaign.ID, 3}, {f.a2.ID, "", 5}} {
		if err := db.W.Exec(`INSERT INTO report_days (tenant_id, brand_id, day, campaign_id, variant, ad_id, link, conversations, new_conversations, replies)
			VALUES (?, ?, '2026-11-02', ?, '', '', '', ?, 1, 0)`, f.a.ID, r.brand, r.campaign, r.n).Error; err != nil {
			t.Fatal(err)
		}
	}
	if err := db.W.Exec(`INSERT INTO spend_days (tenant_id, brand_id, ad_account_id, ad_id, day, month, currency, spend, impressions, reach, clicks,
		conversations, replies, pulled_at) VALUES (?, ?, ?, 'ad-1', '2026-11-02', '2026-11', 'EUR', 12000, 100, 0, 3, 0, 0, 1)`,
		f.a.ID, f.a1.ID, f.acct.AccountID).Error; err != nil {
		t.Fatal(err)
	}
}

const reportRange = "from=2026-11-01&to=2026-11-30"

// TestReportAPI: strict parameters (422 naming each), figures per brand, and a brand role that sees its
// brand only: another brand of the agency answers exactly as a brand that does not exist.
func TestReportAPI(t *testing.T) {
	f := newFixture(t)
	f.seedReport(t)
	analyst := caller{token: f.tokens[analyst]}
	for q, field := range map[string]string{
		"to=2026-11-30":                         "from",
		reportRange + "&group=week":             "group",
		reportRange + "&window=abc":             "window",
		reportRange + "&window=3":               "window",
		reportRange + "&model=data_driven":      "model",
		reportRange + "&currency=eur":           "currency",
		reportRange + "&brnd=x":                 "brnd",
		reportRange + "&campaign=nope":          "campaign",
		"from=2026-11-30&to=2026-11-01":         "to",
		reportRange + "&brand=" + f.b1.ID:       "brand", // another agency's
		reportRange + "&sep=%3B&group=campaign": "sep",   // an export option on the report
	} {
		status, body := f.do(analyst, http.MethodGet, "/api/v1/reports?"+q, "")
		if status != http.StatusUnprocessableEntity || !strings.Contains(body, `"`+field+`"`) {
			t.Errorf("%s: %d %s, want 422 naming %s", q, status, body, field)
		}
		checkNoLeak(t, q, body)
	}
	status, body := f.do(analyst, http.MethodGet, "/api/v1/reports?"+reportRange+"&group=brand", "")
	if status != http.StatusOK || !strings.Contains(body, `"key":"`+f.a1.ID+`"`) || !strings.Contains(body, `"key":"`+f.a2.ID+`"`) ||
		!strings.Contains(body, `"totals":{"key":"","name":"Total","spend":{"amount":"120.00","currency":"EUR"}`) ||
		!strings.Contains(body, `"conversations":8`) {
		t.Errorf("analyst, by brand: %d %s", status, body)
	}
	viewer := caller{token: f.tokens[bViewer]}
	status, body = f.do(viewer, http.MethodGet, "/api/v1/reports?"+reportRange+"&group=brand", "")
	if status != http.StatusOK || !strings.Contains(body, f.a1.ID) || strings.Contains(body, f.a2.ID) || !strings.Contains(body, `"conversations":3,`) {
		t.Errorf("brand viewer, by brand: %d %s", status, body)
	}
	_, other := f.do(viewer, http.MethodGet, "/api/v1/reports?"+reportRange+"&brand="+f.a2.ID, "")
	_, none := f.do(viewer, http.MethodGet, "/api/v1/reports?"+reportRange+"&brand=no-such-brand", "")
	if strings.ReplaceAll(other, f.a2.ID, "X") != strings.ReplaceAll(none, "no-such-brand", "X") || !strings.Contains(other, `"brand"`) {
		t.Errorf("another brand: %s\na brand that does not exist: %s", other, none)
	}
	// Finance sees every figure, and a report carries no message text.
	status, body = f.do(caller{token: f.tokens[finance]}, http.MethodGet, "/api/v1/reports?"+reportRange+"&group=campaign&brand="+f.a1.ID, "")
	if status != http.StatusOK || !strings.Contains(body, `"name":"`+f.campaign.Name+`"`) || !strings.Contains(body, `"amount":"120.00"`) ||
		strings.Contains(body, "A1 secret campaign text") {
		t.Errorf("finance, by campaign: %d %s", status, body)
	}
}

// TestReportExportsAndScreen: the exports stream the report with Excel's options; the screen shows the form,
// the table and the download links.
func TestReportExportsAndScreen(t *testing.T) {
	f := newFixture(t)
	f.seedReport(t)
	fin := caller{token: f.tokens[finance]}
	req := httptest.NewRequest(http.MethodGet, "/api/v1/reports/export.csv?"+reportRange+"&group=brand&bom=1&sep=%3B&decimal=comma", nil)
	req.Header.Set("Authorization", "Bearer "+f.tokens[finance])
	resp, err := f.srv.App().Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), "report-brand-2026-11-01-2026-11-30.csv") {
		t.Errorf("CSV export: %d %v", resp.StatusCode, resp.Header)
	}
	_, body := f.do(fin, http.MethodGet, "/api/v1/reports/export.csv?"+reportRange+"&group=brand&bom=1&sep=%3B&decimal=comma", "")
	if !strings.HasPrefix(body, "\uFEFFtype;key;name;currency;spend;") || !strings.Contains(body, "row;"+f.a1.ID+";"+f.a1.Name+";EUR;120,00;") ||
		!strings.Contains(body, "total;;Total;EUR;120,00;") {
		t.Errorf("CSV: %s", body)
	}
	_, body = f.do(fin, http.MethodGet, "/api/v1/reports/export.xlsx?"+reportRange, "")
	if !strings.HasPrefix(body, "PK") {
		t.Errorf("XLSX: %q", trim(body))
	}
	if status, body := f.do(fin, http.MethodGet, "/api/v1/reports/export.csv?"+reportRange+"&sep=x", ""); status != http.StatusUnprocessableEntity || !strings.Contains(body, `"sep"`) {
		t.Errorf("bad sep: %d %s", status, body)
	}
	u := f.users[bViewer]
	status, body := f.do(caller{user: &u}, http.MethodGet, "/reports", "")
	if status != http.StatusOK || !strings.Contains(body, `id="report-form"`) || strings.Contains(body, `id="report"`) || strings.Contains(body, f.a2.Name) {
		t.Errorf("screen, empty: %d %s", status, trim(body))
	}
	status, body = f.do(caller{user: &u}, http.MethodGet, "/reports?"+reportRange+"&group=campaign", "")
	if status != http.StatusOK || !strings.Contains(body, `id="report"`) || !strings.Contains(body, `id="report-totals"`) ||
		!strings.Contains(body, "/api/v1/reports/export.xlsx?") || !strings.Contains(body, f.campaign.Name) {
		t.Errorf("screen: %d %s", status, trim(body))
	}
	status, body = f.do(caller{user: &u}, http.MethodGet, "/reports?"+reportRange+"&brand="+f.a2.ID, "")
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, `id="error-brand"`) {
		t.Errorf("screen, another brand: %d %s", status, trim(body))
	}
}

// TestScheduledReportExport: POST /api/v1/exports takes a report's parameters (kind report); a run keeps the
// same file as the direct export, and bad report parameters are named under params.
func TestScheduledReportExport(t *testing.T) {
	f := newFixture(t)
	f.seedReport(t)
	fin := caller{token: f.tokens[finance]}
	for in, field := range map[string]string{
		`{"cron":"0 7 1 * *","format":"csv","params":{"kind":"report","from":"2026-11-01","to":"2026-11-30","group":"week"}}`:       "params.group",
		`{"cron":"0 7 1 * *","format":"csv","params":{"kind":"report","from":"2026-11-01","to":"2026-11-30","window":3}}`:           "params.window",
		`{"cron":"0 7 1 * *","format":"csv","params":{"kind":"pie","from":"2026-11-01","to":"2026-11-30"}}`:                         "params.kind",
		`{"cron":"0 7 1 * *","format":"csv","params":{"from":"2026-11-01","to":"2026-11-30","group":"brand"}}`:                      "params.kind",
		`{"cron":"0 7 1 * *","format":"csv","params":{"kind":"report","from":"2026-11-01","to":"2026-11-30","campaign":"nope"}}`:    "params.campaign",
		`{"cron":"0 7 1 * *","format":"csv","params":{"kind":"report","from":"2026-11-01","to":"2026-11-30","ad_account":"act_1"}}`: "params.ad_account",
	} {
		if status, body := f.do(fin, http.MethodPost, "/api/v1/exports", in); status != http.StatusUnprocessableEntity || !strings.Contains(body, field) {
			t.Errorf("%s: %d %s, want 422 naming %s", in, status, body, field)
		}
	}
	status, body := f.do(fin, http.MethodPost, "/api/v1/exports",
		`{"cron":"0 7 1 * *","format":"csv","params":{"kind":"report","from":"2026-11-01","to":"2026-11-30","group":"brand","sep":";","bom":true}}`)
	if status != http.StatusCreated || !strings.Contains(body, `"name":"Report csv"`) {
		t.Fatalf("create: %d %s", status, body)
	}
	id := body[strings.Index(body, `"id":"`)+6:]
	id = id[:strings.IndexByte(id, '"')]
	fl, err := reports.NewExports(f.deps.DB, f.a.ID, nil).Run(context.Background(), id, "EUR")
	if err != nil || fl.Name != "report-2026-11-01-2026-11-30.csv" || fl.Rows != 3 {
		t.Fatalf("run: %+v %v", fl, err)
	}
	_, file := f.do(fin, http.MethodGet, "/api/v1/exports/"+id+"/files/"+fl.ID, "")
	_, direct := f.do(fin, http.MethodGet, "/api/v1/reports/export.csv?"+reportRange+"&group=brand&sep=%3B&bom=1", "")
	if file != direct || !strings.Contains(file, "total;;Total;EUR;120.00;") {
		t.Errorf("kept file:\n%s\ndirect:\n%s", file, direct)
	}
}
