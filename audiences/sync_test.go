package audiences

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"relance/meta"
	"relance/meta/sandbox"
	"relance/tenancy"
)

var syncPages = []string{"1010000000001", "1010000000002"}

// TestSyncFollowsRebuilds is the acceptance test of the sync: after a first sync, and after a rebuild where
// some contacts left and others joined (retention dropping the older snapshot), the custom audience holds
// exactly the latest snapshot, and each sync sent only the difference.
func TestSyncFollowsRebuilds(t *testing.T) {
	ctx := context.Background()
	f := newSyncFixture(t, sandbox.Options{})
	contact := func(m sandbox.Member, inbound int) {
		f.exec(t, "INSERT INTO contacts (id, tenant_id, brand_id, page_id, psid, first_seen_at, last_inbound_at, inbound_count, updated_at) "+
			"VALUES (?, ?, ?, ?, ?, 1, 1, ?, 1)", tenancy.NewID(), f.tenant, f.brand.ID, m.PageID, m.PSID, inbound)
	}
	for i, m := range syncMembers(syncPages, 0, 150) {
		contact(m, 1+i%3)
	}
	for _, m := range syncMembers(syncPages, 500, 10) {
		contact(m, 0) // never wrote: outside the rule
	}
	name, acct := "Wrote to us", syncAccount
	a, err := f.store.Create(ctx, Input{Name: &name, Rule: json.RawMessage(`{"field":"inbound_count","op":"gte","value":1}`), AdAccountID: &acct})
	if err != nil {
		t.Fatal(err)
	}
	if sn, err := f.store.Build(ctx, a.ID, CauseManual); err != nil || sn.Size != 300 {
		t.Fatalf("build: %+v, %v", sn, err)
	}

	// (a) The first sync creates the custom audience and adds everyone.
	wire := &syncWire{}
	sy := f.instance(t, wire)
	st, err := sy.Sync(ctx, f.tenant, f.brand, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if st.Status != SyncSynced || !st.UpToDate || st.SyncedSeq != 1 || st.LatestSeq != 1 || st.AdAccountID != syncAccount ||
		st.LastSyncAt == nil || st.LastError != "" || st.Progress != (SyncProgress{ToAdd: 300, Added: 300}) {
		t.Fatalf("after the first sync: %+v", st)
	}
	f.assertMetaHolds(t, st)
	if add, rm := wire.sent(); add != 300 || rm != 0 {
		t.Fatalf("first sync sent %d adds, %d removals; want 300, 0", add, rm)
	}
	wire.checkBatches(t, true)
	ca, err := sy.meta.Audience(ctx, f.token, st.MetaAudienceID)
	if err != nil || !strings.HasPrefix(ca.Name, "Wrote to us (relance) [relance:audience:"+a.ID+":") || !strings.Contains(ca.Description, a.ID) {
		t.Fatalf("custom audience %+v, %v", ca, err)
	}
	first := st.MetaAudienceID

	// (b) 40 leave, 26 join; retention keeps only the new snapshot.
	for _, m := range syncMembers(syncPages, 0, 20) {
		f.exec(t, "UPDATE contacts SET inbound_count = 0 WHERE tenant_id = ? AND brand_id = ? AND page_id = ? AND psid = ?", f.tenant, f.brand.ID, m.PageID, m.PSID)
	}
	for _, m := range syncMembers(syncPages, 1000, 13) {
		contact(m, 2)
	}
	f.clock.Advance(time.Hour)
	if sn, err := f.store.Build(ctx, a.ID, CauseManual); err != nil || sn.Added != 26 || sn.Removed != 40 {
		t.Fatalf("rebuild: %+v, %v", sn, err)
	}
	var kept int64
	if err := f.db.R.Raw("SELECT COUNT(*) FROM audience_snapshots WHERE audience_id = ?", a.ID).Scan(&kept).Error; err != nil || kept != 1 {
		t.Fatalf("retention kept %d snapshots (%v), want 1", kept, err)
	}
	wire = &syncWire{}
	st, err = f.instance(t, wire).Sync(ctx, f.tenant, f.brand, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if st.Status != SyncSynced || st.SyncedSeq != 2 || st.MetaAudienceID != first || st.Progress != (SyncProgress{ToAdd: 26, ToRemove: 40, Added: 26, Removed: 40}) {
		t.Fatalf("after the rebuild: %+v", st)
	}
	f.assertMetaHolds(t, st)
	if add, rm := wire.sent(); add != 26 || rm != 40 {
		t.Fatalf("the rebuild's sync sent %d adds, %d removals; want only the difference, 26 and 40", add, rm)
	}
	wire.checkBatches(t, true)

	// Nothing changed: nothing is sent, and the sync still counts as one.
	f.clock.Advance(time.Minute)
	wire = &syncWire{}
	st, err = f.instance(t, wire).Sync(ctx, f.tenant, f.brand, a.ID)
	if err != nil || st.Status != SyncSynced || len(wire.uploads) != 0 || !st.LastSyncAt.Equal(f.clock.Now()) {
		t.Fatalf("idle sync: %+v, %v, %d uploads", st, err, len(wire.uploads))
	}
	raw, _ := json.Marshal(st)
	for _, key := range []string{`"status"`, `"meta_audience_id"`, `"ad_account_id"`, `"synced_seq"`, `"latest_seq"`, `"last_sync_at"`,
		`"last_error"`, `"retry_after"`, `"to_add"`, `"removed"`} {
		if !strings.Contains(string(raw), key) {
			t.Fatalf("status JSON lacks %s: %s", key, raw)
		}
	}
}

// TestSyncResumesAfterCrash freezes an instance in the middle of a 25,000-row sync, after Meta applied its
// second batch but before the instance heard back: while its lease holds nobody else syncs the audience;
// once it lapses a restarted instance finishes from what Meta acknowledged, in batches of at most 10,000
// rows, and the frozen instance, waking up, cannot overwrite the outcome.
func TestSyncResumesAfterCrash(t *testing.T) {
	ctx := context.Background()
	f := newSyncFixture(t, sandbox.Options{})
	id := f.audience(t, "Everyone")
	f.snapshot(t, id, syncMembers(syncPages, 0, 12500))

	entered, release := make(chan struct{}), make(chan struct{})
	wireA := &syncWire{hook: func(n int, forward func() (*http.Response, error)) (*http.Response, error) {
		switch n {
		case 1:
			return forward()
		case 2:
			if resp, err := forward(); err == nil {
				resp.Body.Close()
			}
			close(entered)
			<-release
		}
		return nil, errWire
	}}
	a := f.instance(t, wireA)
	type result struct {
		st  SyncStatus
		err error
	}
	done := make(chan result, 1)
	go func() {
		st, err := a.Sync(ctx, f.tenant, f.brand, id)
		done <- result{st, err}
	}()
	<-entered

	wireB := &syncWire{}
	b := f.instance(t, wireB)
	st, err := b.Sync(ctx, f.tenant, f.brand, id)
	if !errors.Is(err, ErrSyncRunning) || st.Status != SyncSyncing || st.Progress != (SyncProgress{ToAdd: 25000, Added: 10000}) {
		t.Fatalf("while the frozen instance holds the lease: %+v, %v", st, err)
	}
	if n := len(f.sb.AudienceMembers(st.MetaAudienceID)); n != 12500 {
		t.Fatalf("Meta holds %d people, want the 2 batches it applied (12,500)", n)
	}
	if len(wireB.uploads) != 0 {
		t.Fatalf("the second instance uploaded %d batches while the lease held", len(wireB.uploads))
	}

	f.clock.Advance(defaultSyncLease + time.Second)
	if st, err := b.Status(ctx, f.tenant, f.brand.ID, id); err != nil || st.Status != SyncPending || st.LastError == "" {
		t.Fatalf("after the lease lapsed: %+v, %v", st, err)
	}
	st, err = b.Sync(ctx, f.tenant, f.brand, id)
	if err != nil {
		t.Fatal(err)
	}
	if st.Status != SyncSynced || !st.UpToDate || st.Progress != (SyncProgress{ToAdd: 25000, Added: 25000}) {
		t.Fatalf("after the restarted instance: %+v", st)
	}
	f.assertMetaHolds(t, st)
	// The batch Meta applied unheard is sent again (harmless), the one it acknowledged is not.
	if add, rm := wireB.sent(); add != 15000 || rm != 0 {
		t.Fatalf("the restarted instance sent %d adds, %d removals; want 15,000, 0", add, rm)
	}
	wireA.checkBatches(t, false)
	wireB.checkBatches(t, true)
	if len(wireB.uploads) != 3 {
		t.Fatalf("the restarted instance made %d upload calls, want 3 (2,500 + 10,000 + 2,500)", len(wireB.uploads))
	}

	close(release)
	r := <-done
	if !errors.Is(r.err, ErrSyncTakenOver) {
		t.Fatalf("the frozen instance ended with %v, want ErrSyncTakenOver", r.err)
	}
	if st, err := b.Status(ctx, f.tenant, f.brand.ID, id); err != nil || st.Status != SyncSynced || st.Progress.Added != 25000 {
		t.Fatalf("after the frozen instance woke: %+v, %v", st, err)
	}
}

// TestSyncKeepsProgressOnNetworkFailure: a network failure after the first acknowledged batch ends the run
// as pending with its progress and without holding the lease, and the next run finishes at once.
func TestSyncKeepsProgressOnNetworkFailure(t *testing.T) {
	ctx := context.Background()
	f := newSyncFixture(t, sandbox.Options{})
	id := f.audience(t, "Flaky")
	f.snapshot(t, id, syncMembers(syncPages, 0, 30))
	wire := &syncWire{hook: func(n int, forward func() (*http.Response, error)) (*http.Response, error) {
		if n == 1 {
			return forward()
		}
		return nil, errWire
	}}
	st, err := f.instance(t, wire).Sync(ctx, f.tenant, f.brand, id)
	if err == nil || meta.ClassOf(err) != meta.ClassTransient || st.Status != SyncPending || !strings.Contains(st.LastError, "simulated") ||
		st.Progress != (SyncProgress{ToAdd: 60, Added: 30}) {
		t.Fatalf("after the failure: %+v, %v", st, err)
	}
	st, err = f.instance(t, nil).Sync(ctx, f.tenant, f.brand, id)
	if err != nil || st.Status != SyncSynced || st.LastError != "" || st.Progress != (SyncProgress{ToAdd: 60, Added: 60}) {
		t.Fatalf("after the next run: %+v, %v", st, err)
	}
	f.assertMetaHolds(t, st)
}

// TestSyncThrottled: Meta's rate limit stops the run as throttled with its progress and the time to come
// back; a sync before then does not call Meta, a later one finishes.
func TestSyncThrottled(t *testing.T) {
	ctx := context.Background()
	// The app may make 4 calls an hour: the look-up by tag, the creation and two Pages' uploads.
	f := newSyncFixture(t, sandbox.Options{AppCallsPerHour: 4})
	id := f.audience(t, "Busy")
	f.snapshot(t, id, syncMembers([]string{"1010000000001", "1010000000002", "1010000000003"}, 0, 40))
	wire := &syncWire{}
	sy := f.instance(t, wire)
	st, err := sy.Sync(ctx, f.tenant, f.brand, id)
	if !errors.Is(err, ErrSyncThrottled) || !errors.Is(err, tenancy.ErrThrottled) || st.Status != SyncThrottled ||
		st.Progress != (SyncProgress{ToAdd: 120, Added: 80}) || st.RetryAfter == nil || !st.RetryAfter.After(f.clock.Now()) ||
		!strings.Contains(st.LastError, "rate-limited") {
		t.Fatalf("throttled run: %+v, %v", st, err)
	}
	if n := len(f.sb.AudienceMembers(st.MetaAudienceID)); n != 80 {
		t.Fatalf("Meta holds %d people, want 80", n)
	}
	calls := wire.calls
	f.clock.Advance(time.Minute)
	if st, err := sy.Sync(ctx, f.tenant, f.brand, id); !errors.Is(err, ErrSyncThrottled) || st.Status != SyncThrottled || wire.calls != calls {
		t.Fatalf("sync before retry_after: %+v, %v, %d calls to Meta", st, err, wire.calls-calls)
	}
	f.clock.Advance(time.Hour)
	st, err = sy.Sync(ctx, f.tenant, f.brand, id)
	if err != nil || st.Status != SyncSynced || st.RetryAfter != nil || st.Progress != (SyncProgress{ToAdd: 120, Added: 120}) {
		t.Fatalf("after the throttling: %+v, %v", st, err)
	}
	f.assertMetaHolds(t, st)
}

// TestSyncExpiredToken: Meta refusing the ad account's token fails the sync with the reason shown, and a
// sync with a new token succeeds.
func TestSyncExpiredToken(t *testing.T) {
	ctx := context.Background()
	f := newSyncFixture(t, sandbox.Options{})
	id := f.audience(t, "Stale token")
	f.snapshot(t, id, syncMembers(syncPages, 0, 5))
	f.token = "EAAB-expired-token"
	sy := f.instance(t, nil)
	st, err := sy.Sync(ctx, f.tenant, f.brand, id)
	if meta.ClassOf(err) != meta.ClassTokenInvalid || st.Status != SyncFailed || st.MetaAudienceID != "" ||
		!strings.Contains(st.LastError, "code 190") || !strings.Contains(st.LastError, "token") {
		t.Fatalf("expired token: %+v, %v", st, err)
	}
	f.token = "EAAB-fresh-token"
	st, err = sy.Sync(ctx, f.tenant, f.brand, id)
	if err != nil || st.Status != SyncSynced || st.LastError != "" {
		t.Fatalf("new token: %+v, %v", st, err)
	}
	f.assertMetaHolds(t, st)
}

// TestSyncFlaggedAudience: uploads to a custom audience Meta flagged fail, and the sync says so.
func TestSyncFlaggedAudience(t *testing.T) {
	ctx := context.Background()
	f := newSyncFixture(t, sandbox.Options{})
	id := f.audience(t, "Loans")
	f.snapshot(t, id, syncMembers(syncPages, 0, 5))
	sy := f.instance(t, nil)
	st, err := sy.Sync(ctx, f.tenant, f.brand, id)
	if err != nil {
		t.Fatal(err)
	}
	f.sb.FlagAudience(st.MetaAudienceID)
	f.snapshot(t, id, syncMembers(syncPages, 0, 6))
	st, err = sy.Sync(ctx, f.tenant, f.brand, id)
	if meta.ClassOf(err) != meta.ClassAudienceBlocked || st.Status != SyncFailed || st.SyncedSeq != 1 ||
		!strings.Contains(st.LastError, "flagged") || !strings.Contains(st.LastError, "1713230") {
		t.Fatalf("flagged audience: %+v, %v", st, err)
	}
	if n := len(f.sb.AudienceMembers(st.MetaAudienceID)); n != 10 {
		t.Fatalf("Meta holds %d people, want the 10 of the first sync", n)
	}
}

// TestSyncSkipsRemovalsOfPrunedTarget: a rebuild that prunes the snapshot a run is uploading must not read
// as an empty snapshot (which would remove everyone); the run moves on to the new snapshot instead.
func TestSyncSkipsRemovalsOfPrunedTarget(t *testing.T) {
	ctx := context.Background()
	f := newSyncFixture(t, sandbox.Options{})
	id := f.audience(t, "Moving")
	s1 := syncMembers(syncPages, 0, 20)
	f.snapshot(t, id, s1)
	if _, err := f.instance(t, nil).Sync(ctx, f.tenant, f.brand, id); err != nil {
		t.Fatal(err)
	}
	f.snapshot(t, id, syncMembers(syncPages, 10, 20)) // 10 leave and 10 join on each Page
	wire := &syncWire{}
	wire.hook = func(n int, forward func() (*http.Response, error)) (*http.Response, error) {
		if n == 1 {
			f.snapshot(t, id, s1) // back to the first members, pruning the target of the running sync
		}
		return forward()
	}
	st, err := f.instance(t, wire).Sync(ctx, f.tenant, f.brand, id)
	if err != nil || st.Status != SyncSynced || st.SyncedSeq != 3 {
		t.Fatalf("after the pruned target: %+v, %v", st, err)
	}
	f.assertMetaHolds(t, st)
	// The first run added the 10 joiners of its first Page before its target vanished, and removed nobody;
	// the next took those 10 back out. Reading the pruned snapshot as empty would have removed all 50.
	if add, rm := wire.sent(); add != 10 || rm != 10 {
		t.Fatalf("sent %d adds and %d removals, want 10 and 10", add, rm)
	}
}

// TestSyncNewAdAccount: an audience moved to another ad account gets a new custom audience there, while
// the same account written with or without act_ is not a move.
func TestSyncNewAdAccount(t *testing.T) {
	ctx := context.Background()
	f := newSyncFixture(t, sandbox.Options{})
	id := f.audience(t, "Moved")
	f.snapshot(t, id, syncMembers(syncPages, 0, 5))
	sy := f.instance(t, nil)
	old, err := sy.Sync(ctx, f.tenant, f.brand, id)
	if err != nil {
		t.Fatal(err)
	}
	// Bare digits, as audiences written before the API normalised ad account ids hold them.
	f.exec(t, "UPDATE audiences SET ad_account_id = '1000000000001' WHERE id = ?", id)
	if st, err := sy.Sync(ctx, f.tenant, f.brand, id); err != nil || st.MetaAudienceID != old.MetaAudienceID || st.AdAccountID != syncAccount {
		t.Fatalf("the same account without act_: %+v, %v", st, err)
	}
	f.exec(t, "UPDATE audiences SET ad_account_id = '1000000000002' WHERE id = ?", id)
	if st, err := sy.Status(ctx, f.tenant, f.brand.ID, id); err != nil || st.Status != SyncPending || st.UpToDate {
		t.Fatalf("after the move: %+v, %v", st, err)
	}
	st, err := sy.Sync(ctx, f.tenant, f.brand, id)
	if err != nil || st.Status != SyncSynced || st.AdAccountID != "act_1000000000002" || st.MetaAudienceID == old.MetaAudienceID {
		t.Fatalf("after the move: %+v, %v", st, err)
	}
	f.assertMetaHolds(t, st)
	if n := len(f.sb.AudienceMembers(old.MetaAudienceID)); n != 10 {
		t.Fatalf("the old custom audience holds %d, want its 10 untouched", n)
	}
}

// TestSyncPreconditions: an audience needs an ad account and a snapshot, and must be the brand's.
func TestSyncPreconditions(t *testing.T) {
	ctx := context.Background()
	f := newSyncFixture(t, sandbox.Options{})
	sy := f.instance(t, nil)
	bare := tenancy.NewID()
	f.exec(t, "INSERT INTO audiences (id, tenant_id, brand_id, name, kind, created_at, updated_at) VALUES (?, ?, ?, 'Bare', 'manual', 1, 1)",
		bare, f.tenant, f.brand.ID)
	if _, err := sy.Sync(ctx, f.tenant, f.brand, bare); !errors.Is(err, ErrNoAdAccount) || !errors.Is(err, tenancy.ErrConflict) {
		t.Fatalf("no ad account: %v", err)
	}
	if st, err := sy.Status(ctx, f.tenant, f.brand.ID, bare); err != nil || st.Status != SyncNever || st.AdAccountID != "" {
		t.Fatalf("status without ad account: %+v, %v", st, err)
	}
	empty := f.audience(t, "Empty")
	if _, err := sy.Sync(ctx, f.tenant, f.brand, empty); !errors.Is(err, ErrNoSnapshot) {
		t.Fatalf("no snapshot: %v", err)
	}
	other := f.brand
	other.ID = tenancy.NewID()
	if _, err := sy.Sync(ctx, f.tenant, other, empty); !errors.Is(err, ErrNotFound) {
		t.Fatalf("another brand's audience: %v", err)
	}
	if _, err := sy.Status(ctx, f.tenant, other.ID, empty); !errors.Is(err, ErrNotFound) {
		t.Fatalf("another brand's status: %v", err)
	}
}

// TestSyncFindsAudienceAfterLostCreate: Meta makes the custom audience but its answer is lost; the run stops
// pending, and the next one finds the audience by the tag recorded before the call instead of making a
// second one, then uploads into it.
func TestSyncFindsAudienceAfterLostCreate(t *testing.T) {
	ctx := context.Background()
	f := newSyncFixture(t, sandbox.Options{})
	id := f.audience(t, "Lost answer")
	f.snapshot(t, id, syncMembers(syncPages, 0, 30))
	f.sb.LoseAnswers(http.MethodPost, "customaudiences", 1)
	st, err := f.instance(t, nil).Sync(ctx, f.tenant, f.brand, id)
	if !meta.IsLostAnswer(err) || st.Status != SyncPending || st.MetaAudienceID != "" {
		t.Fatalf("after the lost answer: %+v, %v", st, err)
	}
	if n := f.sb.Summary().Audiences; n != 1 {
		t.Fatalf("Meta holds %d audiences after the lost answer, want 1", n)
	}
	st, err = f.instance(t, nil).Sync(ctx, f.tenant, f.brand, id)
	if err != nil || st.Status != SyncSynced || st.MetaAudienceID == "" || st.Progress.Added == 0 || st.Progress.Added != st.Progress.ToAdd {
		t.Fatalf("after the next run: %+v, %v", st, err)
	}
	if n := f.sb.Summary().Audiences; n != 1 {
		t.Errorf("Meta holds %d audiences, want 1", n)
	}
	f.assertMetaHolds(t, st)
}
