package conversations_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"relance/conversations"
)

// TestConcurrentRetriesStoreOnce submits overlapping deliveries (Meta's retries of the same events, in
// different orders, for the same people) from many goroutines at once. On PostgreSQL several group commits
// run together: every submission must be answered without a deadlock, each event stored once, and each
// contact's count must add up.
func TestConcurrentRetriesStoreOnce(t *testing.T) {
	e := newEnv(t)
	const people, perPerson, copies = 8, 6, 4
	body := func(order []int) []byte {
		var items []string
		for _, k := range order {
			p, m := k/perPerson, k%perPerson
			items = append(items, fmt.Sprintf(`{"sender":{"id":"77%06d"},"recipient":{"id":"%s"},"timestamp":%d,"message":{"mid":"m_conc_%d_%d","text":"hello %d"}}`,
				p, fixturePage, 1700000000000+int64(k), p, m, k))
		}
		return []byte(`{"object":"page","entry":[{"id":"` + fixturePage + `","time":1700000000000,"messaging":[` + strings.Join(items, ",") + `]}]}`)
	}
	n := people * perPerson
	var bodies [][]byte
	for c := 0; c < copies; c++ {
		order := make([]int, n)
		for i := range order {
			if c%2 == 0 {
				order[i] = i
			} else {
				order[i] = n - 1 - i // the reverse order: the lock order must not depend on the delivery's
			}
		}
		bodies = append(bodies, body(order[:n-c]), body(order[c:]))
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	stored := 0
	for _, b := range bodies {
		entries, err := conversations.Parse(b, conversations.ParseOptions{AppID: ourApp})
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := e.in.Submit(context.Background(), entries)
			if err != nil {
				t.Errorf("Submit: %v", err)
				return
			}
			mu.Lock()
			stored += r.Stored
			mu.Unlock()
		}()
	}
	wg.Wait()
	if stored != n {
		t.Fatalf("stored %d events in all, want %d (each once)", stored, n)
	}
	e.fold(t)
	var total int64
	if err := e.db.R.Raw("SELECT COALESCE(SUM(inbound_count), 0) FROM contacts WHERE brand_id = ?", e.brand.ID).Scan(&total).Error; err != nil {
		t.Fatal(err)
	}
	if total != int64(n) {
		t.Fatalf("contacts count %d inbound messages, want %d", total, n)
	}
}
