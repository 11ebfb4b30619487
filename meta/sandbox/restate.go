package sandbox

import (
	"fmt"
	"time"
)

// Restate changes what Insights reports for one ad on one day of its account's zone (YYYY-MM-DD), as Meta
// does when it later finds invalid activity and refunds it: spend, impressions, reach, clicks and
// conversations of that day's hours are scaled by (100+percent)/100, rounded down (percent -10 refunds a
// tenth). Reports pulled before and after then disagree for that day, which is what the spend ledger must
// reconcile. It fails for an unknown ad or a day the ad has no figures for.
func (s *Sandbox) Restate(adID, day string, percent int) error {
	if percent < -100 {
		return fmt.Errorf("sandbox: restate: percent %d below -100", percent)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ad := s.st.ads[adID]
	if ad == nil {
		return fmt.Errorf("sandbox: restate: no ad %s", adID)
	}
	loc := location(s.account(ad.AccountID).Timezone)
	want, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return fmt.Errorf("sandbox: restate: %w", err)
	}
	scale := func(v int64) int64 { return v * int64(100+percent) / 100 }
	n := 0
	rows := s.st.stats[adID]
	for i := range rows {
		if !localDate(rows[i].Hour, loc).Equal(want) {
			continue
		}
		r := &rows[i]
		r.Spend, r.Impressions, r.Reach, r.Clicks = scale(r.Spend), scale(r.Impressions), scale(r.Reach), scale(r.Clicks)
		r.Conversations, r.FirstReplies = scale(r.Conversations), scale(r.FirstReplies)
		n++
	}
	if n == 0 {
		return fmt.Errorf("sandbox: restate: ad %s has no figures on %s", adID, day)
	}
	return nil
}
