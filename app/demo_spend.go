package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"relance/campaigns"
	"relance/meta"
	"relance/meta/sandbox"
	"relance/reports"
	"relance/scheduler"
	"relance/tenancy"
)

// The demo's spend. Every demo brand runs a Click-to-Messenger campaign launched two months ago. At the first
// start it is launched through the Marketing API (the sandbox's), its ads are given two months of delivery
// history, the ledger pulls them through the spend sync, a finance user closes last month, and Meta then
// restates a day of it, which the next pull books as an adjustment. At later starts the new sandbox gets the
// same ads under the same ids and the same history and restatement, so the daily pulls find the ledger right.
const (
	// demoAdsName names the launched ads campaign of each demo brand.
	demoAdsName = "Spring menu · Messenger ads"
	// demoSpendDays is how many days before today the ads delivered.
	demoSpendDays = 60
	// demoRestateDay is the day of last month that Meta restates, and demoRestatePercent by how much.
	demoRestateDay     = 10
	demoRestatePercent = -8
)

// demoSpend launches or restores the demo's ads campaigns in the sandbox and, the first time, fills and closes
// the ledger. The scheduler must not run yet: its spend pull would read the sandbox before the history is in.
func demoSpend(ctx context.Context, r *runtime, sb *sandbox.Sandbox, graph *meta.Client) error {
	ctx = tenancy.WithActor(ctx, tenancy.Actor{Label: "demo"})
	t, err := r.store.TenantBySlug(ctx, demoSlug)
	if err != nil {
		return fmt.Errorf("app: demo spend: %w", err)
	}
	ts := r.store.Tenant(t.ID)
	brands, _, err := ts.Brands(ctx, tenancy.Visible{All: true}, tenancy.Cursor{})
	if err != nil {
		return fmt.Errorf("app: demo spend: %w", err)
	}
	var restate string // the first ad, whose day of last month Meta restates
	for _, d := range demoBrands {
		for _, b := range brands {
			if b.Name != d.name {
				continue
			}
			ads, err := demoAds(ctx, r, sb, graph, t.ID, b)
			if err != nil {
				return fmt.Errorf("app: demo spend for %s: %w", b.Name, err)
			}
			for _, ad := range ads {
				if err := sb.SeedHistory(ad, demoSpendDays); err != nil {
					return fmt.Errorf("app: demo spend: %w", err)
				}
				if restate == "" {
					restate = ad
				}
			}
		}
	}
	now := time.Now().UTC()
	prev := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -1, 0)
	restated := prev.AddDate(0, 0, demoRestateDay-1).Format(time.DateOnly)
	l := reports.NewLedger(r.db, t.ID, nil)
	var n int64
	if err := r.db.R.WithContext(ctx).Model(&reports.SpendDay{}).Where("tenant_id = ?", t.ID).Count(&n).Error; err != nil {
		return fmt.Errorf("app: demo spend: %w", err)
	}
	if n > 0 { // filled at an earlier start: Meta restated the day then already
		if restate != "" {
			_ = sb.Restate(restate, restated, demoRestatePercent)
		}
		return nil
	}
	accts, err := l.Accounts(ctx, "")
	if err != nil {
		return err
	}
	sync := reports.SyncRequest{From: now.AddDate(0, 0, -demoSpendDays-1).Format(time.DateOnly), To: now.Format(time.DateOnly)}
	if _, err := l.SyncAll(ctx, graph, ts.AdAccountToken, accts, sync); err != nil {
		return fmt.Errorf("app: demo spend: %w", err)
	}
	if err := demoCloseMonth(ctx, ts, l, prev.Format("2006-01")); err != nil {
		return err
	}
	if restate == "" {
		return nil
	}
	if err := sb.Restate(restate, restated, demoRestatePercent); err != nil {
		return fmt.Errorf("app: demo spend: %w", err)
	}
	if _, err := l.SyncAll(ctx, graph, ts.AdAccountToken, accts, sync); err != nil {
		return fmt.Errorf("app: demo spend: %w", err)
	}
	return nil
}

