package campaigns

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"relance/tenancy"
)

// seedMembers puts contacts and a built snapshot of audience aud holding members (page, psid).
func (e *testEnv) seedMember(t *testing.T, snapshot, page, psid string, contact bool, lastInbound time.Time, blocked bool) {
	t.Helper()
	db := e.st.db
	if contact {
		li := int64(0)
		if !lastInbound.IsZero() {
			li = lastInbound.UnixMilli()
		}
		if err := db.W.Exec(`INSERT INTO contacts (id, tenant_id, brand_id, page_id, psid, first_seen_at, last_inbound_at, last_interaction_at,
			inbound_count, blocked, updated_at) VALUES (?, ?, ?, ?, ?, 1, ?, ?, 1, ?, 1)`, tenancy.NewID(), e.st.tenant, e.brand.ID, page, psid, li, li, blocked).Error; err != nil {
			t.Fatal(err)
		}
	}
	if err := db.W.Exec(`INSERT INTO audience_members (snapshot_id, page_id, psid) VALUES (?, ?, ?)`, snapshot, page, psid).Error; err != nil {
		t.Fatal(err)
	}
}

func (e *testEnv) snapshot(t testing.TB, audience string, seq int) string {
	t.Helper()
	id := tenancy.NewID()
	if err := e.st.db.W.Exec(`INSERT INTO audience_snapshots (id, tenant_id, brand_id, audience_id, seq, rule_version, cause, built_at) VALUES (?, ?, ?, ?, ?, 1, 'manual', 1)`,
		id, e.st.tenant, e.brand.ID, audience, seq).Error; err != nil {
		t.Fatal(err)
	}
	return id
}

