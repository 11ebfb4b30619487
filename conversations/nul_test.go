package conversations_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"relance/conversations"
)

// TestNULIsStoredWithoutIt: PostgreSQL refuses NUL in text, so a message with \u0000 failed its whole batch.
// The NUL is dropped, from the parsed fields and from the raw JSON kept beside them, on both databases, and a
// neighbour delivered at the same time is stored too.
func TestNULIsStoredWithoutIt(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	bad := []byte(`{"object":"page","entry":[{"id":"` + fixturePage + `","time":1764064800000,"messaging":[
		{"sender":{"id":"7410"},"recipient":{"id":"` + fixturePage + `"},"timestamp":1764064800000,"message":{"mid":"m_nul","text":"caf\u0000\u00e9 \\u0000 ok","metadata":"m\u0000d"}},
		{"sender":{"id":"7410"},"recipient":{"id":"` + fixturePage + `"},"timestamp":1764064800001,"postback":{"mid":"pb_nul","title":"T\u0000","payload":"P\u0000AY"}},
		{"sender":{"id":"7410"},"recipient":{"id":"` + fixturePage + `"},"timestamp":1764064800002,"referral":{"source":"ADS","ref":"r\u0000ef","ad_id":"2385"}},
		{"sender":{"id":"7410"},"recipient":{"id":"` + fixturePage + `"},"timestamp":1764064800003,"strange":{"x":"\u0000"}}]},
		{"id":"104000000000555","time":1764064800000,"messaging":[{"sender":{"id":"7411"},"recipient":{"id":"104000000000555"},"timestamp":1764064800000,"message":{"mid":"m_nul_aside","text":"a\u0000b"}}]}]}`)
	good := []byte(`{"object":"page","entry":[{"id":"` + fixturePage + `","time":1764064800000,"messaging":[
		{"sender":{"id":"7412"},"recipient":{"id":"` + fixturePage + `"},"timestamp":1764064800000,"message":{"mid":"m_neighbour","text":"hello"}}]}]}`)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, body := range [][]byte{bad, good} {
		wg.Add(1)
		go func(i int, body []byte) {
			defer wg.Done()
			entries, err := conversations.Parse(body, conversations.ParseOptions{AppID: ourApp})
			if err == nil {
				_, err = e.in.Submit(ctx, entries)
			}
			errs[i] = err
		}(i, body)
	}
	wg.Wait()
	if errs[0] != nil || errs[1] != nil {
		t.Fatalf("deliveries: %v / %v", errs[0], errs[1])
	}
	var text, meta string
	e.db.R.Raw("SELECT text, metadata FROM messages WHERE mid = 'm_nul'").Row().Scan(&text, &meta)
	if text != `café \u0000 ok` || meta != "md" {
		t.Errorf("text %q, metadata %q", text, meta)
	}
	var payload, ref string
	e.db.R.Raw("SELECT payload FROM contact_events WHERE kind = 'postback'").Scan(&payload)
	e.db.R.Raw("SELECT ref_ref FROM contact_events WHERE kind = 'referral'").Scan(&ref)
	if payload != "PAY" || ref != "ref" {
		t.Errorf("payload %q, ref %q", payload, ref)
	}
	var data, body string
	e.db.R.Raw("SELECT data FROM contact_events WHERE kind = 'unknown'").Scan(&data)
	e.db.R.Raw("SELECT body FROM unrouted_entries").Scan(&body)
	raws := []string{data, body}
	if data == "" || body == "" {
		t.Fatalf("raw rows: %q", raws)
	}
	for _, r := range raws {
		if strings.Contains(r, `\u0000`) || strings.ContainsRune(r, 0) {
			t.Errorf("raw JSON kept a NUL: %s", r)
		}
	}
	e.contactID(t, "7412")
}
