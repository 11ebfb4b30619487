package audiences

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"

	"relance/conversations"
	"relance/database"
	"relance/policy"
)

// SampleSize is how many members a preview shows.
const SampleSize = 20

// Preview is what a rule would select now: how many contacts, how each can be reached under the brand's
// policy profile, and the few who wrote last.
type Preview struct {
	Count     int64                        `json:"count"`
	Breakdown Breakdown                    `json:"breakdown"`
	Sample    []conversations.ContactReach `json:"sample"`
	// At is the evaluation time: reachability classes expire, so a preview is true at a moment.
	At     time.Time `json:"at"`
	TookMS int64     `json:"took_ms"`
}

// Breakdown counts contacts per reachability class (DESIGN §2).
type Breakdown struct {
	Free        int64 `json:"free"`
	FollowUp    int64 `json:"follow_up"`
	HumanAgent  int64 `json:"human_agent"`
	Paid        int64 `json:"paid"`
	AdsOnly     int64 `json:"ads_only"`
	Unreachable int64 `json:"unreachable"`
}

// Preview evaluates a rule (the JSON of DESIGN §5) without saving anything. An invalid rule is a
// *tenancy.ValidationError whose keys are paths under "rule".
func (s *Store) Preview(ctx context.Context, raw []byte) (Preview, error) {
	start := time.Now()
	r, err := s.checkRule(ctx, "", raw, map[string]string{})
	if err != nil {
		return Preview{}, err
	}
	now := s.opts.Now()
	sqlite := s.db.Dialect == database.SQLite
	q, err := compileWith(compileOptions{sqlite: sqlite}, r, s.tenant, s.brand.ID, s.brand.Policy, now)
	if err != nil {
		return Preview{}, err
	}
	p := Preview{At: now}
	var split inboundSplit
	if sqlite {
		if split, err = s.splitInbound(ctx, r, now, runtime.GOMAXPROCS(0)); err != nil {
			return Preview{}, fmt.Errorf("audiences: preview: %w", err)
		}
	}
	st := previewStatements(s.db.Dialect, s.brand.Policy, q, now, split.bounds)
	// The parts of the breakdown are disjoint ranges of last_inbound_at, each scanned on its own read
	// connection (SQLite runs one statement on one core); the sample runs beside them unless it should wait
	// for the count to choose its form (below).
	deferSample := sqlite && r.readsOtherTables()
	counts := make([]Breakdown, len(st.parts))
	errs := make([]error, len(st.parts)+1)
	var keys []contactKeyRow
	var wg sync.WaitGroup
	for i, part := range st.parts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b := &counts[i]
			errs[i] = s.db.R.WithContext(ctx).Raw(part.sql, part.args...).Row().
				Scan(&b.Free, &b.FollowUp, &b.HumanAgent, &b.Paid, &b.AdsOnly, &b.Unreachable)
		}()
	}
	if !deferSample {
		errs[len(st.parts)] = s.db.R.WithContext(ctx).Raw(st.sample.sql, st.sample.args...).Scan(&keys).Error
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return Preview{}, fmt.Errorf("audiences: preview: %w", err)
	}
	for _, c := range counts {
		b := &p.Breakdown
		b.Free, b.FollowUp, b.HumanAgent = b.Free+c.Free, b.FollowUp+c.FollowUp, b.HumanAgent+c.HumanAgent
		b.Paid, b.AdsOnly, b.Unreachable = b.Paid+c.Paid, b.AdsOnly+c.AdsOnly, b.Unreachable+c.Unreachable
	}
	b := p.Breakdown
	p.Count = b.Free + b.FollowUp + b.HumanAgent + b.Paid + b.AdsOnly + b.Unreachable
	if deferSample && p.Count > 0 {
		// The sample walks the brand's contacts from the latest writer and stops at the 20th member: about
		// brand/count contacts per member. When that walk is short, testing each contact's own rows beats
		// building the list of every matching key first (at a million contacts the list alone costs as much
		// as the count); when members are rare, the list is cheaper.
		sample := st.sample
		if SampleSize*split.brand/p.Count <= correlatedSampleMax {
			qc, err := compileWith(compileOptions{sqlite: true, correlated: true}, r, s.tenant, s.brand.ID, s.brand.Policy, now)
			if err != nil {
				return Preview{}, err
			}
			sample = sampleStatement(qc)
		}
		if err := s.db.R.WithContext(ctx).Raw(sample.sql, sample.args...).Scan(&keys).Error; err != nil {
			return Preview{}, fmt.Errorf("audiences: preview sample: %w", err)
		}
	}
	if p.Sample, err = s.contactsByKeys(ctx, keys, now); err != nil {
		return Preview{}, fmt.Errorf("audiences: preview sample: %w", err)
	}
	p.TookMS = time.Since(start).Milliseconds()
	return p, nil
}

