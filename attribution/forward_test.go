package attribution

import (
	"context"
	"fmt"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"relance/meta"
	"relance/meta/sandbox"
)

// instant is the Meta client's clock: the sandbox's simulated time, waits passing at once.
type instant struct{ sb *sandbox.Sandbox }

func (c instant) Now() time.Time                                 { return c.sb.Now() }
func (instant) Sleep(ctx context.Context, _ time.Duration) error { return ctx.Err() }

// TestForwardSendsEachConversionOnce forwards pending conversions to the sandbox's dataset twice over and
// finds each exactly once, with its value and event id; too old and off conversions stay home.
func TestForwardSendsEachConversionOnce(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, true)
	sb, err := sandbox.New(sandbox.Options{AppSecret: "s", Start: e.now})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	client, err := meta.New(meta.Options{BaseURL: srv.URL, Version: "v25.0", AppSecret: "s", SendRate: -1, Retries: 2, Clock: instant{sb}})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for i := 1; i <= 3; i++ {
		c, _, err := e.st.Create(ctx, purchase(fmt.Sprintf("o-%d", i), fmt.Sprintf("730000000000000%d", i), "12.34", e.now.Add(-time.Duration(i)*time.Hour)))
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, c.ID)
	}
	old, _, _ := e.st.Create(ctx, purchase("o-old", "7300000000000001", "1", e.now.Add(-8*24*time.Hour)))
	tokens := func(_ context.Context, _, page string) (string, error) { return sb.PageToken(page), nil }
	for range 2 {
		if _, err := Forward(ctx, e.db, client, tokens, e.now); err != nil {
			t.Fatal(err)
		}
	}
	got := sb.CAPIEvents(testPage)
	var ids []string
	for _, ev := range got {
		ids = append(ids, ev.ID)
		if ev.Name != "Purchase" || ev.Value != "12.34" || ev.Currency != "EUR" {
			t.Errorf("event %+v", ev)
		}
	}
	slices.Sort(ids)
	slices.Sort(want)
	if !slices.Equal(ids, want) {
		t.Errorf("Meta received %v, want each of %v once", ids, want)
	}
	c, _ := e.st.Get(ctx, want[0])
	if c.CAPI.Status != CAPISent || c.CAPI.SentAt == nil {
		t.Errorf("after forwarding: %+v", c.CAPI)
	}
	if c, _ := e.st.Get(ctx, old.ID); c.CAPI.Status != CAPITooOld {
		t.Errorf("the old one: %+v", c.CAPI)
	}
}

// rejecting is a Conversions API that refuses any call holding one of the bad event ids, as Meta refuses a
// whole batch for one bad event, and records the events of the calls it accepts.
type rejecting struct {
	bad      map[string]bool
	accepted []string
	calls    int
	lost     bool
}

func (r *rejecting) Dataset(context.Context, string, string) (string, error) {
	return "1500000000000001", nil
}

func (r *rejecting) SendCAPIEvents(_ context.Context, _, _ string, evs []meta.CAPIEvent) (int, error) {
	r.calls++
	if r.lost {
		return 0, &meta.Error{HTTPStatus: 0, Message: "connection reset", Lost: true}
	}
	for _, e := range evs {
		if r.bad[e.ID] {
			return 0, &meta.Error{HTTPStatus: 400, Code: 100, Message: "(#100) Invalid parameter"}
		}
	}
	for _, e := range evs {
		r.accepted = append(r.accepted, e.ID)
	}
	return len(evs), nil
}

// TestForwardSplitsARejectedBatch: one bad conversion among eight fails alone; the seven others are sent.
// A lost answer fails its conversions and never sends them again.
func TestForwardSplitsARejectedBatch(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, true)
	var ids []string
	for i := range 8 {
		c, _, err := e.st.Create(ctx, purchase(fmt.Sprintf("o-%d", i), "7300000000000001", "5", e.now.Add(-time.Duration(i+1)*time.Minute)))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	api := &rejecting{bad: map[string]bool{ids[5]: true}}
	tokens := func(context.Context, string, string) (string, error) { return "EAABtoken", nil }
	res, err := Forward(ctx, e.db, api, tokens, e.now)
	if err != nil || res.Sent != 7 || res.Failed != 1 {
		t.Fatalf("forward: %+v %v", res, err)
	}
	if len(api.accepted) != 7 || slices.Contains(api.accepted, ids[5]) {
		t.Errorf("accepted %v", api.accepted)
	}
	if c, _ := e.st.Get(ctx, ids[5]); c.CAPI.Status != CAPIFailed || c.CAPI.Error == "" {
		t.Errorf("the bad one: %+v", c.CAPI)
	}

	lost, _, _ := e.st.Create(ctx, purchase("o-lost", "7300000000000002", "5", e.now.Add(-time.Minute)))
	api2 := &rejecting{lost: true}
	if res, err := Forward(ctx, e.db, api2, tokens, e.now); err != nil || res.Failed != 1 {
		t.Fatalf("lost answer: %+v %v", res, err)
	}
	if res, _ := Forward(ctx, e.db, api2, tokens, e.now); res.Sent+res.Failed != 0 || api2.calls != 1 {
		t.Errorf("a lost answer was tried again: %+v, %d calls", res, api2.calls)
	}
	if c, _ := e.st.Get(ctx, lost.ID); c.CAPI.Status != CAPIFailed {
		t.Errorf("after a lost answer: %+v", c.CAPI)
	}
}
