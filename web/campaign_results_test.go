package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"relance/campaigns"
	"relance/tenancy"
)

// seedABSends gives a campaign of brand A1 a run with sends per variant: delivered ones, of which replied.
func (f *fixture) seedABSends(campaignID string, variants map[string][2]int) {
	f.t.Helper()
	db := f.store.DB().W
	run := tenancy.NewID()
	if err := db.Exec(`INSERT INTO campaign_runs (id, tenant_id, brand_id, campaign_id, slot, status, cause, send_at, started_at, finished_at)
		VALUES (?, ?, ?, ?, 120000, 'done', 'schedule', 120000, 120000, 121000)`, run, f.a.ID, f.a1.ID, campaignID).Error; err != nil {
		f.t.Fatal(err)
	}
	i := 0
	for key, n := range variants {
		for j := range n[0] {
			i++
			status := campaigns.SendDelivered
			if j < n[1] {
				status = campaigns.SendReplied
			}
			psid := fmt.Sprintf("88%06d", i)
			if err := db.Exec(`INSERT INTO campaign_sends (id, tenant_id, brand_id, campaign_id, run_id, slot, contact_id, page_id, psid, variant, route, status, sent_at, updated_at)
				VALUES (?, ?, ?, ?, ?, 120000, ?, ?, ?, ?, 'free', ?, 120500, 120500)`,
				tenancy.NewID(), f.a.ID, f.a1.ID, campaignID, run, f.page.PageID+":"+psid, f.page.PageID, psid, key, status).Error; err != nil {
				f.t.Fatal(err)
			}
		}
	}
}

