package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"relance/conversations"
	"relance/meta/sandbox"
	"relance/tenancy"
)

// connectBody is the API body connecting a Page.
func connectBody(pageID, name, token string) string {
	b, _ := json.Marshal(tenancy.PageInput{PageID: pageID, Name: name, AccessToken: token})
	return string(b)
}

// subscribed says whether the sandbox has relance's app on the Page's webhooks (asked with the Page's token).
func (f *fixture) subscribed(pageID string) bool {
	f.t.Helper()
	apps, err := f.deps.Graph.SubscribedApps(context.Background(), pageID, sandbox.PageToken(sandboxSecret, pageID))
	if err != nil {
		f.t.Fatal(err)
	}
	return len(apps) > 0
}

// TestConnectPageNeedsThePagesOwnToken: agency B cannot claim agency A's Page with any token but the Page's
// own, and its refusals are the same, byte for byte, whether the Page is held in relance or exists nowhere,
// so they tell B nothing. Meta's refusal (an expired token) keeps nothing; before, any token of the right
// shape connected any Page and kept it when Meta refused the subscription.
func TestConnectPageNeedsThePagesOwnToken(t *testing.T) {
	f := newFixture(t)
	bAdmin := caller{token: f.tokens["b_admin"]}
	path := "/api/v1/brands/" + f.b1.ID + "/pages"
	const nowhere = "104777000000001"
	for name, token := range map[string]string{
		"a token of B's own other Page": sandbox.PageToken(sandboxSecret, "104888000000001"),
		"a token Meta does not know":    "EAABgoodPageToken0123456789",
		"an expired token":              "EAABexpiredPageToken0123456789",
		"a token forged for the Page":   "EAABsbx" + f.page.PageID + "P0123456789abcdef0123456789abcdef",
	} {
		heldStatus, held := f.do(bAdmin, "POST", path, connectBody(f.page.PageID, "Mine now", token))
		freeStatus, free := f.do(bAdmin, "POST", path, connectBody(nowhere, "Mine now", token))
		if heldStatus != http.StatusUnprocessableEntity || !strings.Contains(held, `"access_token"`) {
			t.Errorf("%s on A's Page: %d %s", name, heldStatus, held)
		}
		if heldStatus != freeStatus || held != free {
			t.Errorf("%s: A's Page answers %d %s, a Page held nowhere %d %s", name, heldStatus, held, freeStatus, free)
		}
	}
	if status, body := f.do(bAdmin, "GET", path, ""); status != http.StatusOK || strings.Contains(body, "page_id") {
		t.Errorf("B holds Pages after refusals: %d %s", status, body)
	}
	if f.subscribed(nowhere) {
		t.Errorf("a refused connection subscribed relance's app to the Page")
	}
	// Even with the Page's own token, B gets a conflict that says nothing about A.
	status, body := f.do(bAdmin, "POST", path, connectBody(f.page.PageID, "Mine now", fixturePageToken))
	if status != http.StatusConflict {
		t.Errorf("the Page's own token on a Page A holds: %d %s", status, body)
	}
	for _, secret := range []string{f.a1.ID, f.a1.Name, f.a.Name, f.page.Name, f.page.ID} {
		if strings.Contains(body, secret) {
			t.Errorf("the conflict names A's %q: %s", secret, body)
		}
	}
	f.assertAgencyAUntouched()
}

// TestConnectPageSubscribesWebhooks connects a Page with its own token through the API and the UI: Meta
// confirmed it and relance's app is on the Page's webhooks.
func TestConnectPageSubscribesWebhooks(t *testing.T) {
	f := newFixture(t)
	const page, uiPage = "104000000000881", "104000000000882"
	status, body := f.do(caller{token: f.tokens[admin]}, "POST", "/api/v1/brands/"+f.a1.ID+"/pages",
		connectBody(page, "Subscribed", sandbox.PageToken(sandboxSecret, page)))
	if status != http.StatusCreated || !strings.Contains(body, `"webhooks":{"subscribed":true}`) || !f.subscribed(page) {
		t.Fatalf("connect: %d %s", status, body)
	}
	u := f.users[admin]
	form := "page_id=" + uiPage + "&name=Form&access_token=" + sandbox.PageToken(sandboxSecret, page) // another Page's
	if status, body := f.do(caller{user: &u}, "POST", "/brands/"+f.a1.ID+"/pages", form); status != http.StatusUnprocessableEntity ||
		!strings.Contains(body, "did not confirm") {
		t.Errorf("UI connect with another Page's token: %d", status)
	}
	form = "page_id=" + uiPage + "&name=Form&access_token=" + sandbox.PageToken(sandboxSecret, uiPage)
	if status, _ := f.do(caller{user: &u}, "POST", "/brands/"+f.a1.ID+"/pages", form); status != http.StatusSeeOther || !f.subscribed(uiPage) {
		t.Errorf("UI connect with the Page's token: %d", status)
	}
	if status, body := f.do(caller{user: &u}, "POST", "/brands/"+f.a1.ID+"/pages", form); status != http.StatusConflict ||
		!strings.Contains(body, "already connected") {
		t.Errorf("UI connect of a connected Page: %d", status)
	}
}

