package campaigns

import (
	"context"
	"errors"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"relance/database"
	"relance/internal/testdb"
	"relance/meta"
)

// ownPool opens a second connection pool on the fixture's database, as another relance process would, and
// returns it with its close (which may be called before the test ends).
func (f *sendFixture) ownPool(t *testing.T) (*database.DB, func() error) {
	t.Helper()
	raw := "sqlite://" + f.st.db.Path
	if f.st.db.Dialect == database.Postgres {
		var name string
		if err := f.st.db.R.Raw("SELECT current_database()").Scan(&name).Error; err != nil {
			t.Fatal(err)
		}
		u, err := url.Parse(os.Getenv(testdb.EnvURL))
		if err != nil {
			t.Fatal(err)
		}
		u.Path = "/" + name
		raw = u.String()
	}
	db, err := database.Open(raw, database.Options{})
	if err != nil {
		t.Fatal(err)
	}
	closeOnce := sync.OnceValue(db.Close)
	t.Cleanup(func() { _ = closeOnce() })
	return db, closeOnce
}

// dyingSender passes the first `live` calls to Meta, then plays a process killed with SIGKILL: at the next
// call its database connections vanish (nothing it would write afterwards reaches the database, not the
// outcome of the calls that went, nor the claims it would give back) and no further call leaves.
type dyingSender struct {
	next  Sender
	live  int64
	calls atomic.Int64
	kill  func()
	once  sync.Once
}

var errKilled = errors.New("killed")

func (d *dyingSender) Send(ctx context.Context, m meta.Message) (meta.SendResult, error) {
	if d.calls.Add(1) > d.live {
		d.once.Do(d.kill)
		return meta.SendResult{}, errKilled
	}
	return d.next.Send(ctx, m)
}

// TestKilledInstanceMidSlot is the exactly-once acceptance: three instances (on PostgreSQL in CI, each with
// its own connection pool and Meta client) share a slot of 300 free members. Instance A routes the slot and
// is killed in the middle of its first batch: some of its claimed sends went to Meta, the rest never left,
// and it settles nothing. B and C, started by the sweep, take over every send A had not claimed, at once
// and side by side. A's claims stay in flight for ClaimLease (60 s on the injected clock), then turn
// unknown; the echoes of the messages that went settle those as sent. The sandbox messaged nobody twice,
// everybody A did not hold was messaged once, and no send is left queued or in flight.
func TestKilledInstanceMidSlot(t *testing.T) {
	const members, live = 300, 10
	f := newSendFixture(t, members)
	ctx := context.Background()
	slot := f.now

	dbA, killA := f.ownPool(t)
	storeA := NewStore(dbA, f.st.tenant, f.brand, f.st.opts)
	roA := f.options(t, "a", nil)
	roA.Sender = &dyingSender{next: roA.Sender, live: live, kill: func() { _ = killA() }}
	runID, err := storeA.RunSlot(ctx, f.campaign.ID, slot, roA)
	if err == nil {
		t.Fatal("the killed instance's run ended without an error")
	}
	if got := len(f.sb.Sends()); got != live {
		t.Fatalf("the sandbox got %d messages from A before it died, want %d", got, live)
	}
	var held int64
	f.st.db.R.Model(&sendRow{}).Where("run_id = ? AND status = ? AND claimed_by = ?", runID, SendSending, "a").Count(&held)
	if held < live || held > claimBatch {
		t.Fatalf("A died holding %d claims, want %d to %d", held, live, claimBatch)
	}

	// The sweep finds the run due and two instances deliver it together, a few seconds after the kill.
	f.now = slot.Add(5 * time.Second)
	due, err := DueRuns(ctx, f.st.db.R, f.now)
	if err != nil || len(due) != 1 || due[0].RunID != runID {
		t.Fatalf("due runs after the kill: %+v (%v)", due, err)
	}
	var wg sync.WaitGroup
	for _, name := range []string{"b", "c"} {
		db, _ := f.ownPool(t)
		st := NewStore(db, f.st.tenant, f.brand, f.st.opts)
		ro := f.options(t, name, nil)
		wg.Go(func() {
			if err := st.Deliver(ctx, runID, ro); err != nil {
				t.Errorf("instance %s: %v", name, err)
			}
		})
	}
	wg.Wait()
	var queued int64
	f.st.db.R.Model(&sendRow{}).Where("run_id = ? AND route = ? AND status = ?", runID, RouteFree, SendQueued).Count(&queued)
	if queued != 0 {
		t.Fatalf("%d sends still queued after B and C delivered", queued)
	}
	if got := len(f.sb.Sends()); got != members-int(held)+live {
		t.Errorf("the sandbox got %d messages, want the %d not held by A plus A's %d", got, members-int(held), live)
	}

	// Within its lease, A's claims stay in flight: A might still be alive and calling.
	if st, err := Settle(ctx, f.st.db, slot.Add(ClaimLease-time.Second), DefaultReplyWindow); err != nil || st.Lost != 0 {
		t.Fatalf("settle within the lease: %+v %v", st, err)
	}
	// Once the lease has passed they turn unknown (never queued again), and the echoes settle what went.
	f.now = slot.Add(ClaimLease + time.Second)
	if st, err := Settle(ctx, f.st.db, f.now, DefaultReplyWindow); err != nil || st.Lost != held {
		t.Fatalf("settle after the lease: %+v %v, want %d lost claims", st, err, held)
	}
	f.ingest(t)
	if st, err := Settle(ctx, f.st.db, f.now, DefaultReplyWindow); err != nil || st.Echoed != live {
		t.Fatalf("settle after the echoes: %+v %v, want %d echoed", st, err, live)
	}

	// The next sweep finds nothing left to send and closes the run.
	if err := f.st.Deliver(ctx, runID, f.options(t, "b", nil)); err != nil {
		t.Fatal(err)
	}
	got := f.sentTo()
	for psid, n := range got {
		if n != 1 {
			t.Errorf("%s was messaged %d times", psid, n)
		}
	}
	r := f.run(t, runID)
	if r.Counts[SendSent] != members-int(held)+live || r.Counts[SendUnknown] != int(held)-live || r.Counts[SendQueued] != 1 {
		t.Errorf("counts %v: want %d sent, %d unknown (claimed by A, never called) and the ads-only member queued",
			r.Counts, members-int(held)+live, int(held)-live)
	}
	if r.Status != RunDone {
		t.Errorf("run %s, want done", r.Status)
	}
	var sending int64
	f.st.db.R.Model(&sendRow{}).Where("run_id = ? AND status = ?", runID, SendSending).Count(&sending)
	if sending != 0 {
		t.Errorf("%d sends still in flight", sending)
	}
	// Every send that went carries its id, so the one settled from an echo is the very row A claimed.
	for _, s := range f.sb.Sends() {
		var row sendRow
		if err := f.st.db.R.Where("id = ?", s.Metadata).Take(&row).Error; err != nil || row.PSID != s.PSID || row.Status != SendSent {
			t.Errorf("sandbox send to %s (metadata %s): row %+v %v", s.PSID, s.Metadata, row, err)
		}
	}
	t.Logf("A held %d claims when killed (%d had gone to Meta); B and C sent %d", held, live, members-int(held))
}

