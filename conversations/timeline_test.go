package conversations_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"relance/conversations"
)

// TestThreadPageBackwards pages a thread from the newest: every message once, in order, including those
// sharing a millisecond across a page boundary; each referral once; receipts left out.
func TestThreadPageBackwards(t *testing.T) {
	e := newEnv(t)
	const psid, n = "7400000000000001", 120
	var items []string
	base := int64(1764064800000)
	for i := 0; i < n; i++ {
		at := base + int64(i/3)*1000 // three messages per millisecond value
		items = append(items, fmt.Sprintf(`{"sender":{"id":"%s"},"recipient":{"id":"%s"},"timestamp":%d,"message":{"mid":"m_tl_%03d","text":"message %03d"}}`,
			psid, fixturePage, at, i, i))
	}
	items = append(items,
		fmt.Sprintf(`{"sender":{"id":"%s"},"recipient":{"id":"%s"},"timestamp":%d,"referral":{"ref":"first","source":"SHORTLINK","type":"OPEN_THREAD"}}`, psid, fixturePage, base-1000),
		fmt.Sprintf(`{"sender":{"id":"%s"},"recipient":{"id":"%s"},"timestamp":%d,"referral":{"ref":"middle","source":"SHORTLINK","type":"OPEN_THREAD"}}`, psid, fixturePage, base+20000),
		fmt.Sprintf(`{"sender":{"id":"%s"},"recipient":{"id":"%s"},"timestamp":%d,"read":{"watermark":%d}}`, psid, fixturePage, base+50000, base+50000))
	e.ingest(t, []byte(`{"object":"page","entry":[{"id":"`+fixturePage+`","time":1764064800000,"messaging":[`+strings.Join(items, ",")+`]}]}`))
	ctx := context.Background()
	page, err := e.reader.Contacts(ctx, e.brand.Policy, conversations.Filter{PSID: psid}, "", 1)
	if err != nil || len(page.Contacts) != 1 {
		t.Fatalf("contact: %v", err)
	}
	id := page.Contacts[0].ID
	var texts []string
	refs := map[string]int{}
	cursor, pages := "", 0
	for {
		th, older, err := e.reader.ThreadPage(ctx, id, cursor, 50)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		var chunk []string
		for _, m := range th.Messages {
			chunk = append(chunk, m.Text)
		}
		texts = append(chunk, texts...)
		for _, ev := range th.Events {
			if ev.Kind == conversations.KindRead || ev.Kind == conversations.KindDelivery {
				t.Errorf("a receipt in the timeline: %+v", ev)
			}
			if ev.Kind == conversations.KindReferral {
				refs[string(ev.Data)]++
			}
		}
		if older == "" {
			break
		}
		cursor = older
	}
	if pages != 3 || len(texts) != n {
		t.Fatalf("%d pages, %d messages; want 3 pages, %d messages", pages, len(texts), n)
	}
	for i, txt := range texts {
		if txt != fmt.Sprintf("message %03d", i) {
			t.Fatalf("message %d is %q", i, txt)
		}
	}
	if len(refs) != 2 {
		t.Errorf("referrals seen: %v, want two, once each", refs)
	}
	for r, c := range refs {
		if c != 1 {
			t.Errorf("referral %s seen %d times", r, c)
		}
	}
	if _, _, err := e.reader.ThreadPage(ctx, id, "bogus!", 50); err == nil {
		t.Error("a bogus cursor was accepted")
	}
}
