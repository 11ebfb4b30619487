package scheduler

import (
	"fmt"
	"strings"
	"time"
)

// SpecError is a refused cron spec. Error carries the parser's own words, for logs; Reason says what is
// wrong in words a person can act on, naming the field at fault, and is what the UI and the API show.
type SpecError struct {
	Spec   string
	detail string
	reason string
}

// Error names the spec with the parser's own words, for logs.
func (e *SpecError) Error() string { return fmt.Sprintf("%s %q: %s", ErrBadSpec, e.Spec, e.detail) }

// Unwrap makes every SpecError an ErrBadSpec.
func (e *SpecError) Unwrap() error { return ErrBadSpec }

// Reason is the explanation for people.
func (e *SpecError) Reason() string { return e.reason }

// cronFields names the five fields in order, with the values each takes.
var cronFields = []struct{ name, values string }{
	{"minute", "0-59"},
	{"hour", "0-23"},
	{"day-of-month", "1-31"},
	{"month", "1-12 or JAN-DEC"},
	{"day-of-week", "0-6 or SUN-SAT"},
}

const cronShape = "5 fields: minute hour day-of-month month day-of-week, e.g. 0 6 * * * for 06:00 every day"

// explain finds why the parser refused spec: the number of fields, an unknown shortcut, or the first field
// that does not parse on its own (the others replaced by "*").
func explain(spec string) string {
	if strings.HasPrefix(spec, "@") {
		return "unknown shortcut: use @hourly, @daily, @weekly, @monthly or @yearly, or " + cronShape
	}
	fields := strings.Fields(spec)
	if len(fields) != len(cronFields) {
		return fmt.Sprintf("has %d field(s) but needs %s", len(fields), cronShape)
	}
	for i, f := range fields {
		probe := []string{"*", "*", "*", "*", "*"}
		probe[i] = f
		if _, err := parser.Parse(strings.Join(probe, " ")); err != nil {
			if len(f) > 24 {
				f = f[:24] + "…"
			}
			return fmt.Sprintf("the %s field %q is not valid: use numbers in %s, lists (1,15), ranges (1-5), steps (*/10) or *",
				cronFields[i].name, f, cronFields[i].values)
		}
	}
	return "is not a schedule relance can run: " + cronShape
}

// gapSlots bounds how many slots MinGap looks at: enough for a year of hourly slots. Cron fields are a
// product of sets, so the firing times of a day repeat on every firing day and a year shows every gap
// that matters.
const gapSlots = 10_000

// MinGap is the shortest time between consecutive slots of spec in zone tz, over the slots of the year
// after from (at most gapSlots of them). It stops at the first gap shorter than floor, since the caller
// only needs to know that one exists.
func MinGap(spec, tz string, from time.Time, floor time.Duration) (time.Duration, error) {
	s, err := compile(spec, tz)
	if err != nil {
		return 0, err
	}
	end := from.AddDate(1, 0, 1)
	prev := s.Next(from)
	shortest := time.Duration(0)
	for i := 0; i < gapSlots && !prev.IsZero() && prev.Before(end); i++ {
		next := s.Next(prev)
		if next.IsZero() {
			break
		}
		if gap := next.Sub(prev); shortest == 0 || gap < shortest {
			shortest = gap
			if shortest < floor {
				break
			}
		}
		prev = next
	}
	return shortest, nil
}

// CheckInterval refuses a spec whose slots come closer together than min anywhere in the coming year.
func CheckInterval(spec, tz string, from time.Time, min time.Duration) error {
	gap, err := MinGap(spec, tz, from, min)
	if err != nil {
		return err
	}
	if gap > 0 && gap < min {
		return &SpecError{Spec: spec, detail: fmt.Sprintf("slots %s apart, below the minimum of %s", gap, min),
			reason: fmt.Sprintf("runs as often as every %s; the shortest interval allowed is %s", humanDuration(gap), humanDuration(min))}
	}
	return nil
}

// humanDuration writes a whole number of days, hours or minutes the way a person would.
func humanDuration(d time.Duration) string {
	unit := func(n int64, word string) string {
		if n == 1 {
			return "1 " + word
		}
		return fmt.Sprintf("%d %ss", n, word)
	}
	switch {
	case d >= 24*time.Hour && d%(24*time.Hour) == 0:
		return unit(int64(d/(24*time.Hour)), "day")
	case d >= time.Hour && d%time.Hour == 0:
		return unit(int64(d/time.Hour), "hour")
	case d >= time.Minute && d%time.Minute == 0:
		return unit(int64(d/time.Minute), "minute")
	}
	return d.String()
}
