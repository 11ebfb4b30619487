package app

import (
	"context"
	"fmt"
	"os"
	"time"

	"relance/audiences"
	"relance/campaigns"
	"relance/meta"
	"relance/scheduler"
	"relance/tenancy"
)

// SendKind is the scheduler kind of sponsored-message send slots: one entry per running campaign, keyed by
// campaign id, on its send_cron in the brand's zone. The scheduler's claim makes each slot run once.
const SendKind = "send_cron"

// SettleKind is the scheduler kind of the minute sweep that settles sends (lost claims, echoes, delivery,
// read, replies) and delivers what waited (throttled, quiet hours, an instance that stopped).
const SettleKind = "send_settle"

// registerSends adds send slots and the settle sweep to the scheduler when Meta is reachable.
func registerSends(s *scheduler.Scheduler, r *runtime, graph *meta.Client) error {
	if graph == nil {
		return nil
	}
	// A missed slot is not sent late: a message planned for Thursday 11:00 is not worth sending on Friday.
	err := s.Register(scheduler.Kind{Name: SendKind, Missed: scheduler.MissedSkip, Source: sendSchedules(r),
		Handler: func(ctx context.Context, campaignID string, slot time.Time) error {
			st, brand, err := r.campaignStoreOf(ctx, campaignID)
			if err != nil {
				return err
			}
			_, err = st.RunSlot(ctx, campaignID, slot, r.sendOptions(brand, graph, "schedule"))
			return err
		}})
	if err != nil {
		return fmt.Errorf("app: scheduler: %w", err)
	}
	err = s.Register(scheduler.Kind{Name: SettleKind, Missed: scheduler.MissedSkip,
		Source: func(context.Context) ([]scheduler.Entry, error) {
			return []scheduler.Entry{{Key: "sends", Spec: "* * * * *", TZ: "UTC"}}, nil
		},
		Handler: func(ctx context.Context, _ string, _ time.Time) error {
			now := time.Now().UTC()
			if _, err := campaigns.Settle(ctx, r.db, now, campaigns.DefaultReplyWindow); err != nil {
				return err
			}
			due, err := campaigns.DueRuns(ctx, r.db.R, now)
			if err != nil {
				return err
			}
			for _, d := range due {
				brand, err := r.store.Tenant(d.TenantID).Brand(ctx, d.BrandID)
				if err != nil {
					return fmt.Errorf("app: send sweep: %w", err)
				}
				brand.TenantID = d.TenantID
				st := campaigns.NewStore(r.db, d.TenantID, brand, campaigns.Options{NextRun: scheduler.Next})
				if err := st.Resume(ctx, d.RunID, r.sendOptions(brand, graph, "schedule")); err != nil && ctx.Err() == nil {
					r.log.Warn("send sweep: delivery stopped", "run", d.RunID, "err", err)
				}
			}
			return ctx.Err()
		}})
	if err != nil {
		return fmt.Errorf("app: scheduler: %w", err)
	}
	return nil
}

// sendSchedules lists the running sponsored-message campaigns with their send_cron in the brand's zone.
func sendSchedules(r *runtime) scheduler.Source {
	return func(ctx context.Context) ([]scheduler.Entry, error) {
		var rows []struct {
			ID, SendCron, Timezone string
			UpdatedAt              int64
		}
		err := r.db.R.WithContext(ctx).Table("campaigns").
			Select("campaigns.id, campaigns.send_cron, brands.timezone, campaigns.updated_at").
			Joins("JOIN brands ON brands.id = campaigns.brand_id AND brands.tenant_id = campaigns.tenant_id").
			Where("campaigns.state = ? AND campaigns.kind = ? AND campaigns.send_cron <> ''", campaigns.StateRunning, campaigns.KindSponsoredMessage).
			Scan(&rows).Error
		if err != nil {
			return nil, fmt.Errorf("app: send schedules: %w", err)
		}
		out := make([]scheduler.Entry, 0, len(rows))
		for _, row := range rows {
			out = append(out, scheduler.Entry{Key: row.ID, Spec: row.SendCron, TZ: row.Timezone, Since: time.UnixMilli(row.UpdatedAt).UTC()})
		}
		return out, nil
	}
}

// campaignStoreOf finds the tenant and brand of a campaign and returns that brand's campaign store.
func (r *runtime) campaignStoreOf(ctx context.Context, campaignID string) (*campaigns.Store, tenancy.Brand, error) {
	var owner struct{ TenantID, BrandID string }
	err := r.db.R.WithContext(ctx).Table("campaigns").Select("tenant_id, brand_id").Where("id = ?", campaignID).Take(&owner).Error
	if err != nil {
		return nil, tenancy.Brand{}, fmt.Errorf("app: campaign %s: %w", campaignID, err)
	}
	brand, err := r.store.Tenant(owner.TenantID).Brand(ctx, owner.BrandID)
	if err != nil {
		return nil, tenancy.Brand{}, fmt.Errorf("app: campaign %s: %w", campaignID, err)
	}
	brand.TenantID = owner.TenantID
	return campaigns.NewStore(r.db, owner.TenantID, brand, campaigns.Options{NextRun: scheduler.Next}), brand, nil
}

// sendOptions is how a slot of the brand reaches Meta: the Graph client, the Page's token, audiences rebuilt
// fresh.
func (r *runtime) sendOptions(brand tenancy.Brand, graph *meta.Client, cause string) campaigns.RunOptions {
	host, _ := os.Hostname()
	ts := r.store.Tenant(brand.TenantID)
	return campaigns.RunOptions{Sender: graph, Instance: fmt.Sprintf("%s:%d", host, os.Getpid()), Cause: cause,
		PageToken: ts.PageToken, Marketing: graph, Vault: r.store.Vault(),
		AdAccountToken: func(ctx context.Context, accountID string) (string, error) {
			return ts.AdAccountToken(ctx, brand.ID, accountID)
		},
		Build: func(ctx context.Context, audienceID string) error {
			_, err := r.audienceStore(brand.TenantID, brand).Build(ctx, audienceID, audiences.CauseSchedule)
			return err
		}}
}
