package audiences

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"relance/conversations"
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

func (b *Breakdown) add(class string, n int64) {
	switch class {
	case policy.Free:
		b.Free += n
	case policy.FollowUp:
		b.FollowUp += n
	case policy.HumanAgent:
		b.HumanAgent += n
	case policy.Paid:
		b.Paid += n
	case policy.AdsOnly:
		b.AdsOnly += n
	case policy.Unreachable:
		b.Unreachable += n
	}
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
	q, err := Compile(r, s.tenant, s.brand.ID, s.brand.Policy, now)
	if err != nil {
		return Preview{}, err
	}
	p := Preview{At: now}
	classes, args, err := classCase(s.brand.Policy, now)
	if err != nil {
		return Preview{}, err
	}
	// The breakdown and the sample are independent scans: run them side by side.
	var counts []struct {
		Class string
		N     int64
	}
	var keys []contactKeyRow
	var countErr, sampleErr error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		countErr = s.db.R.WithContext(ctx).Raw("SELECT "+classes+" AS class, COUNT(*) AS n FROM contacts WHERE "+q.Where+" GROUP BY 1",
			append(args, q.Args...)...).Scan(&counts).Error
	}()
	// The sample is the members who wrote last: in the order of the index the rule reads, so the scan
	// stops at the 20th match instead of sorting every match; only those 20 contacts are read whole.
	sampleErr = s.db.R.WithContext(ctx).Raw("SELECT contacts.page_id, contacts.psid FROM contacts WHERE "+q.Where+
		" ORDER BY contacts.last_inbound_at DESC, contacts.page_id, contacts.psid LIMIT ?", append(q.Args, SampleSize)...).Scan(&keys).Error
	wg.Wait()
	if err := errors.Join(countErr, sampleErr); err != nil {
		return Preview{}, fmt.Errorf("audiences: preview: %w", err)
	}
	for _, c := range counts {
		p.Count += c.N
		p.Breakdown.add(c.Class, c.N)
	}
	if p.Sample, err = s.contactsByKeys(ctx, keys, now); err != nil {
		return Preview{}, fmt.Errorf("audiences: preview sample: %w", err)
	}
	p.TookMS = time.Since(start).Milliseconds()
	return p, nil
}

// classCase is a CASE expression naming each contact's reachability class at now, with its arguments. The
// class conditions are those listings filter with, which a test holds equal to policy.Classify; they are
// exclusive and cover every contact, so the cheap ones go first and the last class needs no test at all
// (a third faster over a hundred thousand members than the display order).
func classCase(profile string, now time.Time) (string, []any, error) {
	var b strings.Builder
	var args []any
	b.WriteString("CASE")
	for _, class := range []string{policy.Unreachable, policy.Free, policy.FollowUp, policy.Paid, policy.HumanAgent} {
		cond, a, err := conversations.ReachabilitySQL(profile, class, now)
		if err != nil {
			return "", nil, fmt.Errorf("audiences: %w", err)
		}
		fmt.Fprintf(&b, " WHEN %s THEN '%s'", cond, class)
		args = append(args, a...)
	}
	b.WriteString(" ELSE '" + policy.AdsOnly + "' END")
	return b.String(), args, nil
}
