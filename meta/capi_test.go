package meta_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"relance/meta"
	"relance/meta/sandbox"
)

// TestCAPIRoundTrip creates a Page's dataset, sends events, and checks the refusals Meta gives: a stale or
// malformed event refused before the call, another Page's token refused by the sandbox.
func TestCAPIRoundTrip(t *testing.T) {
	ctx := context.Background()
	p := newPair(t, sandbox.Options{})
	const page, other = "104000000000501", "104000000000502"
	token := p.S.PageToken(page)
	ds, err := p.C.Dataset(ctx, token, page)
	if err != nil || ds == "" {
		t.Fatalf("dataset: %q %v", ds, err)
	}
	if again, err := p.C.Dataset(ctx, token, page); err != nil || again != ds {
		t.Errorf("the Page's dataset again: %q %v, want %q", again, err, ds)
	}
	now := p.S.Now()
	evs := []meta.CAPIEvent{
		{Name: "Purchase", Time: now.Add(-time.Hour), ID: "conv-1", PageID: page, PSID: "7300000000000001", Value: meta.Money{Minor: 4990, Currency: "EUR"}},
		{Name: "LeadSubmitted", Time: now.Add(-6 * 24 * time.Hour), ID: "conv-2", PageID: page, PSID: "7300000000000002"},
	}
	n, err := p.C.SendCAPIEvents(ctx, token, ds, evs)
	if err != nil || n != 2 {
		t.Fatalf("events: %d %v", n, err)
	}
	got := p.S.CAPIEvents(page)
	if len(got) != 2 || got[0].ID != "conv-1" || got[0].Value != "49.90" || got[0].Currency != "EUR" || got[1].Name != "LeadSubmitted" {
		t.Errorf("received %+v", got)
	}
	stale := evs[1]
	stale.Time = now.Add(-8 * 24 * time.Hour)
	if _, err := p.C.SendCAPIEvents(ctx, token, ds, []meta.CAPIEvent{evs[0], stale}); !errors.Is(err, meta.ErrInvalidCAPIEvent) || !strings.Contains(err.Error(), "event 1") {
		t.Errorf("a stale event: %v", err)
	}
	noValue := evs[0]
	noValue.Value = meta.Money{}
	if _, err := p.C.SendCAPIEvents(ctx, token, ds, []meta.CAPIEvent{noValue}); !errors.Is(err, meta.ErrInvalidCAPIEvent) {
		t.Errorf("a Purchase without value: %v", err)
	}
	if _, err := p.C.SendCAPIEvents(ctx, p.S.PageToken(other), ds, evs[:1]); meta.ClassOf(err) == "" || err == nil {
		t.Errorf("another Page's token: %v", err)
	}
	if len(p.S.CAPIEvents(page)) != 2 {
		t.Errorf("refused calls reached the dataset: %+v", p.S.CAPIEvents(page))
	}
}
