package audiences

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"relance/meta"
	"relance/tenancy"
)

// syncWriteTimeout bounds the bookkeeping writes of a run, which go on after its context ends: a batch
// Meta acknowledged is worth recording even while the instance shuts down, since it saves resending it.
const syncWriteTimeout = 30 * time.Second

// syncRow is the audience_syncs table.
type syncRow struct {
	AudienceID, TenantID, BrandID, AdAccountID, MetaAudienceID, Status string
	TargetSnapshotID                                                   string
	TargetSeq                                                          int64
	SyncedSnapshotID                                                   string
	SyncedSeq, ToAdd, ToRemove, Added, Removed, SessionID              int64
	Holder                                                             string
	LeaseUntil, LastSyncAt                                             int64
	LastError                                                          string
	RetryAfter, UpdatedAt                                              int64
	CreateTag                                                          string
}

func (syncRow) TableName() string { return "audience_syncs" }

// syncRun is one run of an audience's sync, holding its lease under a holder id of its own.
type syncRun struct {
	s      *Syncer
	t      syncTarget
	holder string
	metaID string // the Meta custom audience, "" until created
	// createTag is in the name of the custom audience being created, recorded before the call (see create).
	createTag string
	token     string
	log       *slog.Logger
	// superseded: retention pruned the target during the run, so a newer snapshot awaits.
	superseded bool
}

// claim takes the audience's lease for a new run aimed at its latest snapshot. It refuses while another
// run's lease holds (ErrSyncRunning) and while Meta's throttling lasts (ErrSyncThrottled). A lapsed lease
// is taken over: the guard on the previous holder and lease makes one of two racing claims win.
func (s *Syncer) claim(ctx context.Context, t syncTarget) (*syncRun, error) {
	now := s.o.Now()
	r := &syncRun{s: s, t: t, holder: uuid.NewString(), log: s.o.Log.With("audience", t.audienceID)}
	var moved []any
	err := s.db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		err := tx.Exec("INSERT INTO audience_syncs (audience_id, tenant_id, brand_id, ad_account_id, status, updated_at) "+
			"VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (audience_id) DO NOTHING",
			t.audienceID, t.tenantID, t.brandID, t.account, SyncNever, now.UnixMilli()).Error
		if err != nil {
			return err
		}
		var row syncRow
		if err := tx.Where("audience_id = ?", t.audienceID).Take(&row).Error; err != nil {
			return err
		}
		switch {
		case row.LeaseUntil > now.UnixMilli():
			return ErrSyncRunning
		case row.Status == SyncThrottled && row.RetryAfter > now.UnixMilli():
			return fmt.Errorf("%w until %s", ErrSyncThrottled, time.UnixMilli(row.RetryAfter).UTC().Format(time.RFC3339))
		}
		set := map[string]any{"holder": r.holder, "lease_until": now.Add(s.o.Lease).UnixMilli(), "status": SyncSyncing,
			"target_snapshot_id": t.snapshotID, "target_seq": t.seq, "ad_account_id": t.account, "last_error": "",
			"retry_after": 0, "updated_at": now.UnixMilli()}
		if row.TargetSnapshotID != t.snapshotID {
			// Progress counts toward one snapshot; a resumed run of the same snapshot keeps it.
			set["to_add"], set["to_remove"], set["added"], set["removed"] = 0, 0, 0, 0
		}
		r.metaID, r.createTag = row.MetaAudienceID, row.CreateTag
		if row.MetaAudienceID != "" && actID(row.AdAccountID) != t.account {
			// A custom audience belongs to one ad account: after the audience moved to another account, the
			// sync starts over with a new one there. The old one stays in the old account for its owner to delete.
			moved = []any{"old_account", row.AdAccountID, "old_meta_audience", row.MetaAudienceID, "account", t.account}
			set["meta_audience_id"], set["synced_snapshot_id"], set["synced_seq"], set["create_tag"] = "", "", 0, ""
			r.metaID, r.createTag = "", ""
			if err := tx.Exec("DELETE FROM audience_meta_members WHERE audience_id = ?", t.audienceID).Error; err != nil {
				return err
			}
		}
		res := tx.Table("audience_syncs").Where("audience_id = ? AND holder = ? AND lease_until = ?", t.audienceID, row.Holder, row.LeaseUntil).
			Updates(set)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrSyncRunning
		}
		// Audited when the run is claimed: that is when relance decides to change what Meta holds.
		return tenancy.RecordAudit(ctx, tx, t.tenantID, tenancy.AuditEntry{BrandID: t.brandID, Action: tenancy.ActionAudienceSync,
			ObjectType: "audience", ObjectID: t.audienceID, Summary: fmt.Sprintf("snapshot %d to ad account %s", t.seq, t.account)})
	})
	switch {
	case errors.Is(err, ErrSyncRunning), errors.Is(err, ErrSyncThrottled):
		return nil, err
	case err != nil:
		return nil, fmt.Errorf("audiences: sync: claim: %w", err)
	}
	if moved != nil {
		r.log.Warn("audience moved to another ad account; a new custom audience will be created", moved...)
	}
	return r, nil
}

