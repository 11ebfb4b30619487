package campaigns

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// metaRow is the campaign_meta table: the Meta objects of an ads campaign and what relance set on them.
type metaRow struct {
	CampaignID, TenantID, BrandID, AdAccountID string
	MetaCampaignID                             string `gorm:"column:meta_campaign_id"`
	AdSetID                                    string `gorm:"column:adset_id"`
	CampaignStatus                             string
	AdSetStatus                                string `gorm:"column:adset_status"`
	BudgetMinor, EndsAt                        int64
	BudgetEdits                                string
	ErrorMessage                               string
	ErrorCode, ErrorSubcode                    int
	ErrorAt, LaunchedAt, PolledAt, LeaseUntil  int64
	RetargetAudienceID                         string
	UpdatedAt                                  int64
}

func (metaRow) TableName() string { return "campaign_meta" }

// metaAdRow is the campaign_meta_ads table: one creative and one ad per variant and content version.
type metaAdRow struct {
	CampaignID, TenantID, Variant string
	Version                       int64
	CreativeID, AdID              string
	Status, EffectiveStatus       string
	Review                        string
	UpdatedAt                     int64
}

func (metaAdRow) TableName() string { return "campaign_meta_ads" }

// MetaState is what Meta runs for an ads campaign, as the campaign page and the API show it.
type MetaState struct {
	AdAccountID string `json:"ad_account_id"`
	CampaignID  string `json:"campaign_id"`
	AdSetID     string `json:"adset_id"`
	// Status is what relance set on the Meta campaign (ACTIVE, PAUSED); AdSetStatus on the ad set
	// (dayparting of daily budgets pauses it outside the active windows).
	Status      string     `json:"status"`
	AdSetStatus string     `json:"adset_status"`
	Ads         []MetaAd   `json:"ads"`
	Error       *MetaError `json:"error"`
	LaunchedAt  *time.Time `json:"launched_at"`
	// PolledAt is when review and delivery states were last read from Meta.
	PolledAt *time.Time `json:"polled_at"`
	// RetargetAudienceID is the custom audience the ads_only members of a sponsored-message campaign join.
	RetargetAudienceID string `json:"retarget_audience_id,omitempty"`
}

// MetaAd is the ad of one variant: Meta's review and delivery state (effective_status: PENDING_REVIEW,
// ACTIVE, DISAPPROVED with Review saying why, WITH_ISSUES …). Ads of an older content version are kept
// (paused) with Current false.
type MetaAd struct {
	Variant         string `json:"variant"`
	Version         int64  `json:"version"`
	Current         bool   `json:"current"`
	CreativeID      string `json:"creative_id"`
	AdID            string `json:"ad_id"`
	Status          string `json:"status"`
	EffectiveStatus string `json:"effective_status"`
	Review          string `json:"review,omitempty"`
}

// MetaError is Meta's error on the last launch or mirroring attempt (code 0: relance's own reason).
type MetaError struct {
	Message string    `json:"message"`
	Code    int       `json:"code"`
	Subcode int       `json:"subcode,omitempty"`
	At      time.Time `json:"at"`
}

// MetaOf returns the Meta state of one of the brand's campaigns; nil when nothing was ever launched.
func (s *Store) MetaOf(ctx context.Context, id string) (*MetaState, error) {
	c, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	return c.Meta, nil
}

// loadMeta fills the Meta state of the campaigns given (one query for the rows, one for the ads).
func (s *Store) loadMeta(ctx context.Context, out []Campaign, idx map[string]int, ids []string) error {
	var rows []metaRow
	if err := s.db.R.WithContext(ctx).Where("tenant_id = ? AND campaign_id IN ?", s.tenant, ids).Find(&rows).Error; err != nil {
		return fmt.Errorf("campaigns: meta state: %w", err)
	}
	if len(rows) == 0 {
		return nil
	}
	var ads []metaAdRow
	if err := s.db.R.WithContext(ctx).Where("tenant_id = ? AND campaign_id IN ?", s.tenant, ids).
		Order("campaign_id, version DESC, variant").Find(&ads).Error; err != nil {
		return fmt.Errorf("campaigns: meta ads: %w", err)
	}
	for _, r := range rows {
		i := idx[r.CampaignID]
		out[i].Meta = r.view(out[i].Version, ads)
	}
	return nil
}

