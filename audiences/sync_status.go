package audiences

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// SyncProgress counts the rows of the run toward the target snapshot, across resumes of that run.
type SyncProgress struct {
	ToAdd    int64 `json:"to_add"`
	ToRemove int64 `json:"to_remove"`
	Added    int64 `json:"added"`
	Removed  int64 `json:"removed"`
}

// SyncStatus is where an audience's Meta custom audience stands, for the UI and the API.
type SyncStatus struct {
	AudienceID string `json:"audience_id"`
	// Status is one of the Sync* states; a synced audience whose latest snapshot is newer reads pending.
	Status string `json:"status"`
	// AdAccountID is the ad account (act_…) that holds the custom audience, or will.
	AdAccountID    string `json:"ad_account_id"`
	MetaAudienceID string `json:"meta_audience_id"`
	// SyncedSeq is the snapshot Meta holds (0: none yet), LatestSeq the audience's newest, TargetSeq the
	// one the current or last run aimed at.
	SyncedSnapshotID string       `json:"synced_snapshot_id"`
	SyncedSeq        int64        `json:"synced_seq"`
	LatestSeq        int64        `json:"latest_seq"`
	TargetSeq        int64        `json:"target_seq"`
	UpToDate         bool         `json:"up_to_date"`
	Progress         SyncProgress `json:"progress"`
	LastSyncAt       *time.Time   `json:"last_sync_at"`
	LastError        string       `json:"last_error"`
	// RetryAfter is when Meta's throttling allows the next run (nil unless throttled).
	RetryAfter *time.Time `json:"retry_after"`
	UpdatedAt  *time.Time `json:"updated_at"`
}

// Status returns where one of a brand's audiences stands with Meta (ErrNotFound if it is not the brand's).
func (s *Syncer) Status(ctx context.Context, tenantID, brandID, audienceID string) (SyncStatus, error) {
	st := SyncStatus{AudienceID: audienceID, Status: SyncNever}
	err := s.db.R.WithContext(ctx).Raw("SELECT ad_account_id, last_seq FROM audiences WHERE id = ? AND tenant_id = ? AND brand_id = ?",
		audienceID, tenantID, brandID).Row().Scan(&st.AdAccountID, &st.LatestSeq)
	if errors.Is(err, sql.ErrNoRows) {
		return SyncStatus{}, ErrNotFound
	}
	if err != nil {
		return SyncStatus{}, fmt.Errorf("audiences: sync status: %w", err)
	}
	var rows []syncRow
	if err := s.db.R.WithContext(ctx).Where("audience_id = ?", audienceID).Limit(1).Find(&rows).Error; err != nil {
		return SyncStatus{}, fmt.Errorf("audiences: sync status: %w", err)
	}
	st.AdAccountID = actID(st.AdAccountID)
	if len(rows) == 0 {
		return st, nil
	}
	r := rows[0]
	current := actID(r.AdAccountID) == st.AdAccountID
	if r.MetaAudienceID != "" {
		st.AdAccountID = actID(r.AdAccountID)
	}
	st.Status, st.MetaAudienceID, st.LastError = r.Status, r.MetaAudienceID, r.LastError
	st.SyncedSnapshotID, st.SyncedSeq, st.TargetSeq = r.SyncedSnapshotID, r.SyncedSeq, r.TargetSeq
	st.Progress = SyncProgress{ToAdd: r.ToAdd, ToRemove: r.ToRemove, Added: r.Added, Removed: r.Removed}
	st.LastSyncAt, st.RetryAfter, st.UpdatedAt = msTime(r.LastSyncAt), msTime(r.RetryAfter), msTime(r.UpdatedAt)
	st.UpToDate = r.Status == SyncSynced && r.SyncedSeq == st.LatestSeq && current
	switch {
	case r.Status == SyncSyncing && r.LeaseUntil <= s.o.Now().UnixMilli():
		// The run's instance stopped without saying how it ended; the next run takes its lease over.
		st.Status = SyncPending
		st.LastError = "the last sync stopped without finishing (its instance stopped); the next sync continues where it stopped"
	case r.Status == SyncSynced && !st.UpToDate:
		st.Status = SyncPending
	}
	return st, nil
}

// msTime is an epoch-milliseconds column as a time, nil for 0 (never).
func msTime(ms int64) *time.Time {
	if ms == 0 {
		return nil
	}
	t := time.UnixMilli(ms).UTC()
	return &t
}
