package web_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"image"
	_ "image/png" // the QR code PNG must decode as a PNG
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	qr "github.com/piglig/go-qr"
)

// getRaw sends a GET with the caller's token (API) or a fresh session (UI) and returns the whole response.
func (f *fixture) getRaw(c caller, path string) (*http.Response, []byte) {
	f.t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if strings.HasPrefix(path, "/api/") {
		req.Header.Set("Authorization", "Bearer "+c.token)
	} else {
		secret, _ := f.session(*c.user)
		req.AddCookie(&http.Cookie{Name: "relance_session", Value: secret})
	}
	resp, err := f.srv.App().Test(req, -1)
	if err != nil {
		f.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// checkQR checks a QR code response: its content type, its file name, and that it is a real image of the
// link (the PNG decodes and reads back as the URL; the SVG is well-formed XML with an svg root).
func checkQR(t *testing.T, resp *http.Response, body []byte, ext, wantURL, wantFile string) {
	t.Helper()
	if resp.StatusCode != 200 {
		t.Fatalf("qr.%s: %d %s", ext, resp.StatusCode, body)
	}
	if cd := resp.Header.Get("Content-Disposition"); !strings.Contains(cd, `filename="`+wantFile+`"`) {
		t.Errorf("qr.%s Content-Disposition %q, want file name %s", ext, cd, wantFile)
	}
	switch ext {
	case "png":
		if ct := resp.Header.Get("Content-Type"); ct != "image/png" {
			t.Errorf("qr.png Content-Type %q", ct)
		}
		img, format, err := image.Decode(bytes.NewReader(body))
		if err != nil || format != "png" || img.Bounds().Dx() < 100 {
			t.Fatalf("qr.png does not decode as a PNG: %q %v", format, err)
		}
		if got, err := qr.Decode(img); err != nil || got != wantURL {
			t.Errorf("qr.png reads %q (%v), want %q", got, err, wantURL)
		}
	case "svg":
		if ct := resp.Header.Get("Content-Type"); ct != "image/svg+xml" {
			t.Errorf("qr.svg Content-Type %q", ct)
		}
		dec, root := xml.NewDecoder(bytes.NewReader(body)), ""
		for {
			tok, err := dec.Token()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("qr.svg is not well-formed XML: %v", err)
			}
			if se, ok := tok.(xml.StartElement); ok && root == "" {
				root = se.Name.Local
			}
		}
		if root != "svg" {
			t.Errorf("qr.svg root element %q", root)
		}
	}
}

// TestCampaignLinksAPI walks the entry points through the API: the campaign's own link and a labelled one
// with their m.me URLs, 422s naming the label (empty, too long, duplicate, no letter), QR codes as PNG and SVG
// with their content types and file names, a viewer who reads but cannot write, deletion, and the audit log.
func TestCampaignLinksAPI(t *testing.T) {
	f := newFixture(t)
	mgr, viewer := caller{token: f.tokens[manager]}, caller{token: f.tokens[bViewer]}
	base := "/api/v1/brands/" + f.a1.ID + "/campaigns/" + f.campaign.ID + "/links"
	pageURL := "https://m.me/" + f.page.PageID + "?ref="

	for label, want := range map[string]string{"": "is required", strings.Repeat("x", 61): "at most 60",
		"A1 SECRET flyer": "already used", "--": "letter or digit"} {
		body, _ := json.Marshal(map[string]string{"label": label})
		status, resp := f.do(mgr, "POST", base, string(body))
		if status != 422 || !strings.Contains(resp, `"label"`) || !strings.Contains(resp, want) {
			t.Errorf("label %q: %d %s, want 422 on label saying %q", label, status, resp, want)
		}
	}
	if status, _ := f.do(viewer, "POST", base, `{"label":"viewer"}`); status != 403 {
		t.Errorf("brand viewer creates a link: %d", status)
	}
	status, resp := f.do(mgr, "POST", base, `{"label":"instagram bio"}`)
	var made struct{ Label, Ref, URL, QRPNG, QRSVG string }
	if status != 201 || json.Unmarshal([]byte(resp), &struct {
		Label *string `json:"label"`
		Ref   *string `json:"ref"`
		URL   *string `json:"url"`
		PNG   *string `json:"qr_png"`
		SVG   *string `json:"qr_svg"`
	}{&made.Label, &made.Ref, &made.URL, &made.QRPNG, &made.QRSVG}) != nil {
		t.Fatalf("create: %d %s", status, resp)
	}
	if made.Ref != "a1-secret.instagram-bio" || made.URL != pageURL+"a1-secret.instagram-bio" || made.QRPNG != base+"/instagram%20bio/qr.png" {
		t.Errorf("created link: %+v", made)
	}

	status, resp = f.do(viewer, "GET", base, "")
	for _, want := range []string{`"label":""`, `"url":"` + pageURL + `a1-secret"`, `"qr_png":"` + base + `/-/qr.png"`,
		`"url":"` + pageURL + `a1-secret.a1-secret-flyer"`, `"url":"` + pageURL + `a1-secret.instagram-bio"`} {
		if status != 200 || !strings.Contains(resp, want) {
			t.Errorf("list lacks %s: %d %s", want, status, resp)
		}
	}

	r, b := f.getRaw(viewer, made.QRPNG)
	checkQR(t, r, b, "png", made.URL, "qr-a1-secret.instagram-bio.png")
	if cd := r.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "inline") {
		t.Errorf("qr.png without download: %q", cd)
	}
	r, b = f.getRaw(viewer, made.QRSVG+"?download=1")
	checkQR(t, r, b, "svg", made.URL, "qr-a1-secret.instagram-bio.svg")
	if cd := r.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment") {
		t.Errorf("qr.svg?download=1: %q", cd)
	}
	r, b = f.getRaw(viewer, base+"/-/qr.png")
	checkQR(t, r, b, "png", pageURL+"a1-secret", "qr-a1-secret.png")

	if status, _ := f.do(viewer, "DELETE", base+"/"+url.PathEscape("instagram bio"), ""); status != 403 {
		t.Errorf("viewer deletes: %d", status)
	}
	if status, resp := f.do(mgr, "DELETE", base+"/"+url.PathEscape("instagram bio"), ""); status != 204 {
		t.Fatalf("delete: %d %s", status, resp)
	}
	for _, p := range []string{made.QRPNG, base + "/-/nothing"} {
		if r, _ := f.getRaw(mgr, p); r.StatusCode != 404 {
			t.Errorf("GET %s after delete: %d", p, r.StatusCode)
		}
	}
	if status, _ := f.do(mgr, "DELETE", base+"/"+url.PathEscape("instagram bio"), ""); status != 404 {
		t.Errorf("delete twice: %d", status)
	}
	if status, _ := f.do(mgr, "DELETE", base+"/-", ""); status != 404 {
		t.Errorf("delete the campaign's own link: %d", status)
	}
	// A label with a slash is one path segment once escaped, for its QR codes and its deletion.
	if status, resp := f.do(mgr, "POST", base, `{"label":"in/out 50%"}`); status != 201 || !strings.Contains(resp, `"qr_svg":"`+base+`/in%2Fout%2050%25/qr.svg"`) {
		t.Fatalf("label with a slash: %d %s", status, resp)
	}
	r, b = f.getRaw(mgr, base+"/in%2Fout%2050%25/qr.svg")
	checkQR(t, r, b, "svg", pageURL+"a1-secret.in-out-50", "qr-a1-secret.in-out-50.svg")
	if status, _ := f.do(mgr, "DELETE", base+"/in%2Fout%2050%25", ""); status != 204 {
		t.Errorf("delete the label with a slash: %d", status)
	}
	// A link may not take the ref of another campaign on the Page.
	if status, resp := f.do(mgr, "POST", "/api/v1/brands/"+f.a1.ID+"/campaigns", f.campaignBody("Promo", "a1-secret.promo")); status != 201 {
		t.Fatalf("create a campaign with a dotted ref: %d %s", status, resp)
	}
	if status, resp := f.do(mgr, "POST", base, `{"label":"Promo"}`); status != 422 || !strings.Contains(resp, "another campaign on this Page") {
		t.Errorf("a link taking another campaign's ref: %d %s", status, resp)
	}
	// Nor may a campaign take the ref of another campaign's link.
	if status, resp := f.do(mgr, "POST", "/api/v1/brands/"+f.a1.ID+"/campaigns", f.campaignBody("Copycat", "a1-secret.a1-secret-flyer")); status != 422 ||
		!strings.Contains(resp, `"ref"`) || !strings.Contains(resp, "labelled link of another campaign") {
		t.Errorf("a campaign taking a link's ref: %d %s", status, resp)
	}
	// A draft with links can still be deleted: its links go with it.
	status, resp = f.do(mgr, "POST", "/api/v1/brands/"+f.a1.ID+"/campaigns", f.campaignBody("Short-lived", "short-lived"))
	var draft struct{ ID string }
	if status != 201 || json.Unmarshal([]byte(resp), &draft) != nil {
		t.Fatalf("create a draft: %d %s", status, resp)
	}
	other := "/api/v1/brands/" + f.a1.ID + "/campaigns/" + draft.ID
	if status, _ := f.do(mgr, "POST", other+"/links", `{"label":"flyer"}`); status != 201 {
		t.Fatalf("link on the draft: %d", status)
	}
	if status, resp := f.do(mgr, "DELETE", other, ""); status != 204 {
		t.Errorf("delete a draft with a link: %d %s", status, resp)
	}
	if status, _ := f.do(mgr, "GET", other+"/links", ""); status != 404 {
		t.Errorf("links of a deleted draft: %d", status)
	}
	status, resp = f.do(caller{token: f.tokens[admin]}, "GET", "/api/v1/audit?object_id="+f.campaign.ID, "")
	for _, want := range []string{`"action":"campaign.link_create"`, `"action":"campaign.link_delete"`, "instagram bio"} {
		if status != 200 || !strings.Contains(resp, want) {
			t.Errorf("audit lacks %s: %d %s", want, status, resp)
		}
	}
}

