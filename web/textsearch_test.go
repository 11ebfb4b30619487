package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestFinanceHasNoTextSearch: finance may list contacts but never search what people wrote: q= is a 403
// with the same answer whatever the word (one that matches, one that does not, one too long to be valid),
// in the API and on the Conversations screen, which shows no search box; an analyst still searches.
func TestFinanceHasNoTextSearch(t *testing.T) {
	f := newFixture(t)
	fin, an := f.users[finance], f.users[analyst]
	api := "/api/v1/brands/" + f.a1.ID + "/contacts"
	ui := "/brands/" + f.a1.ID + "/conversations"
	var bodies []string
	for _, word := range []string{"e-mail", "nobody-wrote-this", strings.Repeat("x", 300)} {
		q := "?q=" + url.QueryEscape(word)
		status, body := f.do(caller{token: f.tokens[finance]}, "GET", api+q, "")
		if status != http.StatusForbidden {
			t.Errorf("finance API q=%.20s: %d %s", word, status, trim(body))
		}
		bodies = append(bodies, body)
		if status, _ := f.do(caller{user: &fin}, "GET", ui+q, ""); status != http.StatusForbidden {
			t.Errorf("finance screen q=%.20s: %d", word, status)
		}
	}
	for _, b := range bodies[1:] {
		if b != bodies[0] {
			t.Errorf("answers differ by word: %s / %s", trim(bodies[0]), trim(b))
		}
	}
	if status, body := f.do(caller{token: f.tokens[finance]}, "GET", api, ""); status != http.StatusOK || !strings.Contains(body, f.contact) {
		t.Errorf("finance listing without q: %d %s", status, trim(body))
	}
	status, body := f.do(caller{user: &fin}, "GET", ui, "")
	if status != http.StatusOK || strings.Contains(body, `name="q"`) {
		t.Errorf("finance screen: %d, search box shown: %v", status, strings.Contains(body, `name="q"`))
	}
	if status, body := f.do(caller{user: &an}, "GET", ui, ""); status != http.StatusOK || !strings.Contains(body, `name="q"`) {
		t.Errorf("analyst screen: %d, search box missing", status)
	}
	if status, body := f.do(caller{token: f.tokens[analyst]}, "GET", api+"?q=e-mail", ""); status != http.StatusOK || !strings.Contains(body, f.contact) {
		t.Errorf("analyst search: %d %s", status, trim(body))
	}
	// Audience rules with text: finance holds no audience permission, so every path is a 403 before the rule
	// is read; the store refuses text rules to any caller without message texts (audiences tests).
	rule := `{"rule":{"field":"text","op":"contains","value":"e-mail"}}`
	for _, p := range []string{"/api/v1/brands/" + f.a1.ID + "/audiences/preview", "/api/v1/brands/" + f.a1.ID + "/audiences"} {
		if status, _ := f.do(caller{token: f.tokens[finance]}, "POST", p, rule); status != http.StatusForbidden {
			t.Errorf("finance POST %s: %d", p, status)
		}
	}
	if status, _ := f.do(caller{token: f.tokens[finance]}, "PATCH", "/api/v1/brands/"+f.a1.ID+"/audiences/"+f.audience.ID, rule); status != http.StatusForbidden {
		t.Errorf("finance PATCH audience: %d", status)
	}
}
