package fx

import (
	"fmt"
	"math"
	"math/big"
	"sort"

	"relance/meta"
)

// pivots are the currencies a pair without a rate of its own is crossed through, in order.
var pivots = []string{"EUR", "USD"}

// Table answers rates and conversions from a set of rates held in memory: load the days a report covers
// (plus Lookback before) once, then convert each row without a query.
type Table struct {
	legs map[[2]string][]point
}

// point is one day's rate of a pair.
type point struct {
	day    string
	rate   *big.Rat
	manual bool
}

// NewTable indexes rates. On the same day and pair a manual rate replaces the ECB's.
func NewTable(rates []Rate) (*Table, error) {
	t := &Table{legs: map[[2]string][]point{}}
	for _, r := range rates {
		v, err := parseRate(r.Rate)
		if err != nil {
			return nil, fmt.Errorf("fx: table: %s %s/%s: %w", r.Day, r.Base, r.Quote, err)
		}
		k := [2]string{r.Base, r.Quote}
		t.legs[k] = append(t.legs[k], point{day: r.Day, rate: v, manual: r.Source == SourceManual})
	}
	for k, pts := range t.legs {
		sort.SliceStable(pts, func(i, j int) bool { return pts[i].day < pts[j].day })
		out := pts[:0]
		for _, p := range pts {
			if n := len(out); n > 0 && out[n-1].day == p.day {
				if p.manual || !out[n-1].manual {
					out[n-1] = p
				}
				continue
			}
			out = append(out, p)
		}
		t.legs[k] = out
	}
	return t, nil
}

// latest finds a pair's latest rate on day or in the Lookback days before it.
func (t *Table) latest(base, quote, day, earliest string) (point, bool) {
	pts := t.legs[[2]string{base, quote}]
	i := sort.Search(len(pts), func(i int) bool { return pts[i].day > day }) - 1
	if i < 0 || pts[i].day < earliest {
		return point{}, false
	}
	return pts[i], true
}

// leg is the rate of base→quote from a direct or an inverse rate, whichever is more recent.
func (t *Table) leg(base, quote, day, earliest string) (point, bool) {
	if base == quote {
		return point{day: day, rate: big.NewRat(1, 1)}, true
	}
	d, okD := t.latest(base, quote, day, earliest)
	inv, okI := t.latest(quote, base, day, earliest)
	switch {
	case okD && (!okI || d.day >= inv.day):
		return d, true
	case okI:
		return point{day: inv.day, rate: new(big.Rat).Inv(inv.rate), manual: inv.manual}, true
	}
	return point{}, false
}

// Found is a rate and where it came from.
type Found struct {
	// Rate is how much quote 1 base buys.
	Rate *big.Rat
	// Day is the oldest day of the rates used: the day itself, or up to Lookback days before.
	Day string
	// Via is the pivot currency crossed through, or "" for the pair's own rate (or its inverse).
	Via string
	// Manual says an agency's own rate was used.
	Manual bool
}

// Find is how much quote 1 base buys on day (YYYY-MM-DD): the pair's own rate, or crossed through EUR or USD.
func (t *Table) Find(base, quote, day string) (Found, error) {
	d, err := parseDay(day)
	if err != nil {
		return Found{}, err
	}
	earliest := d.AddDate(0, 0, -Lookback).Format(dayLayout)
	if p, ok := t.leg(base, quote, day, earliest); ok {
		return Found{Rate: p.rate, Day: p.day, Manual: p.manual}, nil
	}
	for _, v := range pivots {
		if v == base || v == quote {
			continue
		}
		a, okA := t.leg(base, v, day, earliest)
		b, okB := t.leg(v, quote, day, earliest)
		if okA && okB {
			return Found{Rate: new(big.Rat).Mul(a.rate, b.rate), Day: min(a.day, b.day), Via: v, Manual: a.manual || b.manual}, nil
		}
	}
	return Found{}, fmt.Errorf("%w: no %s→%s rate on %s or in the %d days before", ErrMissingRate, base, quote, day, Lookback)
}

// Rate is Find's rate alone.
func (t *Table) Rate(base, quote, day string) (*big.Rat, error) {
	f, err := t.Find(base, quote, day)
	return f.Rate, err
}

// Convert turns m into currency to at day's rate, rounded half away from zero to to's minor unit.
func (t *Table) Convert(m meta.Money, to, day string) (meta.Money, error) {
	code, err := currencyCode(to)
	if err != nil {
		return meta.Money{}, err
	}
	if m.Currency == code {
		return m, nil
	}
	from := meta.ISOMinorDigits(m.Currency)
	if from < 0 {
		return meta.Money{}, fmt.Errorf("%w: %q is not an ISO 4217 currency", ErrInvalid, m.Currency)
	}
	r, err := t.Rate(m.Currency, code, day)
	if err != nil {
		return meta.Money{}, err
	}
	v := new(big.Rat).SetFrac(big.NewInt(m.Minor), pow10(from))
	v.Mul(v, r)
	v.Mul(v, new(big.Rat).SetInt(pow10(meta.ISOMinorDigits(code))))
	n := roundHalfAway(v)
	if !n.IsInt64() || n.Int64() == math.MinInt64 {
		return meta.Money{}, fmt.Errorf("fx: convert %d %s: %w", m.Minor, m.Currency, meta.ErrOverflow)
	}
	return meta.Money{Minor: n.Int64(), Currency: code}, nil
}

// roundHalfAway rounds a rational to the nearest integer, halves away from zero.
func roundHalfAway(v *big.Rat) *big.Int {
	num, den := new(big.Int).Abs(v.Num()), v.Denom()
	q, r := new(big.Int).QuoRem(num, den, new(big.Int))
	if r.Lsh(r, 1).Cmp(den) >= 0 {
		q.Add(q, big.NewInt(1))
	}
	if v.Sign() < 0 {
		q.Neg(q)
	}
	return q
}

// pow10 is 10^n.
func pow10(n int) *big.Int { return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil) }
