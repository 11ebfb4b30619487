package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"relance/conversations"
)

// TestKeptAsideCountWherePagesAreConnected: the brand screen tells an agency admin (who connects Pages) how
// many webhook entries that came through the agency's own apps wait for a Page nobody connected, and for how
// long they are kept; entries through relance's shared app are nobody's and not counted; others see nothing.
func TestKeptAsideCountWherePagesAreConnected(t *testing.T) {
	f := newFixture(t)
	body := `{"object":"page","entry":[{"id":"104999000000777","time":1764064800000,"messaging":[{"sender":{"id":"7450"},` +
		`"recipient":{"id":"104999000000777"},"timestamp":1764064800000,"message":{"mid":"m_aside","text":"hello?"}}]}]}`
	entries, err := conversations.Parse([]byte(body), conversations.ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Through one of the agency's own apps: the agency's to see.
	if res, err := f.ingest.SubmitFor(context.Background(), f.a.ID, entries); err != nil || res.Unrouted != 1 {
		t.Fatalf("%+v %v", res, err)
	}
	// Through relance's shared app, for another unconnected Page: nobody's, so no agency counts it.
	other := strings.ReplaceAll(strings.ReplaceAll(body, "104999000000777", "104999000000778"), "m_aside", "m_aside2")
	shared, err := conversations.Parse([]byte(other), conversations.ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res, err := f.ingest.Submit(context.Background(), shared); err != nil || res.Unrouted != 1 {
		t.Fatalf("%+v %v", res, err)
	}
	adm, an := f.users[admin], f.users[analyst]
	status, page := f.do(caller{user: &adm}, "GET", "/brands/"+f.a1.ID, "")
	if status != http.StatusOK || !strings.Contains(page, `id="kept-aside"`) || !strings.Contains(page, "<strong>1</strong>") ||
		!strings.Contains(page, "30 days") {
		t.Errorf("agency admin: %d, kept-aside line missing", status)
	}
	if status, page := f.do(caller{user: &an}, "GET", "/brands/"+f.a1.ID, ""); status != http.StatusOK || strings.Contains(page, `id="kept-aside"`) {
		t.Errorf("analyst: %d, sees the kept-aside line: %v", status, strings.Contains(page, `id="kept-aside"`))
	}
}
