package audiences

import (
	"context"
	"math"
	"slices"
	"time"
)

// splitSamples is how many contacts a preview looks at to split its breakdown: spread evenly over the
// table's rowids, read by rowid (a few hundred seeks, about a millisecond at a million contacts).
const splitSamples = 256

// inboundSplit is where a preview cuts its breakdown and what the look at the table found.
type inboundSplit struct {
	// bounds are ascending values of last_inbound_at that cut the rule's range into parts of about
	// equal numbers of contacts; none when the breakdown stays one statement.
	bounds []int64
	// brand estimates the brand's contacts (from the share of the samples that belong to it).
	brand int64
}

// splitInbound chooses where to cut the breakdown of r into parts (one per core, at most 4), SQLite only.
// The parts are disjoint and together cover every value, so the counts add up exactly whatever the
// samples were; the samples only decide how evenly the work is shared.
func (s *Store) splitInbound(ctx context.Context, r *Rule, now time.Time, cores int) (inboundSplit, error) {
	// One MIN or MAX per SELECT: SQLite reads either end of the table then, but scans it for both at once.
	var span struct{ Lo, Hi int64 }
	if err := s.db.R.WithContext(ctx).Raw("SELECT COALESCE((SELECT MIN(rowid) FROM contacts), 0) AS lo, COALESCE((SELECT MAX(rowid) FROM contacts), 0) AS hi").
		Scan(&span).Error; err != nil {
		return inboundSplit{}, err
	}
	if span.Hi <= span.Lo {
		return inboundSplit{}, nil
	}
	ids := make([]int64, 0, splitSamples)
	for i := range int64(splitSamples) {
		ids = append(ids, span.Lo+i*(span.Hi-span.Lo)/(splitSamples-1))
	}
	// The brand is tested here, not in SQL: told of it, SQLite would walk the brand's index past every id.
	var rows []struct {
		TenantID, BrandID string
		LastInboundAt     int64
	}
	if err := s.db.R.WithContext(ctx).Raw("SELECT tenant_id, brand_id, last_inbound_at FROM contacts WHERE rowid IN ?", ids).
		Scan(&rows).Error; err != nil {
		return inboundSplit{}, err
	}
	at := make([]int64, 0, len(rows))
	for _, row := range rows {
		if row.TenantID == s.tenant && row.BrandID == s.brand.ID {
			at = append(at, row.LastInboundAt)
		}
	}
	out := inboundSplit{brand: int64(len(at)) * (span.Hi - span.Lo + 1) / splitSamples}
	parts := min(cores, 4)
	lo, hi := inboundRange(r, now)
	in := at[:0]
	for _, v := range at {
		if v >= lo && v < hi {
			in = append(in, v)
		}
	}
	// Fewer samples than this in range: a small brand or a narrow range, not worth more statements.
	if parts < 2 || len(in) < 16 {
		return out, nil
	}
	slices.Sort(in)
	for k := 1; k < parts; k++ {
		b := in[k*len(in)/parts]
		if b > lo && (len(out.bounds) == 0 || b > out.bounds[len(out.bounds)-1]) {
			out.bounds = append(out.bounds, b)
		}
	}
	return out, nil
}

// inboundRange is the range [lo, hi) of last_inbound_at the rule's top-level conditions allow (the whole
// line when they say nothing of it): only contacts in it are worth sharing between the parts.
func inboundRange(r *Rule, now time.Time) (lo, hi int64) {
	lo, hi = math.MinInt64, math.MaxInt64
	conds := []*Rule{r}
	if r.kind() == "all" {
		conds = r.All
	}
	n := now.UnixMilli()
	for _, c := range conds {
		if c == nil || c.kind() != "" || c.Field != "last_inbound_at" {
			continue
		}
		switch c.Op {
		case "within_days":
			lo = max(lo, n-c.v.n*day)
		case "older_than_days":
			lo, hi = max(lo, 1), min(hi, n-c.v.n*day)
		case "between":
			lo, hi = max(lo, c.v.from.UnixMilli()), min(hi, c.v.to.UnixMilli())
		}
	}
	return lo, hi
}
