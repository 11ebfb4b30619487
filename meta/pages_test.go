package meta_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"relance/meta"
	"relance/meta/sandbox"
)

const (
	testPage  = "104000000000001"
	testPSID  = "7100000000000001"
	pageToken = "EAAB-page-token"
)

// ownToken is the Page token the test sandbox issues for testPage: the only one it lets speak for the Page
// in /me and subscribed_apps.
var ownToken = sandbox.PageToken(testSecret, testPage)

// TestSendRoundTrip sends a text inside the window and finds the send, its echo (with relance's app id
// and the metadata) and the answer's ids.
func TestSendRoundTrip(t *testing.T) {
	p := newPair(t, sandbox.Options{AppID: "555000000000001"})
	ctx := context.Background()
	p.S.RegisterThread(testPage, testPSID, "US", p.S.Now().Add(-time.Hour), "")
	res, err := p.C.Send(ctx, meta.Message{PageID: testPage, Token: pageToken, Recipient: testPSID,
		MessagingType: meta.MessagingResponse, Text: "Hello!", Metadata: "send:42",
		QuickReplies: []meta.QuickReply{{Title: "Yes", Payload: "YES"}}})
	if err != nil {
		t.Fatal(err)
	}
	if res.RecipientID != testPSID || !strings.HasPrefix(res.MessageID, "m_") {
		t.Fatalf("answer %+v", res)
	}
	sends := p.S.Sends()
	if len(sends) != 1 || sends[0].Text != "Hello!" || sends[0].Metadata != "send:42" || sends[0].MessagingType != "RESPONSE" {
		t.Fatalf("sends %+v", sends)
	}
	pending := p.S.Pending()
	if len(pending) != 1 {
		t.Fatalf("%d webhooks queued, want the echo", len(pending))
	}
	var body struct {
		Entry []struct {
			ID        string `json:"id"`
			Messaging []struct {
				Sender  struct{ ID string }
				Message struct {
					IsEcho   bool   `json:"is_echo"`
					AppID    int64  `json:"app_id"`
					Mid      string `json:"mid"`
					Metadata string `json:"metadata"`
				}
			}
		}
	}
	if err := json.Unmarshal(pending[0], &body); err != nil {
		t.Fatal(err)
	}
	m := body.Entry[0].Messaging[0]
	if body.Entry[0].ID != testPage || m.Sender.ID != testPage || !m.Message.IsEcho || m.Message.AppID != 555000000000001 ||
		m.Message.Mid != res.MessageID || m.Message.Metadata != "send:42" {
		t.Fatalf("echo %s", pending[0])
	}
}

// TestSendWindow checks the sandbox judges the window as Meta does: standard messages within 24 hours,
// HUMAN_AGENT within 7 days, unknown people and blocked ones refused.
func TestSendWindow(t *testing.T) {
	p := newPair(t, sandbox.Options{})
	ctx := context.Background()
	now := p.S.Now()
	send := func(psid, mt, tag string) error {
		_, err := p.C.Send(ctx, meta.Message{PageID: testPage, Token: pageToken, Recipient: psid, MessagingType: mt, Tag: tag, Text: "hi"})
		return err
	}
	p.S.RegisterThread(testPage, "7100000000000010", "", now.Add(-23*time.Hour-59*time.Minute), "")
	p.S.RegisterThread(testPage, "7100000000000011", "", now.Add(-24*time.Hour-time.Minute), "")
	p.S.RegisterThread(testPage, "7100000000000012", "", now.Add(-8*24*time.Hour), "")
	cases := []struct {
		psid, mt, tag string
		want          meta.Class
	}{
		{"7100000000000010", meta.MessagingResponse, "", ""},
		{"7100000000000011", meta.MessagingResponse, "", meta.ClassOutsideWindow},
		{"7100000000000011", meta.MessagingUpdate, "", meta.ClassOutsideWindow},
		{"7100000000000011", meta.MessagingTag, meta.TagHumanAgent, ""},
		{"7100000000000012", meta.MessagingTag, meta.TagHumanAgent, meta.ClassOutsideWindow},
		{"7199999999999999", meta.MessagingResponse, "", meta.ClassPersonUnavailable},
	}
	for _, c := range cases {
		err := send(c.psid, c.mt, c.tag)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s %s %s: %v", c.psid, c.mt, c.tag, err)
		case c.want != "" && meta.ClassOf(err) != c.want:
			t.Errorf("%s %s %s: got %v (%s), want %s", c.psid, c.mt, c.tag, err, meta.ClassOf(err), c.want)
		}
	}
	var me *meta.Error
	err := send("7100000000000011", meta.MessagingResponse, "")
	if !asMeta(err, &me) || me.Code != 10 || me.Subcode != 2018278 || me.FBTraceID == "" {
		t.Fatalf("outside window error %+v", me)
	}
}

