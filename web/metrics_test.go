package web_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"relance/web"
)

// scrape reads /metrics on the main listener with a bearer token ("" for none).
func (f *fixture) scrape(token string) (int, string) {
	f.t.Helper()
	return f.get("/metrics", token)
}

// get sends GET path with an optional bearer token.
func (f *fixture) get(path, token string) (int, string) {
	f.t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := f.srv.App().Test(req, -1)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestMetricsNotPublic: /metrics on the main listener answers only metrics.token, and 404 when no token is
// configured; the separate metrics listener serves /metrics alone. Before, anyone reaching the application
// could read every metric.
func TestMetricsNotPublic(t *testing.T) {
	f := newFixture(t)
	const series = "relance_http_requests_total"
	for _, c := range []struct {
		name, path, token string
		status            int
	}{
		{"no token", "/metrics", "", 401},
		{"wrong token", "/metrics", "metrics-test-token-0123456780", 401},
		{"an API token", "/metrics", f.tokens[admin], 401},
		{"token prefix", "/metrics", fixtureMetricsToken[:10], 401},
		{"upper case path", "/METRICS", "", 401},
		{"trailing slash", "/metrics/", "", 401},
		{"the token", "/metrics", fixtureMetricsToken, 200},
		{"the token, trailing slash", "/metrics/", fixtureMetricsToken, 200},
	} {
		status, body := f.get(c.path, c.token)
		if status != c.status || (status == 200) != strings.Contains(body, series) {
			t.Errorf("%s: %d %s, want %d", c.name, status, trim(body), c.status)
		}
	}

	// No token configured: /metrics does not exist on the main listener, whatever the caller sends.
	open := newFixtureWith(t, func(d *web.Deps) { d.MetricsToken = "" })
	for _, tok := range []string{"", fixtureMetricsToken, open.tokens[admin]} {
		if status, body := open.get("/metrics", tok); status != 404 || strings.Contains(body, series) {
			t.Errorf("no metrics.token, bearer %q: %d %s, want 404", tok, status, trim(body))
		}
	}

	// The metrics listener: /metrics only, with the token when one is set.
	serve := func(h http.Handler, method, path, token string) (int, string) {
		req := httptest.NewRequest(method, path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code, rec.Body.String()
	}
	for _, c := range []struct {
		name         string
		h            http.Handler
		method, path string
		token        string
		status       int
	}{
		{"listener without token config", open.srv.MetricsHandler(), "GET", "/metrics", "", 200},
		{"listener, other path", open.srv.MetricsHandler(), "GET", "/api/v1/brands", "", 404},
		{"listener, POST", open.srv.MetricsHandler(), "POST", "/metrics", "", 405},
		{"listener with token config, none sent", f.srv.MetricsHandler(), "GET", "/metrics", "", 401},
		{"listener with token config, sent", f.srv.MetricsHandler(), "GET", "/metrics", fixtureMetricsToken, 200},
	} {
		status, body := serve(c.h, c.method, c.path, c.token)
		if status != c.status || (status == 200) != strings.Contains(body, series) {
			t.Errorf("%s: %d %s, want %d", c.name, status, trim(body), c.status)
		}
	}
}
