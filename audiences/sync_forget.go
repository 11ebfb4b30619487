package audiences

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"
)

// Forget deletes the audience's Meta custom audience, if a sync ever created one. Call it before the
// audience is deleted: afterwards nothing in relance remembers the Meta id, and an audience left in the ad
// account would go on matching people the agency meant to drop.
func (s *Syncer) Forget(ctx context.Context, tenantID, brandID, audienceID string) error {
	var row struct{ AdAccountID, MetaAudienceID string }
	err := s.db.R.WithContext(ctx).Table("audience_syncs").Select("ad_account_id, meta_audience_id").
		Where("audience_id = ? AND tenant_id = ? AND brand_id = ?", audienceID, tenantID, brandID).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) || (err == nil && row.MetaAudienceID == "") {
		return nil
	}
	if err != nil {
		return fmt.Errorf("audiences: forget: %w", err)
	}
	token, err := s.o.Token(ctx, tenantID, brandID, actID(row.AdAccountID))
	if err != nil {
		return fmt.Errorf("audiences: forget: custom audience %s stays in Meta: %w", row.MetaAudienceID, err)
	}
	if err := s.meta.DeleteAudience(ctx, token, row.MetaAudienceID); err != nil {
		return fmt.Errorf("audiences: forget: custom audience %s stays in Meta: %w", row.MetaAudienceID, err)
	}
	return nil
}
