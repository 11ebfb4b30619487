package campaigns

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"relance/meta"
	"relance/tenancy"
)

// The paid route under meta-2017 (DESIGN §5 "Routing details"): a sponsored-message ad. For each variant of
// a run, the paid recipients become a PAGEUID custom audience; an ad set placed on Messenger's
// sponsored_messages targets it, with a creative carrying the variant's message and one ad. The campaign's
// one Meta campaign holds them all. Every id is recorded before the next call (campaign_meta,
// campaign_meta_runs) and ad sets, creatives and ads carry tags, as launches do, so a pass that stops halfway
// is finished by the next without a second object. The rows turn sent (reason sponsored_message) once
// their ad is made; Meta delivers it after review.

// ReasonSponsored is the reason of a paid send handed to Meta as a sponsored-message ad.
const ReasonSponsored = "sponsored_message"

// SponsoredAPI is the part of the Meta client sponsored-message ads need (*meta.Client has it).
type SponsoredAPI interface {
	AdsAPI
	RetargetAPI
}

// runObjects is the campaign_meta_runs table.
type runObjects struct {
	RunID, Variant, CampaignID, TenantID string
	AudienceID                           string
	Uploaded                             bool
	AdSetID                              string `gorm:"column:adset_id"`
	CreativeID, AdID                     string
	UpdatedAt                            int64
}

func (runObjects) TableName() string { return "campaign_meta_runs" }

