package web_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestConnectPageSubscribesWebhooks connects Pages through the API: relance's app is subscribed to the
// Page's webhooks, and when Meta refuses (an expired token) the Page stays connected and the answer says why.
func TestConnectPageSubscribesWebhooks(t *testing.T) {
	f := newFixture(t)
	f.withGraph(0)
	path := "/api/v1/brands/" + f.a1.ID + "/pages"
	status, body := f.do(caller{token: f.tokens[admin]}, "POST", path,
		`{"page_id":"104000000000881","name":"Subscribed","access_token":"EAABgoodPageToken0123456789"}`)
	if status != http.StatusCreated || !strings.Contains(body, `"webhooks":{"subscribed":true}`) {
		t.Fatalf("connect: %d %s", status, body)
	}
	status, body = f.do(caller{token: f.tokens[admin]}, "POST", path,
		`{"page_id":"104000000000882","name":"Refused","access_token":"EAABexpiredPageToken0123456789"}`)
	if status != http.StatusCreated || !strings.Contains(body, `"subscribed":false`) || !strings.Contains(body, "190") {
		t.Fatalf("connect with an expired token: %d %s", status, body)
	}
	if status, body := f.do(caller{token: f.tokens[admin]}, "GET", path, ""); status != http.StatusOK || !strings.Contains(body, "104000000000882") {
		t.Errorf("the refused Page should stay connected: %d %s", status, body)
	}
}
