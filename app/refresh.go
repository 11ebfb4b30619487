package app

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"relance/audiences"
	"relance/campaigns"
	"relance/conversations"
	"relance/meta"
	"relance/scheduler"
	"relance/tenancy"
	"relance/web"
)

// newScheduler builds the scheduler with relance's jobs registered: audience refreshes, each followed by a
// Meta sync when the audience has an ad account; and, when Meta is reachable (syncer and backfiller not nil),
// the resumption of syncs and history backfills that stopped.
func newScheduler(r *runtime, reg prometheus.Registerer, syncer *audiences.Syncer, backfiller *conversations.Backfiller) (*scheduler.Scheduler, error) {
	missed, err := scheduler.ParseMissed(r.cfg.Scheduler.Missed)
	if err != nil {
		return nil, err
	}
	s, err := scheduler.New(r.db, scheduler.Options{Missed: missed, ReloadEvery: r.cfg.Scheduler.Reload.Duration,
		Logger: r.log, Registerer: reg})
	if err != nil {
		return nil, fmt.Errorf("app: scheduler: %w", err)
	}
	// A refresh supersedes the ones before it, so after downtime only the latest missed one is worth running.
	err = s.Register(scheduler.Kind{Name: web.RefreshKind, Missed: scheduler.MissedLatest, Source: refreshSchedules(r),
		Handler: refreshAudience(r, syncer)})
	if err != nil {
		return nil, fmt.Errorf("app: scheduler: %w", err)
	}
	// Campaigns whose flight ended are completed within five minutes, by whichever instance claims the slot.
	err = s.Register(scheduler.Kind{Name: CompleteKind, Missed: scheduler.MissedSkip,
		Source: func(context.Context) ([]scheduler.Entry, error) {
			return []scheduler.Entry{{Key: "ended", Spec: "*/5 * * * *", TZ: "UTC"}}, nil
		},
		Handler: func(ctx context.Context, _ string, _ time.Time) error {
			_, err := campaigns.CompleteEnded(ctx, r.db, time.Now().UTC(), campaigns.Options{NextRun: scheduler.Next})
			return err
		}})
	if err != nil {
		return nil, fmt.Errorf("app: scheduler: %w", err)
	}
	if syncer != nil {
		// Syncs that stopped (a network fault, Meta's rate limit, a dead instance) or never started are
		// picked up every five minutes; a missed round is not worth replaying, the next one sees the same.
		err = s.Register(scheduler.Kind{Name: SyncKind, Missed: scheduler.MissedSkip,
			Source: func(context.Context) ([]scheduler.Entry, error) {
				return []scheduler.Entry{{Key: "due", Spec: "*/5 * * * *", TZ: "UTC"}}, nil
			},
			Handler: retrySyncs(r, syncer)})
		if err != nil {
			return nil, fmt.Errorf("app: scheduler: %w", err)
		}
	}
	if backfiller != nil {
		// A backfill whose instance stopped (a deploy, a crash) goes on from its cursor without anyone asking.
		err = s.Register(scheduler.Kind{Name: BackfillKind, Missed: scheduler.MissedSkip,
			Source: func(context.Context) ([]scheduler.Entry, error) {
				return []scheduler.Entry{{Key: "abandoned", Spec: "*/5 * * * *", TZ: "UTC"}}, nil
			},
			Handler: func(ctx context.Context, _ string, _ time.Time) error {
				_, err := backfiller.ResumeAbandoned(ctx)
				return err
			}})
		if err != nil {
			return nil, fmt.Errorf("app: scheduler: %w", err)
		}
	}
	return s, nil
}

// CompleteKind is the scheduler kind that completes campaigns at the end of their flight.
const CompleteKind = "campaign_complete"

// BackfillKind is the scheduler kind that resumes abandoned history backfills.
const BackfillKind = "backfill_resume"

// SyncKind is the scheduler kind that resumes due Meta audience syncs.
const SyncKind = "audience_sync"

