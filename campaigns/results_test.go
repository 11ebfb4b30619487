package campaigns

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"relance/tenancy"
)

// seedResults writes one run of c at e.now with sends per variant by status, and held-out members.
func seedResults(t *testing.T, e *testEnv, c Campaign, sends map[string]map[string]int, holdout int) string {
	t.Helper()
	db := e.st.db.W
	runID := tenancy.NewID()
	slot := e.now.UnixMilli()
	if err := db.Exec(`INSERT INTO campaign_runs (id, tenant_id, brand_id, campaign_id, slot, status, send_at, started_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		runID, e.st.tenant, e.brand.ID, c.ID, slot, RunDone, slot, slot).Error; err != nil {
		t.Fatal(err)
	}
	i := 0
	add := func(variant, route, status string) {
		i++
		psid := fmt.Sprintf("9%05d", i)
		if err := db.Exec(`INSERT INTO campaign_sends (id, tenant_id, brand_id, campaign_id, run_id, slot, contact_id, page_id, psid, variant, route, status, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, tenancy.NewID(), e.st.tenant, e.brand.ID, c.ID, runID, slot,
			testPage+":"+psid, testPage, psid, variant, route, status, slot).Error; err != nil {
			t.Fatal(err)
		}
	}
	for variant, byStatus := range sends {
		for status, n := range byStatus {
			for range n {
				add(variant, RouteFree, status)
			}
		}
	}
	for range holdout {
		add("", RouteHoldout, SendHoldout)
	}
	return runID
}

// TestResultsFromSends counts a campaign's sends by variant (sent, delivered, replied; failed and queued
// not counted), finds the holdout's replies through Settle, and applies the winner: refused while there
// is none, then weights 100/0 as a content change, audited, with approval asked again.
func TestResultsFromSends(t *testing.T) {
	e := newTestEnv(t)
	ctx := ctxAs("m")
	c, err := e.st.Create(ctx, input(t, e.sponsored()))
	if err != nil {
		t.Fatal(err)
	}
	if err := e.st.db.W.Exec(`UPDATE campaigns SET state = ?, approved_version = version WHERE id = ?`, StateRunning, c.ID).Error; err != nil {
		t.Fatal(err)
	}
	// A: 200 delivered of which 20 replied (10 %); B: 200 delivered, 40 replied (20 %): p ≈ 0.0051.
	seedResults(t, e, c, map[string]map[string]int{
		"A": {SendReplied: 20, SendRead: 100, SendDelivered: 80, SendSent: 10, SendFailed: 5, SendQueued: 3},
		"B": {SendReplied: 40, SendDelivered: 160},
	}, 50)
	// Two held-out members wrote: one within the reply window after the slot, one a day and a half later.
	for i, after := range []time.Duration{time.Hour, 36 * time.Hour} {
		if err := e.st.db.W.Exec(`INSERT INTO messages (tenant_id, brand_id, page_id, psid, mid, direction, sender, text, sent_at) VALUES (?, ?, ?, ?, ?, 'in', 'user', 'hi', ?)`,
			e.st.tenant, e.brand.ID, testPage, fmt.Sprintf("9%05d", 421+i), fmt.Sprintf("m_h%d", i), e.now.Add(after).UnixMilli()).Error; err != nil {
			t.Fatal(err)
		}
	}
	st, err := Settle(context.Background(), e.st.db, e.now.Add(48*time.Hour), DefaultReplyWindow)
	if err != nil || st.HoldoutReplied != 1 {
		t.Fatalf("settle: %+v %v", st, err)
	}
	r, err := e.st.Results(context.Background(), c.ID, func(context.Context, string) (ConversionCounts, error) {
		return ConversionCounts{ByVariant: map[string]int64{"B": 3}, Holdout: 1}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	a, b := r.Variants[0], r.Variants[1]
	if a.Key != "A" || a.Sent != 210 || a.Delivered != 200 || a.Replies != 20 || a.Weight != 50 || *a.Rate != 0.1 {
		t.Errorf("A: %+v", a)
	}
	if b.Key != "B" || b.Sent != 200 || b.Delivered != 200 || b.Replies != 40 || b.Conversions != 3 {
		t.Errorf("B: %+v", b)
	}
	if h := r.Holdout; h == nil || h.Members != 50 || h.Replies != 1 || h.Conversions != 1 {
		t.Errorf("holdout: %+v", h)
	}
	if r.Winner != "B" || r.PValue == nil || *r.PValue > 0.01 || r.LiftVsHoldout == nil {
		t.Fatalf("results: %+v", r)
	}

	// Applying the winner: B gets everything, a new version, approval asked again (the brand requires it).
	got, res, err := e.st.ApplyWinner(ctxAs("m"), c.ID, WinnerInput{})
	if err != nil || res.Winner != "B" {
		t.Fatalf("apply: %v %+v", err, res)
	}
	if got.Variants[0].Weight != 0 || got.Variants[1].Weight != 100 || got.Version != c.Version+1 || got.State != StatePendingApproval {
		t.Errorf("after apply: state %s version %d variants %+v", got.State, got.Version, got.Variants)
	}
	tl, _ := e.st.Timeline(context.Background(), c.ID)
	if last := tl[len(tl)-1]; last.Action != "apply_winner" || last.Actor != "m" {
		t.Errorf("timeline: %+v", last)
	}
	var n int64
	e.st.db.R.Raw(`SELECT COUNT(*) FROM audit_log WHERE action = ? AND object_id = ?`, tenancy.ActionCampaignApplyWinner, c.ID).Scan(&n)
	if n != 1 {
		t.Errorf("audit entries: %d", n)
	}
	// A variant with weight 0 still validates and gets no sends.
	if VariantOf(c.ID, testPage, "1", got.Variants) != "B" {
		t.Error("a weight-0 variant was chosen")
	}

	// A bad weight is a 422 naming it; a campaign without a winner is a conflict.
	w := 0
	if _, _, err := e.st.ApplyWinner(ctxAs("m"), c.ID, WinnerInput{Weight: &w}); fieldsOf(err)["weight"] == "" {
		t.Errorf("weight 0: %v", err)
	}
	c2, err := e.st.Create(ctx, input(t, merge(t, e.sponsored(), `{"ref":"other"}`)))
	if err != nil {
		t.Fatal(err)
	}
	seedResults(t, e, c2, map[string]map[string]int{"A": {SendReplied: 10, SendDelivered: 90}, "B": {SendReplied: 11, SendDelivered: 89}}, 0)
	if _, _, err := e.st.ApplyWinner(ctxAs("m"), c2.ID, WinnerInput{}); !errors.Is(err, ErrNoWinner) || !errors.Is(err, tenancy.ErrConflict) {
		t.Errorf("no winner: %v", err)
	}
	r2, _ := e.st.Results(context.Background(), c2.ID, nil)
	if r2.Holdout != nil || r2.MoreRecipientsNeeded == nil || *r2.MoreRecipientsNeeded < 1000 {
		t.Errorf("no winner yet: %+v", r2)
	}
}
