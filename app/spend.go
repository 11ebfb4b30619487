package app

import (
	"context"
	"fmt"
	"strings"
	"time"

	"relance/attribution"
	"relance/meta"
	"relance/reports"
	"relance/scheduler"
	"relance/tenancy"
)

// SpendKind is the scheduler kind of the daily spend pull: one entry per ad account with a Marketing API
// token, keyed tenant/account row, at 06:20 in the account's zone (yesterday is complete by then, and Meta's
// restatements of the days before are in).
const SpendKind = "spend_sync"

// spendSpec is when the daily pull runs, in the ad account's zone.
const spendSpec = "20 6 * * *"

// registerSpend adds the daily spend pull to the scheduler when Meta is reachable.
func registerSpend(s *scheduler.Scheduler, r *runtime, graph *meta.Client) error {
	if graph == nil {
		return nil
	}
	// After downtime one pull of the last 28 days covers every missed one.
	err := s.Register(scheduler.Kind{Name: SpendKind, Missed: scheduler.MissedLatest, Source: spendSchedules(r),
		Handler: func(ctx context.Context, key string, _ time.Time) error {
			tenantID, rowID, ok := strings.Cut(key, "/")
			if !ok {
				return fmt.Errorf("app: spend sync: bad key %q", key)
			}
			var acct tenancy.AdAccount
			if err := r.db.R.WithContext(ctx).Where("tenant_id = ? AND id = ?", tenantID, rowID).Take(&acct).Error; err != nil {
				return fmt.Errorf("app: spend sync: %w", err)
			}
			ctx = tenancy.WithActor(ctx, tenancy.Actor{Label: "schedule"})
			l := reports.NewLedger(r.db, tenantID, nil)
			_, err := l.SyncAll(ctx, graph, r.store.Tenant(tenantID).AdAccountToken, []tenancy.AdAccount{acct}, reports.SyncRequest{})
			return err
		}})
	if err != nil {
		return fmt.Errorf("app: scheduler: %w", err)
	}
	return nil
}

// spendSchedules lists the ad accounts that have a token, each on spendSpec in its own zone.
func spendSchedules(r *runtime) scheduler.Source {
	return func(ctx context.Context) ([]scheduler.Entry, error) {
		var rows []tenancy.AdAccount
		if err := r.db.R.WithContext(ctx).Where("access_token_enc <> ''").Order("id").Find(&rows).Error; err != nil {
			return nil, fmt.Errorf("app: spend schedules: %w", err)
		}
		out := make([]scheduler.Entry, 0, len(rows))
		for _, a := range rows {
			out = append(out, scheduler.Entry{Key: a.TenantID + "/" + a.ID, Spec: spendSpec, TZ: a.Timezone, Since: a.CreatedAt})
		}
		return out, nil
	}
}

// CAPIKind is the scheduler kind of the minute sweep that forwards pending conversions to Meta's Conversions
// API (DESIGN §5: within 60 s).
const CAPIKind = "capi_forward"

// registerCAPI adds the forwarding sweep when Meta is reachable.
func registerCAPI(s *scheduler.Scheduler, r *runtime, graph *meta.Client) error {
	if graph == nil {
		return nil
	}
	err := s.Register(scheduler.Kind{Name: CAPIKind, Missed: scheduler.MissedSkip,
		Source: func(context.Context) ([]scheduler.Entry, error) {
			return []scheduler.Entry{{Key: "pending", Spec: "* * * * *", TZ: "UTC"}}, nil
		},
		Handler: func(ctx context.Context, _ string, _ time.Time) error {
			tokens := func(ctx context.Context, tenantID, pageID string) (string, error) {
				return r.store.Tenant(tenantID).PageToken(ctx, pageID)
			}
			_, err := attribution.Forward(ctx, r.db, graph, tokens, time.Now().UTC())
			return err
		}})
	if err != nil {
		return fmt.Errorf("app: scheduler: %w", err)
	}
	return nil
}
