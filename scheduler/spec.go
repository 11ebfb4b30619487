package scheduler

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/robfig/cron/v3"
)

// ErrBadSpec reports a cron spec the scheduler refuses; the wrapping error names the reason.
var ErrBadSpec = errors.New("scheduler: bad cron spec")

// ErrBadTimeZone reports a time zone that is not an IANA name the machine knows.
var ErrBadTimeZone = errors.New("scheduler: bad time zone")

// parser reads the five standard fields (minute hour day-of-month month day-of-week) and the descriptors.
// Seconds are left out on purpose: a slot is a database row, and a schedule finer than a minute would
// make the claim table the busiest table of the store.
var parser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// starBit is robfig's mark of a field written as "*" (cron keeps it in the top bit of the field's mask).
const starBit = 1 << 63

// Validate checks a cron spec before it is saved: five fields, or @yearly, @annually, @monthly, @weekly,
// @daily, @midnight, @hourly. @every is refused, and so is a TZ= prefix (the zone is a separate setting).
func Validate(spec string) error {
	_, err := parse(spec, time.UTC)
	return err
}

// Next returns the first slot of spec, read in the IANA time zone tz ("" is UTC), strictly after after.
// The UI and the API use it to show the next run.
func Next(spec, tz string, after time.Time) (time.Time, error) {
	s, err := compile(spec, tz)
	if err != nil {
		return time.Time{}, err
	}
	return s.Next(after).UTC(), nil
}

// compile parses spec in the time zone named tz.
func compile(spec, tz string) (schedule, error) {
	loc, err := location(tz)
	if err != nil {
		return schedule{}, err
	}
	return parse(spec, loc)
}

// parse checks spec and applies loc the way a CRON_TZ= prefix would.
func parse(spec string, loc *time.Location) (schedule, error) {
	spec = strings.TrimSpace(spec)
	bad := func(reason string) (schedule, error) {
		return schedule{}, &SpecError{Spec: spec, detail: reason, reason: reason}
	}
	switch {
	case spec == "":
		return bad("empty")
	case strings.HasPrefix(spec, "TZ=") || strings.HasPrefix(spec, "CRON_TZ="):
		// robfig would take the zone from the spec (and panics on "CRON_TZ=X" alone); the zone is the
		// brand's setting, so that changing it moves every schedule of the brand.
		return bad("the time zone is set apart, not with TZ= in the spec")
	case strings.HasPrefix(spec, "@every"):
		// @every counts from the moment each instance started its timer, so instances would disagree on
		// the slots and a slot could not be claimed once; a spec like "*/15 * * * *" has fixed slots.
		return bad("@every is not supported: use fields, e.g. */15 * * * *")
	}
	parsed, err := parser.Parse(spec)
	if err != nil {
		return schedule{}, &SpecError{Spec: spec, detail: err.Error(), reason: explain(spec)}
	}
	spc, ok := parsed.(*cron.SpecSchedule)
	if !ok {
		return bad("unsupported schedule")
	}
	spc.Location = loc
	s := schedule{spec: spc}
	if s.Next(time.Now()).IsZero() {
		return bad("it never fires (no such date)")
	}
	return s, nil
}

// locations caches loaded zones: time.LoadLocation reads the zone file on every call.
var locations sync.Map

// location loads an IANA zone; "" is UTC. "Local" is refused: it would mean different zones on different
// machines, and instances must agree on every slot.
func location(tz string) (*time.Location, error) {
	tz = strings.TrimSpace(tz)
	if tz == "" || tz == "UTC" {
		return time.UTC, nil
	}
	if v, ok := locations.Load(tz); ok {
		return v.(*time.Location), nil
	}
	if tz == "Local" {
		return nil, fmt.Errorf("%w %q: name the zone, e.g. Europe/Paris", ErrBadTimeZone, tz)
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return nil, fmt.Errorf("%w %q: %v", ErrBadTimeZone, tz, err)
	}
	locations.Store(tz, loc)
	return loc, nil
}
