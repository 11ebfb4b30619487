package meta

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"
)

// TestLostSendAnswerIsNotRetried: the server takes the message and the connection drops before the answer.
// A retry would message the person twice; the client returns a lost-answer error after one call instead,
// while a read (no side effect) is still retried the same way.
func TestLostSendAnswerIsNotRetried(t *testing.T) {
	var calls atomic.Int32
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		hj, ok := w.(http.Hijacker)
		if !ok {
			t.Fatal("no hijacker")
		}
		conn, _, err := hj.Hijack()
		if err == nil {
			conn.Close() // the request was read; no answer
		}
	}, Options{BaseBackoff: time.Millisecond, Retries: 3})
	_, err := c.Send(context.Background(), textMessage())
	if !IsLostAnswer(err) || calls.Load() != 1 {
		t.Errorf("send: %v after %d calls, want a lost answer after 1", err, calls.Load())
	}
	calls.Store(0)
	_, err = c.SendMarketingMessage(context.Background(), "token", "act_1", MarketingMessage{CampaignID: "1", PageID: "104000000000001",
		SubscriptionToken: "sub", Text: "Hi"})
	if !IsLostAnswer(err) || calls.Load() != 1 {
		t.Errorf("marketing message: %v after %d calls, want a lost answer after 1", err, calls.Load())
	}
	calls.Store(0)
	err = c.call(context.Background(), request{method: "GET", path: "me", token: "t"}, nil)
	if !IsLostAnswer(err) || calls.Load() != 4 {
		t.Errorf("read: %v after %d calls, want 4 (retried)", err, calls.Load())
	}
}