func asMeta(err error, me **meta.Error) bool {
	e, ok := err.(*meta.Error)
	if ok {
		*me = e
	}
	return ok
}

// TestSandboxRefusesWhatMetaRefuses covers the checks every call goes through.
func TestSandboxRefusesWhatMetaRefuses(t *testing.T) {
	p := newPair(t, sandbox.Options{})
	ctx := context.Background()
	p.S.RegisterThread(testPage, testPSID, "", p.S.Now(), "")
	msg := meta.Message{PageID: testPage, Token: pageToken, Recipient: testPSID, MessagingType: meta.MessagingResponse, Text: "hi"}

	wrong, _ := meta.New(meta.Options{BaseURL: p.URL, Version: "v25.0", AppSecret: "not-the-secret", SendRate: -1})
	_, err := wrong.Send(ctx, msg)
	var me *meta.Error
	if !asMeta(err, &me) || me.Code != 100 || !strings.Contains(me.Message, "appsecret_proof") {
		t.Errorf("wrong appsecret_proof: %v", err)
	}
	old, _ := meta.New(meta.Options{BaseURL: p.URL, Version: "v12.0", AppSecret: testSecret, SendRate: -1})
	if _, err := old.Send(ctx, msg); !asMeta(err, &me) || me.Code != 2635 {
		t.Errorf("deprecated version: %v", err)
	}
	expired := msg
	expired.Token = "expired-token"
	if _, err := p.C.Send(ctx, expired); meta.ClassOf(err) != meta.ClassTokenInvalid {
		t.Errorf("expired token: %v", err)
	}
	resp, err := http.Get(p.URL + "/" + testPage + "/messages?access_token=x")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if e := meta.ParseError(resp.StatusCode, raw, resp.Header); e.Code != 100 || !strings.Contains(e.Message, "version") {
		t.Errorf("unversioned call: %d %s", resp.StatusCode, raw)
	}
	long := msg
	long.Text = strings.Repeat("a", 2001)
	if _, err := p.C.Send(ctx, long); err == nil {
		t.Errorf("a 2001-character text was sent")
	}
}

// TestSandboxThrottles raises the usage headers call by call, then answers code 4 as the app's limit is
// reached; the client reports the usage it saw.
func TestSandboxThrottles(t *testing.T) {
	p := newPair(t, sandbox.Options{AppCallsPerHour: 4, Now: func() time.Time { return time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC) }})
	ctx := context.Background()
	var seen []int
	for range 4 {
		if _, err := p.C.SubscribedApps(ctx, testPage, ownToken); err != nil {
			t.Fatal(err)
		}
		seen = append(seen, p.C.Usage())
	}
	if seen[0] != 25 || seen[3] != 100 {
		t.Errorf("usage seen %v, want 25 … 100", seen)
	}
	_, err := p.C.SubscribedApps(ctx, testPage, ownToken)
	var me *meta.Error
	if !asMeta(err, &me) || me.Code != 4 || !meta.IsThrottled(err) {
		t.Fatalf("over the limit: %v", err)
	}
}