// TestCampaignLinksScreen checks the campaign page: each link with a copy button and its QR code with
// download links, the add form for writers only, a refused label re-rendered with 422 and the reason, and
// adding and deleting through the forms.
func TestCampaignLinksScreen(t *testing.T) {
	f := newFixture(t)
	mgrU, finU := f.users[manager], f.users[finance]
	mgr, fin := caller{user: &mgrU}, caller{user: &finU}
	page := "/brands/" + f.a1.ID + "/campaigns/" + f.campaign.ID
	flyer := page + "/links/A1%20secret%20flyer"

	status, body := f.do(mgr, "GET", page, "")
	for _, want := range []string{`id="links"`, `data-copy="https://m.me/` + f.page.PageID + `?ref=a1-secret.a1-secret-flyer"`,
		`src="` + flyer + `/qr.png"`, `href="` + flyer + `/qr.svg?download=1" download`, `href="` + page + `/links/-/qr.png?download=1"`,
		`id="link-form"`, `action="` + flyer + `/delete"`} {
		if status != 200 || !strings.Contains(body, want) {
			t.Errorf("campaign page lacks %s: %d", want, status)
		}
	}
	if strings.Contains(body, "<script>") {
		t.Error("the campaign page has an inline script")
	}
	status, body = f.do(fin, "GET", page, "")
	if status != 200 || !strings.Contains(body, `data-copy="https://m.me/`) || strings.Contains(body, `id="link-form"`) || strings.Contains(body, "/delete\"") {
		t.Errorf("finance sees links without the forms: %d", status)
	}
	status, body = f.do(mgr, "POST", page+"/links", "label=a1+secret+FLYER")
	if status != 422 || !strings.Contains(body, `id="label-error"`) || !strings.Contains(body, "already used") {
		t.Errorf("duplicate label: %d %s", status, trim(body))
	}
	if status, _ = f.do(fin, "POST", page+"/links", "label=finance"); status != 403 {
		t.Errorf("finance adds a link: %d", status)
	}
	if status, _ = f.do(mgr, "POST", page+"/links", "label=Flyer+2"); status != 303 {
		t.Fatalf("add a link: %d", status)
	}
	r, b := f.getRaw(fin, page+"/links/Flyer%202/qr.svg")
	checkQR(t, r, b, "svg", "https://m.me/"+f.page.PageID+"?ref=a1-secret.flyer-2", "qr-a1-secret.flyer-2.svg")
	r, b = f.getRaw(fin, page+"/links/Flyer%202/qr.png")
	checkQR(t, r, b, "png", "https://m.me/"+f.page.PageID+"?ref=a1-secret.flyer-2", "qr-a1-secret.flyer-2.png")
	if status, _ = f.do(mgr, "POST", flyer+"/delete", ""); status != 303 {
		t.Errorf("delete a link: %d", status)
	}
	if _, body = f.do(mgr, "GET", page, ""); strings.Contains(body, `data-ref="a1-secret.a1-secret-flyer"`) || !strings.Contains(body, `data-ref="a1-secret.flyer-2"`) {
		t.Error("the page still shows the deleted link, or lost the new one")
	}
}
