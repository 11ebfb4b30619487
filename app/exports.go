package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"relance/reports"
	"relance/scheduler"
	"relance/tenancy"
)

// ExportKind is the scheduler kind of scheduled exports: one entry per schedule, keyed tenant/schedule, on
// its cron in the agency's zone. New schedules are picked up at the scheduler's next reload.
const ExportKind = "export"

// registerExports adds scheduled exports to the scheduler. A missed run is made once when an instance is
// back (the latest slot only: each run exports its period as of when it runs).
func registerExports(s *scheduler.Scheduler, r *runtime) error {
	err := s.Register(scheduler.Kind{Name: ExportKind, Missed: scheduler.MissedLatest,
		Source: func(ctx context.Context) ([]scheduler.Entry, error) { return reports.ScheduleEntries(ctx, r.db) },
		Handler: func(ctx context.Context, key string, _ time.Time) error {
			tenantID, id, ok := strings.Cut(key, "/")
			if !ok {
				return fmt.Errorf("app: export: bad key %q", key)
			}
			set, err := r.store.Tenant(tenantID).AgencySettings(ctx)
			if err != nil {
				return fmt.Errorf("app: export: %w", err)
			}
			_, err = reports.NewExports(r.db, tenantID, nil).Run(ctx, id, set.ReportingCurrency)
			if errors.Is(err, tenancy.ErrNotFound) {
				return nil // deleted since the scheduler's last reload
			}
			return err
		}})
	if err != nil {
		return fmt.Errorf("app: scheduler: %w", err)
	}
	return nil
}