// TestSandboxTransientFailures fails a share of calls with code 2: the client retries them, and what still fails
// is transient.
func TestSandboxTransientFailures(t *testing.T) {
	// At 0.9 a call fails even after the client's three retries about two times in three (0.9⁴), so both
	// outcomes show in 30 calls; a fail_rate that did nothing would leave no failure at all.
	p := newPair(t, sandbox.Options{FailRate: 0.9, Seed: "flaky"})
	ctx := context.Background()
	var failed, ok int
	for range 30 {
		_, err := p.C.SubscribedApps(ctx, testPage, ownToken)
		switch {
		case err == nil:
			ok++
		case meta.IsTransient(err):
			failed++
		default:
			t.Fatalf("unexpected error %v", err)
		}
	}
	if failed == 0 || ok == 0 {
		t.Errorf("%d calls failed and %d succeeded: fail_rate should give both", failed, ok)
	}
}

// TestSubscribedAppsRoundTrip subscribes, lists and unsubscribes relance's app.
func TestSubscribedAppsRoundTrip(t *testing.T) {
	p := newPair(t, sandbox.Options{AppID: "555000000000001"})
	ctx := context.Background()
	if err := p.C.SubscribeApp(ctx, testPage, ownToken, meta.MessengerFields); err != nil {
		t.Fatal(err)
	}
	apps, err := p.C.SubscribedApps(ctx, testPage, ownToken)
	if err != nil || len(apps) != 1 || apps[0].ID != "555000000000001" || len(apps[0].SubscribedFields) != len(meta.MessengerFields) {
		t.Fatalf("apps %+v %v", apps, err)
	}
	if err := p.C.SubscribeApp(ctx, testPage, ownToken, []string{"messages", "feed_of_nothing"}); meta.ClassOf(err) != meta.ClassInvalidParameter {
		t.Errorf("unknown field: %v", err)
	}
	if err := p.C.UnsubscribeApp(ctx, testPage, ownToken); err != nil {
		t.Fatal(err)
	}
	if apps, _ := p.C.SubscribedApps(ctx, testPage, ownToken); len(apps) != 0 {
		t.Errorf("still subscribed: %+v", apps)
	}
}