// view shapes a row and its ads for the API.
func (r metaRow) view(version int64, ads []metaAdRow) *MetaState {
	m := &MetaState{AdAccountID: r.AdAccountID, CampaignID: r.MetaCampaignID, AdSetID: r.AdSetID,
		Status: r.CampaignStatus, AdSetStatus: r.AdSetStatus, Ads: []MetaAd{}, LaunchedAt: at(r.LaunchedAt), PolledAt: at(r.PolledAt),
		RetargetAudienceID: r.RetargetAudienceID}
	if r.ErrorMessage != "" {
		m.Error = &MetaError{Message: r.ErrorMessage, Code: r.ErrorCode, Subcode: r.ErrorSubcode, At: time.UnixMilli(r.ErrorAt).UTC()}
	}
	for _, a := range ads {
		if a.CampaignID == r.CampaignID {
			m.Ads = append(m.Ads, MetaAd{Variant: a.Variant, Version: a.Version, Current: a.Version == version,
				CreativeID: a.CreativeID, AdID: a.AdID, Status: a.Status, EffectiveStatus: a.EffectiveStatus, Review: a.Review})
		}
	}
	return m
}

// claimMeta makes sure the campaign's Meta row exists and takes its lease, so that one launch or sweep
// at a time works on the campaign's Meta objects. It returns the row as the lease found it.
func (s *Store) claimMeta(ctx context.Context, c Campaign) (metaRow, error) {
	now := s.opts.Now().UnixMilli()
	row := metaRow{CampaignID: c.ID, TenantID: s.tenant, BrandID: s.brand.ID, AdAccountID: c.AdAccountID,
		BudgetEdits: "[]", UpdatedAt: now}
	db := s.db.W.WithContext(ctx)
	if err := db.Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error; err != nil {
		return metaRow{}, fmt.Errorf("campaigns: meta state: %w", err)
	}
	res := db.Model(&metaRow{}).Where("campaign_id = ? AND tenant_id = ? AND lease_until < ?", c.ID, s.tenant, now).
		Updates(map[string]any{"lease_until": now + launchLease.Milliseconds(), "updated_at": now})
	if res.Error != nil {
		return metaRow{}, fmt.Errorf("campaigns: meta lease: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return metaRow{}, ErrLaunchBusy
	}
	if err := db.Where("campaign_id = ?", c.ID).Take(&row).Error; err != nil {
		return metaRow{}, fmt.Errorf("campaigns: meta state: %w", err)
	}
	return row, nil
}

// releaseMeta gives the lease back.
func (s *Store) releaseMeta(ctx context.Context, campaignID string) {
	_ = s.db.W.WithContext(context.WithoutCancel(ctx)).Model(&metaRow{}).Where("campaign_id = ? AND tenant_id = ?", campaignID, s.tenant).
		Update("lease_until", 0).Error
}

// setMeta records fields of the campaign's Meta row at once: a created object's id is written before the
// next call, whatever happens to the caller's context. Every caller holds the lease, and each write renews
// it, so a long launch (big audiences to sync) keeps it.
func (s *Store) setMeta(ctx context.Context, campaignID string, fields map[string]any) error {
	now := s.opts.Now().UnixMilli()
	fields["updated_at"], fields["lease_until"] = now, now+launchLease.Milliseconds()
	err := s.db.W.WithContext(context.WithoutCancel(ctx)).Model(&metaRow{}).Where("campaign_id = ? AND tenant_id = ?", campaignID, s.tenant).
		Updates(fields).Error
	if err != nil {
		return fmt.Errorf("campaigns: record meta state: %w", err)
	}
	return nil
}

// setMetaAd records fields of a variant's ad row, creating the row the first time.
func (s *Store) setMetaAd(ctx context.Context, campaignID, variant string, version int64, fields map[string]any) error {
	ctx = context.WithoutCancel(ctx)
	now := s.opts.Now().UnixMilli()
	err := s.db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		row := metaAdRow{CampaignID: campaignID, TenantID: s.tenant, Variant: variant, Version: version, UpdatedAt: now}
		if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error; err != nil {
			return err
		}
		fields["updated_at"] = now
		return tx.Model(&metaAdRow{}).Where("campaign_id = ? AND variant = ? AND version = ?", campaignID, variant, version).Updates(fields).Error
	})
	if err != nil {
		return fmt.Errorf("campaigns: record meta ad: %w", err)
	}
	return nil
}

// metaAds lists a campaign's ad rows, newest version first.
func (s *Store) metaAds(ctx context.Context, campaignID string) ([]metaAdRow, error) {
	var rows []metaAdRow
	err := s.db.W.WithContext(ctx).Where("campaign_id = ? AND tenant_id = ?", campaignID, s.tenant).
		Order("version DESC, variant").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("campaigns: meta ads: %w", err)
	}
	return rows, nil
}

// budgetEdits reads the recent budget edit times of a row.
func (r metaRow) budgetEdits() []int64 {
	var out []int64
	_ = json.Unmarshal([]byte(r.BudgetEdits), &out)
	return out
}
