package campaigns

import "math"

// The statistics of A/B results (README "A/B results"): each formula is written out here so that the figures
// can be checked by hand; stats_test.go holds hand-computed values.

// Alpha is the significance level of the results, before the Bonferroni correction; Power is the power the
// "needs about N more" estimate aims at.
const (
	Alpha = 0.05
	Power = 0.80
)

// z95 is the 0.975 quantile of the standard normal distribution (two-sided 95 %).
const z95 = 1.959963984540054

// normalCDF is Φ(x), the standard normal distribution function.
func normalCDF(x float64) float64 { return 0.5 * math.Erfc(-x/math.Sqrt2) }

// normalQuantile is Φ⁻¹(p) for 0 < p < 1, found by bisection on Φ: slower than a rational approximation but
// exact to the float's precision, and it runs a few times per request.
func normalQuantile(p float64) float64 {
	lo, hi := -40.0, 40.0
	for range 200 {
		mid := (lo + hi) / 2
		if normalCDF(mid) < p {
			lo = mid
		} else {
			hi = mid
		}
		if hi-lo < 1e-15 {
			break
		}
	}
	return (lo + hi) / 2
}

// wilson is the Wilson score interval of x successes in n trials at the two-sided level of z:
// (p̂ + z²/2n ± z·√(p̂(1−p̂)/n + z²/4n²)) / (1 + z²/n). Unlike p̂ ± z·√(p̂(1−p̂)/n) it stays within [0, 1]
// and is not zero-width at 0 or n successes. ok is false when n is 0 (no interval).
func wilson(x, n int64, z float64) (lo, hi float64, ok bool) {
	if n <= 0 {
		return 0, 0, false
	}
	nf := float64(n)
	p := float64(x) / nf
	z2 := z * z
	den := 1 + z2/nf
	center := (p + z2/(2*nf)) / den
	half := z / den * math.Sqrt(p*(1-p)/nf+z2/(4*nf*nf))
	return math.Max(0, center-half), math.Min(1, center+half), true
}

// twoProportionP is the two-sided p-value of the pooled two-proportion z-test without continuity
// correction: p = (x1+x2)/(n1+n2), z = (x1/n1 − x2/n2) / √(p(1−p)(1/n1 + 1/n2)), p-value = 2·(1 − Φ(|z|)).
// ok is false when a side has no trials; when the pooled rate is 0 or 1 both sides are equal and the
// p-value is 1.
func twoProportionP(x1, n1, x2, n2 int64) (p float64, ok bool) {
	if n1 <= 0 || n2 <= 0 {
		return 0, false
	}
	pooled := float64(x1+x2) / float64(n1+n2)
	se := math.Sqrt(pooled * (1 - pooled) * (1/float64(n1) + 1/float64(n2)))
	if se == 0 {
		return 1, true
	}
	z := (float64(x1)/float64(n1) - float64(x2)/float64(n2)) / se
	return math.Erfc(math.Abs(z) / math.Sqrt2), true
}

// diffInterval is Newcombe's hybrid score interval (his method 10) for p1 − p2, built from each side's
// Wilson interval: d − √((p1−l1)² + (u2−p2)²) to d + √((u1−p1)² + (p2−l2)²). It behaves at rates near 0
// and 1, where the Wald interval of a difference collapses. ok is false when a side has no trials.
func diffInterval(x1, n1, x2, n2 int64) (d, lo, hi float64, ok bool) {
	l1, u1, ok1 := wilson(x1, n1, z95)
	l2, u2, ok2 := wilson(x2, n2, z95)
	if !ok1 || !ok2 {
		return 0, 0, 0, false
	}
	p1, p2 := float64(x1)/float64(n1), float64(x2)/float64(n2)
	d = p1 - p2
	lo = d - math.Sqrt((p1-l1)*(p1-l1)+(u2-p2)*(u2-p2))
	hi = d + math.Sqrt((u1-p1)*(u1-p1)+(p2-l2)*(p2-l2))
	return d, lo, hi, true
}

// sampleSize is the number of delivered recipients each of two groups needs for a two-sided pooled z-test
// at level alpha to detect rates p1 and p2 with the given power (Fleiss, without continuity correction):
// n = (z₁₋α/₂·√(2·p̄(1−p̄)) + z_power·√(p1(1−p1) + p2(1−p2)))² / (p1 − p2)², p̄ = (p1+p2)/2, rounded up.
// ok is false when p1 = p2: no sample size detects no difference.
func sampleSize(p1, p2, alpha, power float64) (n int64, ok bool) {
	if p1 == p2 {
		return 0, false
	}
	za := normalQuantile(1 - alpha/2)
	zb := normalQuantile(power)
	pbar := (p1 + p2) / 2
	num := za*math.Sqrt(2*pbar*(1-pbar)) + zb*math.Sqrt(p1*(1-p1)+p2*(1-p2))
	d := p1 - p2
	return int64(math.Ceil(num * num / (d * d))), true
}
