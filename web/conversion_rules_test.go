package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"relance/tenancy"
)

// TestConversionRulesSettings sets a brand's conversion rules through the API: each bad rule is refused with
// a 422 naming its field, nothing of the request is kept, and good rules come back normalized (amounts in
// their currency's decimals, the brand's currency when none is given).
func TestConversionRulesSettings(t *testing.T) {
	f := newFixture(t)
	adm := caller{token: f.tokens[admin]}
	path := "/api/v1/brands/" + f.a1.ID
	if status, body := f.do(adm, "GET", path, ""); status != 200 ||
		!strings.Contains(body, `"conversion_rules":{"lead_on_contact_shared":false,"purchase_payloads":[]}`) {
		t.Fatalf("defaults: %d %s", status, body)
	}
	bad := `{"settings":{"conversion_rules":{"lead_on_contact_shared":true,"purchase_payloads":[
		{"payload":"BUY_SPRING_MENU","match":"exact","value":{"amount":"49,90","currency":"EUR"}},
		{"payload":"BUY_","match":"prefix","value":{"amount":"10","currency":"XYZ"}},
		{"payload":"X","match":"regex","value":{"amount":"1","currency":"EUR"}},
		{"payload":"` + strings.Repeat("P", 1001) + `","match":"exact","value":{"amount":"1","currency":"EUR"}},
		{"payload":"Y","match":"exact","value":{"amount":"-1","currency":"EUR"}},
		{"payload":"Z","match":"exact","value":{"amount":"1.5","currency":"JPY"}}]}}}`
	status, body := f.do(adm, "PATCH", path, bad)
	for _, field := range []string{"[0].value.amount", "[1].value.currency", "[2].match", "[3].payload", "[4].value.amount", "[5].value.amount"} {
		if status != 422 || !strings.Contains(body, `"settings.conversion_rules.purchase_payloads`+field+`"`) {
			t.Errorf("%s: %d %s", field, status, body)
		}
	}
	many := make([]string, 51)
	for i := range many {
		many[i] = fmt.Sprintf(`{"payload":"P%d","match":"exact","value":{"amount":"1","currency":"EUR"}}`, i)
	}
	status, body = f.do(adm, "PATCH", path, `{"settings":{"conversion_rules":{"purchase_payloads":[`+strings.Join(many, ",")+`]}}}`)
	if status != 422 || !strings.Contains(body, `"settings.conversion_rules.purchase_payloads"`) {
		t.Errorf("51 rules: %d %s", status, body)
	}
	if _, body := f.do(adm, "GET", path, ""); !strings.Contains(body, `"lead_on_contact_shared":false`) {
		t.Errorf("a refused request kept something: %s", body)
	}
	good := `{"settings":{"conversion_rules":{"lead_on_contact_shared":true,"purchase_payloads":[
		{"payload":"BUY_SPRING_MENU","match":"exact","value":{"amount":"49.9","currency":"eur"}},
		{"payload":"MENU_","match":"prefix","value":{"amount":"12"}}]}}}`
	status, body = f.do(adm, "PATCH", path, good)
	want := `"conversion_rules":{"lead_on_contact_shared":true,"purchase_payloads":[` +
		`{"payload":"BUY_SPRING_MENU","match":"exact","value":{"amount":"49.90","currency":"EUR"}},` +
		`{"payload":"MENU_","match":"prefix","value":{"amount":"12.00","currency":"` + f.a1.Currency + `"}}]}`
	if status != 200 || !strings.Contains(body, want) {
		t.Errorf("good rules: %d %s\nwant %s", status, body, want)
	}
}

// TestBrandFormConversionRules: the brand's Edit form saves the rules, one purchase rule a line, shows a bad
// line at the field, and shows the saved rules again.
func TestBrandFormConversionRules(t *testing.T) {
	f := newFixture(t)
	u := f.users[tenancy.RoleAgencyAdmin]
	ui := caller{user: &u}
	form := "name=" + f.a1.Name + "&currency=EUR&timezone=Europe%2FParis&policy=meta-current&settings=1&approval_required=on" +
		"&quiet_from=21:00&quiet_to=09:00&cap_messages=1&cap_days=1&conversion_rules=1&lead_on_contact_shared=on&purchase_payloads="
	path := "/brands/" + f.a1.ID + "/edit"
	if status, resp := f.do(ui, http.MethodPost, path, form+url.QueryEscape("BUY_SPRING_MENU 49.90 EUR\nMENU_* 12,00")); status != http.StatusUnprocessableEntity ||
		!strings.Contains(resp, "line 2: value.amount must be a decimal") {
		t.Fatalf("bad line: %d %s", status, resp)
	}
	if status, _ := f.do(ui, http.MethodPost, path, form+url.QueryEscape("BUY SPRING MENU 49.9 EUR\nMENU_* 12\n")); status != http.StatusSeeOther {
		t.Fatalf("save: %d", status)
	}
	b, err := f.store.Tenant(f.a.ID).Brand(context.Background(), f.a1.ID)
	if err != nil {
		t.Fatal(err)
	}
	r := b.Settings.Effective().ConversionRules
	if got := fmt.Sprint(r); got != "{true [{BUY SPRING MENU exact {49.90 EUR}} {MENU_ prefix {12.00 EUR}}]}" {
		t.Errorf("saved rules: %s", got)
	}
	if _, resp := f.do(ui, http.MethodGet, path, ""); !strings.Contains(resp, "BUY SPRING MENU 49.90 EUR\nMENU_* 12.00 EUR\n") {
		t.Errorf("the form does not show the rules")
	}
}
