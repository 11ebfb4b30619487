package meta

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// TestInsightsFollowNextAsGiven: the client follows paging.next as Meta gives it (its query kept whole), with
// its own credentials in the header and the proof, and drops any access_token Meta copied into the link.
func TestInsightsFollowNextAsGiven(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	var base string
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.URL.RawQuery+" auth="+r.Header.Get("Authorization"))
		mu.Unlock()
		if r.URL.Query().Get("after") == "" {
			fmt.Fprintf(w, `{"data":[{"ad_id":"1","spend":"1.00","account_currency":"USD"}],"paging":{"cursors":{"after":"C1"},`+
				`"next":"%s/v25.0/act_9/insights?access_token=COPIED-BY-META&fields=ad_id%%2Cspend&level=ad&limit=1&after=C1&odd=kept"}}`, base)
			return
		}
		_, _ = w.Write([]byte(`{"data":[{"ad_id":"2","spend":"2.00","account_currency":"USD"}],"paging":{"cursors":{"after":"C2"}}}`))
	}, Options{})
	base = c.base.String()
	rows, err := c.Insights(context.Background(), "tok-123456", "9", InsightsQuery{Level: LevelAd, Fields: []string{"ad_id", "spend"},
		Since: "2026-03-01", Until: "2026-03-02", Limit: 1})
	if err != nil || len(rows) != 2 || rows[1].AdID != "2" {
		t.Fatalf("rows %+v, %v", rows, err)
	}
	second := seen[1]
	if strings.Contains(second, "COPIED-BY-META") || strings.Contains(second, "access_token") ||
		!strings.Contains(second, "odd=kept") || !strings.Contains(second, "after=C1") ||
		!strings.Contains(second, "appsecret_proof="+AppSecretProof("app-secret", "tok-123456")) ||
		!strings.HasSuffix(second, "auth=Bearer tok-123456") {
		t.Fatalf("second request: %s", second)
	}
}

// TestForeignNextIsRefused: a next link to another server would carry the token there; it is refused.
func TestForeignNextIsRefused(t *testing.T) {
	calls := 0
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		calls++
		_, _ = w.Write([]byte(`{"data":[{"ad_id":"1"}],"paging":{"next":"https://graph.example.net/v25.0/act_9/insights?after=C1"}}`))
	}, Options{})
	_, err := c.Insights(context.Background(), "tok", "9", InsightsQuery{Level: LevelAd, Since: "2026-03-01", Until: "2026-03-02"})
	if !errors.Is(err, ErrForeignNext) || calls != 1 {
		t.Fatalf("err %v after %d calls", err, calls)
	}
}
