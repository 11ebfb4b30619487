package sandbox

import (
	"slices"
	"time"

	"relance/meta"
)

// Pacing: how much of its budget an ad set means to spend in an interval, before the hard caps of
// delivery.go. Meta spreads a budget over the day (or the flight) following when people are online; the
// sandbox does the same with a fixed diurnal curve in the account's time zone, a per-day factor and some
// noise per hour, all drawn from seeded generators.

// diurnal is the relative audience of each local hour: quiet at night, busier at lunch, peaking in the evening.
var diurnal = [24]float64{
	0.35, 0.2, 0.12, 0.1, 0.1, 0.15, 0.3, 0.5, 0.7, 0.8, 0.85, 0.95,
	1.1, 1.05, 0.9, 0.9, 0.95, 1.05, 1.3, 1.55, 1.7, 1.6, 1.2, 0.7,
}

// weightAt is the diurnal weight of the local hour holding t.
func weightAt(t time.Time, loc *time.Location) float64 { return diurnal[t.In(loc).Hour()] }

// location loads an account's IANA zone; an unknown zone falls back to UTC rather than stopping delivery.
func location(name string) *time.Location {
	if name == "" {
		return time.UTC
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.UTC
	}
	return loc
}

// localDate is the account-day of t as a UTC midnight (the form Insights dates are compared in).
func localDate(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// dayNumber numbers account days (days since 1970-01-01), so that "the 7 days ending today" is arithmetic.
func dayNumber(t time.Time, loc *time.Location) int {
	return int(localDate(t, loc).Unix() / 86400)
}

// metaOffset is Meta's offset for the account currency, 100 when Meta does not list it.
func metaOffset(cur string) int64 {
	if o := meta.MetaOffset(cur); o > 0 {
		return o
	}
	return 100
}

// inSchedule reports whether t falls in the ad set's adset_schedule (always, without one). Blocks are read
// in the account's time zone. timezone_type USER (the viewer's own zone) is treated as ADVERTISER: the
// sandbox has no viewers with zones of their own.
func inSchedule(set *AdSet, loc *time.Location, t time.Time) bool {
	if len(set.Schedule) == 0 {
		return true
	}
	lt := t.In(loc)
	minute := lt.Hour()*60 + lt.Minute()
	day := int(lt.Weekday()) // 0 is Sunday, as in adset_schedule
	for _, b := range set.Schedule {
		if minute >= b.StartMinute && minute < b.EndMinute && slices.Contains(b.Days, day) {
			return true
		}
	}
	return false
}

// liveTime is how much of [a, b) lies inside the schedule, to the minute.
func liveTime(set *AdSet, loc *time.Location, a, b time.Time) time.Duration {
	if len(set.Schedule) == 0 {
		return b.Sub(a)
	}
	var live time.Duration
	for t := a; t.Before(b); {
		next := t.Truncate(time.Minute).Add(time.Minute)
		if next.After(b) {
			next = b
		}
		if inSchedule(set, loc, t) {
			live += next.Sub(t)
		}
		t = next
	}
	return live
}

// hourWeight is the pacing weight of the whole hour starting at h: its diurnal weight times the share of it
// the schedule opens (sampled each quarter hour, enough since Meta schedules whole hours).
func hourWeight(set *AdSet, loc *time.Location, h time.Time) float64 {
	open := 0
	for q := range 4 {
		if inSchedule(set, loc, h.Add(time.Duration(q)*15*time.Minute)) {
			open++
		}
	}
	return weightAt(h, loc) * float64(open) / 4
}

// maxPacingHours bounds the look-ahead of lifetime pacing (a 90-day flight); beyond it the remaining
// budget is spread as if the flight ended there, and the hard cap still holds.
const maxPacingHours = 90 * 24

// allowance is what the ad set means to spend in the live part of the interval starting at a, in Meta
// units, before the hard caps. sp is what it already spent.
func (s *Sandbox) allowance(set *AdSet, loc *time.Location, a time.Time, live time.Duration, sp spent) float64 {
	hour := a.Truncate(time.Hour)
	noise := seeded(s.o.Seed, "pace", set.ID, hour.Format(time.RFC3339))
	now := weightAt(a, loc) * live.Hours()
	out := -1.0
	if set.DailyBudget > 0 {
		day := localDate(a, loc)
		daily := seeded(s.o.Seed, "pace-day", set.ID, day.Format(time.DateOnly))
		// Busy days ask for up to 140 % of the budget: the 125 % and weekly caps then decide, as Meta's do.
		target := float64(set.DailyBudget) * (0.8 + 0.6*daily.Float64())
		// The day's weight: its hours (23 to 25 with daylight saving) from local midnight.
		y, m, d := day.Date()
		first := time.Date(y, m, d, 0, 0, 0, 0, loc).Truncate(time.Hour)
		if localDate(first, loc).Before(day) {
			first = first.Add(time.Hour) // half-hour zones: the UTC hour holding midnight belongs to the day before
		}
		var sum float64
		for h := first; localDate(h, loc).Equal(day); h = h.Add(time.Hour) {
			sum += hourWeight(set, loc, h)
		}
		if sum > 0 {
			out = target * now / sum * (0.8 + 0.4*noise.Float64())
		}
	}
	if set.LifetimeBudget > 0 {
		left := float64(set.LifetimeBudget - sp.total)
		end := set.EndTime
		if end.IsZero() {
			end = hour.Add(7 * 24 * time.Hour)
		}
		sum := now
		for h, n := hour.Add(time.Hour), 0; h.Before(end) && n < maxPacingHours; h, n = h.Add(time.Hour), n+1 {
			sum += hourWeight(set, loc, h)
		}
		if sum > 0 {
			l := left * now / sum * (0.7 + 0.8*noise.Float64()) // may ask for more than is left: the cap decides
			if out < 0 || l < out {
				out = l
			}
		}
	}
	return max(out, 0)
}
