package scheduler

import (
	"time"

	"github.com/robfig/cron/v3"
)

// schedule is a parsed spec with daylight-saving rules on top of robfig's, the rules of Vixie cron: a spec
// that names its hours (e.g. "30 2 * * *") runs once on the night clocks go back, at the first of the two
// 02:30s, and on the night clocks jump forward over 02:30 it runs at the jump (03:00 local). robfig alone
// would run it twice and not at all on those nights, and a campaign send must be neither doubled nor lost.
// A spec with "*" hours counts elapsed time: it runs in both repeated hours and never in the skipped one.
type schedule struct{ spec *cron.SpecSchedule }

// Next returns the first slot strictly after t (the zero time if there is none within five years).
func (s schedule) Next(t time.Time) time.Time {
	for {
		n := s.spec.Next(t)
		if n.IsZero() || s.spec.Hour&starBit != 0 || s.spec.Location == time.UTC {
			return n
		}
		if jump, ok := s.gap(t, n); ok {
			return jump
		}
		if !s.repeated(n) {
			return n
		}
		t = n
	}
}

// gap looks for a jump forward of the clocks in (t, n] that skipped a wall-clock time of the spec, and
// returns the instant of that jump.
func (s schedule) gap(t, n time.Time) (time.Time, bool) {
	cur := t.In(s.spec.Location)
	for {
		_, end := cur.ZoneBounds()
		if end.IsZero() || end.After(n) {
			return time.Time{}, false
		}
		_, before := end.Add(-time.Nanosecond).Zone()
		_, after := end.Zone()
		// The skipped wall-clock times run from the jump read in the old offset, for after-before seconds.
		wall := end.UTC().Add(time.Duration(before) * time.Second)
		for m := 0; m < (after-before)/60; m++ {
			if s.matches(wall.Add(time.Duration(m) * time.Minute)) {
				return end, true
			}
		}
		cur = end
	}
}

// repeated reports whether n's wall-clock time already came once, before the clocks went back.
func (s schedule) repeated(n time.Time) bool {
	start, _ := n.In(s.spec.Location).ZoneBounds()
	if start.IsZero() {
		return false
	}
	_, before := start.Add(-time.Nanosecond).Zone()
	_, after := start.Zone()
	back := time.Duration(before-after) * time.Second
	return back > 0 && n.Sub(start) < back
}

// matches reports whether a wall-clock time (its fields read as UTC) is one of the spec's, with cron's
// rule for days: when both day fields are restricted, either one matching is enough.
func (s schedule) matches(w time.Time) bool {
	bit := func(mask uint64, v int) bool { return mask&(1<<uint(v)) != 0 }
	if !bit(s.spec.Minute, w.Minute()) || !bit(s.spec.Hour, w.Hour()) || !bit(s.spec.Month, int(w.Month())) {
		return false
	}
	dom, dow := bit(s.spec.Dom, w.Day()), bit(s.spec.Dow, int(w.Weekday()))
	if s.spec.Dom&starBit != 0 || s.spec.Dow&starBit != 0 {
		return dom && dow
	}
	return dom || dow
}
