package app

import (
	"context"
	"fmt"
	"time"

	"relance/attribution"
	"relance/scheduler"
)

// RulesKind is the scheduler kind of the minute sweep that applies the brand conversion rules (a lead when a
// phone number or e-mail is shared, a purchase on a postback payload) to what was stored since the last sweep.
const RulesKind = "conversion_rules"

// registerRules runs the conversion rules sweep every minute, on one instance per minute; a missed minute is
// caught up by the next, since the sweep reads from its watermark.
func registerRules(s *scheduler.Scheduler, r *runtime) error {
	err := s.Register(scheduler.Kind{Name: RulesKind, Missed: scheduler.MissedSkip,
		Source: func(context.Context) ([]scheduler.Entry, error) {
			return []scheduler.Entry{{Key: "sweep", Spec: "* * * * *", TZ: "UTC"}}, nil
		},
		Handler: func(ctx context.Context, _ string, _ time.Time) error {
			_, err := attribution.ApplyRules(ctx, r.db, time.Now().UTC())
			return err
		}})
	if err != nil {
		return fmt.Errorf("app: scheduler: %w", err)
	}
	return nil
}
