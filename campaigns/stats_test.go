package campaigns

import (
	"math"
	"testing"
)

// near reports whether got is within tol of want.
func near(got, want, tol float64) bool { return math.Abs(got-want) <= tol }

// TestWilson checks the Wilson score interval against values computed by hand from its formula
// (z = 1.959964): 120/1000 → [0.101299, 0.141609]; 0/10 → [0, 0.277533] (the textbook "rule of three"
// neighbour); 10/10 → [0.722467, 1]; 0 trials → none.
func TestWilson(t *testing.T) {
	for _, c := range []struct {
		x, n   int64
		lo, hi float64
	}{
		{120, 1000, 0.1012993, 0.1416091},
		{150, 1000, 0.1292101, 0.1734687},
		{0, 10, 0, 0.2775328},
		{10, 10, 0.7224672, 1},
		{1, 1, 0.2065493, 1},
	} {
		lo, hi, ok := wilson(c.x, c.n, z95)
		if !ok || !near(lo, c.lo, 1e-6) || !near(hi, c.hi, 1e-6) {
			t.Errorf("wilson(%d, %d) = [%.7f, %.7f] %v, want [%.7f, %.7f]", c.x, c.n, lo, hi, ok, c.lo, c.hi)
		}
	}
	if _, _, ok := wilson(0, 0, z95); ok {
		t.Error("wilson of 0 trials has an interval")
	}
}

// TestTwoProportionP checks the pooled z-test: 120/1000 vs 150/1000 has p̂ = 0.135,
// se = √(0.135·0.865·0.002) = 0.0152824, z = −1.963050, p = 0.049640.
func TestTwoProportionP(t *testing.T) {
	for _, c := range []struct {
		x1, n1, x2, n2 int64
		p              float64
	}{
		{120, 1000, 150, 1000, 0.0496404},
		{150, 1000, 120, 1000, 0.0496404}, // two-sided: the order does not matter
		{50, 500, 50, 500, 1},             // equal rates
		{0, 100, 0, 200, 1},               // nobody replied anywhere: nothing to tell apart
		{100, 100, 50, 50, 1},             // everybody replied everywhere
		{30, 100, 10, 100, 0.0004070},     // p̂ 0.2, se 0.0565685, z 3.535534
	} {
		p, ok := twoProportionP(c.x1, c.n1, c.x2, c.n2)
		if !ok || !near(p, c.p, 1e-6) {
			t.Errorf("p(%d/%d vs %d/%d) = %.7f %v, want %.7f", c.x1, c.n1, c.x2, c.n2, p, ok, c.p)
		}
	}
	if _, ok := twoProportionP(1, 10, 0, 0); ok {
		t.Error("a side without trials has a p-value")
	}
}

// TestSampleSize checks the two-group size for 15 % vs 12 % at α 0.05 and 80 % power:
// (1.959964·√(2·0.135·0.865) + 0.841621·√(0.1275 + 0.1056))² / 0.03² = 2035.6 → 2036 per group.
func TestSampleSize(t *testing.T) {
	n, ok := sampleSize(0.15, 0.12, 0.05, 0.80)
	if !ok || n != 2036 {
		t.Errorf("sampleSize = %d %v, want 2036", n, ok)
	}
	if _, ok := sampleSize(0.1, 0.1, 0.05, 0.8); ok {
		t.Error("equal rates have a sample size")
	}
	if q := normalQuantile(0.975); !near(q, z95, 1e-12) {
		t.Errorf("Φ⁻¹(0.975) = %v", q)
	}
	if q := normalQuantile(0.8); !near(q, 0.8416212335729143, 1e-12) {
		t.Errorf("Φ⁻¹(0.8) = %v", q)
	}
}

// TestDiffInterval checks Newcombe's interval for 150/1000 − 120/1000 = 0.03, built from the Wilson bounds
// above: 0.03 − √(0.0207899² + 0.0216091²) = 0.0000138, 0.03 + √(0.0234687² + 0.0187007²) = 0.0600083.
func TestDiffInterval(t *testing.T) {
	d, lo, hi, ok := diffInterval(150, 1000, 120, 1000)
	if !ok || !near(d, 0.03, 1e-12) || !near(lo, 0.0000138, 1e-6) || !near(hi, 0.0600082, 1e-6) {
		t.Errorf("diff = %.7f [%.7f, %.7f] %v", d, lo, hi, ok)
	}
}