// TestPreviewRoutes routes a small audience at the next slot under both policy profiles: the window, the
// human agent week (never used by a campaign: ads only), long silence, a blocked person, a PSID without a
// thread, an excluded member and a member on another Page.
func TestPreviewRoutes(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	exclAud := tenancy.NewID()
	if err := e.st.db.W.Exec(`INSERT INTO audiences (id, tenant_id, brand_id, name, kind, created_at, updated_at) VALUES (?, ?, ?, 'Excluded', 'rule', 1, 1)`,
		exclAud, e.st.tenant, e.brand.ID).Error; err != nil {
		t.Fatal(err)
	}
	old := e.snapshot(t, e.audience, 1)
	e.seedMember(t, old, testPage, "9000", false, time.Time{}, false) // only in the superseded snapshot
	inc, exc := e.snapshot(t, e.audience, 2), e.snapshot(t, exclAud, 1)
	// The next slot after Monday 2026-03-02 10:00 UTC for "0 11 * * MON,THU" in Paris is Thursday 10:00 UTC.
	slot := time.Date(2026, 3, 5, 10, 0, 0, 0, time.UTC)
	e.seedMember(t, inc, testPage, "1001", true, slot.Add(-time.Hour), false)       // free
	e.seedMember(t, inc, testPage, "1002", true, slot.Add(-72*time.Hour), false)    // human_agent → ads_only (2017: follow_up)
	e.seedMember(t, inc, testPage, "1003", true, slot.Add(-30*24*time.Hour), false) // ads_only (2017: follow_up)
	e.seedMember(t, inc, testPage, "1004", true, slot.Add(-time.Hour), true)        // blocked: skipped
	e.seedMember(t, inc, testPage, "1005", false, time.Time{}, false)               // no thread: ads only
	e.seedMember(t, inc, testPage, "1006", true, slot.Add(-time.Hour), false)       // excluded
	e.seedMember(t, exc, testPage, "1006", false, time.Time{}, false)
	e.seedMember(t, inc, "1049999", "1007", false, time.Time{}, false) // another Page
	body := merge(t, e.sponsored(), `{"audiences":{"include":["`+e.audience+`"],"exclude":["`+exclAud+`"]},"holdout_percent":0}`)
	c, err := e.st.Create(ctxAs("m"), input(t, body))
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.st.PreviewSlot(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if p.Slot == nil || !p.Slot.Equal(slot) || !p.SendAt.Equal(slot) {
		t.Fatalf("slot %v send at %v, want %v", p.Slot, p.SendAt, slot)
	}
	want := map[string]int{RouteFree: 1, RouteFollowUp: 0, RoutePaid: 0, RouteAdsOnly: 3}
	if fmt.Sprint(p.Routes) != fmt.Sprint(want) || p.Count != 5 || p.Skipped[SkipUnreachable] != 1 || p.OtherPages != 1 || p.Holdout != 0 {
		t.Errorf("meta-current: count %d routes %v skipped %v other pages %d", p.Count, p.Routes, p.Skipped, p.OtherPages)
	}
	if p.Variants["A"]+p.Variants["B"] != 1 || len(p.Sample) != 5 || p.Snapshots[e.audience] != inc {
		t.Errorf("variants %v sample %d snapshots %v", p.Variants, len(p.Sample), p.Snapshots)
	}

	old2017 := tenancy.PolicyMeta2017
	b, err := e.ts.UpdateBrand(ctx, e.brand.ID, tenancy.BrandInput{Policy: &old2017})
	if err != nil {
		t.Fatal(err)
	}
	p, err = NewStore(e.st.db, e.st.tenant, b, e.st.opts).PreviewSlot(ctx, c.ID)
	want = map[string]int{RouteFree: 1, RouteFollowUp: 2, RoutePaid: 0, RouteAdsOnly: 1}
	if err != nil || fmt.Sprint(p.Routes) != fmt.Sprint(want) {
		t.Errorf("meta-2017: routes %v (%v), want %v", p.Routes, err, want)
	}
}

// TestAssignmentIsDeterministicAndWeighted checks holdout and variant assignment: the same member always
// gets the same answer, and over many members the shares follow the percentages.
func TestAssignmentIsDeterministicAndWeighted(t *testing.T) {
	vs := []Variant{{Key: "A", Weight: 70}, {Key: "B", Weight: 30}}
	const n = 20000
	held, a := 0, 0
	for i := 0; i < n; i++ {
		psid := fmt.Sprintf("7%015d", i)
		h := InHoldout("camp-1", "page", psid, 10)
		v := VariantOf("camp-1", "page", psid, vs)
		if h != InHoldout("camp-1", "page", psid, 10) || v != VariantOf("camp-1", "page", psid, vs) {
			t.Fatalf("assignment of %s changes between calls", psid)
		}
		if h {
			held++
		}
		if v == "A" {
			a++
		}
	}
	if share := float64(held) / n; math.Abs(share-0.10) > 0.01 {
		t.Errorf("holdout share %.3f, want 0.10", share)
	}
	if share := float64(a) / n; math.Abs(share-0.70) > 0.015 {
		t.Errorf("variant A share %.3f, want 0.70", share)
	}
	if InHoldout("camp-1", "page", "x", 0) {
		t.Error("a 0 % holdout holds someone out")
	}
}

func TestQuietDelay(t *testing.T) {
	q := tenancy.QuietHours{From: "21:00", To: "09:00"}
	paris := func(d, h, m int) time.Time {
		loc, _ := time.LoadLocation("Europe/Paris")
		return time.Date(2026, 3, d, h, m, 0, 0, loc).UTC()
	}
	for _, c := range []struct{ in, want time.Time }{
		{paris(5, 12, 0), paris(5, 12, 0)},
		{paris(5, 22, 30), paris(6, 9, 0)},
		{paris(5, 8, 0), paris(5, 9, 0)},
		{paris(5, 21, 0), paris(6, 9, 0)},
		{paris(5, 9, 0), paris(5, 9, 0)},
		{paris(28, 23, 0), paris(29, 9, 0)}, // the night clocks go forward
	} {
		if got := quietDelay(c.in, q, "Europe/Paris"); !got.Equal(c.want) {
			t.Errorf("quietDelay(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}