// retrySyncs runs every due sync, one after the other; each one's outcome is in its own status.
func retrySyncs(r *runtime, syncer *audiences.Syncer) scheduler.Handler {
	return func(ctx context.Context, _ string, _ time.Time) error {
		due, err := syncer.Due(ctx)
		if err != nil {
			return err
		}
		for _, d := range due {
			brand, err := r.store.Tenant(d.TenantID).Brand(ctx, d.BrandID)
			if err != nil {
				r.log.Warn("audience sync retry", "audience", d.AudienceID, "err", err)
				continue
			}
			brand.TenantID = d.TenantID
			if _, err := syncer.Sync(ctx, d.TenantID, brand, d.AudienceID); err != nil && ctx.Err() == nil {
				r.log.Warn("audience sync retry stopped", "audience", d.AudienceID, "err", err)
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
		}
		return nil
	}
}

// refreshSchedules lists every audience with a refresh_cron, in its brand's time zone. A refresh_cron saved
// before audiences.min_refresh_interval existed (or lowered) may fire more often than it allows: such an
// audience is left out, with one warning, until its schedule is edited, rather than rebuilt every minute.
func refreshSchedules(r *runtime) scheduler.Source {
	var mu sync.Mutex
	tooOften := map[string]bool{} // spec + zone → fires more often than the minimum (MinGap reads a year of slots)
	allowed := func(spec, tz string) bool {
		mu.Lock()
		defer mu.Unlock()
		key := spec + "\x00" + tz
		bad, seen := tooOften[key]
		if !seen {
			min := r.cfg.Audiences.MinRefreshInterval.Duration
			bad = min > 0 && scheduler.CheckInterval(spec, tz, time.Now().UTC(), min) != nil
			tooOften[key] = bad
		}
		return !bad
	}
	warned := map[string]bool{}
	return func(ctx context.Context) ([]scheduler.Entry, error) {
		var rows []struct {
			ID, RefreshCron, Timezone string
			UpdatedAt                 int64
		}
		err := r.db.R.WithContext(ctx).Table("audiences").
			Select("audiences.id, audiences.refresh_cron, brands.timezone, audiences.updated_at").
			Joins("JOIN brands ON brands.id = audiences.brand_id AND brands.tenant_id = audiences.tenant_id").
			Where("audiences.refresh_cron <> ''").Scan(&rows).Error
		if err != nil {
			return nil, fmt.Errorf("app: refresh schedules: %w", err)
		}
		out := make([]scheduler.Entry, 0, len(rows))
		for _, row := range rows {
			if !allowed(row.RefreshCron, row.Timezone) {
				mu.Lock()
				if !warned[row.ID] {
					warned[row.ID] = true
					r.log.Warn("audience refresh not scheduled: its refresh_cron fires more often than audiences.min_refresh_interval; edit the schedule",
						"audience", row.ID, "refresh_cron", row.RefreshCron, "min", r.cfg.Audiences.MinRefreshInterval.Duration)
				}
				mu.Unlock()
				continue
			}
			// Missed slots count from the last change: a schedule edited today owes nothing for last week.
			out = append(out, scheduler.Entry{Key: row.ID, Spec: row.RefreshCron, TZ: row.Timezone, Since: time.UnixMilli(row.UpdatedAt).UTC()})
		}
		return out, nil
	}
}

// refreshAudience builds a new snapshot of the audience the slot belongs to, then brings its Meta custom
// audience to it. A sync that stops (throttled, a token to renew) keeps its progress and shows why on the
// audience; the refresh itself succeeded, so the run is not failed for it.
func refreshAudience(r *runtime, syncer *audiences.Syncer) scheduler.Handler {
	return func(ctx context.Context, audienceID string, slot time.Time) error {
		st, brand, err := r.audienceStoreOf(ctx, audienceID)
		if err != nil {
			return err
		}
		if _, err := st.Build(ctx, audienceID, audiences.CauseSchedule); err != nil {
			return err
		}
		a, err := st.Get(ctx, audienceID)
		if err != nil || syncer == nil || a.AdAccountID == "" {
			return err
		}
		if _, err := syncer.Sync(ctx, brand.TenantID, brand, audienceID); err != nil {
			r.log.Warn("audience sync after refresh stopped", "audience", audienceID, "err", err)
		}
		return nil
	}
}

// audienceStoreOf finds which tenant and brand an audience belongs to and returns that brand's store.
func (r *runtime) audienceStoreOf(ctx context.Context, audienceID string) (*audiences.Store, tenancy.Brand, error) {
	var owner struct{ TenantID, BrandID string }
	err := r.db.R.WithContext(ctx).Table("audiences").Select("tenant_id, brand_id").Where("id = ?", audienceID).Take(&owner).Error
	if err != nil {
		return nil, tenancy.Brand{}, fmt.Errorf("app: audience %s: %w", audienceID, err)
	}
	brand, err := r.store.Tenant(owner.TenantID).Brand(ctx, owner.BrandID)
	if err != nil {
		return nil, tenancy.Brand{}, fmt.Errorf("app: audience %s: %w", audienceID, err)
	}
	brand.TenantID = owner.TenantID
	return r.audienceStore(owner.TenantID, brand), brand, nil
}

// audienceStore is a brand's audience store as the command line and the scheduler use it: the configured
// retention, schedules checked by the scheduler's parser, ad accounts checked against the brand's.
func (r *runtime) audienceStore(tenantID string, brand tenancy.Brand) *audiences.Store {
	return audiences.NewStore(r.db, tenantID, brand, audiences.Options{AppID: r.cfg.EffectiveAppID(),
		Keep: r.cfg.Audiences.KeepSnapshots, NextRun: scheduler.Next,
		AdAccount: func(ctx context.Context, accountID string) error {
			_, err := r.store.Tenant(tenantID).AdAccount(ctx, brand.ID, accountID)
			return err
		}})
}

// newSyncer builds the Meta audience syncer, or nil without a Graph client.
func newSyncer(r *runtime, graph *meta.Client) *audiences.Syncer {
	if graph == nil {
		return nil
	}
	return audiences.NewSyncer(r.db, graph, audiences.SyncOptions{Log: r.log,
		Token: func(ctx context.Context, tenantID, brandID, accountID string) (string, error) {
			return r.store.Tenant(tenantID).AdAccountToken(ctx, brandID, accountID)
		}})
}
