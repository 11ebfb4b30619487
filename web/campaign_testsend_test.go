package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"relance/campaigns"
	"relance/tenancy"
)

// TestCampaignTestSend sends a test through the API and the campaign page: 422 for a contact that is not
// one of the brand's test contacts, 201 and one sandbox message once it is listed (brand settings), the
// form offers it, and a finance user may not send one.
func TestCampaignTestSend(t *testing.T) {
	f := newFixture(t)
	mgr := caller{token: f.tokens[tenancy.RoleCampaignManager]}
	path := "/api/v1/brands/" + f.a1.ID + "/campaigns/" + f.campaign.ID + "/test"
	body := `{"contact_id":"` + f.contact + `"}`
	if status, resp := f.do(mgr, http.MethodPost, path, body); status != http.StatusUnprocessableEntity || !strings.Contains(resp, "contact_id") {
		t.Fatalf("not a test contact: %d %s", status, resp)
	}
	admin := caller{token: f.tokens[tenancy.RoleAgencyAdmin]}
	if status, resp := f.do(admin, http.MethodPatch, "/api/v1/brands/"+f.a1.ID, `{"settings":{"test_contacts":["`+f.contact+`"]}}`); status != http.StatusOK ||
		!strings.Contains(resp, f.contact) {
		t.Fatalf("set test contacts: %d %s", status, resp)
	}
	if status, resp := f.do(admin, http.MethodPatch, "/api/v1/brands/"+f.a1.ID, `{"settings":{"test_contacts":["x","x"]}}`); status != http.StatusUnprocessableEntity ||
		!strings.Contains(resp, "settings.test_contacts[1]") {
		t.Errorf("a repeated test contact: %d %s", status, resp)
	}
	now := time.Now().UTC()
	if err := f.store.DB().W.Exec(`UPDATE contacts SET last_inbound_at = ?, last_interaction_at = ? WHERE id = ?`,
		now.Add(-time.Hour).UnixMilli(), now.Add(-time.Hour).UnixMilli(), f.contact).Error; err != nil {
		t.Fatal(err)
	}
	f.sb.RegisterThread(f.page.PageID, "7199000000000001", "FR", f.sb.Now(), "")
	status, resp := f.do(mgr, http.MethodPost, path, body)
	var ts campaigns.TestSend
	if status != http.StatusCreated || json.Unmarshal([]byte(resp), &ts) != nil || ts.Status != campaigns.SendSent {
		t.Fatalf("test send: %d %s", status, resp)
	}
	if sends := f.sb.Sends(); len(sends) != 1 || sends[0].Metadata != ts.ID {
		t.Errorf("sandbox sends %+v", sends)
	}
	m := f.users[tenancy.RoleCampaignManager]
	page := "/brands/" + f.a1.ID + "/campaigns/" + f.campaign.ID
	if status, resp := f.do(caller{user: &m}, http.MethodGet, page, ""); status != http.StatusOK || !strings.Contains(resp, `id="send-test"`) ||
		!strings.Contains(resp, `<option value="`+f.contact+`">7199000000000001</option>`) {
		t.Errorf("campaign page test form: %d", status)
	}
	fin := caller{token: f.tokens[tenancy.RoleFinance]}
	if status, _ := f.do(fin, http.MethodPost, path, body); status != http.StatusForbidden {
		t.Errorf("finance test send: %d", status)
	}
}

// TestBrandFormTestContacts: the brand's Edit form saves its test contacts, one a line, and shows a repeated
// one at the field.
func TestBrandFormTestContacts(t *testing.T) {
	f := newFixture(t)
	u := f.users[tenancy.RoleAgencyAdmin]
	form := "name=" + f.a1.Name + "&currency=EUR&timezone=Europe%2FParis&policy=meta-current&settings=1&approval_required=on" +
		"&quiet_from=21:00&quiet_to=09:00&cap_messages=1&cap_days=1&test_contacts="
	path := "/brands/" + f.a1.ID + "/edit"
	if status, resp := f.do(caller{user: &u}, http.MethodPost, path, form+f.contact+"%0Ax%0Ax"); status != http.StatusUnprocessableEntity ||
		!strings.Contains(resp, "is listed twice") {
		t.Fatalf("repeated test contact: %d", status)
	}
	if status, _ := f.do(caller{user: &u}, http.MethodPost, path, form+f.contact); status != http.StatusSeeOther {
		t.Fatalf("save: %d", status)
	}
	b, err := f.store.Tenant(f.a.ID).Brand(context.Background(), f.a1.ID)
	if err != nil || len(b.Settings.TestContacts) != 1 || b.Settings.TestContacts[0] != f.contact {
		t.Errorf("test contacts %v (%v)", b.Settings.TestContacts, err)
	}
}
