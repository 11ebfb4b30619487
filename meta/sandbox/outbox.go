package sandbox

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"
)

// outbox holds the webhooks the sandbox owes relance and posts them one at a time, in the order they were
// made, signed with the app secret as Meta signs them (X-Hub-Signature-256 over the raw body). A delivery
// that fails is retried with a growing pause, as Meta retries, and never skipped: later events of a thread
// must not overtake earlier ones.
type outbox struct {
	url    string
	secret string
	http   *http.Client
	log    *slog.Logger

	mu      sync.Mutex
	queue   [][]byte
	sent    int
	wake    chan struct{}
	drained *sync.Cond
	busy    bool
}

func newOutbox(o Options) *outbox {
	b := &outbox{url: o.WebhookURL, secret: o.AppSecret, http: o.HTTP, log: o.Log, wake: make(chan struct{}, 1)}
	b.drained = sync.NewCond(&b.mu)
	return b
}

// Event is one messaging event of a webhook entry, as Meta shapes it (sender, recipient, timestamp, and
// message, postback, referral, read, delivery or optin).
type Event = map[string]any

// enqueue adds one webhook delivery holding events of one Page.
func (b *outbox) enqueue(pageID string, at time.Time, events []Event) {
	body, _ := json.Marshal(map[string]any{"object": "page", "entry": []any{map[string]any{
		"id": pageID, "time": at.UnixMilli(), "messaging": events}}})
	b.mu.Lock()
	b.queue = append(b.queue, body)
	b.mu.Unlock()
	select {
	case b.wake <- struct{}{}:
	default:
	}
}

// Sign is the X-Hub-Signature-256 value Meta sends with a body.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// run posts queued webhooks until ctx ends.
func (b *outbox) run(ctx context.Context) {
	for {
		b.mu.Lock()
		if len(b.queue) == 0 || b.url == "" {
			b.busy = false
			b.drained.Broadcast()
			b.mu.Unlock()
			select {
			case <-ctx.Done():
				return
			case <-b.wake:
				continue
			}
		}
		body := b.queue[0]
		b.busy = true
		b.mu.Unlock()
		pause := 100 * time.Millisecond
		for {
			err := b.post(ctx, body)
			if err == nil {
				break
			}
			b.log.Warn("sandbox webhook not accepted; retrying", "url", b.url, "err", err, "pause", pause)
			select {
			case <-ctx.Done():
				return
			case <-time.After(pause):
			}
			pause = min(pause*2, 10*time.Second)
		}
		b.mu.Lock()
		b.queue = b.queue[1:]
		b.sent++
		b.mu.Unlock()
	}
}

// post sends one delivery and wants a 200.
func (b *outbox) post(ctx context.Context, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Hub-Signature-256", Sign(b.secret, body))
	resp, err := b.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("sandbox: webhook answered %d", resp.StatusCode)
	}
	return nil
}

// flush waits until every queued webhook was accepted (or ctx ends). Without a URL it returns at once.
func (b *outbox) flush(ctx context.Context) error {
	done := make(chan struct{})
	go func() {
		b.mu.Lock()
		for b.url != "" && (len(b.queue) > 0 || b.busy) && ctx.Err() == nil {
			b.drained.Wait()
		}
		b.mu.Unlock()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		b.mu.Lock()
		b.drained.Broadcast()
		b.mu.Unlock()
		return ctx.Err()
	}
}

// pending returns the bodies not yet delivered (all of them when there is no URL).
func (b *outbox) pending() [][]byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([][]byte(nil), b.queue...)
}