// write applies set to the run's row and then more, in one transaction, renewing the lease unless set
// says otherwise. The row must still be the run's: ErrSyncTakenOver when another run took it over.
func (r *syncRun) write(ctx context.Context, set map[string]any, more func(tx *gorm.DB) error) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), syncWriteTimeout)
	defer cancel()
	now := r.s.o.Now()
	if _, ok := set["lease_until"]; !ok {
		set["lease_until"] = now.Add(r.s.o.Lease).UnixMilli()
	}
	set["updated_at"] = now.UnixMilli()
	err := r.s.db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Table("audience_syncs").Where("audience_id = ? AND holder = ?", r.t.audienceID, r.holder).Updates(set)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrSyncTakenOver
		}
		if more != nil {
			return more(tx)
		}
		return nil
	})
	if err != nil && !errors.Is(err, ErrSyncTakenOver) {
		return fmt.Errorf("audiences: sync: record progress: %w", err)
	}
	return err
}

// finish records how the run ended and gives up the lease, then returns the audience's status and the
// run's error, wrapped for the caller.
func (r *syncRun) finish(ctx context.Context, runErr error) (SyncStatus, error) {
	if errors.Is(runErr, ErrSyncTakenOver) {
		// The row is the other run's now: nothing of this run may be written over it.
		r.log.Warn("audience sync taken over", "snapshot", r.t.seq)
		st, err := r.s.Status(context.WithoutCancel(ctx), r.t.tenantID, r.t.brandID, r.t.audienceID)
		return st, errors.Join(runErr, err)
	}
	now := r.s.o.Now()
	set := map[string]any{"holder": "", "lease_until": 0}
	if runErr == nil {
		held, err := r.targetExists(ctx)
		switch {
		case err != nil:
			runErr = err
		case held:
			set["status"], set["synced_snapshot_id"], set["synced_seq"] = SyncSynced, r.t.snapshotID, r.t.seq
			set["last_sync_at"], set["last_error"], set["retry_after"] = now.UnixMilli(), "", 0
		default:
			// Retention pruned the target while the run uploaded: its removals were skipped (see syncRangeSnapshot),
			// so Meta may still hold people the snapshot dropped. The next run aims at the latest snapshot.
			r.superseded = true
			set["status"] = SyncPending
			set["last_error"] = fmt.Sprintf("snapshot %d was replaced by a newer one during the sync; the next sync continues with the latest", r.t.seq)
		}
	}
	var out error
	if runErr != nil {
		status, why, retryAt := syncFailure(runErr, now)
		set["status"], set["last_error"] = status, why
		out = fmt.Errorf("audiences: sync: %w", runErr)
		if status == SyncThrottled {
			set["retry_after"] = retryAt.UnixMilli()
			out = fmt.Errorf("%w until %s: %w", ErrSyncThrottled, retryAt.UTC().Format(time.RFC3339), runErr)
		}
	}
	if err := r.write(ctx, set, nil); err != nil {
		out = errors.Join(out, err)
	}
	if out != nil {
		r.log.Warn("audience sync stopped", "status", set["status"], "snapshot", r.t.seq, "meta_audience", r.metaID, "error", out)
	} else {
		r.log.Info("audience synced", "snapshot", r.t.seq, "meta_audience", r.metaID)
	}
	st, err := r.s.Status(context.WithoutCancel(ctx), r.t.tenantID, r.t.brandID, r.t.audienceID)
	return st, errors.Join(out, err)
}

// targetExists reports whether the run's target snapshot survived retention.
func (r *syncRun) targetExists(ctx context.Context) (bool, error) {
	var n int64
	if err := r.s.db.R.WithContext(context.WithoutCancel(ctx)).Raw("SELECT COUNT(*) FROM audience_snapshots WHERE id = ?", r.t.snapshotID).
		Scan(&n).Error; err != nil {
		return false, fmt.Errorf("audiences: sync: target snapshot: %w", err)
	}
	return n == 1, nil
}

// syncFailure says what a stopped run leaves: failed for what a person must fix, throttled with the time
// Meta allows again, pending (progress kept for the next run) for passing faults and interruptions.
func syncFailure(err error, now time.Time) (status, why string, retryAt time.Time) {
	switch meta.ClassOf(err) {
	case meta.ClassThrottled:
		wait := defaultThrottleWait
		var me *meta.Error
		if errors.As(err, &me) && me.RetryAfter > 0 {
			wait = me.RetryAfter
		}
		retryAt = now.Add(wait)
		return SyncThrottled, fmt.Sprintf("Meta rate-limited the uploads; the sync continues after %s: %v",
			retryAt.UTC().Format(time.RFC3339), err), retryAt
	case meta.ClassTokenInvalid:
		return SyncFailed, "Meta refused the ad account's token (expired, revoked or invalid); attach the ad account again with a new token: " +
			err.Error(), retryAt
	case meta.ClassPermission:
		return SyncFailed, "the ad account's token may not manage this ad account's custom audiences (ads_management, a role on the ad account): " +
			err.Error(), retryAt
	case meta.ClassAudienceBlocked:
		return SyncFailed, "Meta flagged the custom audience (it may suggest health or financial information) and refuses uploads to it: " +
			err.Error(), retryAt
	case meta.ClassInvalidParameter:
		return SyncFailed, "Meta refused the request: " + err.Error(), retryAt
	}
	if errors.Is(err, tenancy.ErrNoAdAccountToken) || errors.Is(err, tenancy.ErrNotFound) {
		return SyncFailed, "no Marketing API token for the ad account: " + err.Error(), retryAt
	}
	return SyncPending, "the sync stopped before the end and continues from there next time: " + err.Error(), retryAt
}
