package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestFinanceSeesNoMessageText: finance reads contacts (to count conversations against spend) but never what
// people wrote, in the API or on screen; an analyst sees the text; a brand viewer sees no conversation at all.
func TestFinanceSeesNoMessageText(t *testing.T) {
	f := newFixture(t)
	const secret = "secret.person@example.com"
	path := "/api/v1/brands/" + f.a1.ID + "/contacts/" + f.contact
	ui := "/brands/" + f.a1.ID + "/conversations/" + f.contact
	fin, viewer := f.users[finance], f.users[bViewer]
	status, body := f.do(caller{token: f.tokens[finance]}, "GET", path, "")
	if status != http.StatusOK || strings.Contains(body, secret) || strings.Contains(body, "My e-mail") {
		t.Errorf("finance API: %d %s", status, trim(body))
	}
	var thread struct {
		Entities []string `json:"entities"`
		Messages []struct {
			Text string `json:"text"`
		} `json:"messages"`
	}
	if err := json.Unmarshal([]byte(body), &thread); err != nil || len(thread.Messages) != 1 || thread.Messages[0].Text != "" {
		t.Errorf("finance thread: %+v %v", thread, err)
	}
	if len(thread.Entities) == 0 {
		t.Error("finance should still see which entities were mentioned")
	}
	if status, body := f.do(caller{user: &fin}, "GET", ui, ""); status != http.StatusOK || strings.Contains(body, secret) {
		t.Errorf("finance screen: %d", status)
	}
	if status, body := f.do(caller{token: f.tokens[analyst]}, "GET", path, ""); status != http.StatusOK || !strings.Contains(body, secret) {
		t.Errorf("analyst API: %d %s", status, trim(body))
	}
	if status, _ := f.do(caller{user: &viewer}, "GET", ui, ""); status != http.StatusForbidden {
		t.Errorf("brand viewer screen: %d, want 403", status)
	}
	status, body = f.do(caller{token: f.tokens[analyst]}, "GET", "/api/v1/brands/"+f.a1.ID+"/contacts?entity=email&reachability=ads_only&q=e-mail", "")
	if status != http.StatusOK || !strings.Contains(body, f.contact) {
		t.Errorf("filtered listing: %d %s", status, trim(body))
	}
	if status, _ := f.do(caller{token: f.tokens[analyst]}, "GET", "/api/v1/brands/"+f.a1.ID+"/contacts?reachability=cheap", ""); status != http.StatusUnprocessableEntity {
		t.Errorf("bad reachability filter: %d", status)
	}
}

// TestImportUpload uploads a CSV through the Conversations screen's form.
func TestImportUpload(t *testing.T) {
	f := newFixture(t)
	adm := f.users[admin]
	secret, csrf := f.session(adm)
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("_csrf", csrf)
	fw, _ := mw.CreateFormFile("file", "history.csv")
	fmt.Fprintf(fw, "page_id,psid,sent_at,text\n%s,7800,2025-05-01T09:00:00Z,Bonjour\n%s,7800,not-a-date,x\n", f.page.PageID, f.page.PageID)
	_ = mw.Close()
	req := httptest.NewRequest("POST", "/brands/"+f.a1.ID+"/conversations/import", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.AddCookie(&http.Cookie{Name: "relance_session", Value: secret})
	resp, err := f.srv.App().Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.Contains(string(body), `<strong id="imported">1</strong>`) || !strings.Contains(string(body), "not-a-date") {
		t.Fatalf("upload: %d %s", resp.StatusCode, trim(string(body)))
	}
}
