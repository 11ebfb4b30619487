package web_test

import (
	"encoding/json"
	"io"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// doAs sends body with the given Content-Type ("" for none) as an agency admin's API token.
func (f *fixture) doAs(method, path, contentType, body string) (int, string) {
	f.t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+f.tokens[admin])
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := f.srv.App().Test(req, -1)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// leaks are fragments of internal texts (decoder, parser, package prefixes, Go types) that an answer to
// a person must never carry.
var leaks = []string{"json:", "tenancy:", "scheduler:", "audiences:", "invalid character", "looking for",
	"expected exactly", "unexpected end", "*string", "struct", "Go value", "robfig", "failed to parse"}

func checkNoLeak(t *testing.T, what, body string) {
	t.Helper()
	for _, l := range leaks {
		if strings.Contains(body, l) {
			t.Errorf("%s: the answer leaks %q: %s", what, l, trim(body))
		}
	}
}

// TestStrictJSON: the API's one JSON decoder refuses duplicate keys at any depth (400 naming the key),
// any content type but JSON (415), and null (422 naming the field), with messages for people. Before, the
// last duplicate won, text/plain was read as JSON, PATCH {"name": null} answered 200 and the decoder's
// own messages reached the client.
func TestStrictJSON(t *testing.T) {
	f := newFixture(t)
	brand := "/api/v1/brands/" + f.a1.ID
	aud := brand + "/audiences/" + f.audience.ID
	const js = "application/json"
	for _, c := range []struct {
		name, method, path, ct, body string
		status                       int
		field, inMessage             string
	}{
		{"duplicate key", "POST", "/api/v1/brands", js, `{"name":"One","name":"Two","currency":"EUR","timezone":"UTC"}`, 400, "name", `duplicate key \"name\"`},
		{"duplicate key, other case", "POST", "/api/v1/brands", js, `{"name":"One","NAME":"Two","currency":"EUR","timezone":"UTC"}`, 400, "NAME", "duplicate key"},
		{"duplicate key, nested", "POST", brand + "/audiences/preview", js,
			`{"rule":{"all":[{"field":"inbound_count","op":"gte","value":1},{"field":"inbound_count","op":"gte","op":"lte","value":1}]}}`,
			400, "rule.all[1].op", `duplicate key \"rule.all[1].op\"`},
		{"duplicate key, deep", "PATCH", aud, js, `{"rule":{"not":{"any":[{"not":{"field":"page","field":"text"}}]}}}`, 400, "rule.not.any[0].not.field", "duplicate key"},
		{"text/plain", "POST", "/api/v1/brands", "text/plain", `{"name":"Plain","currency":"EUR","timezone":"UTC"}`, 415, "", "Content-Type: application/json"},
		{"no content type", "POST", "/api/v1/brands", "", `{"name":"Plain","currency":"EUR","timezone":"UTC"}`, 415, "", "Content-Type"},
		{"form", "PATCH", brand, "application/x-www-form-urlencoded", `{"name":"Form"}`, 415, "", "JSON"},
		{"text/json", "PATCH", brand, "text/json", `{"name":"Form"}`, 415, "", "JSON"},
		{"json with charset", "PATCH", brand, "application/json; charset=utf-8", `{"name":"Charset"}`, 200, "", ""},
		{"+json type", "PATCH", brand, "application/merge-patch+json", `{"name":"Merge"}`, 200, "", ""},
		{"null name on a brand", "PATCH", brand, js, `{"name":null}`, 422, "name", ""},
		{"null currency on a new brand", "POST", "/api/v1/brands", js, `{"name":"N","currency":null,"timezone":"UTC"}`, 422, "currency", ""},
		{"null name on an audience", "PATCH", aud, js, `{"name":null}`, 422, "name", ""},
		{"null rule on an audience", "PATCH", aud, js, `{"rule":null}`, 422, "rule", ""},
		// Inside a rule, the rule checker explains a null itself (the builder sends one for a cleared number).
		{"null inside a rule", "POST", brand + "/audiences/preview", js, `{"rule":{"all":[{"field":"inbound_count","op":"gte","value":null}]}}`, 422, "rule.all[0].value", "whole number"},
		{"null refresh_cron", "PATCH", aud, js, `{"refresh_cron":null}`, 422, "refresh_cron", ""},
		{"null page id", "POST", brand + "/pages", js, `{"page_id":null,"name":"P","access_token":"EAAB-x"}`, 422, "page_id", ""},
		{"null token name", "POST", "/api/v1/tokens", js, `{"name":null}`, 422, "name", ""},
		{"null role", "POST", "/api/v1/users/" + f.users[analyst].ID + "/roles", js, `{"role":null}`, 422, "role", ""},
		{"malformed", "POST", "/api/v1/brands", js, `{"name": tru}`, 400, "", "line 1, column"},
		{"malformed, second line", "POST", "/api/v1/brands", js, "{\n  \"name\": \"x\",,\n}", 400, "", "line 2, column"},
		{"cut short", "POST", "/api/v1/brands", js, `{"name":"x"`, 400, "", "ends before"},
		{"two objects", "POST", "/api/v1/brands", js, `{"name":"x"}{"name":"y"}`, 400, "", "after the object"},
		{"not an object", "POST", "/api/v1/brands", js, `["name"]`, 400, "", "JSON object"},
		{"wrong type", "POST", "/api/v1/brands", js, `{"name":123,"currency":"EUR","timezone":"UTC"}`, 422, "name", ""},
		{"too deep", "POST", brand + "/audiences/preview", js, `{"rule":` + strings.Repeat(`{"not":`, 100) + `{}` + strings.Repeat("}", 101), 400, "", "nested more than"},
		{"brand with Pages (domain conflict)", "DELETE", brand, "", "", 409, "", `"brand has 1 connected Page(s); disconnect them first"`},
	} {
		status, body := f.doAs(c.method, c.path, c.ct, c.body)
		if status != c.status {
			t.Errorf("%s: %d %s, want %d", c.name, status, trim(body), c.status)
			continue
		}
		checkNoLeak(t, c.name, body)
		if status < 400 {
			continue
		}
		e := decodeErr(t, body)
		if c.field != "" && e.Error.Fields[c.field] == "" {
			t.Errorf("%s: no error for field %q in %s", c.name, c.field, trim(body))
		}
		if c.inMessage != "" && !strings.Contains(body, c.inMessage) {
			t.Errorf("%s: %s, want a message with %q", c.name, trim(body), c.inMessage)
		}
	}
	// Nothing refused was written.
	status, body := f.do(caller{token: f.tokens[admin]}, "GET", brand, "")
	var b struct{ Name string }
	_ = json.Unmarshal([]byte(body), &b)
	if status != 200 || b.Name != "Merge" {
		t.Errorf("brand after the refused changes: %d %s", status, trim(body))
	}
}

// TestRefreshCronLimits: a refresh schedule firing more often than audiences.min_refresh_interval (1 hour by
// default) is a 422 naming refresh_cron, and a spec the parser refuses is explained without its words.
// Before, "* * * * *" was saved (a full build every minute) and parser messages reached the user.
func TestRefreshCronLimits(t *testing.T) {
	f := newFixture(t)
	aud := "/api/v1/brands/" + f.a1.ID + "/audiences/" + f.audience.ID
	for spec, want := range map[string]string{
		"* * * * *":      "every 1 minute",
		"*/5 * * * *":    "every 5 minutes",
		"0,30 * * * *":   "every 30 minutes",
		"0,1 9 * * 1":    "every 1 minute", // twice a week, a minute apart
		"59 23 * * *":    "",
		"0 * * * *":      "",
		"0 9 * * 1":      "",
		"0 */2 * * *":    "",
		"@daily":         "",
		"@hourly":        "",
		"every monday":   "5 fields",
		"61 * * * *":     "minute field",
		"0 25 * * *":     "hour field",
		"0 9 * * MON-":   "day-of-week field",
		"0 9 32 * *":     "day-of-month field",
		"@fortnightly":   "unknown shortcut",
		"0 9 * * * *":    "5 fields",
		"@every 1h":      "@every is not supported",
		"TZ=UTC 0 9 * *": "time zone",
	} {
		status, body := f.doAs("PATCH", aud, "application/json", `{"refresh_cron":"`+spec+`"}`)
		checkNoLeak(t, spec, body)
		if want == "" {
			if status != 200 {
				t.Errorf("%q: %d %s, want 200", spec, status, trim(body))
			}
			continue
		}
		if status != 422 {
			t.Errorf("%q: %d %s, want 422", spec, status, trim(body))
			continue
		}
		if msg := decodeErr(t, body).Error.Fields["refresh_cron"]; !strings.Contains(msg, want) {
			t.Errorf("%q: refresh_cron %q, want it to say %q", spec, msg, want)
		}
	}
}

// TestAudienceFormRuleStrict: the audience screen's rule field is held to the API's JSON rules, so a
// duplicate key inside the rule is named, not silently resolved (before, the last copy won); a null is the
// rule checker's to explain, as the builder sends one for a cleared number.
func TestAudienceFormRuleStrict(t *testing.T) {
	f := newFixture(t)
	base := "/brands/" + f.a1.ID + "/audiences"
	for rule, want := range map[string]string{
		`{"all":[{"field":"inbound_count","op":"gte","op":"lte","value":1}]}`: "rule.all[0].op",
		`{"field":"inbound_count","op":"gte","value":null}`:                   "whole number",
	} {
		r := f.uiPost(f.users[manager], base, url.Values{"name": {"Strict"}, "kind": {"rule"}, "rule": {rule}})
		if r.status != 422 || !strings.Contains(r.body, want) {
			t.Errorf("rule %s: %d %s, want 422 naming %s", rule, r.status, trim(r.body), want)
		}
	}
	var n int64
	f.store.DB().R.Raw("SELECT COUNT(*) FROM audiences WHERE name = 'Strict'").Scan(&n)
	if n != 0 {
		t.Errorf("%d audiences saved from refused forms", n)
	}
}

// TestWebhookErrorWithoutParserWords: a signed but malformed delivery is a 400 whose message does not
// carry the JSON parser's words (they go to the log). Before, the answer was the parser's error text.
func TestWebhookErrorWithoutParserWords(t *testing.T) {
	f := newFixture(t)
	for _, body := range []string{`{"object":"page","entry":[`, `{"object":"page","entry":[{"id":tru}]}`, `[1,2,3]`} {
		status, resp := f.postWebhook([]byte(body), "")
		if status != 400 {
			t.Errorf("%s: %d %s, want 400", body, status, resp)
		}
		checkNoLeak(t, body, resp)
		if strings.Contains(resp, "conversations") || strings.Contains(resp, "unexpected EOF") {
			t.Errorf("%s: %s carries internal words", body, resp)
		}
	}
}
