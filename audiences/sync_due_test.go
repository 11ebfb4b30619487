package audiences

import (
	"context"
	"testing"
	"time"

	"relance/meta/sandbox"
)

// TestSyncDue lists exactly the audiences a retry should pick up: never synced, pending or throttled once
// their wait is over, a lapsed run, a sync behind the latest snapshot; not a failed one, not one up to date,
// not one without an ad account or a snapshot.
func TestSyncDue(t *testing.T) {
	ctx := context.Background()
	f := newSyncFixture(t, sandbox.Options{})
	sy := f.instance(t, nil)
	now := f.clock.Now().UnixMilli()
	later := now + int64(time.Hour/time.Millisecond)
	mk := func(name string, snapshot bool, status string, retryAfter, lease, syncedSeq int64) string {
		id := f.audience(t, name)
		if snapshot {
			f.snapshot(t, id, syncMembers(syncPages, 0, 2))
		}
		if status != "" {
			f.exec(t, `INSERT INTO audience_syncs (audience_id, tenant_id, brand_id, ad_account_id, status, retry_after, lease_until,
				synced_seq, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1)`, id, f.tenant, f.brand.ID, syncAccount, status, retryAfter, lease, syncedSeq)
		}
		return id
	}
	want := map[string]bool{
		mk("never synced", true, "", 0, 0, 0):                 true,
		mk("pending", true, SyncPending, 0, 0, 0):             true,
		mk("throttled, over", true, SyncThrottled, now, 0, 0): true,
		mk("lapsed run", true, SyncSyncing, 0, now-1, 0):      true,
		mk("behind", true, SyncSynced, 0, 0, 0):               true,
	}
	mk("throttled, waiting", true, SyncThrottled, later, 0, 0)
	mk("running", true, SyncSyncing, 0, later, 0)
	mk("failed", true, SyncFailed, 0, 0, 0)
	mk("up to date", true, SyncSynced, 0, 0, 1)
	mk("no snapshot", false, "", 0, 0, 0)
	noAccount := mk("no account", true, "", 0, 0, 0)
	f.exec(t, "UPDATE audiences SET ad_account_id = '' WHERE id = ?", noAccount)

	due, err := sy.Due(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, d := range due {
		if d.TenantID != f.tenant || d.BrandID != f.brand.ID {
			t.Errorf("due %+v is not the fixture's brand", d)
		}
		got[d.AudienceID] = true
	}
	if len(got) != len(want) {
		t.Errorf("%d audiences due, want %d", len(got), len(want))
	}
	for id := range want {
		if !got[id] {
			t.Errorf("audience %s is not due", id)
		}
	}
}
