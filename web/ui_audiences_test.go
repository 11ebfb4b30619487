package web_test

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"relance/audiences"
	"relance/tenancy"
	"relance/web"
)

// uiResponse is what a UI request answered.
type uiResponse struct {
	status   int
	location string
	body     string
}

// uiPost sends a form as u through a fresh session, with its CSRF token.
func (f *fixture) uiPost(u tenancy.User, path string, form url.Values) uiResponse {
	f.t.Helper()
	secret, csrf := f.session(u)
	form.Set("_csrf", csrf)
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return f.uiSend(req, secret)
}

// uiUpload posts a file as the multipart field "file".
func (f *fixture) uiUpload(u tenancy.User, path, name, content string) uiResponse {
	f.t.Helper()
	secret, csrf := f.session(u)
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField("_csrf", csrf)
	fw, _ := w.CreateFormFile("file", name)
	_, _ = io.WriteString(fw, content)
	_ = w.Close()
	req := httptest.NewRequest(http.MethodPost, path, &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return f.uiSend(req, secret)
}

func (f *fixture) uiSend(req *http.Request, secret string) uiResponse {
	f.t.Helper()
	req.AddCookie(&http.Cookie{Name: "relance_session", Value: secret})
	resp, err := f.srv.App().Test(req, -1)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return uiResponse{status: resp.StatusCode, location: resp.Header.Get("Location"), body: string(b)}
}

func TestAudienceScreens(t *testing.T) {
	f := newFixture(t)
	mgr, analystUser := f.users[manager], f.users[analyst]
	base := "/brands/" + f.a1.ID + "/audiences"

	// The list: the fixture's audience with its size; only writers are offered a new one.
	status, body := f.do(caller{user: &mgr}, "GET", base, "")
	if status != 200 || !strings.Contains(body, f.audience.Name) || !strings.Contains(body, `id="new-audience"`) {
		t.Fatalf("list as manager: %d %s", status, trim(body))
	}
	if _, body := f.do(caller{user: &analystUser}, "GET", base, ""); strings.Contains(body, `id="new-audience"`) {
		t.Error("an analyst is offered to create an audience")
	}

	// The builder carries the Pages and the other audiences for its selects.
	status, body = f.do(caller{user: &mgr}, "GET", base+"/new", "")
	if status != 200 || !strings.Contains(body, f.page.PageID) || !strings.Contains(body, f.audience.ID) || !strings.Contains(body, `id="rule-json"`) {
		t.Fatalf("new audience page: %d %s", status, trim(body))
	}

	// A bad rule comes back with its errors by path for the builder, and the form's own errors beside their inputs.
	bad := url.Values{"name": {""}, "kind": {"rule"}, "refresh_cron": {"not a cron"},
		"rule": {`{"all":[{"field":"inbound_count","op":"nope","value":1}]}`}}
	r := f.uiPost(mgr, base, bad)
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "rule.all[0].op") ||
		!strings.Contains(r.body, `aria-invalid="true"`) || !strings.Contains(r.body, "nope") {
		t.Fatalf("bad form: %d %s", r.status, trim(r.body))
	}

	// A good one is saved and lands on its page, whose summary reads the rule.
	good := url.Values{"name": {"Recent from ads"}, "kind": {"rule"}, "refresh_cron": {"0 6 * * *"},
		"ad_account_id": {f.acct.AccountID},
		"rule":          {`{"all":[{"field":"last_inbound_at","op":"within_days","value":30},{"not":{"field":"source","op":"in","value":["ADS"]}}]}`}}
	r = f.uiPost(mgr, base, good)
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, base+"/") {
		t.Fatalf("create: %d %q %s", r.status, r.location, trim(r.body))
	}
	page := r.location
	status, body = f.do(caller{user: &analystUser}, "GET", page, "")
	if status != 200 || !strings.Contains(body, "last inbound within 30 days AND NOT (source in ADS)") || strings.Contains(body, `id="build-now"`) {
		t.Fatalf("audience page as analyst: %d %s", status, trim(body))
	}

	// Build now: a flash and snapshot #1.
	r = f.uiPost(mgr, page+"/build", url.Values{})
	if r.status != http.StatusSeeOther || r.location != page {
		t.Fatalf("build: %d %q", r.status, r.location)
	}
	if _, body = f.do(caller{user: &mgr}, "GET", page, ""); !strings.Contains(body, `data-seq="1"`) {
		t.Fatalf("no snapshot #1 after Build now: %s", trim(body))
	}

	// Edit keeps the kind and bumps the rule version.
	good.Set("rule", `{"field":"inbound_count","op":"gte","value":1}`)
	good.Set("name", "Active")
	if r = f.uiPost(mgr, page+"/edit", good); r.status != http.StatusSeeOther {
		t.Fatalf("edit: %d %s", r.status, trim(r.body))
	}
	id := strings.TrimPrefix(page, base+"/")
	st := audiences.NewStore(f.store.DB(), f.a.ID, f.a1, audiences.Options{Keep: 5})
	if a, err := st.Get(context.Background(), id); err != nil || a.Name != "Active" || a.RuleVersion != 2 {
		t.Fatalf("after edit: %+v %v", a, err)
	}

	// A manual audience takes a CSV; a line that is not a contact is listed.
	r = f.uiPost(mgr, base, url.Values{"name": {"VIP list"}, "kind": {"manual"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("create manual: %d %s", r.status, trim(r.body))
	}
	r = f.uiUpload(mgr, r.location+"/import", "vip.csv", "psid\n7199000000000001\n7199000000000999\n")
	if r.status != 200 || !strings.Contains(r.body, `id="import-result"`) || !strings.Contains(r.body, "7199000000000999") {
		t.Fatalf("import: %d %s", r.status, trim(r.body))
	}

	// The builder previews through the API with the session and its CSRF header; the page exports the same way.
	secret, csrf := f.session(mgr)
	preview := func(token string) int {
		req := httptest.NewRequest(http.MethodPost, "/api/v1/brands/"+f.a1.ID+"/audiences/preview",
			strings.NewReader(`{"rule":{"field":"inbound_count","op":"gte","value":1}}`))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("X-CSRF-Token", token)
		}
		return f.uiSend(req, secret).status
	}
	if got, bare := preview(csrf), preview(""); got != 200 || bare != http.StatusForbidden {
		t.Errorf("preview with the session: %d with the CSRF header, %d without; want 200 and 403", got, bare)
	}
	exp := f.uiSend(httptest.NewRequest(http.MethodGet, "/api/v1/brands/"+f.a1.ID+"/audiences/"+f.audience.ID+"/export", nil), secret)
	if exp.status != 200 || !strings.HasPrefix(exp.body, "page_id,psid,") {
		t.Errorf("export with the session: %d %s", exp.status, trim(exp.body))
	}

	// The brand page links to the audiences for those who read them.
	fin := f.users[finance]
	if _, body := f.do(caller{user: &analystUser}, "GET", "/brands/"+f.a1.ID, ""); !strings.Contains(body, `href="`+base+`"`) {
		t.Error("the brand page has no Audiences link for an analyst")
	}
	if _, body := f.do(caller{user: &fin}, "GET", "/brands/"+f.a1.ID, ""); strings.Contains(body, `href="`+base+`"`) {
		t.Error("the brand page offers Audiences to finance, who may not read them")
	}

	// Delete goes back to the list.
	if r = f.uiPost(mgr, page+"/delete", url.Values{}); r.status != http.StatusSeeOther || r.location != base {
		t.Fatalf("delete: %d %q", r.status, r.location)
	}
	if _, err := st.Get(context.Background(), id); err == nil {
		t.Error("the audience is still there after delete")
	}
}

// TestAudiencePageShowsRefreshRuns shows the scheduler's history of the audience's refreshes on its page.
func TestAudiencePageShowsRefreshRuns(t *testing.T) {
	f := newFixture(t)
	slot := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC).UnixMilli()
	if err := f.store.DB().W.Exec(`INSERT INTO scheduler_runs (kind, job_key, slot, instance, attempt, outcome, error, started_at,
		finished_at, duration_ms) VALUES (?, ?, ?, 'node-7', 1, 'failed', 'audiences: build: disk full', ?, ?, 1234)`,
		web.RefreshKind, f.audience.ID, slot, slot, slot+1234).Error; err != nil {
		t.Fatal(err)
	}
	secret, _ := f.session(f.users[analyst])
	req := httptest.NewRequest(http.MethodGet, "/brands/"+f.a1.ID+"/audiences/"+f.audience.ID, nil)
	r := f.uiSend(req, secret)
	if r.status != 200 || !strings.Contains(r.body, `id="refresh-runs"`) || !strings.Contains(r.body, "disk full") ||
		!strings.Contains(r.body, "2026-03-02 09:00") || !strings.Contains(r.body, "1234 ms") {
		t.Fatalf("audience page: %d\n%s", r.status, r.body)
	}
}
