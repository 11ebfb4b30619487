package web_test

import (
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// TestCampaignCountries: the API refuses a country that is not an ISO code with a 422 naming its index,
// saves valid ones in upper case, shows the brand's country as the default when no audience is included;
// the ads form has a countries field that shows its error beside it, and the campaign page lists them.
func TestCampaignCountries(t *testing.T) {
	f := newFixture(t)
	mgrU := f.users[manager]
	mgr, ui := caller{token: f.tokens[manager]}, caller{user: &mgrU}
	base := "/api/v1/brands/" + f.a1.ID + "/campaigns"
	body := func(countries string) string {
		return `{"name":"Feed ads","kind":"click_to_messenger","page_id":"` + f.page.PageID + `","ad_account_id":"` + f.acct.AccountID + `",
		"objective":"OUTCOME_ENGAGEMENT","budget":{"period":"daily","amount":"20.00"},"targeting":{"countries":` + countries + `},
		"variants":[{"key":"A","weight":100,"creative":{"text":"Chat with us","welcome":{"greeting":"Hi!","ice_breakers":[{"question":"Menu?","payload":"MENU"}]}}}]}`
	}
	status, resp := f.do(mgr, "POST", base, body(`["FR","XX"]`))
	if status != 422 || !strings.Contains(resp, `"targeting.countries[1]"`) {
		t.Fatalf("bad country: %d %s", status, resp)
	}
	status, resp = f.do(mgr, "POST", base, body(`["fr","BE"]`))
	var cp struct {
		ID        string
		Targeting struct {
			Countries []string
			Default   bool
		}
	}
	if status != 201 || json.Unmarshal([]byte(resp), &cp) != nil || strings.Join(cp.Targeting.Countries, ",") != "FR,BE" {
		t.Fatalf("create: %d %s", status, resp)
	}
	status, resp = f.do(mgr, "PATCH", base+"/"+cp.ID, `{"targeting":{"countries":[]}}`)
	if status != 200 || json.Unmarshal([]byte(resp), &cp) != nil || strings.Join(cp.Targeting.Countries, ",") != "FR" || !cp.Targeting.Default {
		t.Fatalf("default country: %d %s", status, resp)
	}
	page := "/brands/" + f.a1.ID + "/campaigns/" + cp.ID
	status, resp = f.do(ui, "GET", page, "")
	if status != 200 || !regexp.MustCompile(`id="campaign-countries"><span class="chip">FR</span>`).MatchString(resp) ||
		!strings.Contains(resp, "the brand's country: Meta needs a location") {
		t.Errorf("campaign page: %d %s", status, trim(resp))
	}
	status, resp = f.do(ui, "GET", page+"/edit", "")
	if status != 200 || !strings.Contains(resp, `name="countries" id="countries" value=""`) {
		t.Errorf("edit form: %d %s", status, trim(resp))
	}
	form := url.Values{"name": {"Feed ads"}, "kind": {"click_to_messenger"}, "page_id": {f.page.PageID},
		"ad_account_id": {f.acct.AccountID}, "objective": {"OUTCOME_ENGAGEMENT"}, "budget_amount": {"20.00"},
		"budget_period": {"daily"}, "countries": {"DE, ZZ"}, "v_key": {"A"}, "v_weight": {"100"}, "v_text": {"Chat with us"},
		"v_greeting": {"Hi!"}, "v_ice_breakers": {"Menu? | MENU"}}
	status, resp = f.do(ui, "POST", page+"/edit", form.Encode())
	if status != 422 || !strings.Contains(resp, "targeting.countries[1] must be an ISO 3166-1 alpha-2") {
		t.Fatalf("form with a bad country: %d %s", status, trim(resp))
	}
	form["countries"] = []string{"DE, AT"}
	if status, resp = f.do(ui, "POST", page+"/edit", form.Encode()); status != 303 {
		t.Fatalf("form: %d %s", status, trim(resp))
	}
	if status, resp = f.do(ui, "GET", page, ""); !strings.Contains(resp, `<span class="chip">DE</span> <span class="chip">AT</span>`) {
		t.Errorf("after the edit: %d %s", status, trim(resp))
	}
}
