package web_test

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestMonthsAreEachAgencysOwn: finance closes a month of agency A; agency B's admin reopening the same month
// reaches only B's (not closed: 409) and A's stays closed; only finance closes and only an admin reopens.
func TestMonthsAreEachAgencysOwn(t *testing.T) {
	f := newFixture(t)
	fin, adm := caller{token: f.tokens[finance]}, caller{token: f.tokens[admin]}
	if status, body := f.do(adm, http.MethodPost, "/api/v1/finance/months/2026-01/close", ""); status != http.StatusForbidden {
		t.Errorf("agency_admin closing: %d %s", status, body)
	}
	if status, body := f.do(fin, http.MethodPost, "/api/v1/finance/months/2026-01/close", ""); status != http.StatusOK || !strings.Contains(body, `"closed":true`) {
		t.Fatalf("finance closing: %d %s", status, body)
	}
	if status, body := f.do(fin, http.MethodPost, "/api/v1/finance/months/2026-01/close", ""); status != http.StatusConflict {
		t.Errorf("closing twice: %d %s", status, body)
	}
	if status, body := f.do(fin, http.MethodPost, "/api/v1/finance/months/2999-01/close", ""); status != http.StatusConflict || !strings.Contains(body, "has not ended") {
		t.Errorf("closing a future month: %d %s", status, body)
	}
	if status, body := f.do(fin, http.MethodPost, "/api/v1/finance/months/2026-13/close", ""); status != http.StatusUnprocessableEntity || !strings.Contains(body, `"month"`) {
		t.Errorf("closing month 13: %d %s", status, body)
	}
	other := caller{token: f.tokens["b_admin"]}
	if status, body := f.do(other, http.MethodPost, "/api/v1/finance/months/2026-01/reopen", ""); status != http.StatusConflict {
		t.Errorf("B reopening its own open month: %d %s", status, body)
	}
	if _, body := f.do(fin, http.MethodGet, "/api/v1/finance/months/2026-01", ""); !strings.Contains(body, `"closed":true`) {
		t.Errorf("A's month after B's attempt: %s", body)
	}
	if status, body := f.do(fin, http.MethodPost, "/api/v1/finance/months/2026-01/reopen", ""); status != http.StatusForbidden {
		t.Errorf("finance reopening: %d %s", status, body)
	}
	if status, body := f.do(adm, http.MethodPost, "/api/v1/finance/months/2026-01/reopen", ""); status != http.StatusOK || !strings.Contains(body, `"closed":false`) {
		t.Errorf("admin reopening: %d %s", status, body)
	}
	status, body := f.do(adm, http.MethodGet, "/api/v1/audit?action=month.close", "")
	if status != http.StatusOK || !strings.Contains(body, "closed 2026-01") {
		t.Errorf("audit of the close: %d %s", status, trim(body))
	}
	// The screen shows the month and, for finance, no reopen button.
	u := f.users[finance]
	status, body = f.do(caller{user: &u}, http.MethodGet, "/finance?month=2026-01", "")
	if status != http.StatusOK || !strings.Contains(body, `id="month-status"`) || strings.Contains(body, `id="reopen-month"`) || !strings.Contains(body, `id="close-month"`) {
		t.Errorf("finance screen: %d %s", status, trim(body))
	}
}

// TestSpendSyncJob starts a spend sync through the API and reads its job back; bad input names the field.
func TestSpendSyncJob(t *testing.T) {
	f := newFixture(t)
	fin := caller{token: f.tokens[finance]}
	if status, body := f.do(fin, http.MethodPost, "/api/v1/finance/spend/sync", `{"from":"2026-01-10"}`); status != http.StatusUnprocessableEntity || !strings.Contains(body, `"to"`) {
		t.Errorf("from without to: %d %s", status, body)
	}
	if status, body := f.do(fin, http.MethodPost, "/api/v1/finance/spend/sync", `{"ad_account_id":"act_999"}`); status != http.StatusUnprocessableEntity || !strings.Contains(body, `ad_account_id`) {
		t.Errorf("another agency's account: %d %s", status, body)
	}
	status, body := f.do(fin, http.MethodPost, "/api/v1/finance/spend/sync", `{}`)
	if status != http.StatusAccepted || !strings.Contains(body, `"id"`) {
		t.Fatalf("sync: %d %s", status, body)
	}
	id := body[strings.Index(body, `"id":"`)+6:]
	id = id[:strings.IndexByte(id, '"')]
	for range 1000 { // up to 10 s: the job runs in the background
		_, body = f.do(fin, http.MethodGet, "/api/v1/jobs/"+id, "")
		if !strings.Contains(body, `"status":"running"`) {
			break
		}
		waitABit()
	}
	if !strings.Contains(body, `"kind":"spend_sync"`) || strings.Contains(body, `"status":"running"`) {
		t.Errorf("job: %s", body)
	}
	if status, _ := f.do(caller{token: f.tokens["b_admin"]}, http.MethodGet, "/api/v1/jobs/"+id, ""); status != http.StatusNotFound {
		t.Errorf("another agency reading the job: %d", status)
	}
}

// waitABit lets a background job go on.
func waitABit() { time.Sleep(10 * time.Millisecond) }

// TestBrandFees sets a brand's fees through the API, naming each bad field, and finds the fixed fee on the
// month's finance figures.
func TestBrandFees(t *testing.T) {
	f := newFixture(t)
	adm := caller{token: f.tokens[admin]}
	path := "/api/v1/brands/" + f.a1.ID
	status, body := f.do(adm, http.MethodPatch, path, `{"settings":{"fees":{"percent_bp":20000,"monthly":{"amount":"1,500"}}}}`)
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "settings.fees.percent_bp") || !strings.Contains(body, "settings.fees.monthly.amount") {
		t.Errorf("bad fees: %d %s", status, body)
	}
	status, body = f.do(adm, http.MethodPatch, path, `{"settings":{"fees":{"percent_bp":1250,"monthly":{"amount":"1500.5"}}}}`)
	if status != http.StatusOK || !strings.Contains(body, `"fees":{"percent_bp":1250,"monthly":{"amount":"1500.50"}}`) {
		t.Fatalf("fees: %d %s", status, body)
	}
	// Leaving fees out keeps them.
	if _, body := f.do(adm, http.MethodPatch, path, `{"settings":{"approval_required":false}}`); !strings.Contains(body, `"percent_bp":1250`) {
		t.Errorf("fees lost: %s", body)
	}
	_, body = f.do(caller{token: f.tokens[finance]}, http.MethodGet, "/api/v1/finance/months/2026-01", "")
	if !strings.Contains(body, `"fixed_fees":[{"brand_id":"`+f.a1.ID+`","amount":150050`) {
		t.Errorf("month: %s", body)
	}
}