// correlatedSampleMax is the most contacts a sample may expect to walk and still test each contact's own
// rows rather than build the list of matching keys (a list of a hundred thousand keys costs about as much
// as testing twenty thousand contacts one by one).
const correlatedSampleMax = 20000

// readsOtherTables says whether the rule reads a table other than contacts.
func (r *Rule) readsOtherTables() bool {
	found := false
	r.walk(func(n *Rule) {
		switch n.Field {
		case "source", "ad_id", "ref", "text", "payload", "audience":
			found = true
		case "entity":
			found = found || n.WithinDays != nil
		}
	})
	return found
}

// stmt is one statement and its arguments.
type stmt struct {
	sql  string
	args []any
}

// previewSQL are the statements of a preview: the breakdown in parts, and the sample.
type previewSQL struct {
	parts  []stmt
	sample stmt
}

// previewStatements builds the statements of a preview of q under profile at now on dialect, the breakdown
// split at bounds (ascending values of last_inbound_at; none: one statement).
//
// The breakdown counts members per class in one pass. Each member's class is computed once, in a sub-query
// the database may not flatten (flattened, the CASE would be repeated in every sum), and counted by sums
// rather than GROUP BY, which on SQLite sorts every member (a third of the breakdown's time over a hundred
// thousand members). Its columns are in the order of the Breakdown's fields. Each part's bounds come right
// after the brand, before the rule's own: given two lower bounds on the indexed column, SQLite ranges over
// the first one and filters by the other, so each part reads its own range only.
//
// The sample is the members who wrote last: in the order of the index the rule reads, so the scan stops at
// the 20th match instead of sorting every match; only those 20 contacts are read whole.
func previewStatements(dialect, profile string, q Query, now time.Time, bounds []int64) previewSQL {
	classes, args := conversations.ReachabilityCaseSQL(profile, now)
	fence := " OFFSET 0" // PostgreSQL does not pull a sub-query with an OFFSET up into its parent
	if dialect == database.SQLite {
		fence = " LIMIT -1" // nor does SQLite a sub-query with a LIMIT under an aggregate
	}
	sums := make([]string, 0, 6)
	for _, class := range []string{policy.Free, policy.FollowUp, policy.HumanAgent, policy.Paid, policy.AdsOnly, policy.Unreachable} {
		sums = append(sums, fmt.Sprintf("COALESCE(SUM(CASE WHEN class = '%s' THEN 1 ELSE 0 END), 0)", class))
	}
	head := "SELECT " + strings.Join(sums, ", ") + " FROM (SELECT " + classes + " AS class FROM contacts WHERE "
	out := previewSQL{sample: sampleStatement(q)}
	for i := 0; i <= len(bounds); i++ {
		where, wargs := q.Where, q.Args
		if len(bounds) > 0 {
			var cond []string
			var cargs []any
			if i > 0 {
				cond, cargs = append(cond, "contacts.last_inbound_at >= ?"), append(cargs, bounds[i-1])
			}
			if i < len(bounds) {
				cond, cargs = append(cond, "contacts.last_inbound_at < ?"), append(cargs, bounds[i])
			}
			rest, _ := strings.CutPrefix(q.Where, brandPrefix)
			where = brandPrefix + strings.Join(cond, " AND ") + " AND " + rest
			wargs = append(append(append([]any{}, q.Args[:2]...), cargs...), q.Args[2:]...)
		}
		out.parts = append(out.parts, stmt{head + where + fence + ") members", append(append([]any{}, args...), wargs...)})
	}
	return out
}

// sampleStatement selects the SampleSize members of q who wrote last.
func sampleStatement(q Query) stmt {
	return stmt{"SELECT contacts.page_id, contacts.psid FROM contacts WHERE " + q.Where +
		" ORDER BY contacts.last_inbound_at DESC, contacts.page_id, contacts.psid LIMIT ?", append(append([]any{}, q.Args...), SampleSize)}
}
