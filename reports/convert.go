package reports

import (
	"math"
	"math/big"
	"math/bits"

	"relance/fx"
	"relance/meta"
)

// converter converts many amounts to one currency with fx's rounding (half away from zero to the minor
// unit), each (currency, day) rate looked up once and the arithmetic done on 64-bit integers when the
// figures fit (they always do for real spend), big rationals otherwise: an export of a million rows does
// not pay for a million rate searches and big.Rat products.
type converter struct {
	t     *fx.Table
	to    string
	rates map[[2]string]*scaled
}

// scaled is a rate as num/den with the minor units of both currencies folded in; nil num means missing.
type scaled struct {
	num, den *big.Int
	n, d     uint64 // num and den when both fit in 63 bits
	fits     bool
}

func newConverter(t *fx.Table, to string) *converter {
	return &converter{t: t, to: to, rates: map[[2]string]*scaled{}}
}

// convert converts minor units of cur on day; false when no rate is known.
func (c *converter) convert(minor int64, cur, day string) (int64, bool) {
	if cur == c.to {
		return minor, true
	}
	k := [2]string{cur, day}
	s, ok := c.rates[k]
	if !ok {
		s = c.load(cur, day)
		c.rates[k] = s
	}
	if s == nil {
		return 0, false
	}
	if s.fits {
		mag := uint64(minor)
		if minor < 0 {
			mag = uint64(-(minor + 1)) + 1
		}
		hi, lo := bits.Mul64(mag, s.n)
		if hi < s.d { // the quotient fits in 64 bits
			q, r := bits.Div64(hi, lo, s.d)
			if r >= s.d-r { // 2r >= d without overflow: round half away from zero
				q++
			}
			if q <= math.MaxInt64 {
				if minor < 0 {
					return -int64(q), true
				}
				return int64(q), true
			}
		}
	}
	m, err := c.t.Convert(meta.Money{Minor: minor, Currency: cur}, c.to, day)
	if err != nil {
		return 0, false
	}
	return m.Minor, true
}

// load finds cur's rate to c.to on day, scaled by both currencies' minor units; nil when missing.
func (c *converter) load(cur, day string) *scaled {
	from, to := meta.ISOMinorDigits(cur), meta.ISOMinorDigits(c.to)
	if from < 0 || to < 0 {
		return nil
	}
	r, err := c.t.Rate(cur, c.to, day)
	if err != nil {
		return nil
	}
	v := new(big.Rat).Mul(r, new(big.Rat).SetFrac(pow10(to), pow10(from)))
	s := &scaled{num: v.Num(), den: v.Denom()}
	if s.num.Sign() > 0 && s.num.BitLen() < 63 && s.den.BitLen() < 63 {
		s.n, s.d, s.fits = s.num.Uint64(), s.den.Uint64(), true
	}
	return s
}

func pow10(n int) *big.Int { return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil) }
