package audiences

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"relance/database"
	"relance/meta"
	"relance/tenancy"
)

// Sync states of an audience's Meta custom audience (audience_syncs.status).
const (
	// SyncNever: no sync has run.
	SyncNever = "never"
	// SyncPending: Meta does not hold the latest snapshot yet and nothing stops the next sync (a newer
	// snapshot was built, or a run stopped on a passing fault or a shutdown and left its progress).
	SyncPending = "pending"
	// SyncSyncing: a run holds the audience's lease.
	SyncSyncing = "syncing"
	// SyncSynced: Meta holds the synced snapshot.
	SyncSynced = "synced"
	// SyncFailed: the last run stopped on something a person must fix (token, permission, flagged audience).
	SyncFailed = "failed"
	// SyncThrottled: Meta rate-limited the uploads; no run starts before retry_after.
	SyncThrottled = "throttled"
)

// Sentinel errors of the Meta sync.
var (
	// ErrNoAdAccount means the audience has no ad account, so there is nowhere to create its custom audience.
	ErrNoAdAccount = fmt.Errorf("%w: the audience has no ad account; choose one before syncing it to Meta", tenancy.ErrConflict)
	// ErrSyncRunning means another run (in this or another instance) holds the audience's lease.
	ErrSyncRunning = fmt.Errorf("%w: the audience is being synced to Meta by another run", tenancy.ErrConflict)
	// ErrSyncThrottled means Meta rate-limited the audience's uploads; the sync waits until retry_after.
	ErrSyncThrottled = fmt.Errorf("%w: Meta rate-limited this audience's uploads", tenancy.ErrThrottled)
	// ErrSyncTakenOver means the run outlived its lease and another run took the audience over: it stops
	// and leaves every write to the other.
	ErrSyncTakenOver = errors.New("audiences: sync: taken over by another run after the lease lapsed")
)

// Defaults of SyncOptions.
const (
	defaultSyncLease = 10 * time.Minute
	// defaultThrottleWait is the pause after a throttled upload when Meta did not say how long to wait:
	// Meta's rate limits are counted over rolling windows of about an hour, so a few minutes is the least.
	defaultThrottleWait = 15 * time.Minute
)

// SyncOptions are what a Syncer needs besides the database and the Meta client.
type SyncOptions struct {
	// Token opens the Marketing API token of a brand's ad account (accountID is act_…), as
	// tenancy.TenantStore.AdAccountToken does for the tenant.
	Token func(ctx context.Context, tenantID, brandID, accountID string) (string, error)
	// Now is the clock of leases and status times (nil: time.Now).
	Now func() time.Time
	// Log receives the outcome of every run (nil: discarded).
	Log *slog.Logger
	// Lease is how long a run holds an audience without renewing it (default 10 minutes). Every
	// acknowledged batch renews it, and every Meta call is bounded by half of it.
	Lease time.Duration
}

// Syncer keeps Meta custom audiences equal to the latest snapshots of relance audiences. It is safe for
// concurrent use, and several instances may run one each: a lease in audience_syncs lets one run at a time
// work on an audience.
type Syncer struct {
	db   *database.DB
	meta *meta.Client
	o    SyncOptions
}

// NewSyncer builds a Syncer.
func NewSyncer(db *database.DB, client *meta.Client, o SyncOptions) *Syncer {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.Lease <= 0 {
		o.Lease = defaultSyncLease
	}
	if o.Token == nil {
		// Without a way to open tokens every sync fails with the reason shown, rather than panicking.
		o.Token = func(context.Context, string, string, string) (string, error) { return "", tenancy.ErrNoAdAccountToken }
	}
	return &Syncer{db: db, meta: client, o: o}
}

// Sync brings the audience's Meta custom audience to the audience's latest snapshot: it creates the custom
// audience in the audience's ad account the first time, then uploads only what differs from what Meta
// holds (adds, then removals), recording each batch Meta acknowledged. A run that stops anywhere (crash,
// throttling, error) leaves its progress, and the next run continues from there. The returned status is
// the audience's after the run; the error says why the run did not finish.
func (s *Syncer) Sync(ctx context.Context, tenantID string, brand tenancy.Brand, audienceID string) (SyncStatus, error) {
	for round := 1; ; round++ {
		a, err := s.target(ctx, tenantID, brand.ID, audienceID)
		if errors.Is(err, ErrNoAdAccount) || errors.Is(err, ErrNoSnapshot) {
			st, serr := s.Status(ctx, tenantID, brand.ID, audienceID)
			return st, errors.Join(err, serr)
		}
		if err != nil {
			return SyncStatus{}, err
		}
		r, err := s.claim(ctx, a)
		if err != nil {
			st, serr := s.Status(ctx, tenantID, brand.ID, audienceID)
			return st, errors.Join(err, serr)
		}
		st, err := r.finish(ctx, r.upload(ctx))
		// A build that pruned the target during the run left a newer snapshot: aim at it at once, a few
		// times at most, so that builds in a tight loop cannot keep a call running forever.
		if err != nil || !r.superseded || round == 3 {
			return st, err
		}
	}
}

// syncTarget is what a run needs of the audience: its ad account and its latest snapshot.
type syncTarget struct {
	tenantID, brandID, audienceID string
	name, account                 string // account in the act_… form (see actID)
	snapshotID                    string
	seq                           int64
}

// target loads the audience and its latest snapshot, or says why it cannot be synced.
func (s *Syncer) target(ctx context.Context, tenantID, brandID, audienceID string) (syncTarget, error) {
	t := syncTarget{tenantID: tenantID, brandID: brandID, audienceID: audienceID}
	err := s.db.R.WithContext(ctx).Raw("SELECT name, ad_account_id FROM audiences WHERE id = ? AND tenant_id = ? AND brand_id = ?",
		audienceID, tenantID, brandID).Row().Scan(&t.name, &t.account)
	if errors.Is(err, sql.ErrNoRows) {
		return t, ErrNotFound
	}
	if err != nil {
		return t, fmt.Errorf("audiences: sync: %w", err)
	}
	if t.account == "" {
		return t, ErrNoAdAccount
	}
	t.account = actID(t.account)
	err = s.db.R.WithContext(ctx).Raw("SELECT id, seq FROM audience_snapshots WHERE tenant_id = ? AND brand_id = ? AND audience_id = ? "+
		"ORDER BY seq DESC LIMIT 1", tenantID, brandID, audienceID).Row().Scan(&t.snapshotID, &t.seq)
	if errors.Is(err, sql.ErrNoRows) {
		return t, ErrNoSnapshot
	}
	if err != nil {
		return t, fmt.Errorf("audiences: sync: latest snapshot: %w", err)
	}
	return t, nil
}

// actID is an ad account id in the act_… form tenancy stores; audiences written before the API normalised
// them hold bare digits, and both must name the same account.
func actID(id string) string {
	if id == "" || strings.HasPrefix(id, "act_") {
		return id
	}
	return "act_" + id
}
