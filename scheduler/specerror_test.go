package scheduler_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"relance/scheduler"
)

func TestMinGap(t *testing.T) {
	// From before the autumn change in Paris, so the year seen crosses both DST changes.
	from := time.Date(2026, 10, 20, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		spec, tz string
		want     time.Duration
	}{
		{"* * * * *", "UTC", time.Minute},
		{"*/15 * * * *", "UTC", 15 * time.Minute},
		{"0,1 9 * * 1", "Europe/Paris", time.Minute},
		{"0 9 * * 1", "Europe/Paris", 7*24*time.Hour - time.Hour}, // the week of the spring change is an hour short
		{"0 * * * *", "Europe/Paris", time.Hour},
		{"30 2 * * *", "Europe/Paris", 23*time.Hour + 30*time.Minute}, // no 02:30 on the spring day: it runs at 03:00
		{"59 23 31 12 *", "UTC", 365 * 24 * time.Hour},
	} {
		got, err := scheduler.MinGap(c.spec, c.tz, from, 0)
		if err != nil || got != c.want {
			t.Errorf("MinGap(%q, %s) = %v, %v; want %v", c.spec, c.tz, got, err, c.want)
		}
	}
	if _, err := scheduler.MinGap("61 * * * *", "UTC", from, 0); !errors.Is(err, scheduler.ErrBadSpec) {
		t.Errorf("MinGap of a bad spec: %v, want ErrBadSpec", err)
	}
	err := scheduler.CheckInterval("*/10 * * * *", "UTC", from, time.Hour)
	var se *scheduler.SpecError
	if !errors.As(err, &se) || se.Reason() != "runs as often as every 10 minutes; the shortest interval allowed is 1 hour" {
		t.Errorf("CheckInterval = %v", err)
	}
	if err := scheduler.CheckInterval("0 */2 * * *", "UTC", from, time.Hour); err != nil {
		t.Errorf("CheckInterval every 2 hours: %v", err)
	}
}

func TestSpecReasons(t *testing.T) {
	for spec, want := range map[string]string{
		"* * * *":      "has 4 field(s) but needs 5 fields",
		"61 * * * *":   `the minute field "61"`,
		"0 24 * * *":   `the hour field "24"`,
		"0 0 0 * *":    `the day-of-month field "0"`,
		"0 0 * 13 *":   `the month field "13"`,
		"0 0 * * 8":    `the day-of-week field "8"`,
		"0 9 * * MON-": `the day-of-week field "MON-"`,
		"@fortnightly": "unknown shortcut",
	} {
		var se *scheduler.SpecError
		if err := scheduler.Validate(spec); !errors.As(err, &se) || !strings.Contains(se.Reason(), want) {
			t.Errorf("Validate(%q) = %v, want a reason with %q", spec, err, want)
		}
	}
}