// TestConversationsRoundTrip pages through a Page's threads and a thread's messages as a backfill does.
func TestConversationsRoundTrip(t *testing.T) {
	p := newPair(t, sandbox.Options{ReplyRate: 1})
	ctx := context.Background()
	for i, psid := range []string{"7100000000000021", "7100000000000022", "7100000000000023"} {
		p.S.RegisterThread(testPage, psid, "", p.S.Now(), "")
		for k := 0; k <= i; k++ {
			if _, err := p.C.Send(ctx, meta.Message{PageID: testPage, Token: pageToken, Recipient: psid,
				MessagingType: meta.MessagingResponse, Text: "message"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := p.S.Advance(ctx, time.Hour); err != nil { // the replies fall due
		t.Fatal(err)
	}
	var threads []meta.Conversation
	after := ""
	for {
		pg, err := p.C.Conversations(ctx, testPage, pageToken, after, 2)
		if err != nil {
			t.Fatal(err)
		}
		threads = append(threads, pg.Data...)
		if pg.Paging.Next == "" {
			break
		}
		after = pg.Paging.Cursors.After
	}
	if len(threads) != 3 {
		t.Fatalf("%d threads, want 3", len(threads))
	}
	for _, th := range threads {
		if len(th.Participants.Data) != 2 || len(th.Messages.Data) < 2 {
			t.Fatalf("thread %+v", th)
		}
	}
	last := threads[0]
	mp, err := p.C.ConversationMessages(ctx, last.ID, pageToken, "", 1)
	if err != nil || len(mp.Data) != 1 || mp.Paging.Next == "" {
		t.Fatalf("messages page %+v %v", mp, err)
	}
	if got := mp.Data[0]; got.From.ID == testPage || got.Message == "" {
		t.Errorf("newest message should be the person's reply: %+v", got)
	}
}

// TestPageTokenSpeaksForItsPageOnly checks the sandbox answers as Meta: a Page token's /me is its Page, and a
// token issued for another Page, or no Page token at all, cannot subscribe, list or unsubscribe the app nor
// send as the Page. The tokens of /me and subscribed_apps travel in the Authorization header, never in the URL.
func TestPageTokenSpeaksForItsPageOnly(t *testing.T) {
	var urls []string
	var mu sync.Mutex
	p := newPair(t, sandbox.Options{AppID: "555000000000001"})
	c, err := meta.New(meta.Options{BaseURL: p.URL, Version: "v25.0", AppSecret: testSecret, SendRate: -1, Retries: 1,
		HTTP: &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			mu.Lock()
			urls = append(urls, r.URL.String())
			mu.Unlock()
			return http.DefaultTransport.RoundTrip(r)
		})}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	me, err := c.Me(ctx, ownToken)
	if err != nil || me.ID != testPage {
		t.Fatalf("/me with the Page's token: %+v %v", me, err)
	}
	if err := c.SubscribeApp(ctx, testPage, ownToken, meta.MessengerFields); err != nil {
		t.Fatalf("subscribe with the Page's token: %v", err)
	}
	other := sandbox.PageToken(testSecret, "104000000000002")
	forged := ownToken[:len(ownToken)-1] + "0"
	if forged == ownToken {
		forged = ownToken[:len(ownToken)-1] + "1"
	}
	for name, tc := range map[string]struct {
		token string
		class meta.Class
		code  int
	}{
		"another Page's token": {other, meta.ClassPermission, 200},
		"a token of no Page":   {pageToken, meta.ClassTokenInvalid, 190},
		"a forged Page token":  {forged, meta.ClassTokenInvalid, 190},
	} {
		var me *meta.Error
		if err := c.SubscribeApp(ctx, testPage, tc.token, meta.MessengerFields); !asMeta(err, &me) || me.Code != tc.code || meta.ClassOf(err) != tc.class {
			t.Errorf("subscribe with %s: %v", name, err)
		}
		if err := c.UnsubscribeApp(ctx, testPage, tc.token); meta.ClassOf(err) != tc.class {
			t.Errorf("unsubscribe with %s: %v", name, err)
		}
		if _, err := c.SubscribedApps(ctx, testPage, tc.token); meta.ClassOf(err) != tc.class {
			t.Errorf("list apps with %s: %v", name, err)
		}
	}
	if id, err := c.Me(ctx, pageToken); meta.ClassOf(err) != meta.ClassTokenInvalid {
		t.Errorf("/me with a token of no Page: %+v %v", id, err)
	}
	if id, _ := c.Me(ctx, other); id.ID != "104000000000002" {
		t.Errorf("/me with another Page's token: %+v", id)
	}
	p.S.RegisterThread(testPage, testPSID, "", p.S.Now(), "")
	if _, err := c.Send(ctx, meta.Message{PageID: testPage, Token: other, Recipient: testPSID,
		MessagingType: meta.MessagingResponse, Text: "hi"}); meta.ClassOf(err) != meta.ClassPermission {
		t.Errorf("send as the Page with another Page's token: %v", err)
	}
	if apps, _ := c.SubscribedApps(ctx, testPage, ownToken); len(apps) != 1 {
		t.Errorf("the refused calls changed the subscription: %+v", apps)
	}
	p.S.RegisterPage("104000000000003", "Registered", "EAAB-registered-token-000000")
	if id, err := c.Me(ctx, "EAAB-registered-token-000000"); err != nil || id.ID != "104000000000003" || id.Name != "Registered" {
		t.Errorf("/me with a registered token: %+v %v", id, err)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, u := range urls {
		mine := strings.Contains(u, "/me?") || strings.Contains(u, "subscribed_apps")
		if mine && (strings.Contains(u, "access_token") || strings.Contains(u, "EAAB")) {
			t.Errorf("a token went in the URL: %s", u)
		}
	}
}

// roundTripFunc is an http.RoundTripper made of a function.
type roundTripFunc func(*http.Request) (*http.Response, error)

// RoundTrip calls the function.
func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
