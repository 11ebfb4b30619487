package audiences

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"relance/database"
	"relance/tenancy"
)

// Build evaluates the audience's rule now and materializes its members as a new snapshot, in one statement
// over the contacts table. Two builds of the same audience queue on the audience's row, so numbers never clash.
func (s *Store) Build(ctx context.Context, audienceID, cause string) (Snapshot, error) {
	row, err := s.row(ctx, audienceID)
	if err != nil {
		return Snapshot{}, err
	}
	if row.Kind == KindManual {
		return Snapshot{}, ErrManual
	}
	r, err := Parse([]byte(row.Rule), "rule")
	if err != nil {
		return Snapshot{}, fmt.Errorf("audiences: build: stored rule: %w", err)
	}
	q, err := compileWith(compileOptions{sqlite: s.db.Dialect == database.SQLite}, r, s.tenant, s.brand.ID, s.brand.Policy, s.opts.Now())
	if err != nil {
		return Snapshot{}, err
	}
	return s.materialize(ctx, row, cause, func(tx *gorm.DB, snapshotID string) (int64, error) {
		res := tx.Exec("INSERT INTO audience_members (snapshot_id, page_id, psid) SELECT ?, contacts.page_id, contacts.psid FROM contacts WHERE "+
			q.Where, append([]any{snapshotID}, q.Args...)...)
		return res.RowsAffected, res.Error
	})
}

// materialize numbers a new snapshot of row, lets fill write its members, and counts what changed since the
// previous snapshot, all in one transaction: a snapshot is never seen half-written. Retention runs after.
func (s *Store) materialize(ctx context.Context, row audienceRow, cause string, fill func(tx *gorm.DB, snapshotID string) (int64, error)) (Snapshot, error) {
	start := time.Now()
	now := s.opts.Now()
	snap := snapshotRow{ID: uuid.NewString(), TenantID: s.tenant, BrandID: s.brand.ID, AudienceID: row.ID, Cause: cause, BuiltAt: now.UnixMilli()}
	err := s.db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// The update takes the audience's row lock first, so concurrent builds of it run one after the other.
		res := tx.Exec("UPDATE audiences SET last_seq = last_seq + 1 WHERE id = ? AND tenant_id = ? AND brand_id = ?", row.ID, s.tenant, s.brand.ID)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		var cur audienceRow
		if err := tx.Table("audiences").Select("last_seq, rule_version").Where("id = ?", row.ID).Take(&cur).Error; err != nil {
			return err
		}
		snap.Seq, snap.RuleVersion = cur.LastSeq, cur.RuleVersion
		var prev []snapshotRow
		if err := tx.Table("audience_snapshots").Where("audience_id = ?", row.ID).Order("seq DESC").Limit(1).Find(&prev).Error; err != nil {
			return err
		}
		if err := tx.Create(&snap).Error; err != nil {
			return err
		}
		size, err := fill(tx, snap.ID)
		if err != nil {
			return err
		}
		snap.Size, snap.Added = size, size
		if len(prev) == 1 {
			var added int64
			err := tx.Raw("SELECT COUNT(*) FROM audience_members n WHERE n.snapshot_id = ? AND NOT EXISTS "+
				"(SELECT 1 FROM audience_members o WHERE o.snapshot_id = ? AND o.page_id = n.page_id AND o.psid = n.psid)",
				snap.ID, prev[0].ID).Scan(&added).Error
			if err != nil {
				return err
			}
			snap.Added, snap.Removed = added, prev[0].Size-(size-added)
		}
		if cause != CauseImport { // an import audits itself, with its own action
			summary := fmt.Sprintf("%s: snapshot %d, %d members (+%d −%d), %s", row.Name, snap.Seq, snap.Size, snap.Added, snap.Removed, cause)
			if err := tenancy.RecordAudit(ctx, tx, s.tenant, tenancy.AuditEntry{BrandID: s.brand.ID, Action: tenancy.ActionAudienceBuild,
				ObjectType: "audience", ObjectID: row.ID, Summary: summary}); err != nil {
				return err
			}
		}
		snap.DurationMs = time.Since(start).Milliseconds()
		return tx.Table("audience_snapshots").Where("id = ?", snap.ID).
			Updates(map[string]any{"size": snap.Size, "added": snap.Added, "removed": snap.Removed, "duration_ms": snap.DurationMs}).Error
	})
	if err != nil {
		if err == ErrNotFound {
			return Snapshot{}, err
		}
		return Snapshot{}, fmt.Errorf("audiences: build: %w", err)
	}
	if err := s.prune(ctx, row.ID, snap.Seq); err != nil {
		return snap.view(), err
	}
	return snap.view(), nil
}

// prune deletes the audience's snapshots older than the newest Keep, except those a campaign run routed
// from (DESIGN §5: retention keeps them while a run points at them). Members go first, so an interrupted
// prune leaves an empty old snapshot at worst, never a latest one without members.
func (s *Store) prune(ctx context.Context, audienceID string, latest int64) error {
	cut := latest - int64(s.opts.Keep)
	if cut < 1 {
		return nil
	}
	err := s.db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		const unused = " AND id NOT IN (SELECT snapshot_id FROM campaign_run_snapshots)"
		old := "SELECT id FROM audience_snapshots WHERE audience_id = ? AND seq <= ?" + unused
		if err := tx.Exec("DELETE FROM audience_members WHERE snapshot_id IN ("+old+")", audienceID, cut).Error; err != nil {
			return err
		}
		return tx.Exec("DELETE FROM audience_snapshots WHERE audience_id = ? AND seq <= ?"+unused, audienceID, cut).Error
	})
	if err != nil {
		return fmt.Errorf("audiences: prune: %w", err)
	}
	return nil
}