// TestAnalyze covers the decisions: two variants significantly apart, the same not significant (with the
// recipients still needed), three variants under Bonferroni, one variant, nothing delivered, and a holdout.
func TestAnalyze(t *testing.T) {
	two := func(xa, na, xb, nb int64) Results {
		return Results{Variants: []VariantResult{{Key: "A", Sent: na, Delivered: na, Replies: xa}, {Key: "B", Sent: nb, Delivered: nb, Replies: xb}}}
	}
	r := two(120, 1000, 150, 1000)
	Analyze(&r)
	if r.Winner != "B" || !r.Significant || r.PValue == nil || !near(*r.PValue, 0.0496404, 1e-6) || r.MoreRecipientsNeeded != nil {
		t.Errorf("120 vs 150 of 1000: %+v", r)
	}
	if v := r.Variants[0]; v.Rate == nil || *v.Rate != 0.12 || v.CI95 == nil || !near(v.CI95[0], 0.1012993, 1e-6) || v.PValueVsBest == nil {
		t.Errorf("variant A: %+v", v)
	}

	// 12 % vs 15 % of 500 each: not significant; each side needs 2036 delivered, 1536 more each.
	r = two(60, 500, 75, 500)
	Analyze(&r)
	if r.Winner != "" || r.Significant || r.Best != "B" || r.MoreRecipientsNeeded == nil || *r.MoreRecipientsNeeded != 2*1536 {
		t.Errorf("60 vs 75 of 500: %+v needed %v", r, r.MoreRecipientsNeeded)
	}
	// Half of what went out was delivered: twice as many recipients.
	r = two(60, 500, 75, 500)
	r.Variants[0].Sent, r.Variants[1].Sent = 1000, 1000
	Analyze(&r)
	if r.MoreRecipientsNeeded == nil || *r.MoreRecipientsNeeded != 4*1536 {
		t.Errorf("at half delivered: needed %v", r.MoreRecipientsNeeded)
	}

	// Three variants: C beats A (p 0.0007) but not B (p 0.0496 × 2 comparisons = 0.0993): no winner.
	r = Results{Variants: []VariantResult{{Key: "A", Delivered: 1000, Replies: 100}, {Key: "B", Delivered: 1000, Replies: 120},
		{Key: "C", Delivered: 1000, Replies: 150}}}
	Analyze(&r)
	if r.Winner != "" || r.Comparisons != 2 || r.PValue == nil || !near(*r.PValue, 2*0.0496404, 1e-6) || r.Best != "C" {
		t.Errorf("three variants: %+v", r)
	}

	// One variant: rates, no test.
	r = Results{Variants: []VariantResult{{Key: "A", Delivered: 10, Replies: 10}}}
	Analyze(&r)
	if r.Winner != "" || r.PValue != nil || r.Best != "A" || *r.Variants[0].Rate != 1 || !near(r.Variants[0].CI95[1], 1, 1e-12) {
		t.Errorf("one variant: %+v", r)
	}

	// Nothing delivered to B: no test, no estimate.
	r = two(10, 100, 0, 0)
	Analyze(&r)
	if r.PValue != nil || r.Winner != "" || r.MoreRecipientsNeeded != nil || r.Variants[1].Rate != nil || r.Variants[1].CI95 != nil {
		t.Errorf("B not delivered: %+v", r)
	}
	// Nothing delivered at all.
	r = two(0, 0, 0, 0)
	Analyze(&r)
	if r.Best != "" || r.PValue != nil {
		t.Errorf("nothing delivered: %+v", r)
	}
	// Nobody replied: p = 1, no difference to size a test for.
	r = two(0, 300, 0, 300)
	Analyze(&r)
	if r.PValue == nil || *r.PValue != 1 || r.Winner != "" || r.MoreRecipientsNeeded != nil {
		t.Errorf("no replies: %+v", r)
	}

	// Holdout: 100/1000 members wrote anyway; the variants together 270/2000.
	r = two(120, 1000, 150, 1000)
	r.Holdout = &HoldoutResult{Members: 1000, Replies: 100}
	Analyze(&r)
	if r.LiftVsHoldout == nil || !near(r.LiftVsHoldout.Value, 0.035, 1e-12) || r.LiftVsHoldout.CI95[0] >= 0.035 || r.LiftVsHoldout.CI95[1] <= 0.035 {
		t.Errorf("lift: %+v", r.LiftVsHoldout)
	}
	if l := r.Variants[1].LiftVsHoldout; l == nil || !near(l.Value, 0.05, 1e-12) {
		t.Errorf("B's lift: %+v", l)
	}
	if h := r.Holdout; h.Rate == nil || *h.Rate != 0.1 {
		t.Errorf("holdout: %+v", h)
	}
}

// TestWinnerWeights checks the weights applying a winner sets.
func TestWinnerWeights(t *testing.T) {
	vs := []Variant{{Key: "A", Weight: 34}, {Key: "B", Weight: 33}, {Key: "C", Weight: 33}}
	got, ok := winnerWeights(vs, "B", 100)
	if !ok || got[0].Weight != 0 || got[1].Weight != 100 || got[2].Weight != 0 || vs[1].Weight != 33 {
		t.Errorf("all to B: %+v", got)
	}
	got, _ = winnerWeights(vs, "C", 90)
	if got[0].Weight != 5 || got[1].Weight != 5 || got[2].Weight != 90 {
		t.Errorf("90 to C: %+v", got)
	}
	got, _ = winnerWeights(vs, "A", 95)
	if got[0].Weight != 95 || got[1].Weight != 3 || got[2].Weight != 2 {
		t.Errorf("95 to A: %+v", got)
	}
	if _, ok := winnerWeights(vs, "Z", 100); ok {
		t.Error("an unknown winner was applied")
	}
}
