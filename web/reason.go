package web

import (
	"regexp"
	"time"
)

// utcStampRe is a time as the policy package writes it in a reachability reason ("2026-12-03 14:05 UTC").
var utcStampRe = regexp.MustCompile(`\b(\d{4}-\d{2}-\d{2} \d{2}:\d{2}) UTC\b`)

// reasonIn rewrites the UTC times of a reason in a zone with its abbreviation, so that a screen that shows
// times in the brand's zone does not show this one in UTC. The API keeps the reason as the policy wrote it.
func reasonIn(reason, tz string) string {
	loc := zone(tz)
	return utcStampRe.ReplaceAllStringFunc(reason, func(m string) string {
		t, err := time.Parse("2006-01-02 15:04 UTC", m)
		if err != nil {
			return m
		}
		return t.In(loc).Format("2006-01-02 15:04 MST")
	})
}
