package scheduler

import (
	"context"
	"testing"
	"time"

	"relance/internal/testdb"
)

// TestClaimGuards covers the races Tick cannot stage: the row a takeover read as lapsed was renewed, or
// taken over by a third instance, before the takeover's write; and writes of an instance that lost its slot.
func TestClaimGuards(t *testing.T) {
	ctx := context.Background()
	db := testdb.Open(t)
	a, err := New(db, Options{Instance: "a", Lease: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	b, err := New(db, Options{Instance: "b", Lease: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	slot := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	c, won, err := a.claim(ctx, "k", "job", slot, slot)
	if err != nil || !won {
		t.Fatalf("first claim: %v, %v", won, err)
	}
	if _, won, err := b.claim(ctx, "k", "job", slot, slot); err != nil || won {
		t.Fatalf("second claim of the slot won: %v, %v", won, err)
	}
	// b read the row as lapsed at 09:01:30, but a renewed its lease to 09:02:30 in between.
	seen := lapsedRun{Kind: "k", Key: "job", Instance: "a", Slot: slot, Attempt: 1}
	if ok, err := a.renew(ctx, c, slot.Add(150*time.Second)); err != nil || !ok {
		t.Fatalf("renew: %v, %v", ok, err)
	}
	if _, won, err := b.takeOver(ctx, seen, slot.Add(90*time.Second)); err != nil || won {
		t.Fatalf("takeover of a renewed lease won: %v, %v", won, err)
	}
	if ended, err := b.abandon(ctx, seen, slot.Add(90*time.Second), "x"); err != nil || ended {
		t.Fatalf("abandon of a renewed lease ended it: %v, %v", ended, err)
	}
	// Past the lease, b takes over; a third instance that read the same lapsed row loses.
	late := slot.Add(3 * time.Minute)
	cb, won, err := b.takeOver(ctx, seen, late)
	if err != nil || !won || cb.attempt != 2 {
		t.Fatalf("takeover after the lease: %+v, %v, %v", cb, won, err)
	}
	third, _ := New(db, Options{Instance: "c"})
	if _, won, err := third.takeOver(ctx, seen, late); err != nil || won {
		t.Fatalf("second takeover of the same attempt won: %v, %v", won, err)
	}
	// a lost the slot: it can neither renew, finish nor release it.
	if ok, err := a.renew(ctx, c, late.Add(time.Minute)); err != nil || ok {
		t.Fatalf("renew by the old holder: %v, %v", ok, err)
	}
	if ok, err := a.finish(ctx, c, OutcomeFailed, "late", time.Second); err != nil || ok {
		t.Fatalf("finish by the old holder: %v, %v", ok, err)
	}
	if ok, err := a.release(ctx, c); err != nil || ok {
		t.Fatalf("release by the old holder: %v, %v", ok, err)
	}
	if ok, err := b.finish(ctx, cb, OutcomeOK, "", time.Second); err != nil || !ok {
		t.Fatalf("finish by the new holder: %v, %v", ok, err)
	}
	r, err := b.LastRun(ctx, "k", "job")
	if err != nil || r.Outcome != OutcomeOK || r.Instance != "b" || r.Attempt != 2 || r.DurationMS != 1000 ||
		!r.FinishedAt.Equal(late.Add(time.Second)) {
		t.Fatalf("run %+v, %v: want b's attempt 2, ok, 1 s", r, err)
	}
}

// TestPruneKeepsNewestSlot: history older than the cutoff goes, except each job's newest row (the slot
// missed slots are counted from) and a claim still under its lease.
func TestPruneKeepsNewestSlot(t *testing.T) {
	ctx := context.Background()
	db := testdb.Open(t)
	s, err := New(db, Options{Instance: "a"})
	if err != nil {
		t.Fatal(err)
	}
	day := func(d int) time.Time { return time.Date(2026, 1, d, 9, 0, 0, 0, time.UTC) }
	for _, d := range []int{1, 2, 3} {
		if _, err := s.skip(ctx, "k", "old", day(d), day(d), "missed"); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := s.claim(ctx, "k", "live", day(1), day(20)); err != nil { // leased until day 20 + 2 min
		t.Fatal(err)
	}
	if _, err := s.skip(ctx, "k", "live", day(2), day(2), "missed"); err != nil {
		t.Fatal(err)
	}
	n, err := s.prune(ctx, day(10), day(20))
	if err != nil || n != 2 {
		t.Fatalf("prune = %d, %v, want 2 rows (old's days 1 and 2)", n, err)
	}
	for key, want := range map[string]int{"old": 1, "live": 2} {
		if runs, _ := s.Runs(ctx, "k", key, 0); len(runs) != want {
			t.Errorf("%s keeps %d runs, want %d", key, len(runs), want)
		}
	}
}
