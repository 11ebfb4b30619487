package web_test

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

// TestOpenAPIDescribesEveryRoute fails when an /api/v1 route the router serves is missing from the document.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	f := newFixture(t)
	status, body := f.do(caller{}, "GET", "/api/v1/openapi.json", "")
	if status != 200 {
		t.Fatalf("status %d", status)
	}
	var doc struct {
		OpenAPI    string                                `json:"openapi"`
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Schemas map[string]json.RawMessage `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil || !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("not an OpenAPI 3 document: %v", err)
	}
	param := regexp.MustCompile(`:([a-z_]+)`)
	for _, key := range routerRoutes(f) {
		method, path, _ := strings.Cut(key, " ")
		if !strings.HasPrefix(path, "/api/v1/") {
			continue
		}
		p := param.ReplaceAllString(strings.TrimPrefix(path, "/api/v1"), "{$1}")
		if _, ok := doc.Paths[p][strings.ToLower(method)]; !ok {
			t.Errorf("%s is not in openapi.json (as %s %s)", key, strings.ToLower(method), p)
		}
	}
	// Every $ref resolves.
	for _, m := range regexp.MustCompile(`#/components/schemas/([A-Za-z]+)`).FindAllStringSubmatch(body, -1) {
		if _, ok := doc.Components.Schemas[m[1]]; !ok {
			t.Errorf("dangling $ref %s", m[1])
		}
	}
}
