package conversations

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse feeds arbitrary bodies to the webhook parser and to what ingestion derives from each event before
// writing it (its retry key and its stored data). Nothing may panic; a refused body is ErrMalformed (the
// handler answers 400 on it); an accepted one gives events of known kinds on the Page of their entry, and
// parsing it again gives the same events. Seeds: the files in testdata/webhook.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "webhook", "*.json"))
	for _, p := range seeds {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"object":"page","entry":null}`))
	f.Add([]byte(`{"entry":[{"id":1e400,"time":"-1","messaging":[{"timestamp":1e30,"sender":{"id":[]}}]}]}`))
	known := map[string]bool{KindMessage: true, KindEcho: true, KindPostback: true, KindReferral: true, KindRead: true,
		KindDelivery: true, KindOptin: true, KindPassThread: true, KindTakeThread: true, KindRequestThread: true,
		KindAppRoles: true, KindUnknown: true}
	o := ParseOptions{AppID: "263902037430900", NLPThreshold: 0.5}
	f.Fuzz(func(t *testing.T, body []byte) {
		entries, err := Parse(body, o)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("refused with %v, want ErrMalformed", err)
			}
			return
		}
		n := 0
		for _, e := range entries {
			for i := range e.Events {
				ev := &e.Events[i]
				if !known[ev.Kind] {
					t.Fatalf("event of unknown kind %q", ev.Kind)
				}
				if ev.PageID != e.PageID {
					t.Fatalf("event on Page %q in the entry of %q", ev.PageID, e.PageID)
				}
				_ = dedupKey(ev)
				_ = eventData(ev)
				n++
			}
		}
		again, err := Parse(body, o)
		m := 0
		for _, e := range again {
			m += len(e.Events)
		}
		if err != nil || m != n {
			t.Fatalf("a second parse gives %d events (%v), the first %d", m, err, n)
		}
	})
}
