package meta

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeClock advances only when something sleeps (unless frozen), and records how long.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	slept  []time.Duration
	frozen bool // concurrent sleepers all measure from the same instant
}

func (f *fakeClock) Now() time.Time { f.mu.Lock(); defer f.mu.Unlock(); return f.now }

func (f *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if d > 0 {
		f.slept = append(f.slept, d)
		if !f.frozen {
			f.now = f.now.Add(d)
		}
	}
	return ctx.Err()
}

func (f *fakeClock) total() time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	var t time.Duration
	for _, d := range f.slept {
		t += d
	}
	return t
}

func newTestClient(t *testing.T, h http.HandlerFunc, o Options) (*Client, *fakeClock) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	clock := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	o.BaseURL, o.Version, o.AppSecret, o.Clock = srv.URL, "v25.0", "app-secret", clock
	c, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	c.jitter = func() float64 { return 1 } // deterministic backoff: the full delay
	return c, clock
}

func textMessage() Message {
	return Message{PageID: "104000000000001", Token: "page-token", Recipient: "7100000000000001",
		MessagingType: MessagingResponse, Text: "Hello", QuickReplies: []QuickReply{{Title: "Yes", Payload: "YES"}}, Metadata: "relance:send:1"}
}

func TestSendSignsVersionsAndShapes(t *testing.T) {
	var got map[string]any
	var path, proof, token, query string
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		path, token, query = r.URL.Path, r.Header.Get("Authorization"), r.URL.RawQuery
		_ = json.NewDecoder(r.Body).Decode(&got)
		proof, _ = got["appsecret_proof"].(string)
		_, _ = w.Write([]byte(`{"recipient_id":"7100000000000001","message_id":"m_1"}`))
	}, Options{})
	res, err := c.Send(context.Background(), textMessage())
	if err != nil || res.MessageID != "m_1" {
		t.Fatalf("send: %+v %v", res, err)
	}
	// The token travels in the header and the proof in the body: nothing secret in the URL.
	if path != "/v25.0/104000000000001/messages" || token != "Bearer page-token" || proof != AppSecretProof("app-secret", "page-token") || query != "" {
		t.Errorf("path %s query %q token %s proof %s", path, query, token, proof)
	}
	b, _ := json.Marshal(got)
	for _, want := range []string{`"messaging_type":"RESPONSE"`, `"recipient":{"id":"7100000000000001"}`, `"text":"Hello"`,
		`"quick_replies":[{"content_type":"text","payload":"YES","title":"Yes"}]`, `"metadata":"relance:send:1"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("body %s lacks %s", b, want)
		}
	}
}

func TestSendRefusesWhatMetaRefuses(t *testing.T) {
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) { t.Error("no call expected") }, Options{})
	for _, m := range []func(*Message){
		func(m *Message) { m.MessagingType = "" },
		func(m *Message) { m.Tag = TagHumanAgent },
		func(m *Message) { m.MessagingType = MessagingTag },
		func(m *Message) { m.QuickReplies = make([]QuickReply, 14) },
		func(m *Message) { m.Text = strings.Repeat("x", 2001) },
		func(m *Message) { m.Text = "" },
	} {
		msg := textMessage()
		m(&msg)
		if _, err := c.Send(context.Background(), msg); !errors.Is(err, ErrInvalidMessage) {
			t.Errorf("%+v: err = %v", msg, err)
		}
	}
}

func TestRetriesThrottledAndTransientButNotTheRest(t *testing.T) {
	var calls atomic.Int32
	c, clock := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		switch calls.Add(1) {
		case 1:
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"error":{"message":"Calls to this api have exceeded the rate limit.","type":"OAuthException","code":613,"fbtrace_id":"A1"}}`))
		case 2:
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write([]byte(`{"error":{"message":"An unexpected error has occurred.","type":"OAuthException","code":2,"is_transient":true}}`))
		default:
			_, _ = w.Write([]byte(`{"recipient_id":"1","message_id":"m_ok"}`))
		}
	}, Options{BaseBackoff: time.Second})
	if _, err := c.Send(context.Background(), textMessage()); err != nil {
		t.Fatalf("send after two failures: %v", err)
	}
	if calls.Load() != 3 || clock.total() < 3*time.Second {
		t.Errorf("calls %d, waited %v (want 3 calls, at least 1 s + 2 s of backoff)", calls.Load(), clock.total())
	}

	calls.Store(0)
	c2, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"error":{"message":"(#10) This message is sent outside of allowed window.","type":"OAuthException","code":10,"error_subcode":2018278}}`))
	}, Options{})
	_, err := c2.Send(context.Background(), textMessage())
	if ClassOf(err) != ClassOutsideWindow || calls.Load() != 1 {
		t.Errorf("outside the window: class %s after %d calls", ClassOf(err), calls.Load())
	}
}

func TestHonoursTimeToRegainAccess(t *testing.T) {
	var calls atomic.Int32
	c, clock := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.Header().Set("X-Business-Use-Case-Usage", `{"104000000000001":[{"type":"messenger","call_count":100,"total_cputime":20,"total_time":30,"estimated_time_to_regain_access":7}]}`)
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"error":{"message":"User request limit reached","type":"OAuthException","code":17}}`))
			return
		}
		_, _ = w.Write([]byte(`{"recipient_id":"1","message_id":"m_ok"}`))
	}, Options{})
	if _, err := c.Send(context.Background(), textMessage()); err != nil {
		t.Fatal(err)
	}
	if clock.total() < 7*time.Minute {
		t.Errorf("waited %v, Meta asked for 7 minutes", clock.total())
	}
}

func TestPacingPerPage(t *testing.T) {
	c, clock := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"recipient_id":"1","message_id":"m"}`))
	}, Options{SendRate: 5})
	clock.frozen = true
	var wg sync.WaitGroup
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.Send(context.Background(), textMessage()); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	// 10 calls at 5 per second on one Page: the last leaves 9 intervals of 200 ms after the first.
	last := time.Duration(0)
	for _, d := range clock.slept {
		last = max(last, d)
	}
	if last != 1800*time.Millisecond {
		t.Errorf("longest wait %v, want 1.8 s", last)
	}
	other := textMessage()
	other.PageID = "104000000000002"
	clock.slept = nil
	if _, err := c.Send(context.Background(), other); err != nil || len(clock.slept) != 0 {
		t.Errorf("another Page waited %v", clock.slept)
	}
}

// TestPacingSharedByMarketingMessages: Send API messages and Marketing Messages of one Page draw on the same
// per-Page pace (DESIGN §5: every route is paced at Meta's rate).
func TestPacingSharedByMarketingMessages(t *testing.T) {
	c, clock := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/messages") && strings.Contains(r.URL.Path, "act_") {
			_, _ = w.Write([]byte(`{"success":true,"marketing_message_tracking_id":"7"}`))
			return
		}
		_, _ = w.Write([]byte(`{"recipient_id":"1","message_id":"m"}`))
	}, Options{SendRate: 5})
	clock.frozen = true
	page := textMessage().PageID
	var wg sync.WaitGroup
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			if i%2 == 0 {
				_, err = c.Send(context.Background(), textMessage())
			} else {
				_, err = c.SendMarketingMessage(context.Background(), "EAAB-token", "act_1", MarketingMessage{CampaignID: "mc1",
					PageID: page, SubscriptionToken: "tok", Text: "Spring is here"})
			}
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	last := time.Duration(0)
	for _, d := range clock.slept {
		last = max(last, d)
	}
	if last != 1800*time.Millisecond {
		t.Errorf("longest wait %v, want 1.8 s: both kinds of message share the Page's pace", last)
	}
}