// TestCampaignResultsAPI seeds sends of a two-variant campaign and reads its results as each role: campaign
// readers (finance too) get the figures and no message text, another brand's admin gets nothing; applying
// the winner needs campaign write permission, sets the weights and is refused (409) once there is nothing
// significant to apply; the campaign page's results section shows the table, the badge and the button.
func TestCampaignResultsAPI(t *testing.T) {
	f := newFixture(t)
	mgr := caller{token: f.tokens[tenancy.RoleCampaignManager]}
	body := strings.Replace(f.campaignBody("AB test", "ab-test"), `"variants":[{"key":"A","weight":100,`,
		`"variants":[{"key":"B","weight":50,"creative":{"text":"A1 secret B text"}},{"key":"A","weight":50,`, 1)
	status, out := f.do(mgr, http.MethodPost, "/api/v1/brands/"+f.a1.ID+"/campaigns", body)
	if status != http.StatusCreated {
		t.Fatalf("create: %d %s", status, out)
	}
	var cp campaigns.Campaign
	if err := json.Unmarshal([]byte(out), &cp); err != nil {
		t.Fatal(err)
	}
	// A: 30 of 100 replied; B: 10 of 100 (p ≈ 0.0004).
	f.seedABSends(cp.ID, map[string][2]int{"A": {100, 30}, "B": {100, 10}})
	path := "/api/v1/brands/" + f.a1.ID + "/campaigns/" + cp.ID + "/results"
	for _, role := range []string{tenancy.RoleAgencyAdmin, tenancy.RoleCampaignManager, tenancy.RoleAnalyst, tenancy.RoleFinance,
		tenancy.RoleBrandAdmin, tenancy.RoleBrandViewer} {
		status, out := f.do(caller{token: f.tokens[role]}, http.MethodGet, path, "")
		var r campaigns.Results
		if status != http.StatusOK || json.Unmarshal([]byte(out), &r) != nil {
			t.Fatalf("results as %s: %d %s", role, status, out)
		}
		if r.Winner != "A" || len(r.Variants) != 2 || r.Variants[1].Key != "A" || r.Variants[1].Delivered != 100 || r.Variants[1].Replies != 30 ||
			r.PValue == nil || *r.PValue > 0.001 || r.Holdout != nil || r.MoreRecipientsNeeded != nil {
			t.Errorf("results as %s: %s", role, out)
		}
		if strings.Contains(out, "secret") {
			t.Errorf("results as %s carry message text: %s", role, out)
		}
	}
	if status, out := f.do(caller{token: f.tokens["a2_brand_admin"]}, http.MethodGet, path, ""); status != http.StatusForbidden && status != http.StatusNotFound {
		t.Errorf("another brand's admin: %d %s", status, out)
	}
	if status, out := f.do(mgr, http.MethodGet, path+"?window=3", ""); status != http.StatusUnprocessableEntity || !strings.Contains(out, "window") {
		t.Errorf("bad window: %d %s", status, out)
	}

	// The campaign page's section, as htmx loads it.
	u := f.users[tenancy.RoleCampaignManager]
	status, out = f.do(caller{user: &u}, http.MethodGet, "/brands/"+f.a1.ID+"/campaigns/"+cp.ID+"/results", "")
	if status != http.StatusOK || !strings.Contains(out, `id="ab-winner"`) || !strings.Contains(out, `id="apply-winner"`) ||
		!strings.Contains(out, "30.0 %") || !strings.Contains(out, `data-variant="B"`) {
		t.Errorf("results section: %d %s", status, out)
	}
	fin := f.users[tenancy.RoleFinance]
	status, out = f.do(caller{user: &fin}, http.MethodGet, "/brands/"+f.a1.ID+"/campaigns/"+cp.ID+"/results", "")
	if status != http.StatusOK || strings.Contains(out, `id="apply-winner"`) || !strings.Contains(out, `id="ab-winner"`) {
		t.Errorf("results section for finance: %d %s", status, out)
	}

	// Applying: readers may not; the manager gives A 90 %, B the rest.
	apply := path + "/apply-winner"
	if status, out := f.do(caller{token: f.tokens[tenancy.RoleAnalyst]}, http.MethodPost, apply, ""); status != http.StatusForbidden {
		t.Errorf("analyst applies: %d %s", status, out)
	}
	if status, out := f.do(mgr, http.MethodPost, apply, `{"weight":101}`); status != http.StatusUnprocessableEntity || !strings.Contains(out, "weight") {
		t.Errorf("weight 101: %d %s", status, out)
	}
	status, out = f.do(mgr, http.MethodPost, apply, `{"weight":90}`)
	var applied struct {
		Campaign campaigns.Campaign `json:"campaign"`
		Results  campaigns.Results  `json:"results"`
	}
	if status != http.StatusOK || json.Unmarshal([]byte(out), &applied) != nil {
		t.Fatalf("apply: %d %s", status, out)
	}
	w := map[string]int{}
	for _, v := range applied.Campaign.Variants {
		w[v.Key] = v.Weight
	}
	if w["A"] != 90 || w["B"] != 10 || applied.Campaign.Version != cp.Version+1 || applied.Results.Winner != "A" {
		t.Errorf("after apply: %s", out)
	}
	status, out = f.do(caller{token: f.tokens[tenancy.RoleAgencyAdmin]}, http.MethodGet, "/api/v1/audit?action=campaign.apply_winner", "")
	if status != http.StatusOK || !strings.Contains(out, cp.ID) {
		t.Errorf("audit: %d %s", status, out)
	}

	// Without a significant difference: 409, nothing changes.
	f.store.DB().W.Exec(`UPDATE campaign_sends SET status = ? WHERE campaign_id = ?`, campaigns.SendDelivered, cp.ID)
	if status, out := f.do(mgr, http.MethodPost, apply, ""); status != http.StatusConflict {
		t.Errorf("no winner: %d %s", status, out)
	}
	status, out = f.do(mgr, http.MethodGet, path, "")
	if status != http.StatusOK || !strings.Contains(out, `"winner":""`) || !strings.Contains(out, `"p_value":1`) {
		t.Errorf("no replies: %d %s", status, out)
	}
}
