package audiences

import (
	"context"
	"fmt"
)

// DueSync names an audience whose Meta custom audience should be synced now.
type DueSync struct {
	TenantID, BrandID, AudienceID string
}

// Due lists the audiences a sync should run for without anyone asking: never synced though they have an ad
// account and a snapshot; stopped by a passing fault or throttling whose wait is over; held by a run whose
// lease lapsed (its instance died); or synced to a snapshot older than their latest (a build whose sync did not
// start). Failed syncs are left out: a person must fix their token or their audience first.
func (s *Syncer) Due(ctx context.Context) ([]DueSync, error) {
	now := s.o.Now().UnixMilli()
	var out []DueSync
	err := s.db.R.WithContext(ctx).Raw(`SELECT a.tenant_id, a.brand_id, a.id AS audience_id FROM audiences a
		LEFT JOIN audience_syncs s ON s.audience_id = a.id
		WHERE a.ad_account_id <> '' AND a.last_seq > 0 AND (s.audience_id IS NULL OR s.status = ?
			OR (s.status IN (?, ?) AND s.retry_after <= ?)
			OR (s.status = ? AND s.lease_until < ?)
			OR (s.status = ? AND s.synced_seq < a.last_seq))
		ORDER BY a.id LIMIT 1000`, SyncNever, SyncPending, SyncThrottled, now, SyncSyncing, now, SyncSynced).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("audiences: sync: due: %w", err)
	}
	return out, nil
}
