package attribution

import (
	"context"
	"fmt"

	"gorm.io/gorm"
)

// LaunchedAds finds the campaign and variant of the ads relance launched, from the Meta objects launches
// record (campaign_meta_ads); every other ad is an outside ad.
type LaunchedAds struct{}

// AdOwners reads the owners of adIDs in one indexed query.
func (LaunchedAds) AdOwners(ctx context.Context, tx *gorm.DB, tenantID string, adIDs []string) (map[string]AdOwner, error) {
	if len(adIDs) == 0 {
		return nil, nil
	}
	var rows []struct{ AdID, CampaignID, Variant string }
	err := tx.WithContext(ctx).Table("campaign_meta_ads").Select("ad_id, campaign_id, variant").
		Where("tenant_id = ? AND ad_id IN ?", tenantID, adIDs).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("attribution: launched ads: %w", err)
	}
	out := make(map[string]AdOwner, len(rows))
	for _, r := range rows {
		out[r.AdID] = AdOwner{CampaignID: r.CampaignID, Variant: r.Variant}
	}
	return out, nil
}
