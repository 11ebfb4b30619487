package web_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"relance/meta/sandbox"
	"relance/tenancy"
)

// TestAdsLaunchAPI launches a click-to-Messenger campaign through the API against the sandbox. With an
// expired ad account token Meta refuses: a 422 carrying Meta's code and message, the campaign still
// scheduled with the error in its meta block and on its page. With a good token the launch makes one Meta
// campaign, ad set and ad, the campaign runs, and launching again is a 409 that makes nothing more.
func TestAdsLaunchAPI(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	ta := f.store.Tenant(f.a.ID)
	const account = "act_230999000000002"
	f.sb.RegisterAccount(sandbox.Account{ID: account, Currency: "EUR", Timezone: "Europe/Paris"})
	acct, err := ta.AddAdAccount(ctx, f.a1.ID, tenancy.AdAccountInput{AccountID: account, Name: "Launch ads",
		AccessToken: "EAAB-expired-launch-token-0001"})
	if err != nil {
		t.Fatal(err)
	}
	mgr, badm := caller{token: f.tokens[manager]}, caller{token: f.tokens[bAdmin]}
	base := "/api/v1/brands/" + f.a1.ID + "/campaigns"
	body := `{"name":"Feed ads","kind":"click_to_messenger","page_id":"` + f.page.PageID + `","ad_account_id":"` + account + `",
		"objective":"OUTCOME_ENGAGEMENT","budget":{"period":"daily","amount":"20.00"},"ref":"feed-ads",
		"variants":[{"key":"A","weight":100,"creative":{"text":"Chat with us","welcome":{"greeting":"Hi!","ice_breakers":[{"question":"Menu?","payload":"MENU"}]}}}]}`
	status, resp := f.do(mgr, "POST", base, body)
	var cp struct{ ID string }
	if status != 201 || json.Unmarshal([]byte(resp), &cp) != nil {
		t.Fatalf("create: %d %s", status, resp)
	}
	one := base + "/" + cp.ID
	if status, resp = f.do(mgr, "POST", one+"/submit", ""); status != 200 {
		t.Fatalf("submit: %d %s", status, resp)
	}
	if status, resp = f.do(badm, "POST", one+"/approve", ""); status != 200 {
		t.Fatalf("approve: %d %s", status, resp)
	}
	status, resp = f.do(mgr, "POST", one+"/launch", "")
	if status != 422 || !strings.Contains(resp, "code 190") || !strings.Contains(resp, "Session has expired") {
		t.Fatalf("launch with an expired token: %d %s", status, resp)
	}
	var got struct {
		State string
		Meta  *struct {
			CampaignID string `json:"campaign_id"`
			AdSetID    string `json:"adset_id"`
			Ads        []struct {
				Variant         string
				AdID            string `json:"ad_id"`
				EffectiveStatus string `json:"effective_status"`
			}
			Error *struct {
				Message string
				Code    int
			}
		}
	}
	status, resp = f.do(mgr, "GET", one, "")
	if json.Unmarshal([]byte(resp), &got) != nil || got.State != "scheduled" || got.Meta == nil || got.Meta.Error == nil ||
		got.Meta.Error.Code != 190 || got.Meta.CampaignID != "" {
		t.Fatalf("after the refusal: %d %s", status, resp)
	}
	admin := f.users[bAdmin]
	if status, resp = f.do(caller{user: &admin}, "GET", "/brands/"+f.a1.ID+"/campaigns/"+cp.ID, ""); status != 200 ||
		!strings.Contains(resp, `id="meta-error"`) || !strings.Contains(resp, "code 190") {
		t.Errorf("campaign page after the refusal: %d", status)
	}
	// The ad account is attached again with a working token.
	if err := ta.RemoveAdAccount(ctx, f.a1.ID, acct.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := ta.AddAdAccount(ctx, f.a1.ID, tenancy.AdAccountInput{AccountID: account, Name: "Launch ads",
		AccessToken: "EAAB-good-launch-token-000001"}); err != nil {
		t.Fatal(err)
	}
	status, resp = f.do(mgr, "POST", one+"/launch", "")
	if status != 200 || json.Unmarshal([]byte(resp), &got) != nil || got.State != "running" || got.Meta.Error != nil ||
		got.Meta.CampaignID == "" || got.Meta.AdSetID == "" || len(got.Meta.Ads) != 1 || got.Meta.Ads[0].AdID == "" ||
		got.Meta.Ads[0].EffectiveStatus != "PENDING_REVIEW" {
		t.Fatalf("launch: %d %s", status, resp)
	}
	if status, resp = f.do(mgr, "POST", one+"/launch", ""); status != 409 {
		t.Errorf("second launch: %d %s", status, resp)
	}
	if n := f.sb.Summary(); n.Campaigns != 1 || n.AdSets != 1 || n.Ads != 1 {
		t.Errorf("the sandbox holds %+v", n)
	}
	if status, resp = f.do(mgr, "POST", one+"/pause", ""); status != 200 || !strings.Contains(resp, `"status":"PAUSED"`) {
		t.Errorf("pause mirrored to Meta: %d %s", status, resp)
	}
	if status, resp = f.do(caller{user: &admin}, "GET", "/brands/"+f.a1.ID+"/campaigns/"+cp.ID, ""); status != 200 ||
		!strings.Contains(resp, got.Meta.Ads[0].AdID) || strings.Contains(resp, `id="meta-error"`) {
		t.Errorf("campaign page after the launch: %d", status)
	}
}
