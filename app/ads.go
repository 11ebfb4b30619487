package app

import (
	"context"
	"fmt"
	"time"

	"relance/campaigns"
	"relance/meta"
	"relance/scheduler"
	"relance/tenancy"
)

// AdsKind is the scheduler kind of the minute sweep that keeps launched ads campaigns in line with Meta:
// pause and resume, dayparting of daily budgets at the windows' edges, budget and end date changes, and
// the ads' review and delivery states read back. It also puts the ads_only members of sponsored-message
// runs into their campaign's retargeting audience, and under meta-2017 hands paid sends to Meta as
// sponsored-message ads.
const AdsKind = "ads_steer"

// registerAds adds the ads sweep to the scheduler when Meta is reachable.
func registerAds(s *scheduler.Scheduler, r *runtime, graph *meta.Client) error {
	if graph == nil {
		return nil
	}
	err := s.Register(scheduler.Kind{Name: AdsKind, Missed: scheduler.MissedSkip,
		Source: func(context.Context) ([]scheduler.Entry, error) {
			return []scheduler.Entry{{Key: "ads", Spec: "* * * * *", TZ: "UTC"}}, nil
		},
		Handler: func(ctx context.Context, _ string, _ time.Time) error {
			targets, err := campaigns.SteerTargets(ctx, r.db.R)
			if err != nil {
				return err
			}
			for _, t := range targets {
				st, brand, err := r.campaignStoreOf(ctx, t.CampaignID)
				if err != nil {
					return err
				}
				// One campaign's Meta error (shown on it) does not stop the others.
				if err := st.Steer(ctx, t.CampaignID, r.launchOptions(brand, graph)); err != nil && ctx.Err() == nil {
					r.log.Warn("ads sweep: campaign not in line with Meta", "campaign", t.CampaignID, "err", err)
				}
			}
			return r.addAdsOnly(ctx, graph)
		}})
	if err != nil {
		return fmt.Errorf("app: scheduler: %w", err)
	}
	return nil
}

// launchOptions is how the sweep reaches Meta for a brand: the Graph client and its ad accounts' tokens
// (audiences are synced by their own sweep; steering never needs them).
func (r *runtime) launchOptions(brand tenancy.Brand, graph *meta.Client) campaigns.LaunchOptions {
	ts := r.store.Tenant(brand.TenantID)
	return campaigns.LaunchOptions{Ads: graph, Token: func(ctx context.Context, accountID string) (string, error) {
		return ts.AdAccountToken(ctx, brand.ID, accountID)
	}}
}

// addAdsOnly puts the waiting ads_only members of every run into their campaign's retargeting audience and
// hands meta-2017 paid sends to Meta as sponsored-message ads.
func (r *runtime) addAdsOnly(ctx context.Context, graph *meta.Client) error {
	due, err := campaigns.AdsOnlyDue(ctx, r.db.R)
	if err != nil {
		return err
	}
	for _, d := range due {
		st, brand, err := r.brandStore(ctx, d)
		if err != nil {
			return err
		}
		if _, err := st.AddAdsOnly(ctx, d.RunID, graph, r.launchOptions(brand, graph).Token); err != nil && ctx.Err() == nil {
			r.log.Warn("ads sweep: ads_only members not in the retargeting audience yet", "run", d.RunID, "err", err)
		}
	}
	paid, err := campaigns.SponsoredDue(ctx, r.db.R)
	if err != nil {
		return err
	}
	for _, d := range paid {
		st, brand, err := r.brandStore(ctx, d)
		if err != nil {
			return err
		}
		if _, err := st.DeliverSponsored(ctx, d.RunID, graph, r.launchOptions(brand, graph).Token); err != nil && ctx.Err() == nil {
			r.log.Warn("ads sweep: paid sends not handed to Meta as sponsored messages yet", "run", d.RunID, "err", err)
		}
	}
	return ctx.Err()
}

// brandStore is the campaign store of a due run's brand.
func (r *runtime) brandStore(ctx context.Context, d campaigns.DueRun) (*campaigns.Store, tenancy.Brand, error) {
	brand, err := r.store.Tenant(d.TenantID).Brand(ctx, d.BrandID)
	if err != nil {
		return nil, tenancy.Brand{}, fmt.Errorf("app: ads sweep: %w", err)
	}
	brand.TenantID = d.TenantID
	return campaigns.NewStore(r.db, d.TenantID, brand, campaigns.Options{NextRun: scheduler.Next}), brand, nil
}