// TestKeptAsideEntriesGoOnlyToAVerifiedOwner: webhooks of a Page nobody connected are kept aside; a squatter
// without the Page's token cannot connect it to have them replayed to its agency (before, it could), the
// owner can.
func TestKeptAsideEntriesGoOnlyToAVerifiedOwner(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	const page = "104666000000001"
	f.seedContact(ctx, page, "7199000000000777", "kept aside for the Page's owner")
	o := conversations.ParseOptions{AppID: fixtureApp, NLPThreshold: 0.8}
	squatter := caller{token: f.tokens["b_admin"]}
	path := "/api/v1/brands/" + f.b1.ID + "/pages"
	if status, body := f.do(squatter, "POST", path, connectBody(page, "Squat", "EAAB-squatter-token-00000")); status != http.StatusUnprocessableEntity {
		t.Fatalf("squatter's connection: %d %s", status, body)
	}
	if n, err := f.ingest.Replay(ctx, o); err != nil || n != 0 {
		t.Fatalf("replay after the squatter's attempt: %d %v", n, err)
	}
	if status, body := f.do(squatter, "GET", "/api/v1/brands/"+f.b1.ID+"/contacts", ""); status != http.StatusOK || strings.Contains(body, "7199000000000777") {
		t.Fatalf("the squatter sees the kept-aside contact: %d %s", status, body)
	}
	owner := caller{token: f.tokens[admin]}
	if status, body := f.do(owner, "POST", "/api/v1/brands/"+f.a2.ID+"/pages", connectBody(page, "Owned", sandbox.PageToken(sandboxSecret, page))); status != http.StatusCreated {
		t.Fatalf("owner's connection: %d %s", status, body)
	}
	if n, err := f.ingest.Replay(ctx, o); err != nil || n != 1 {
		t.Fatalf("replay to the owner: %d %v", n, err)
	}
	if status, body := f.do(owner, "GET", "/api/v1/brands/"+f.a2.ID+"/contacts", ""); status != http.StatusOK || !strings.Contains(body, "7199000000000777") {
		t.Errorf("the owner does not get the kept-aside contact: %d %s", status, body)
	}
}

// TestDisconnectPageUnsubscribesAtMeta: disconnecting removes relance's app from the Page at Meta, and the
// next webhook of the Page is kept aside at once (the route cache held it for up to 30 s). When Meta
// refuses, the Page is still disconnected and the answer says so.
func TestDisconnectPageUnsubscribesAtMeta(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	const page = "104000000000883"
	adminC := caller{token: f.tokens[admin]}
	status, body := f.do(adminC, "POST", "/api/v1/brands/"+f.a1.ID+"/pages", connectBody(page, "Leaving", sandbox.PageToken(sandboxSecret, page)))
	if status != http.StatusCreated {
		t.Fatalf("connect: %d %s", status, body)
	}
	var p tenancy.Page
	_ = json.Unmarshal([]byte(body), &p)
	if f.seedContact(ctx, page, "7199000000000884", "before") == "" {
		t.Fatal("the connected Page's webhook was not stored")
	}
	status, body = f.do(adminC, "DELETE", "/api/v1/brands/"+f.a1.ID+"/pages/"+p.ID, "")
	if status != http.StatusOK || !strings.Contains(body, `"unsubscribed":true`) || f.subscribed(page) {
		t.Fatalf("disconnect: %d %s (subscribed %v)", status, body, f.subscribed(page))
	}
	if id := f.seedContact(ctx, page, "7199000000000885", "after"); id != "" {
		t.Errorf("a webhook after the disconnection was routed to the brand")
	}
	// A token Meta refuses by now: the Page is disconnected all the same, and the answer says Meta refused.
	expired, err := f.store.Tenant(f.a.ID).ConnectPage(ctx, f.a1.ID, tenancy.PageInput{PageID: "104000000000886", Name: "Expired",
		AccessToken: "EAAB-expired-page-token-886"})
	if err != nil {
		t.Fatal(err)
	}
	status, body = f.do(adminC, "DELETE", "/api/v1/brands/"+f.a1.ID+"/pages/"+expired.ID, "")
	if status != http.StatusOK || !strings.Contains(body, `"unsubscribed":false`) || !strings.Contains(body, "190") {
		t.Errorf("disconnect with a token Meta refuses: %d %s", status, body)
	}
	if status, body := f.do(adminC, "GET", "/api/v1/brands/"+f.a1.ID+"/pages", ""); strings.Contains(body, "104000000000886") || strings.Contains(body, page) {
		t.Errorf("a disconnected Page is still listed: %d %s", status, body)
	}
	// The UI says the same.
	uiPage, err := f.store.Tenant(f.a.ID).ConnectPage(ctx, f.a1.ID, tenancy.PageInput{PageID: "104000000000887", Name: "UI",
		AccessToken: "EAAB-expired-page-token-887"})
	if err != nil {
		t.Fatal(err)
	}
	u := f.users[admin]
	if status, _ := f.do(caller{user: &u}, "POST", "/brands/"+f.a1.ID+"/pages/"+uiPage.ID+"/delete", ""); status != http.StatusSeeOther {
		t.Errorf("UI disconnect: %d", status)
	}
	if _, err := f.store.Tenant(f.a.ID).PageToken(ctx, "104000000000887"); err == nil {
		t.Errorf("the UI disconnection left the Page connected")
	}
}

