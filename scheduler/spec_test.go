package scheduler_test

import (
	"errors"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the zones below must load whatever the machine has installed

	"relance/scheduler"
)

func TestValidateRejectsBadSpecs(t *testing.T) {
	for _, tc := range []struct{ spec, reason string }{
		{"", "empty"},
		{"   ", "empty"},
		{"* * * *", "expected exactly 5 fields"},
		{"0 * * * * *", "expected exactly 5 fields"}, // no seconds field
		{"61 * * * *", "above maximum"},
		{"0 0 * * 8", "above maximum"},
		{"0 9 * * MON-", "failed to parse int"},
		{"@every 5m", "@every is not supported"},
		{"@fortnightly", "unrecognized descriptor"},
		{"CRON_TZ=Europe/Paris 0 9 * * *", "time zone is set apart"},
		{"TZ=UTC", "time zone is set apart"},
		{"0 0 30 2 *", "never fires"},
	} {
		err := scheduler.Validate(tc.spec)
		if !errors.Is(err, scheduler.ErrBadSpec) || !strings.Contains(err.Error(), tc.reason) {
			t.Errorf("Validate(%q) = %v, want ErrBadSpec naming %q", tc.spec, err, tc.reason)
		}
	}
	for _, spec := range []string{"0 9 * * *", "*/15 * * * *", "0 9 * * MON-FRI", "0 0 29 2 *", "@daily", "@hourly", "@weekly", "@monthly", "@yearly"} {
		if err := scheduler.Validate(spec); err != nil {
			t.Errorf("Validate(%q) = %v, want nil", spec, err)
		}
	}
}

func TestNextAppliesTimeZone(t *testing.T) {
	for _, tc := range []struct {
		spec, tz     string
		after, wantZ string
	}{
		{"0 9 * * *", "Europe/Paris", "2026-01-15T00:00:00Z", "2026-01-15T08:00:00Z"}, // winter, UTC+1
		{"0 9 * * *", "Europe/Paris", "2026-07-15T00:00:00Z", "2026-07-15T07:00:00Z"}, // summer, UTC+2
		{"0 9 * * *", "", "2026-01-15T00:00:00Z", "2026-01-15T09:00:00Z"},
		{"0 9 * * *", "America/New_York", "2026-01-15T00:00:00Z", "2026-01-15T14:00:00Z"},
		{"0 9 * * *", "Europe/Paris", "2026-01-15T08:00:00Z", "2026-01-16T08:00:00Z"}, // strictly after
		{"@daily", "Asia/Tokyo", "2026-01-15T00:00:00Z", "2026-01-15T15:00:00Z"},
	} {
		got, err := scheduler.Next(tc.spec, tc.tz, mustTime(t, tc.after))
		if err != nil || !got.Equal(mustTime(t, tc.wantZ)) || got.Location() != time.UTC {
			t.Errorf("Next(%q, %q, %s) = %v, %v, want %s", tc.spec, tc.tz, tc.after, got, err, tc.wantZ)
		}
	}
	for _, tz := range []string{"Mars/Olympus_Mons", "Local", "Europe/Paris 0 9"} {
		if _, err := scheduler.Next("0 9 * * *", tz, time.Now()); !errors.Is(err, scheduler.ErrBadTimeZone) {
			t.Errorf("Next with zone %q: %v, want ErrBadTimeZone", tz, err)
		}
	}
	if _, err := scheduler.Next("@every 1h", "Europe/Paris", time.Now()); !errors.Is(err, scheduler.ErrBadSpec) {
		t.Errorf("Next with @every: %v, want ErrBadSpec", err)
	}
}

// TestNextDaylightSaving pins the documented choice: a spec naming its hours runs once on the night clocks
// go back (the first time) and at the jump on the night they skip its time; a "*" hour counts elapsed time.
func TestNextDaylightSaving(t *testing.T) {
	for _, tc := range []struct {
		name, spec, tz, after string
		want                  []string
	}{
		{"spring forward runs at the jump", "30 2 * * *", "Europe/Paris", "2026-03-28T12:00:00Z",
			[]string{"2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z"}},
		{"spring forward collapses skipped slots", "*/20 2 * * *", "Europe/Paris", "2026-03-28T12:00:00Z",
			[]string{"2026-03-29T01:00:00Z", "2026-03-30T00:00:00Z"}},
		{"fall back runs once", "30 2 * * *", "Europe/Paris", "2026-10-24T12:00:00Z",
			[]string{"2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"}},
		{"hourly counts elapsed hours in spring", "0 * * * *", "Europe/Paris", "2026-03-28T23:30:00Z",
			[]string{"2026-03-29T00:00:00Z", "2026-03-29T01:00:00Z", "2026-03-29T02:00:00Z"}},
		{"hourly counts elapsed hours in autumn", "0 * * * *", "Europe/Paris", "2026-10-24T23:30:00Z",
			[]string{"2026-10-25T00:00:00Z", "2026-10-25T01:00:00Z", "2026-10-25T02:00:00Z"}},
		{"half-hour shift forward", "15 2 * * *", "Australia/Lord_Howe", "2026-10-03T00:00:00Z",
			[]string{"2026-10-03T15:30:00Z", "2026-10-04T15:15:00Z"}},
		{"half-hour shift back", "45 1 * * *", "Australia/Lord_Howe", "2026-04-04T00:00:00Z",
			[]string{"2026-04-04T14:45:00Z", "2026-04-05T15:15:00Z"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			at := mustTime(t, tc.after)
			for _, w := range tc.want {
				got, err := scheduler.Next(tc.spec, tc.tz, at)
				if err != nil || !got.Equal(mustTime(t, w)) {
					t.Fatalf("Next(%q, %s) = %v, %v, want %s", tc.spec, at.Format(time.RFC3339), got, err, w)
				}
				at = got
			}
		})
	}
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
