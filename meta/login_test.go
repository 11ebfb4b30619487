package meta_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"relance/meta"
	"relance/meta/sandbox"
)

// loginCode walks the sandbox's Login dialog as a browser would and returns where it redirected.
func loginCode(t *testing.T, p pair, dialog, person, decision string) *url.URL {
	t.Helper()
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(dialog)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("dialog GET: %v %v", resp, err)
	}
	resp.Body.Close()
	resp, err = noFollow.PostForm(dialog, url.Values{"person": {person}, "decision": {decision}})
	if err != nil || resp.StatusCode != http.StatusFound {
		t.Fatalf("dialog POST: %v %v", resp, err)
	}
	resp.Body.Close()
	u, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestLoginRoundTrip: dialog → code → token → long-lived token → the person's Pages (with Page tokens that
// pass the ownership check) and ad accounts; a code works once, only with its redirect_uri.
func TestLoginRoundTrip(t *testing.T) {
	p := newPair(t, sandbox.Options{AppID: "999000111"})
	ctx := context.Background()
	p.S.RegisterAccount(sandbox.Account{ID: "act_230777000000001", Name: "Bistro ads", Currency: "EUR", Timezone: "Europe/Paris"})
	p.S.RegisterPage("104777000000001", "Bistro Lyon", "")
	p.S.RegisterPage("104777000000002", "Bistro Nice", "")
	p.S.RegisterPerson(sandbox.Person{ID: "500777", Name: "Camille", Pages: []string{"104777000000001", "104777000000002"},
		AdAccounts: []string{"act_230777000000001"}})
	redirect := "https://relance.example/oauth/facebook/callback"
	dialog := meta.DialogURL(p.URL+"/v25.0", "999000111", redirect, "st4te")
	if !strings.Contains(dialog, "scope=pages_show_list%2Cpages_messaging%2Cpages_manage_metadata%2Cads_management%2Cbusiness_management") {
		t.Fatalf("dialog URL: %s", dialog)
	}
	back := loginCode(t, p, dialog, "500777", "allow")
	code := back.Query().Get("code")
	if back.Query().Get("state") != "st4te" || code == "" {
		t.Fatalf("redirect: %s", back)
	}
	var me *meta.Error
	if _, err := p.C.ExchangeCode(ctx, "999000111", redirect+"?x=1", code); !errors.As(err, &me) || me.Subcode != 36008 {
		t.Fatalf("another redirect_uri: %v", err)
	}
	tok, err := p.C.ExchangeCode(ctx, "999000111", redirect, code)
	if err != nil || tok.AccessToken == "" || tok.ExpiresIn <= 0 {
		t.Fatalf("exchange: %+v %v", tok, err)
	}
	_, err = p.C.ExchangeCode(ctx, "999000111", redirect, code)
	if !errors.As(err, &me) || me.Code != 100 || me.Subcode != 36009 {
		t.Fatalf("replayed code: %v", err)
	}
	if strings.Contains(err.Error(), code) || strings.Contains(err.Error(), testSecret) {
		t.Fatalf("the error shows a credential: %v", err)
	}
	long, err := p.C.LongLivedToken(ctx, "999000111", tok.AccessToken)
	if err != nil || long.ExpiresIn < 50*24*3600 {
		t.Fatalf("long-lived: %+v %v", long, err)
	}
	pages, err := p.C.MyPages(ctx, long.AccessToken)
	if err != nil || len(pages) != 2 || pages[0].Name != "Bistro Lyon" || !strings.HasPrefix(pages[0].PictureURL(), "data:image/svg+xml,") {
		t.Fatalf("pages: %+v %v", pages, err)
	}
	if me, err := p.C.Me(ctx, pages[1].AccessToken); err != nil || me.ID != "104777000000002" {
		t.Fatalf("the listed Page token does not speak for its Page: %+v %v", me, err)
	}
	accts, err := p.C.MyAdAccounts(ctx, long.AccessToken)
	if err != nil || len(accts) != 1 || accts[0].ID != "act_230777000000001" || accts[0].Currency != "EUR" || accts[0].TimezoneName != "Europe/Paris" {
		t.Fatalf("ad accounts: %+v %v", accts, err)
	}
	denied := loginCode(t, p, dialog, "500777", "deny")
	if denied.Query().Get("error") != "access_denied" || denied.Query().Get("code") != "" || denied.Query().Get("state") != "st4te" {
		t.Fatalf("cancelled: %s", denied)
	}
}

// TestLoginDialogRefusesOtherApps: a dialog for another app id answers Meta's error page, no redirect.
func TestLoginDialogRefusesOtherApps(t *testing.T) {
	p := newPair(t, sandbox.Options{AppID: "999000111"})
	resp, err := http.Get(meta.DialogURL(p.URL, "123", "https://relance.example/cb", "s"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("status %d", resp.StatusCode)
	}
}

// TestSandboxRegistersPeople: POST /_sandbox/users takes Pages and ad accounts as ids or objects, and
// answers 400 for a person without a numeric id.
func TestSandboxRegistersPeople(t *testing.T) {
	p := newPair(t, sandbox.Options{AppID: "999000111"})
	post := func(body string) int {
		req, _ := http.NewRequest("POST", p.URL+"/_sandbox/users", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+testSecret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := post(`{"id":"me","name":"x"}`); got != http.StatusBadRequest {
		t.Fatalf("a bad id: %d", got)
	}
	if got := post(`{"id":"500888","name":"Lou","pages":["104888000000001",{"id":"104888000000002","name":"Chez Lou"}],
		"ad_accounts":[{"id":"act_230888000000001","name":"Lou ads","currency":"JPY","timezone":"Asia/Tokyo"}]}`); got != http.StatusOK {
		t.Fatalf("register: %d", got)
	}
	back := loginCode(t, p, meta.DialogURL(p.URL, "999000111", "http://127.0.0.1/cb", "s"), "500888", "allow")
	tok, err := p.C.ExchangeCode(context.Background(), "999000111", "http://127.0.0.1/cb", back.Query().Get("code"))
	if err != nil {
		t.Fatal(err)
	}
	pages, err := p.C.MyPages(context.Background(), tok.AccessToken)
	if err != nil || len(pages) != 2 || pages[1].Name != "Chez Lou" {
		t.Fatalf("pages: %+v %v", pages, err)
	}
	accts, err := p.C.MyAdAccounts(context.Background(), tok.AccessToken)
	if err != nil || len(accts) != 1 || accts[0].Currency != "JPY" {
		t.Fatalf("ad accounts: %+v %v", accts, err)
	}
}