// TestVerifiedOwnerReclaimsAPageConnectedWithoutConfirmation: a Page agency B connected before relance asked
// Meta (no verified_at) does not get the Page's kept-aside webhooks, and does not block the Page's owner:
// agency A connects it with the Page's token, B loses it (its audit log says so, without naming A), and the
// kept-aside and new webhooks go to A.
func TestVerifiedOwnerReclaimsAPageConnectedWithoutConfirmation(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	const page = "104555000000001"
	o := conversations.ParseOptions{AppID: fixtureApp, NLPThreshold: 0.8}
	f.seedContact(ctx, page, "7199000000000555", "kept aside before anyone connected the Page")
	squat, err := f.store.Tenant(f.b.ID).ConnectPage(ctx, f.b1.ID, tenancy.PageInput{PageID: page, Name: "Squatted",
		AccessToken: "EAAB-squatter-token-00000"})
	if err != nil {
		t.Fatal(err)
	}
	// As a Page connected before the check was: no verified_at.
	if err := f.store.DB().W.Exec("UPDATE pages SET verified_at = NULL WHERE id = ?", squat.ID).Error; err != nil {
		t.Fatal(err)
	}
	if n, err := f.ingest.Replay(ctx, o); err != nil || n != 0 {
		t.Fatalf("replay to a holder Meta never confirmed: %d %v", n, err)
	}
	bUser := f.other["b_admin"]
	if status, body := f.do(caller{user: &bUser}, "GET", "/brands/"+f.b1.ID, ""); status != http.StatusOK || !strings.Contains(body, "not confirmed by Meta") {
		t.Errorf("B's brand page does not flag the unconfirmed Page: %d", status)
	}
	f.seedContact(ctx, page, "7199000000000554", "while B holds the Page") // B's while it holds it; routes cached
	owner := caller{token: f.tokens[admin]}
	status, body := f.do(owner, "POST", "/api/v1/brands/"+f.a2.ID+"/pages", connectBody(page, "Owned", sandbox.PageToken(sandboxSecret, page)))
	if status != http.StatusCreated || !strings.Contains(body, `"verified_at":"`) {
		t.Fatalf("the owner's connection: %d %s", status, body)
	}
	if n, err := f.ingest.Replay(ctx, o); err != nil || n != 1 {
		t.Fatalf("replay to the owner: %d %v", n, err)
	}
	f.seedContact(ctx, page, "7199000000000556", "after the owner connected the Page")
	ownerContacts := "/api/v1/brands/" + f.a2.ID + "/contacts"
	if _, body := f.do(owner, "GET", ownerContacts, ""); !strings.Contains(body, "7199000000000555") || !strings.Contains(body, "7199000000000556") {
		t.Errorf("the owner lacks the Page's contacts: %s", body)
	}
	bAdmin := caller{token: f.tokens["b_admin"]}
	if _, body := f.do(bAdmin, "GET", "/api/v1/brands/"+f.b1.ID+"/pages", ""); strings.Contains(body, page) {
		t.Errorf("B still holds the Page: %s", body)
	}
	if _, body := f.do(bAdmin, "GET", "/api/v1/brands/"+f.b1.ID+"/contacts", ""); strings.Contains(body, "7199000000000555") ||
		strings.Contains(body, "7199000000000556") || !strings.Contains(body, "7199000000000554") {
		t.Errorf("B's contacts: want only the one from while it held the Page: %s", body)
	}
	_, body = f.do(bAdmin, "GET", "/api/v1/audit?action=page.", "")
	if !strings.Contains(body, "without that confirmation") {
		t.Errorf("B's audit log does not say why the Page left: %s", body)
	}
	for _, secret := range []string{f.a.Name, f.a2.Name, f.a2.ID, f.users[admin].Email} {
		if strings.Contains(body, secret) {
			t.Errorf("B's audit log names A's %q: %s", secret, body)
		}
	}
}
