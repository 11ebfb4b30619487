package web_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"relance/campaigns"
	"relance/tenancy"
)

// TestRunNow runs a campaign's slot of the current minute through the API against the sandbox: refused
// while the campaign is a draft, then one message to the audience's contact in the window, the run listed
// with its counts and its sends filterable; the same minute again is a 409.
func TestRunNow(t *testing.T) {
	f := newFixture(t)
	mgr := caller{token: f.tokens[tenancy.RoleCampaignManager]}
	path := "/api/v1/brands/" + f.a1.ID + "/campaigns/" + f.campaign.ID + "/runs"
	if status, body := f.do(mgr, http.MethodPost, path, ""); status != http.StatusConflict {
		t.Fatalf("run of a draft: %d %s", status, body)
	}
	now := time.Now().UTC()
	db := f.store.DB().W
	if err := db.Exec(`UPDATE contacts SET last_inbound_at = ?, last_interaction_at = ? WHERE id = ?`,
		now.Add(-time.Hour).UnixMilli(), now.Add(-time.Hour).UnixMilli(), f.contact).Error; err != nil {
		t.Fatal(err)
	}
	if err := db.Exec(`UPDATE campaigns SET state = ?, holdout_percent = 0 WHERE id = ?`, campaigns.StateRunning, f.campaign.ID).Error; err != nil {
		t.Fatal(err)
	}
	// No quiet hours (from = to): the default 21:00–09:00 in Paris would hold the message back in the evening.
	if err := db.Exec(`UPDATE brands SET settings = ? WHERE id = ?`, `{"quiet_hours":{"from":"00:00","to":"00:00"}}`, f.a1.ID).Error; err != nil {
		t.Fatal(err)
	}
	f.sb.RegisterThread(f.page.PageID, "7199000000000001", "FR", f.sb.Now(), "")
	before := campaigns.SlotMinute(time.Now())
	status, body := f.do(mgr, http.MethodPost, path, "")
	if status != http.StatusCreated {
		t.Fatalf("run now: %d %s", status, body)
	}
	var run campaigns.Run
	if err := json.Unmarshal([]byte(body), &run); err != nil {
		t.Fatal(err)
	}
	if run.Counts["sent"] != 1 || run.Routes["free"] != 1 || run.Status != campaigns.RunDone {
		t.Errorf("run %s", body)
	}
	if n := len(f.sb.Sends()); n != 1 {
		t.Errorf("sandbox sent %d messages, want 1", n)
	}
	status, body = f.do(mgr, http.MethodPost, path, "")
	if campaigns.SlotMinute(time.Now()).Equal(before) && status != http.StatusConflict {
		t.Errorf("the same minute again: %d %s", status, body)
	}
	viewer := caller{token: f.tokens[tenancy.RoleBrandViewer]}
	status, body = f.do(viewer, http.MethodGet, path, "")
	var runs []campaigns.Run
	if status != http.StatusOK || json.Unmarshal([]byte(body), &runs) != nil || len(runs) < 2 {
		t.Fatalf("runs: %d %s", status, body)
	}
	status, body = f.do(viewer, http.MethodGet, path+"/"+run.ID+"/sends?status=sent&route=free", "")
	if status != http.StatusOK || !strings.Contains(body, `"psid":"7199000000000001"`) || !strings.Contains(body, `"next_cursor":""`) {
		t.Errorf("sends: %d %s", status, body)
	}
	status, body = f.do(viewer, http.MethodGet, path+"/"+run.ID+"/sends?status=lost", "")
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "status") {
		t.Errorf("bad filter: %d %s", status, body)
	}
	// The campaign page lists the runs and the chosen run's sends, filtered.
	u := f.users[tenancy.RoleBrandViewer]
	page := "/brands/" + f.a1.ID + "/campaigns/" + f.campaign.ID
	status, body = f.do(caller{user: &u}, http.MethodGet, page+"?run="+run.ID+"&status=sent", "")
	if status != http.StatusOK || !strings.Contains(body, `data-run="`+run.ID+`"`) || !strings.Contains(body, `<tr data-status="sent" data-route="free"><td><code>7199000000000001</code>`) {
		t.Errorf("campaign page: %d %s", status, body)
	}
	// Who may read conversations opens the recipient's thread from the sends table (a viewer may not).
	m := f.users[tenancy.RoleCampaignManager]
	status, body = f.do(caller{user: &m}, http.MethodGet, page+"?run="+run.ID+"&route=free", "")
	if status != http.StatusOK || !strings.Contains(body, `href="/brands/`+f.a1.ID+`/conversations/`+f.contact+`" class="thread-link"`) {
		t.Errorf("campaign page for the manager has no link to the thread: %d", status)
	}
	status, body = f.do(caller{user: &u}, http.MethodGet, page+"?run="+run.ID+"&status=read", "")
	if status != http.StatusOK || strings.Contains(body, `data-status="sent"`) || !strings.Contains(body, "No send matches") {
		t.Errorf("campaign page filtered on read: %d", status)
	}
	// The page's "Run now" button: the same minute is refused with a message, not an error page.
	if status, body := f.do(caller{user: &m}, http.MethodPost, page+"/runs", ""); status != http.StatusSeeOther {
		t.Errorf("run now from the page: %d %s", status, body)
	}
	if status, _ := f.do(caller{user: &u}, http.MethodPost, page+"/runs", ""); status != http.StatusForbidden {
		t.Errorf("a viewer ran a slot from the page: %d", status)
	}
	if status, _ := f.do(viewer, http.MethodPost, path, ""); status != http.StatusForbidden {
		t.Errorf("a viewer ran a slot: %d", status)
	}
}