// DeliverSponsored hands a run's queued paid sends to Meta as sponsored-message ads, for a brand on the
// meta-2017 profile and a campaign with an ad account; it returns how many sends it handed over.
func (s *Store) DeliverSponsored(ctx context.Context, runID string, api SponsoredAPI, token func(ctx context.Context, accountID string) (string, error)) (int, error) {
	if s.brand.Policy != tenancy.PolicyMeta2017 {
		return 0, nil
	}
	var run runRow
	if err := s.db.R.WithContext(ctx).Where("id = ? AND tenant_id = ? AND brand_id = ?", runID, s.tenant, s.brand.ID).Take(&run).Error; err != nil {
		return 0, fmt.Errorf("campaigns: sponsored: %w", err)
	}
	c, err := s.Get(ctx, run.CampaignID)
	if err != nil || c.AdAccountID == "" || c.Kind != KindSponsoredMessage {
		return 0, err
	}
	var rows []sendRow
	if err := s.db.R.WithContext(ctx).Where("run_id = ? AND status = ? AND route = ?", runID, SendQueued, RoutePaid).
		Order("id").Find(&rows).Error; err != nil {
		return 0, fmt.Errorf("campaigns: sponsored: %w", err)
	}
	if len(rows) == 0 {
		return 0, nil
	}
	row, err := s.claimMeta(ctx, c)
	if errors.Is(err, ErrLaunchBusy) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	defer s.releaseMeta(ctx, c.ID)
	tok, err := token(ctx, c.AdAccountID)
	if err != nil {
		return 0, fmt.Errorf("campaigns: sponsored: ad account %s: %w", c.AdAccountID, err)
	}
	l := &launcher{s: s, c: c, lo: LaunchOptions{Ads: api}, token: tok, row: row}
	err = l.ensure(ctx, "campaign", meta.EdgeCampaigns, l.tag("sponsored"), &l.row.MetaCampaignID, func() (string, error) {
		return api.CreateCampaign(ctx, tok, c.AdAccountID, meta.CampaignSpec{Name: l.name("sponsored messages", l.tag("sponsored")),
			Objective: meta.ObjectiveEngagement, Status: meta.AdStatusActive})
	}, func(id string) error {
		return s.setMeta(ctx, c.ID, map[string]any{"meta_campaign_id": id, "campaign_status": meta.AdStatusActive})
	})
	if err != nil {
		return 0, err
	}
	byVariant := map[string][]sendRow{}
	for _, r := range rows {
		byVariant[r.Variant] = append(byVariant[r.Variant], r)
	}
	keys := make([]string, 0, len(byVariant))
	for k := range byVariant {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	done := 0
	for _, key := range keys {
		n, err := l.sponsoredVariant(ctx, api, run, key, byVariant[key])
		done += n
		if err != nil {
			return done, err
		}
	}
	return done, nil
}

// sponsoredVariant makes (or finds) the audience, ad set, creative and ad of one variant of a run, then
// marks its sends.
func (l *launcher) sponsoredVariant(ctx context.Context, api SponsoredAPI, run runRow, key string, rows []sendRow) (int, error) {
	c, s := l.c, l.s
	var v *Variant
	for i := range c.Variants {
		if c.Variants[i].Key == key {
			v = &c.Variants[i]
		}
	}
	if v == nil {
		return 0, fmt.Errorf("campaigns: sponsored: run %s has no variant %q", run.ID, key)
	}
	obj := runObjects{RunID: run.ID, Variant: key, CampaignID: c.ID, TenantID: s.tenant, UpdatedAt: s.opts.Now().UnixMilli()}
	db := s.db.W.WithContext(context.WithoutCancel(ctx))
	if err := db.Clauses(clause.OnConflict{DoNothing: true}).Create(&obj).Error; err != nil {
		return 0, fmt.Errorf("campaigns: sponsored: %w", err)
	}
	if err := db.Where("run_id = ? AND variant = ?", run.ID, key).Take(&obj).Error; err != nil {
		return 0, fmt.Errorf("campaigns: sponsored: %w", err)
	}
	set := func(f map[string]any) error {
		f["updated_at"] = s.opts.Now().UnixMilli()
		if err := db.Model(&runObjects{}).Where("run_id = ? AND variant = ?", run.ID, key).Updates(f).Error; err != nil {
			return fmt.Errorf("campaigns: sponsored: record: %w", err)
		}
		return s.setMeta(ctx, c.ID, map[string]any{}) // renews the lease
	}
	slot := time.UnixMilli(run.Slot).UTC().Format("2006-01-02 15:04")
	if obj.AudienceID == "" {
		tag := l.tag("run", run.ID, key)
		id, err := ensureAudience(ctx, api, l.token, c.AdAccountID, tag, func() (string, error) {
			return api.CreateCustomAudience(ctx, l.token, c.AdAccountID, l.name(key+" · "+slot, tag), "Paid recipients of one send slot")
		})
		if err != nil {
			return 0, &LaunchError{Step: "sponsored audience " + key, Err: err}
		}
		if err := set(map[string]any{"audience_id": id}); err != nil {
			return 0, err
		}
		obj.AudienceID = id
	}
	if !obj.Uploaded {
		byPage := map[string][]string{}
		for _, r := range rows {
			byPage[r.PageID] = append(byPage[r.PageID], r.PSID)
		}
		for page, psids := range byPage {
			u := meta.UserUpload{PageID: page, PSIDs: psids, SessionID: uploadSession(run.ID, page, key), StartBatch: 1}
			if _, err := api.UploadUsers(ctx, l.token, obj.AudienceID, u, nil); err != nil {
				return 0, &LaunchError{Step: "sponsored audience upload " + key, Err: err}
			}
		}
		if err := set(map[string]any{"uploaded": true}); err != nil {
			return 0, err
		}
	}
	budget := MinDailyBudget(s.brand.Currency)
	if c.Budget != nil && c.Budget.Period == PeriodDaily {
		budget = c.Budget.Minor
	}
	now := s.opts.Now()
	spec := meta.AdSetSpec{CampaignID: l.row.MetaCampaignID, Name: l.name(key+" · "+slot, l.tag("run", run.ID, key, "adset")),
		PageID: c.PageID, DailyBudget: meta.Money{Minor: budget, Currency: s.brand.Currency}, End: now.Add(24 * time.Hour),
		CustomAudienceIDs: []string{obj.AudienceID}, MessengerPositions: []string{meta.PositionSponsoredMessages},
		Status: meta.AdStatusActive}
	tag := l.tag("run", run.ID, key, "adset")
	err := l.ensure(ctx, "sponsored ad set "+key, meta.EdgeAdSets, tag, &obj.AdSetID, func() (string, error) {
		return api.CreateAdSet(ctx, l.token, c.AdAccountID, spec)
	}, func(id string) error { return set(map[string]any{"adset_id": id}) })
	if err != nil {
		return 0, err
	}
	crTag, adTag := l.tag("run", run.ID, key, "creative"), l.tag("run", run.ID, key, "ad")
	err = l.ensure(ctx, "sponsored creative "+key, meta.EdgeCreatives, crTag, &obj.CreativeID, func() (string, error) {
		cr := meta.CreativeSpec{Name: l.name(key, crTag), PageID: c.PageID, Message: v.Creative.Text, Picture: v.Creative.ImageURL,
			Ref: l.ref(), Variant: key}
		return api.CreateCreative(ctx, l.token, c.AdAccountID, cr)
	}, func(id string) error { return set(map[string]any{"creative_id": id}) })
	if err != nil {
		return 0, err
	}
	err = l.ensure(ctx, "sponsored ad "+key, meta.EdgeAds, adTag, &obj.AdID, func() (string, error) {
		return api.CreateAd(ctx, l.token, c.AdAccountID, l.name(key, adTag), obj.AdSetID, obj.CreativeID, meta.AdStatusActive)
	}, func(id string) error { return set(map[string]any{"ad_id": id}) })
	if err != nil {
		return 0, err
	}
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	at := s.opts.Now().UnixMilli()
	err = db.Transaction(func(tx *gorm.DB) error {
		return tx.Model(&sendRow{}).Where("id IN ? AND status = ?", ids, SendQueued).
			Updates(map[string]any{"status": SendSent, "reason": ReasonSponsored, "message_id": obj.AdID, "sent_at": at, "updated_at": at}).Error
	})
	if err != nil {
		return 0, fmt.Errorf("campaigns: sponsored: %w", err)
	}
	return len(ids), nil
}

// SponsoredDue lists the runs with paid sends waiting for a sponsored-message ad: meta-2017 brands'
// sponsored-message campaigns that have an ad account.
func SponsoredDue(ctx context.Context, db *gorm.DB) ([]DueRun, error) {
	var out []DueRun
	err := db.WithContext(ctx).Table("campaign_sends s").Select("DISTINCT s.tenant_id, s.brand_id, s.run_id").
		Joins("JOIN campaigns c ON c.id = s.campaign_id AND c.ad_account_id <> ''").
		Joins("JOIN brands b ON b.id = c.brand_id AND b.policy = ?", tenancy.PolicyMeta2017).
		Where(adQueueTerms("s.")+" AND s.route = ?", RoutePaid).Limit(200).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("campaigns: sponsored due: %w", err)
	}
	return out, nil
}
