package campaigns

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"

	"relance/meta"
)

// After the launch, Steer keeps Meta in line with the campaign and reads Meta's verdicts back: pause and
// resume (the Meta campaign's status), dayparting of daily budgets (the ad set's status at the windows'
// edges), budget and end date changes (the ad set's, budget edits at most maxBudgetEdits an hour, the
// latest value winning), and the ads' review and delivery states. The minute sweep steers every launched
// campaign; pause, resume and changes steer at once.

// maxBudgetEdits is how many budget changes relance makes per ad set and hour (Meta allows about 4).
const maxBudgetEdits = 4

// pollEvery is how often delivery states are read when no ad waits for review.
const pollEvery = 5 * time.Minute

// reviewing are the effective statuses that change on Meta's side soon: they are read every minute.
var reviewing = []string{"", "PENDING_REVIEW", "IN_PROCESS", "PREAPPROVED"}

// Steer mirrors the campaign to Meta and reads its ads' states. It does nothing for a campaign never
// launched, or while a launch holds the campaign. Meta's error, if any, is recorded on the campaign.
func (s *Store) Steer(ctx context.Context, id string, lo LaunchOptions) error {
	c, err := s.Get(ctx, id)
	if err != nil {
		return err
	}
	if c.Meta == nil || c.Meta.LaunchedAt == nil || lo.Ads == nil || lo.Token == nil {
		return nil
	}
	row, err := s.claimMeta(ctx, c)
	if errors.Is(err, ErrLaunchBusy) {
		return nil
	}
	if err != nil {
		return err
	}
	defer s.releaseMeta(ctx, c.ID)
	token, err := lo.Token(ctx, row.AdAccountID)
	if err == nil {
		err = s.steer(ctx, c, row, lo.Ads, token)
	}
	if err != nil {
		msg, code, sub := errorParts(&LaunchError{Step: "keeping Meta in line", Err: err})
		_ = s.setMeta(ctx, c.ID, map[string]any{"error_message": msg, "error_code": code, "error_subcode": sub,
			"error_at": s.opts.Now().UnixMilli()})
		return err
	}
	return nil
}

// steer does the work of Steer with the lease held.
func (s *Store) steer(ctx context.Context, c Campaign, row metaRow, ads AdsAPI, token string) error {
	now := s.opts.Now()
	fields := map[string]any{}
	// The campaign's status: only running spends; a content change waiting for approval pauses it too.
	want := meta.AdStatusPaused
	if c.State == StateRunning {
		want = meta.AdStatusActive
	}
	if row.CampaignStatus != want {
		if err := ads.SetStatus(ctx, token, row.MetaCampaignID, want); err != nil {
			return err
		}
		fields["campaign_status"] = want
		if err := s.setMeta(ctx, c.ID, fields); err != nil {
			return err
		}
	}
	setWant, err := s.adSetWanted(c)
	if err != nil {
		return err
	}
	var u meta.AdSetUpdate
	if row.AdSetStatus != setWant {
		u.Status = setWant
	}
	if c.EndsAt != nil && ms(c.EndsAt) != row.EndsAt && c.EndsAt.After(now) {
		u.End = *c.EndsAt
	}
	edits := recentEdits(row.budgetEdits(), now)
	if c.Budget != nil && c.Budget.Minor != row.BudgetMinor && len(edits) < maxBudgetEdits {
		m := meta.Money{Minor: c.Budget.Minor, Currency: c.Budget.Currency}
		if c.Budget.Period == PeriodLifetime {
			u.LifetimeBudget = m
		} else {
			u.DailyBudget = m
		}
	}
	if u.Status != "" || !u.End.IsZero() || u.DailyBudget != (meta.Money{}) || u.LifetimeBudget != (meta.Money{}) {
		if err := ads.UpdateAdSet(ctx, token, row.AdSetID, u); err != nil {
			return err
		}
		set := map[string]any{"adset_status": setWant}
		if !u.End.IsZero() {
			set["ends_at"] = ms(c.EndsAt)
		}
		if u.DailyBudget != (meta.Money{}) || u.LifetimeBudget != (meta.Money{}) {
			b, _ := json.Marshal(append(edits, now.UnixMilli()))
			set["budget_minor"], set["budget_edits"] = c.Budget.Minor, string(b)
		}
		if err := s.setMeta(ctx, c.ID, set); err != nil {
			return err
		}
	}
	if err := s.poll(ctx, c, row, ads, token); err != nil {
		return err
	}
	// Everything is in line: an earlier error no longer holds.
	return s.setMeta(ctx, c.ID, map[string]any{"error_message": "", "error_code": 0, "error_subcode": 0, "error_at": 0})
}

// recentEdits keeps the budget edits of the last hour.
func recentEdits(edits []int64, now time.Time) []int64 {
	hour := now.Add(-time.Hour).UnixMilli()
	return slices.DeleteFunc(edits, func(t int64) bool { return t <= hour })
}

// poll reads the ads' effective_status and review feedback: every minute while one is in review, every
// pollEvery otherwise.
func (s *Store) poll(ctx context.Context, c Campaign, row metaRow, ads AdsAPI, token string) error {
	rows, err := s.metaAds(ctx, c.ID)
	if err != nil {
		return err
	}
	now := s.opts.Now()
	due := now.Sub(time.UnixMilli(row.PolledAt)) >= pollEvery
	for _, r := range rows {
		if r.Version == c.Version && slices.Contains(reviewing, r.EffectiveStatus) {
			due = true
		}
	}
	if !due {
		return nil
	}
	for _, r := range rows {
		if r.AdID == "" {
			continue
		}
		ad, err := ads.Ad(ctx, token, r.AdID)
		if err != nil {
			return err
		}
		review := ad.Review
		if review == "" {
			review = ad.Issues
		}
		if ad.EffectiveStatus != r.EffectiveStatus || review != r.Review {
			if err := s.setMetaAd(ctx, c.ID, r.Variant, r.Version, map[string]any{"effective_status": ad.EffectiveStatus, "review": review}); err != nil {
				return err
			}
		}
	}
	return s.setMeta(ctx, c.ID, map[string]any{"polled_at": now.UnixMilli()})
}

// SteerTarget is a launched ads campaign the sweep steers.
type SteerTarget struct{ TenantID, BrandID, CampaignID string }

// SteerTargets lists the launched ads campaigns to steer: running or paused ones, and any other whose Meta
// campaign relance left active (completed, archived, or waiting for approval again: to be paused).
func SteerTargets(ctx context.Context, db *gorm.DB) ([]SteerTarget, error) {
	var out []SteerTarget
	err := db.WithContext(ctx).Table("campaign_meta m").Select("m.tenant_id, m.brand_id, m.campaign_id").
		Joins("JOIN campaigns c ON c.id = m.campaign_id").
		Where("m.launched_at > 0 AND (c.state IN ? OR m.campaign_status = ?)", []string{StateRunning, StatePaused}, meta.AdStatusActive).
		Order("m.campaign_id").Limit(5000).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("campaigns: steer targets: %w", err)
	}
	return out, nil
}
