package audiences

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Causes of a snapshot.
const (
	CauseManual   = "manual"   // "build now" in the UI or the API
	CauseSchedule = "schedule" // the audience's refresh_cron
	CauseImport   = "import"   // a list imported by hand
)

// Snapshot is an audience's membership frozen at one moment: campaigns send to a snapshot, never to a moving
// set. Seq numbers an audience's snapshots from 1; Added and Removed compare it with the one before.
type Snapshot struct {
	ID          string    `json:"id"`
	AudienceID  string    `json:"audience_id"`
	Seq         int64     `json:"number"`
	RuleVersion int64     `json:"rule_version"`
	Cause       string    `json:"cause"`
	Size        int64     `json:"size"`
	Added       int64     `json:"added"`
	Removed     int64     `json:"removed"`
	DurationMS  int64     `json:"duration_ms"`
	BuiltAt     time.Time `json:"built_at"`
}

// snapshotRow is the audience_snapshots table.
type snapshotRow struct {
	ID, TenantID, BrandID, AudienceID         string
	Seq, RuleVersion                          int64
	Cause                                     string
	Size, Added, Removed, DurationMs, BuiltAt int64
}

func (snapshotRow) TableName() string { return "audience_snapshots" }

func (r snapshotRow) view() Snapshot {
	return Snapshot{ID: r.ID, AudienceID: r.AudienceID, Seq: r.Seq, RuleVersion: r.RuleVersion, Cause: r.Cause, Size: r.Size,
		Added: r.Added, Removed: r.Removed, DurationMS: r.DurationMs, BuiltAt: time.UnixMilli(r.BuiltAt).UTC()}
}

// LatestSnapshot returns the audience's newest snapshot, or ErrNoSnapshot.
func (s *Store) LatestSnapshot(ctx context.Context, audienceID string) (Snapshot, error) {
	var row snapshotRow
	err := s.q(ctx, "audience_snapshots").Where("audience_id = ?", audienceID).Order("seq DESC").Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Snapshot{}, ErrNoSnapshot
	}
	if err != nil {
		return Snapshot{}, fmt.Errorf("audiences: latest snapshot: %w", err)
	}
	return row.view(), nil
}

// Snapshot returns one of the audience's snapshots.
func (s *Store) Snapshot(ctx context.Context, audienceID, snapshotID string) (Snapshot, error) {
	var row snapshotRow
	err := s.q(ctx, "audience_snapshots").Where("audience_id = ? AND id = ?", audienceID, snapshotID).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Snapshot{}, ErrNotFound
	}
	if err != nil {
		return Snapshot{}, fmt.Errorf("audiences: snapshot: %w", err)
	}
	return row.view(), nil
}

// Snapshots lists the audience's snapshots that retention kept, newest first.
func (s *Store) Snapshots(ctx context.Context, audienceID string) ([]Snapshot, error) {
	if _, err := s.row(ctx, audienceID); err != nil {
		return nil, err
	}
	var rows []snapshotRow
	if err := s.q(ctx, "audience_snapshots").Where("audience_id = ?", audienceID).Order("seq DESC").Limit(500).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("audiences: snapshots: %w", err)
	}
	out := make([]Snapshot, len(rows))
	for i, r := range rows {
		out[i] = r.view()
	}
	return out, nil
}

// latestSnapshots returns the newest snapshot of each of the brand's audiences.
func (s *Store) latestSnapshots(ctx context.Context) (map[string]Snapshot, error) {
	var rows []snapshotRow
	err := s.q(ctx, "audience_snapshots").Where("seq = (SELECT a.last_seq FROM audiences a WHERE a.id = audience_snapshots.audience_id)").
		Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("audiences: latest snapshots: %w", err)
	}
	out := make(map[string]Snapshot, len(rows))
	for _, r := range rows {
		out[r.AudienceID] = r.view()
	}
	return out, nil
}
