package meta_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"relance/meta"
	"relance/meta/sandbox"
)

// tkToken looks like a real Page token, so that the shape-based redaction is exercised too.
const (
	tkToken = "EAABsecretPageTokenForLeakTests0123456789"
	tkPage  = "104000000000077"
	tkPSID  = "7300000000000777"
	tkAcct  = "act_7007"
)

// queryRecorder sits in front of the sandbox and keeps every request's query string and Authorization header.
type queryRecorder struct {
	next    http.Handler
	mu      sync.Mutex
	queries []string
	auths   []string
}

func (q *queryRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q.mu.Lock()
	q.queries = append(q.queries, r.Method+" "+r.URL.Path+"?"+r.URL.RawQuery)
	q.auths = append(q.auths, r.Header.Get("Authorization"))
	q.mu.Unlock()
	q.next.ServeHTTP(w, r)
}

// TestTokensNeverInURLs drives every kind of call (POST with a JSON body, POST without one, GET, DELETE,
// paged reads) and checks that the sandbox, which accepts tokens the ways Meta does, got each one's token
// from the Authorization header and never saw it, nor an access_token parameter, in a URL.
func TestTokensNeverInURLs(t *testing.T) {
	start := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	sb, err := sandbox.New(sandbox.Options{AppSecret: testSecret, Start: start})
	if err != nil {
		t.Fatal(err)
	}
	rec := &queryRecorder{next: sb}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	c, err := meta.New(meta.Options{BaseURL: srv.URL, Version: "v25.0", AppSecret: testSecret, SendRate: -1,
		Retries: 1, Clock: &instantClock{now: start}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	sb.RegisterPage(tkPage, "Leak Test Page", tkToken)
	sb.RegisterThread(tkPage, tkPSID, "US", start, "")

	steps := []struct {
		name string
		run  func() error
	}{
		{"send (POST JSON)", func() error {
			_, err := c.Send(ctx, meta.Message{PageID: tkPage, Token: tkToken, Recipient: tkPSID,
				MessagingType: meta.MessagingResponse, Text: "Hello"})
			return err
		}},
		{"subscribe (POST, no body)", func() error { return c.SubscribeApp(ctx, tkPage, tkToken, meta.MessengerFields) }},
		{"subscribed apps (GET)", func() error { _, err := c.SubscribedApps(ctx, tkPage, tkToken); return err }},
		{"conversations (GET, paged)", func() error { _, err := c.Conversations(ctx, tkPage, tkToken, "", 1); return err }},
		{"campaign (POST JSON)", func() error {
			_, err := c.CreateCampaign(ctx, tkToken, tkAcct, meta.CampaignSpec{Name: "c",
				Objective: meta.ObjectiveEngagement, Status: meta.AdStatusPaused})
			return err
		}},
		{"ads (GET, paged)", func() error { _, err := c.AccountAds(ctx, tkToken, tkAcct, ""); return err }},
		{"insights (GET, follows next)", func() error {
			_, err := c.Insights(ctx, tkToken, tkAcct, meta.InsightsQuery{Level: meta.LevelAccount,
				Since: "2026-03-01", Until: "2026-03-02"})
			return err
		}},
		{"profile (GET)", func() error { _, err := c.Profile(ctx, tkPSID, tkToken); return err }},
		{"unsubscribe (DELETE)", func() error { return c.UnsubscribeApp(ctx, tkPage, tkToken) }},
	}
	for _, s := range steps {
		if err := s.run(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.queries) < len(steps) {
		t.Fatalf("the sandbox saw %d requests for %d calls", len(rec.queries), len(steps))
	}
	for i, q := range rec.queries {
		if strings.Contains(q, "access_token") || strings.Contains(q, tkToken) {
			t.Errorf("a token travelled in a URL: %s", q)
		}
		if rec.auths[i] != "Bearer "+tkToken {
			t.Errorf("%s: Authorization %q", q, rec.auths[i])
		}
	}
}

// TestTransportErrorsCarryNoToken: Go's transport errors print the URL; whatever it holds, the error that
// leaves the client must not show the token nor its appsecret_proof.
func TestTransportErrorsCarryNoToken(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there any more: every call fails before an answer
	c, err := meta.New(meta.Options{BaseURL: "http://" + addr, Version: "v25.0", AppSecret: testSecret, SendRate: -1,
		Retries: 1, Clock: &instantClock{}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	proof := meta.AppSecretProof(testSecret, tkToken)
	calls := map[string]func() error{
		"GET": func() error { _, err := c.SubscribedApps(ctx, tkPage, tkToken); return err },
		"POST": func() error {
			_, err := c.Send(ctx, meta.Message{PageID: tkPage, Token: tkToken, Recipient: tkPSID,
				MessagingType: meta.MessagingResponse, Text: "Hello"})
			return err
		},
		"DELETE": func() error { return c.UnsubscribeApp(ctx, tkPage, tkToken) },
	}
	for name, call := range calls {
		err := call()
		if err == nil {
			t.Fatalf("%s: a call to a closed port succeeded", name)
		}
		for _, text := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Errorf("job: %w", err).Error()} {
			if strings.Contains(text, tkToken) || strings.Contains(text, proof) || strings.Contains(text, "EAAB") {
				t.Errorf("%s: the error shows a credential: %s", name, text)
			}
		}
		if !meta.IsTransient(err) {
			t.Errorf("%s: a refused connection should stay transient: %v", name, err)
		}
	}
}

// TestGraphErrorsCarryNoToken: an answer that quotes the token or the proof (Meta's "malformed access
// token" wording, an HTML proxy page echoing the URL) must not bring them into the error.
func TestGraphErrorsCarryNoToken(t *testing.T) {
	proof := meta.AppSecretProof(testSecret, tkToken)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			w.WriteHeader(http.StatusBadGateway)
			fmt.Fprintf(w, "<html><body>Bad gateway for %s (Authorization: %s)</body></html>", r.URL, r.Header.Get("Authorization"))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"error":{"message":"Malformed access token %s (proof %s)","type":"OAuthException","code":190,`+
			`"error_user_msg":"token %s","fbtrace_id":"AbC123"}}`, tkToken, proof, tkToken)
	}))
	t.Cleanup(srv.Close)
	c, err := meta.New(meta.Options{BaseURL: srv.URL, Version: "v25.0", AppSecret: testSecret, SendRate: -1,
		Retries: 1, Clock: &instantClock{}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	_, postErr := c.Send(ctx, meta.Message{PageID: tkPage, Token: tkToken, Recipient: tkPSID,
		MessagingType: meta.MessagingResponse, Text: "Hello"})
	_, getErr := c.SubscribedApps(ctx, tkPage, tkToken)
	for name, err := range map[string]error{"Graph error": postErr, "HTML 502": getErr} {
		if err == nil {
			t.Fatalf("%s: no error", name)
		}
		var me *meta.Error
		if !errors.As(err, &me) {
			t.Fatalf("%s: not a *meta.Error: %v", name, err)
		}
		for _, text := range []string{err.Error(), me.Message, me.UserMsg, me.UserTitle} {
			if strings.Contains(text, tkToken) || strings.Contains(text, proof) {
				t.Errorf("%s: the error shows a credential: %s", name, text)
			}
		}
	}
	if meta.ClassOf(postErr) != meta.ClassTokenInvalid {
		t.Errorf("class of a redacted 190: %s", meta.ClassOf(postErr))
	}
	if !strings.Contains(postErr.Error(), "Malformed access token [redacted]") {
		t.Errorf("the message should stay readable around the redaction: %v", postErr)
	}
}

func TestRedact(t *testing.T) {
	cases := map[string]string{
		"GET /v25.0/1/x?access_token=abc&fields=id":                "GET /v25.0/1/x?access_token=[redacted]&fields=id",
		`{"access_token":"short1"}`:                                `{"access_token":"[redacted]"}`,
		"Authorization: Bearer some-page-token":                    "Authorization: Bearer [redacted]",
		"token EAAGm0PX4ZCpsBAKZC was refused":                     "token [redacted] was refused",
		"app token 555000000000001|aBcDeFgHiJkLmNoP":               "app token [redacted]",
		"proof " + meta.AppSecretProof("s", "t"):                   "proof [redacted]",
		"opaque 0123456789abcdefghijABCDEFGHIJ0123456789_-xyz end": "opaque [redacted] end",
		// Ordinary Graph wording is left alone.
		"Invalid OAuth access token - Cannot parse access token":   "Invalid OAuth access token - Cannot parse access token",
		"(#100) Param page_id must be a valid Page ID":             "(#100) Param page_id must be a valid Page ID",
		"meta: code 190/463 (OAuthException): Session has expired": "meta: code 190/463 (OAuthException): Session has expired",
	}
	for in, want := range cases {
		if got := meta.Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}