// TestKilledWhileRouting: an instance died while writing a slot's send rows (the run stays routing, with
// part of its rows). Within ClaimLease the sweep leaves it alone (its instance may be routing still); after
// it, the sweep resumes the slot: the rows written stay, the missing ones are written, and every free member
// is messaged once.
func TestKilledWhileRouting(t *testing.T) {
	const members = 20
	f := newSendFixture(t, members)
	ctx := context.Background()
	slot := f.now
	runID := "01900000-0000-7000-8000-00000000r001"
	f.exec(t, `INSERT INTO campaign_runs (id, tenant_id, brand_id, campaign_id, slot, status, cause, send_at, started_at) VALUES (?, ?, ?, ?, ?, ?, 'schedule', ?, ?)`,
		runID, f.st.tenant, f.brand.ID, f.campaign.ID, slot.UnixMilli(), RunRouting, slot.UnixMilli(), slot.UnixMilli())
	var contactID string
	f.st.db.R.Raw("SELECT id FROM contacts WHERE psid = ?", f.free[0]).Scan(&contactID)
	f.exec(t, `INSERT INTO campaign_sends (id, tenant_id, brand_id, campaign_id, run_id, slot, contact_id, page_id, psid, variant, route, status, updated_at)
		VALUES ('01900000-0000-7000-8000-00000000s001', ?, ?, ?, ?, ?, ?, ?, ?, 'A', 'free', ?, 1)`,
		f.st.tenant, f.brand.ID, f.campaign.ID, runID, slot.UnixMilli(), contactID, testPage, f.free[0], SendQueued)

	if due, err := DueRuns(ctx, f.st.db.R, slot.Add(ClaimLease-time.Second)); err != nil || len(due) != 0 {
		t.Fatalf("due within the lease: %+v %v", due, err)
	}
	f.now = slot.Add(ClaimLease + time.Second)
	due, err := DueRuns(ctx, f.st.db.R, f.now)
	if err != nil || len(due) != 1 || due[0].RunID != runID {
		t.Fatalf("due after the lease: %+v %v", due, err)
	}
	if err := f.st.Resume(ctx, runID, f.options(t, "b", nil)); err != nil {
		t.Fatal(err)
	}
	got := f.sentTo()
	for _, psid := range f.free {
		if got[psid] != 1 {
			t.Errorf("%s messaged %d times, want 1", psid, got[psid])
		}
	}
	r := f.run(t, runID)
	if r.Status != RunDone || r.Counts[SendSent] != members {
		t.Errorf("run %s, counts %v", r.Status, r.Counts)
	}
	var kept int64
	f.st.db.R.Model(&sendRow{}).Where("id = '01900000-0000-7000-8000-00000000s001' AND status = ?", SendSent).Count(&kept)
	if kept != 1 {
		t.Error("the row written before the crash was not the one sent")
	}
}
