package conversations

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"relance/database"
	"relance/tenancy"
)

// Backfill statuses. A stopped run (shutdown, cancelled) goes back to queued and keeps its cursor.
const (
	BackfillQueued  = "queued"
	BackfillRunning = "running"
	BackfillDone    = "done"
	BackfillFailed  = "failed"
)

// ErrBackfillRunning means the Page already has a backfill queued or running.
var ErrBackfillRunning = errors.New("conversations: a backfill of this Page is already running")

// ErrBackfillTakenOver means another runner claimed the job after this one's lease lapsed (it stalled
// longer than the lease, e.g. waiting out a rate limit): this one stops and leaves the job to the other.
var ErrBackfillTakenOver = errors.New("conversations: backfill taken over by another runner")

// backfillLease is how long a runner's claim holds without a heartbeat: a queued or running job not touched
// for that long was abandoned by a crashed instance and may be taken over (resumed from its cursor).
const backfillLease = 2 * time.Minute

// Backfill is one history backfill of a Page through the Conversations API, with its progress.
type Backfill struct {
	ID       string `json:"id"`
	TenantID string `json:"-"`
	BrandID  string `json:"brand_id"`
	PageID   string `json:"page_id"`
	Status   string `json:"status"`
	// Threads and Messages are what Meta listed; Imported are new messages, Duplicates were already stored,
	// Skipped could not be stored (e.g. over 20,000 bytes).
	Threads    int64      `json:"threads"`
	Messages   int64      `json:"messages"`
	Imported   int64      `json:"imported"`
	Duplicates int64      `json:"duplicates"`
	Skipped    int64      `json:"skipped"`
	Error      string     `json:"error,omitempty"`
	Cursor     string     `json:"-"`
	StartedAt  time.Time  `json:"started_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
	FinishedAt *time.Time `json:"finished_at"`
	leaseUntil int64
}

// Active reports whether the job is queued or running (the UI polls while it is).
func (b Backfill) Active() bool { return b.Status == BackfillQueued || b.Status == BackfillRunning }

// backfillCols are the columns read and written, in the order of scanBackfill.
const backfillCols = "id, tenant_id, brand_id, page_id, status, threads, messages, imported, duplicates, skipped, " +
	"error, cursor, lease_until, started_at, updated_at, finished_at"

func scanBackfill(rows interface{ Scan(...any) error }) (Backfill, error) {
	var b Backfill
	var started, updated, finished int64
	err := rows.Scan(&b.ID, &b.TenantID, &b.BrandID, &b.PageID, &b.Status, &b.Threads, &b.Messages, &b.Imported,
		&b.Duplicates, &b.Skipped, &b.Error, &b.Cursor, &b.leaseUntil, &started, &updated, &finished)
	b.StartedAt, b.UpdatedAt = time.UnixMilli(started).UTC(), time.UnixMilli(updated).UTC()
	if finished > 0 {
		t := time.UnixMilli(finished).UTC()
		b.FinishedAt = &t
	}
	return b, err
}

// Backfills is the backfill jobs of one tenant: every query it runs is scoped by tenant_id.
type Backfills struct {
	db     *database.DB
	tenant string
	now    func() time.Time
}

// NewBackfills binds the jobs to a tenant; now is the clock of leases (nil: the wall clock).
func NewBackfills(db *database.DB, tenantID string, now func() time.Time) *Backfills {
	if now == nil {
		now = time.Now
	}
	return &Backfills{db: db, tenant: tenantID, now: now}
}

// Latest returns the newest backfill of a brand's Page (ErrNotFound if it never had one).
func (j *Backfills) Latest(ctx context.Context, brandID, pageID string) (Backfill, error) {
	rows, err := j.db.R.WithContext(ctx).Raw("SELECT "+backfillCols+" FROM backfills WHERE tenant_id = ? AND brand_id = ? AND page_id = ? "+
		"ORDER BY started_at DESC, id DESC LIMIT 1", j.tenant, brandID, pageID).Rows()
	if err != nil {
		return Backfill{}, fmt.Errorf("conversations: backfill: %w", err)
	}
	defer rows.Close()
	if !rows.Next() {
		return Backfill{}, fmt.Errorf("conversations: backfill: %w", ErrNotFound)
	}
	return scanBackfill(rows)
}

// LatestByPage returns the newest backfill of each of a brand's Pages, by Meta Page id.
func (j *Backfills) LatestByPage(ctx context.Context, brandID string) (map[string]Backfill, error) {
	rows, err := j.db.R.WithContext(ctx).Raw("SELECT "+backfillCols+" FROM backfills WHERE tenant_id = ? AND brand_id = ? "+
		"ORDER BY started_at, id", j.tenant, brandID).Rows()
	if err != nil {
		return nil, fmt.Errorf("conversations: backfills: %w", err)
	}
	defer rows.Close()
	out := map[string]Backfill{}
	for rows.Next() {
		b, err := scanBackfill(rows)
		if err != nil {
			return nil, fmt.Errorf("conversations: backfills: %w", err)
		}
		out[b.PageID] = b // later rows win: the newest per Page
	}
	return out, rows.Err()
}

// Start claims a backfill of a brand's Page and returns it queued: the last unfinished one (failed, stopped,
// or abandoned by a crashed instance) is resumed from its cursor with its counts; otherwise a new one begins.
// ErrBackfillRunning when one is queued or running under a live lease. The caller then runs it.
func (j *Backfills) Start(ctx context.Context, brandID, pageID string) (Backfill, error) {
	now := j.now().UnixMilli()
	var id string
	err := j.db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var last struct {
			ID, BrandID, Status string
			LeaseUntil          int64
		}
		res := tx.Raw("SELECT id, brand_id, status, lease_until FROM backfills WHERE tenant_id = ? AND page_id = ? "+
			"ORDER BY started_at DESC, id DESC LIMIT 1", j.tenant, pageID).Scan(&last)
		if res.Error != nil {
			return res.Error
		}
		active := last.Status == BackfillQueued || last.Status == BackfillRunning
		if active && last.LeaseUntil > now {
			return ErrBackfillRunning
		}
		if last.ID != "" && last.Status != BackfillDone && last.BrandID == brandID {
			// Resume. The guard on the old status and lease makes a concurrent claim lose (0 rows) on PostgreSQL.
			res := tx.Exec("UPDATE backfills SET status = ?, error = '', finished_at = 0, lease_until = ?, updated_at = ? "+
				"WHERE tenant_id = ? AND id = ? AND status = ? AND lease_until = ?",
				BackfillQueued, now+backfillLease.Milliseconds(), now, j.tenant, last.ID, last.Status, last.LeaseUntil)
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected == 0 {
				return ErrBackfillRunning
			}
			id = last.ID
			return nil
		}
		if active {
			// An abandoned job of the brand the Page belonged to before: close it so the new one may start.
			if err := tx.Exec("UPDATE backfills SET status = ?, error = ?, finished_at = ?, updated_at = ? WHERE tenant_id = ? AND id = ?",
				BackfillFailed, "abandoned: the Page moved to another brand", now, now, j.tenant, last.ID).Error; err != nil {
				return err
			}
		}
		id = tenancy.NewID()
		return tx.Exec("INSERT INTO backfills (id, tenant_id, brand_id, page_id, status, lease_until, started_at, updated_at) "+
			"VALUES (?, ?, ?, ?, ?, ?, ?, ?)", id, j.tenant, brandID, pageID, BackfillQueued, now+backfillLease.Milliseconds(), now, now).Error
	})
	switch {
	case errors.Is(err, ErrBackfillRunning), errors.Is(err, gorm.ErrDuplicatedKey):
		return Backfill{}, ErrBackfillRunning
	case err != nil:
		return Backfill{}, fmt.Errorf("conversations: start backfill: %w", err)
	}
	return j.byID(ctx, id)
}

// byID reads one job through the write pool, so that a job just claimed is seen at once.
func (j *Backfills) byID(ctx context.Context, id string) (Backfill, error) {
	rows, err := j.db.W.WithContext(ctx).Raw("SELECT "+backfillCols+" FROM backfills WHERE tenant_id = ? AND id = ?", j.tenant, id).Rows()
	if err != nil {
		return Backfill{}, fmt.Errorf("conversations: backfill: %w", err)
	}
	defer rows.Close()
	if !rows.Next() {
		return Backfill{}, fmt.Errorf("conversations: backfill: %w", ErrNotFound)
	}
	return scanBackfill(rows)
}

// save writes a job's status, counts and cursor and renews its lease (a finished job gives it up). The
// lease the runner holds guards the write: if it changed, another runner took the job over.
func (j *Backfills) save(ctx context.Context, b *Backfill) error {
	now := j.now()
	lease := now.Add(backfillLease).UnixMilli()
	var finished int64
	if !b.Active() {
		lease = 0
		if b.FinishedAt == nil {
			t := now.UTC()
			b.FinishedAt = &t
		}
		finished = b.FinishedAt.UnixMilli()
	}
	if b.Status == BackfillQueued {
		lease = 0 // stopped, not crashed: the next start may resume it at once
	}
	res := j.db.W.WithContext(ctx).Exec("UPDATE backfills SET status = ?, threads = ?, messages = ?, imported = ?, duplicates = ?, "+
		"skipped = ?, error = ?, cursor = ?, lease_until = ?, updated_at = ?, finished_at = ? WHERE tenant_id = ? AND id = ? AND lease_until = ?",
		b.Status, b.Threads, b.Messages, b.Imported, b.Duplicates, b.Skipped, b.Error, b.Cursor, lease, now.UnixMilli(),
		finished, j.tenant, b.ID, b.leaseUntil)
	return j.held(res, b, lease, now, "save backfill")
}

// touch renews a running job's lease without moving its progress (a long thread is still being read).
func (j *Backfills) touch(ctx context.Context, b *Backfill) error {
	now := j.now()
	lease := now.Add(backfillLease).UnixMilli()
	res := j.db.W.WithContext(ctx).Exec("UPDATE backfills SET lease_until = ?, updated_at = ? WHERE tenant_id = ? AND id = ? AND lease_until = ?",
		lease, now.UnixMilli(), j.tenant, b.ID, b.leaseUntil)
	return j.held(res, b, lease, now, "backfill heartbeat")
}

// held checks that a guarded write found the job under the runner's lease, and records the new one.
func (j *Backfills) held(res *gorm.DB, b *Backfill, lease int64, now time.Time, op string) error {
	switch {
	case res.Error != nil:
		return fmt.Errorf("conversations: %s: %w", op, res.Error)
	case res.RowsAffected == 0:
		return fmt.Errorf("conversations: %s: %w", op, ErrBackfillTakenOver)
	}
	b.leaseUntil, b.UpdatedAt = lease, now.UTC()
	return nil
}