// demoCloseMonth has the demo's finance user close month, audited as when they click "Close".
func demoCloseMonth(ctx context.Context, ts *tenancy.TenantStore, l *reports.Ledger, month string) error {
	u, err := ts.UserByEmail(ctx, demoEmail(tenancy.RoleFinance))
	if err != nil {
		return fmt.Errorf("app: demo close: %w", err)
	}
	set, err := ts.AgencySettings(ctx)
	if err != nil {
		return fmt.Errorf("app: demo close: %w", err)
	}
	ctx = tenancy.WithActor(ctx, tenancy.Actor{UserID: u.ID, Label: u.Email})
	if _, err := l.Close(ctx, month, set.TimeZone); err != nil && !errors.Is(err, reports.ErrMonthClosed) {
		return fmt.Errorf("app: demo close: %w", err)
	}
	return nil
}

// demoAds returns the ad ids of a brand's demo ads campaign: launched now through the Marketing API when it
// does not exist yet (relance's timeline dates it demoSpendDays back), or given back to this run's sandbox
// under the ids it was launched with.
func demoAds(ctx context.Context, r *runtime, sb *sandbox.Sandbox, graph *meta.Client, tenantID string, b tenancy.Brand) ([]string, error) {
	ts := r.store.Tenant(tenantID)
	now := time.Now().UTC()
	clock := now
	st := campaigns.NewStore(r.db, tenantID, b, campaigns.Options{NextRun: scheduler.Next, Now: func() time.Time { return clock }})
	var id string
	err := r.db.R.WithContext(ctx).Raw("SELECT id FROM campaigns WHERE tenant_id = ? AND brand_id = ? AND name = ?", tenantID, b.ID, demoAdsName).
		Row().Scan(&id)
	if err != nil {
		pages, err := ts.Pages(ctx, b.ID)
		if err != nil || len(pages) == 0 {
			return nil, fmt.Errorf("pages: %v", err)
		}
		accts, err := ts.AdAccounts(ctx, b.ID)
		if err != nil || len(accts) == 0 {
			return nil, fmt.Errorf("ad accounts: %v", err)
		}
		auds, err := r.audienceStore(tenantID, b).List(ctx)
		if err != nil {
			return nil, err
		}
		clock = now.AddDate(0, 0, -demoSpendDays-1)
		in := demoCampaignInput(demoCampaign{name: demoAdsName, kind: campaigns.KindClickToMessenger, ref: "camp=spring:messenger"},
			b, pages[0].PageID, accts[0].AccountID, auds, now)
		in.Audiences = &campaigns.Audiences{} // Meta's own targeting: nothing to sync first
		c, err := st.Create(ctx, in)
		if err != nil {
			return nil, err
		}
		for _, a := range []string{campaigns.ActSubmit, campaigns.ActApprove} {
			clock = clock.Add(time.Hour)
			if _, err := st.Act(ctx, c.ID, a, campaigns.ActInput{}); err != nil {
				return nil, fmt.Errorf("%s: %w", a, err)
			}
		}
		clock = clock.Add(time.Hour)
		lo := campaigns.LaunchOptions{Ads: graph, Token: func(ctx context.Context, accountID string) (string, error) {
			return ts.AdAccountToken(ctx, b.ID, accountID)
		}}
		if _, err := st.Launch(ctx, c.ID, campaigns.ActInput{}, lo); err != nil {
			return nil, fmt.Errorf("launch: %w", err)
		}
		id = c.ID
	}
	c, err := st.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if c.Meta == nil || c.Meta.AdSetID == "" {
		return nil, nil // never launched (someone archived it before): nothing delivers
	}
	spec := sandbox.RestoreSpec{AccountID: c.Meta.AdAccountID, PageID: c.PageID, CampaignID: c.Meta.CampaignID,
		AdSetID: c.Meta.AdSetID, Name: c.Name}
	if c.Budget != nil && c.Budget.Period == campaigns.PeriodDaily {
		spec.DailyBudget, _ = meta.ToMetaBudget(meta.Money{Minor: c.Budget.Minor, Currency: c.Budget.Currency})
	}
	var ids []string
	for _, a := range c.Meta.Ads {
		if a.Current && a.AdID != "" {
			spec.Ads = append(spec.Ads, sandbox.RestoredAd{CreativeID: a.CreativeID, AdID: a.AdID,
				Name: campaigns.MetaAdName(c, a.Variant, a.Version), Ref: c.Ref})
			ids = append(ids, a.AdID)
		}
	}
	sb.RestoreAds(spec) // a no-op for the objects this run's launch just made
	return ids, nil
}
