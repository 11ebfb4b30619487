package web_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
)

// TestLoginNextStaysOnSite asks for /login?next=… with a session and checks where the redirect goes: every
// value a browser could read as another site (or another scheme) falls back to "/". Before, "/\t/evil.example",
// "/%2F%2Fevil" and control characters went through.
func TestLoginNextStaysOnSite(t *testing.T) {
	f := newFixture(t)
	secret, _ := f.session(f.users[admin])
	brands := "/brands/" + f.a1.ID
	for next, want := range map[string]string{
		// Legitimate local paths are kept as they are.
		"/":                                     "/",
		brands:                                  brands,
		brands + "/contacts?q=caf%C3%A9&page=2": brands + "/contacts?q=caf%C3%A9&page=2",
		"/brands?cursor=abc%3D%3D":              "/brands?cursor=abc%3D%3D",
		"/audit#top":                            "/audit#top",
		"/tokens?q=a%20b":                       "/tokens?q=a%20b",
		"/a:b":                                  "/a:b",
		// Hostile: another host, another scheme, or a form some browser normalises into one.
		"":                        "/",
		"//evil.example":          "/",
		"///evil.example":         "/",
		"/\\evil.example":         "/",
		"\\/evil.example":         "/",
		"/\t/evil.example":        "/",
		"/\n/evil.example":        "/",
		"/\r/evil.example":        "/",
		"\t//evil.example":        "/",
		" //evil.example":         "/",
		"/ /evil.example":         "/",
		"/\x00/evil.example":      "/",
		"/\x7f/evil.example":      "/",
		"/%2F%2Fevil.example":     "/",
		"/%2fevil.example":        "/",
		"%2F%2Fevil.example":      "/",
		"/%5Cevil.example":        "/",
		"/%5cevil.example":        "/",
		"/%09/evil.example":       "/",
		"/%0A/evil.example":       "/",
		"/%252F%252Fevil.example": "/",
		"/%25252F%25252Fevil":     "/",
		"/%zz":                    "/",
		"https://evil.example":    "/",
		"http:/evil.example":      "/",
		"https:evil.example":      "/",
		"//user@evil.example":     "/",
		"javascript:alert(1)":     "/",
		"JaVaScRiPt:alert(1)":     "/",
		"data:text/html,<script>": "/",
		"evil.example":            "/",
		"./evil":                  "/",
		"/／evil.example":          "/", // fullwidth solidus, raw
		"/\u3002evil.example":     "/",
		"/\\\\evil.example":       "/",
		"/\\/evil.example":        "/",
		"/.\\evil.example":        "/",
		"/%E2%80%AE/evil":         "/%E2%80%AE/evil", // decodes to a visible path, still local
		"/x?next=//evil.example":  "/x?next=//evil.example",
		"/x#//evil.example":       "/x#//evil.example",
		"/x?\\evil":               "/x?\\evil",
	} {
		req := httptest.NewRequest(http.MethodGet, "/login?next="+url.QueryEscape(next), nil)
		req.AddCookie(&http.Cookie{Name: "relance_session", Value: secret})
		resp, err := f.srv.App().Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		if got := resp.Header.Get("Location"); resp.StatusCode != http.StatusFound || got != want {
			t.Errorf("next=%q: %d to %q, want %q", next, resp.StatusCode, got, want)
		}
	}
}
