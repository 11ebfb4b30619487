package web_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// apiErr is the API's error body.
type apiErr struct {
	Error struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Fields  map[string]string `json:"fields"`
	} `json:"error"`
}

func decodeErr(t *testing.T, body string) apiErr {
	t.Helper()
	var e apiErr
	if err := json.Unmarshal([]byte(body), &e); err != nil || e.Error.Code == "" {
		t.Fatalf("not an API error body: %s", body)
	}
	return e
}

// TestBadInput checks the status and error body for each kind of bad request.
func TestBadInput(t *testing.T) {
	f := newFixture(t)
	adminC := caller{token: f.tokens[admin]}
	cases := []struct {
		name, method, path, body string
		c                        caller
		status                   int
		fields                   []string
	}{
		{"malformed JSON", "POST", "/api/v1/brands", `{"name": "x",`, adminC, 400, nil},
		{"not an object", "POST", "/api/v1/brands", `["x"]`, adminC, 400, nil},
		{"empty body", "POST", "/api/v1/brands", ``, adminC, 400, nil},
		{"trailing data", "POST", "/api/v1/brands", `{"name":"x"} {}`, adminC, 400, nil},
		{"missing fields", "POST", "/api/v1/brands", `{}`, adminC, 422, []string{"name", "currency", "timezone"}},
		{"invalid fields", "POST", "/api/v1/brands", `{"name":"x","currency":"EURO","timezone":"Nowhere/Land","policy":"meta-1999"}`, adminC, 422, []string{"currency", "timezone", "policy"}},
		{"wrong type", "POST", "/api/v1/brands", `{"name": 12}`, adminC, 422, []string{"name"}},
		{"unknown field", "POST", "/api/v1/brands", `{"nmae": "x"}`, adminC, 422, []string{"nmae"}},
		{"bad page", "POST", "/api/v1/brands/:brand/pages", `{"page_id":"abc","name":"","access_token":"short"}`, adminC, 422, []string{"page_id", "name", "access_token"}},
		{"bad user", "POST", "/api/v1/users", `{"email":"not-an-email","role":"emperor"}`, adminC, 422, []string{"email", "role"}},
		{"brand role without brand", "POST", "/api/v1/users", `{"email":"x@example.com","role":"brand_viewer"}`, adminC, 422, []string{"brand_id"}},
		{"bad cursor", "GET", "/api/v1/brands?cursor=%%%", "", adminC, 422, []string{"cursor"}},
		{"bad limit", "GET", "/api/v1/brands?limit=0", "", adminC, 422, []string{"limit"}},
		{"control character in a filter", "GET", "/api/v1/audit?action=%00", "", adminC, 422, []string{"action"}},
		{"bad audit date", "GET", "/api/v1/audit?since=yesterday", "", adminC, 422, []string{"since"}},
		{"no credentials", "GET", "/api/v1/me", "", caller{}, 401, nil},
		{"unknown token", "GET", "/api/v1/me", "", caller{token: "rlc_nope"}, 401, nil},
		{"not allowed", "POST", "/api/v1/brands", `{"name":"x","currency":"EUR","timezone":"UTC"}`, caller{token: f.tokens[finance]}, 403, nil},
		{"unknown brand", "GET", "/api/v1/brands/01900000-0000-7000-8000-000000000000", "", adminC, 404, nil},
		{"not a brand id", "GET", "/api/v1/brands/../../etc", "", adminC, 404, nil},
		{"conflict", "DELETE", "/api/v1/brands/:brand", "", adminC, 409, nil},
		{"unknown route", "GET", "/api/v1/nothing", "", adminC, 404, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, body := f.do(c.c, c.method, f.fill(c.path, true), c.body)
			if status != c.status {
				t.Fatalf("status %d, want %d: %s", status, c.status, trim(body))
			}
			e := decodeErr(t, body)
			for _, field := range c.fields {
				if e.Error.Fields[field] == "" {
					t.Errorf("no error for field %q in %v", field, e.Error.Fields)
				}
			}
		})
	}
	status, body := f.do(caller{token: f.tokens[admin]}, "POST", "/api/v1/brands", `{"name":"Bien","currency":"eur","timezone":"Europe/Paris"}`)
	if status != http.StatusCreated || !strings.Contains(body, `"currency":"EUR"`) || !strings.Contains(body, `"policy":"meta-current"`) {
		t.Errorf("create brand: %d %s", status, body)
	}
}

// junkBodies are bodies no client should send; none may produce a 5xx or a panic.
var junkBodies = []string{
	"", " ", "{", "}", "null", "true", "0", "-1e999", `"x"`, "[]", "[{}]", "{}", `{"":""}`,
	`{"name":null}`, `{"name":123}`, `{"name":{"a":1}}`, `{"name":["a"]}`, `{"name":"` + strings.Repeat("é", 5000) + `"}`,
	`{"name":"\u0000\ud800"}`, "\xff\xfe\xfd", `{"page_id":1e400}`, `{"role":true,"brand_id":[]}`,
	`{"email":"a@b.c","role":"agency_admin","password":"` + strings.Repeat("p", 2000) + `"}`,
	strings.Repeat("[", 10000) + strings.Repeat("]", 10000), `{"a":` + strings.Repeat(`{"a":`, 5000) + "1" + strings.Repeat("}", 5001),
	`{"currency":"EUR","timezone":"../../../../etc/passwd","name":"x"}`, `{"timezone":"Local","name":"x","currency":"EUR"}`,
	`{"name":"x","currency":"XXX","timezone":"UTC"}`, `{"account_id":"act_","name":"x"}`, `{"account_id":"act_-1","name":"x"}`,
}

// TestJunkBodies sends every junk body to every API write route as an agency admin.
func TestJunkBodies(t *testing.T) {
	f := newFixture(t)
	for _, key := range routerRoutes(f) {
		method, path, _ := strings.Cut(key, " ")
		if !strings.HasPrefix(path, "/api/") || method == http.MethodGet {
			continue
		}
		for _, body := range junkBodies {
			status, resp := f.do(caller{token: f.tokens[admin]}, method, f.fill(path, false), body)
			if status >= 500 {
				t.Errorf("%s with %q: %d %s", key, trim(body), status, trim(resp))
			}
			if status >= 400 {
				decodeErr(t, resp)
			}
		}
	}
}

// FuzzBrandBody feeds arbitrary bodies to brand creation; `go test -fuzz=FuzzBrandBody ./web` explores further.
func FuzzBrandBody(f *testing.F) {
	for _, b := range junkBodies {
		f.Add(b)
	}
	fx := newFixture(f)
	f.Fuzz(func(t *testing.T, body string) {
		fx.t = t
		status, resp := fx.do(caller{token: fx.tokens[admin]}, "POST", "/api/v1/brands", body)
		if status >= 500 {
			t.Fatalf("status %d for %q: %s", status, body, resp)
		}
	})
}
