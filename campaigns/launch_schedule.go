package campaigns

import (
	"fmt"
	"time"

	"github.com/robfig/cron/v3"

	"relance/meta"
	"relance/tenancy"
)

// Dayparting of the ads kinds (DESIGN §5). With a lifetime budget the active windows become Meta's
// adset_schedule; with a daily budget Meta has no schedule, so the sweep pauses and resumes the ad set at
// the windows' edges in the brand's zone (adSetWanted).

// starBit is robfig/cron's mark of a field written "*".
const starBit = 1 << 63

// scheduleBlocks turns active windows (cron in the brand's zone, whole hours) into adset_schedule blocks in
// the ad account's zone (timezone_type ADVERTISER): a week grid of hours, shifted by the zones' offset at
// the given time, merged into one block per day and run. No windows is no schedule (always on). A window
// that names days of the month or months cannot be a weekly schedule and is refused.
func scheduleBlocks(windows []Window, brandZone, accountZone string, at time.Time) ([]meta.ScheduleBlock, error) {
	if len(windows) == 0 {
		return nil, nil
	}
	shift, err := zoneShift(brandZone, accountZone, at)
	if err != nil {
		return nil, err
	}
	var week [7 * 24]bool
	for i, w := range windows {
		sched, err := cron.ParseStandard(w.Cron)
		spec, ok := sched.(*cron.SpecSchedule)
		path := fmt.Sprintf("schedule.active[%d].cron", i)
		switch {
		case err != nil || !ok:
			return nil, &tenancy.ValidationError{Fields: map[string]string{path: "is not a cron expression relance can read"}}
		case spec.Dom&starBit == 0 || spec.Month&starBit == 0:
			return nil, &tenancy.ValidationError{Fields: map[string]string{path: "names days of the month or months: Meta's schedule is weekly"}}
		}
		hours := w.Minutes / 60
		for d := 0; d < 7; d++ {
			if spec.Dow&(1<<uint(d)) == 0 {
				continue
			}
			for h := 0; h < 24; h++ {
				if spec.Hour&(1<<uint(h)) == 0 {
					continue
				}
				for k := 0; k < hours; k++ {
					slot := ((d*24+h+k+shift)%(7*24) + 7*24) % (7 * 24)
					week[slot] = true
				}
			}
		}
	}
	var out []meta.ScheduleBlock
	for d := 0; d < 7; d++ {
		for h := 0; h < 24; {
			if !week[d*24+h] {
				h++
				continue
			}
			start := h
			for h < 24 && week[d*24+h] {
				h++
			}
			out = append(out, meta.ScheduleBlock{StartMinute: start * 60, EndMinute: h * 60, Days: []int{d}, TimezoneType: "ADVERTISER"})
		}
	}
	return out, nil
}

// zoneShift is how many hours the account's zone is ahead of the brand's at a time (DST is read at that
// time: a schedule made in winter is an hour off in summer when only one of the zones moves). A difference
// that is not whole hours cannot be written in Meta's whole-hour blocks.
func zoneShift(brandZone, accountZone string, at time.Time) (int, error) {
	if accountZone == "" || accountZone == brandZone {
		return 0, nil
	}
	b, err1 := time.LoadLocation(brandZone)
	a, err2 := time.LoadLocation(accountZone)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("campaigns: zones %q and %q: %w", brandZone, accountZone, tenancy.ErrConflict)
	}
	_, bo := at.In(b).Zone()
	_, ao := at.In(a).Zone()
	if (ao-bo)%3600 != 0 {
		return 0, fmt.Errorf("%w: the ad account's zone %s is not a whole number of hours from the brand's %s; Meta schedules whole hours",
			tenancy.ErrConflict, accountZone, brandZone)
	}
	return (ao - bo) / 3600, nil
}

// adSetWanted is the status the ad set should have now: with a daily budget and active windows, ACTIVE
// only inside a window (in the brand's zone); otherwise ACTIVE (Meta's adset_schedule does the lifetime
// dayparting, the campaign's status does pause and resume).
func (s *Store) adSetWanted(c Campaign) (string, error) {
	if c.Budget == nil || c.Budget.Period != PeriodDaily || len(c.Schedule.Active) == 0 {
		return meta.AdStatusActive, nil
	}
	now := s.opts.Now()
	for _, w := range c.Schedule.Active {
		// A window is open when its latest slot started less than Minutes ago: the first slot after
		// now − Minutes is not later than now.
		next, err := s.opts.NextRun(w.Cron, s.brand.Timezone, now.Add(-time.Duration(w.Minutes)*time.Minute))
		if err != nil {
			return "", fmt.Errorf("campaigns: active window %q: %w", w.Cron, err)
		}
		if !next.After(now) {
			return meta.AdStatusActive, nil
		}
	}
	return meta.AdStatusPaused, nil
}
