package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"relance/audiences"
	"relance/internal/testdb"
	"relance/tenancy"
	"relance/web"
)

// TestRefreshEverySlotOnceAcrossInstances is the acceptance test: three instances on one database
// (PostgreSQL in CI) refresh an audience every minute for five simulated minutes, ticking concurrently;
// each slot builds exactly one snapshot and leaves one successful run.
func TestRefreshEverySlotOnceAcrossInstances(t *testing.T) {
	ctx := tenancy.WithActor(context.Background(), tenancy.Actor{Label: "test"})
	cfg := Defaults()
	cfg.Database.URL = testdb.URL(t)
	cfg.Security.SecretKey = "refresh-test-secret-key-0123456789abcdef"
	cfg.Audiences.MinRefreshInterval = Duration{time.Minute} // the schedule below fires every minute
	var runs []*runtime
	for i := 0; i < 3; i++ {
		r, err := startWith(ctx, cfg, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(r.close)
		runs = append(runs, r)
	}
	r := runs[0]
	tn, brand := seedAgencyBrand(t, ctx, r)
	for i := 0; i < 5; i++ {
		if err := r.db.W.Exec(`INSERT INTO contacts (id, tenant_id, brand_id, page_id, psid, first_seen_at, last_inbound_at, inbound_count,
			updated_at) VALUES (?, ?, ?, '1010', ?, 1, 1, 1, 1)`, tenancy.NewID(), tn.ID, brand.ID, fmt.Sprint(7000+i)).Error; err != nil {
			t.Fatal(err)
		}
	}
	st := audiences.NewStore(r.db, tn.ID, brand, audiences.Options{Keep: 20, NextRun: nil})
	aname, spec := "Every minute", "* * * * *"
	a, err := st.Create(ctx, audiences.Input{Name: &aname, Rule: []byte(`{"field":"inbound_count","op":"gte","value":1}`)})
	if err != nil {
		t.Fatal(err)
	}
	// The spec goes in directly: the store would validate it with scheduler.Next, which is the point of the
	// scheduler's own tests, not of this one.
	if err := r.db.W.Exec("UPDATE audiences SET refresh_cron = ? WHERE id = ?", spec, a.ID).Error; err != nil {
		t.Fatal(err)
	}
	var updated int64
	r.db.R.Raw("SELECT updated_at FROM audiences WHERE id = ?", a.ID).Scan(&updated)
	start := time.UnixMilli(updated).UTC()

	var scheds []interface {
		Reload(context.Context) error
		Tick(context.Context, time.Time) error
	}
	for _, rt := range runs {
		s, err := newScheduler(rt, nil, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Reload(ctx); err != nil {
			t.Fatal(err)
		}
		scheds = append(scheds, s)
	}
	// Five simulated minutes from the audience's last change, every instance ticking every 7 seconds at once.
	end := start.Add(5 * time.Minute)
	if end.Truncate(time.Minute).Equal(end) {
		end = end.Add(-time.Second) // exactly five minute boundaries fall in (start, end]
	}
	// Every 7 s, and once more at the end itself: the last minute boundary may fall after the last 7 s step.
	var times []time.Time
	for now := start; now.Before(end); now = now.Add(7 * time.Second) {
		times = append(times, now)
	}
	for _, now := range append(times, end) {
		var wg sync.WaitGroup
		for i, s := range scheds {
			wg.Add(1)
			go func() {
				defer wg.Done()
				at := now.Add(time.Duration(i) * 300 * time.Millisecond)
				if at.After(end) {
					at = end
				}
				if err := s.Tick(ctx, at); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
	}
	var slots []struct {
		Slot    int64
		Outcome string
		N       int64
	}
	r.db.R.Raw("SELECT slot, outcome, COUNT(*) AS n FROM scheduler_runs WHERE kind = ? AND job_key = ? GROUP BY slot, outcome ORDER BY slot",
		web.RefreshKind, a.ID).Scan(&slots)
	if len(slots) != 5 {
		t.Fatalf("%d slots recorded, want 5: %+v", len(slots), slots)
	}
	for _, s := range slots {
		if s.Outcome != "ok" || s.N != 1 || time.UnixMilli(s.Slot).Second() != 0 {
			t.Errorf("slot %s: outcome %s ×%d", time.UnixMilli(s.Slot).UTC(), s.Outcome, s.N)
		}
	}
	snaps, err := st.Snapshots(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(snaps) != 5 {
		t.Fatalf("%d snapshots, want one per slot (5)", len(snaps))
	}
	for i, sn := range snaps {
		if sn.Cause != audiences.CauseSchedule || sn.Seq != int64(5-i) || sn.Size != 5 {
			t.Errorf("snapshot %+v", sn)
		}
	}
}

// TestTooFrequentRefreshIsNotScheduled: an audience whose refresh_cron was saved before the minimum interval
// existed (here written straight into the database) is left out of the schedule, with a warning, instead of
// being rebuilt every minute; an hourly one beside it is scheduled.
func TestTooFrequentRefreshIsNotScheduled(t *testing.T) {
	ctx := tenancy.WithActor(context.Background(), tenancy.Actor{Label: "test"})
	cfg := Defaults() // audiences.min_refresh_interval = 1h
	cfg.Database.URL = testdb.URL(t)
	cfg.Security.SecretKey = "refresh-test-secret-key-0123456789abcdef"
	var logs strings.Builder
	r, err := startWith(ctx, cfg, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.close)
	r.log = slog.New(slog.NewTextHandler(&logs, nil))
	tn, brand := seedAgencyBrand(t, ctx, r)
	st := audiences.NewStore(r.db, tn.ID, brand, audiences.Options{Keep: 20})
	ids := map[string]string{}
	for _, spec := range []string{"* * * * *", "0 * * * *"} {
		aname := "Every " + spec
		a, err := st.Create(ctx, audiences.Input{Name: &aname, Rule: []byte(`{"field":"inbound_count","op":"gte","value":1}`)})
		if err != nil {
			t.Fatal(err)
		}
		if err := r.db.W.Exec("UPDATE audiences SET refresh_cron = ? WHERE id = ?", spec, a.ID).Error; err != nil {
			t.Fatal(err)
		}
		ids[spec] = a.ID
	}
	source := refreshSchedules(r)
	for range 2 { // the warning is written once, however often the scheduler reloads
		entries, err := source(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 1 || entries[0].Key != ids["0 * * * *"] {
			t.Fatalf("scheduled %+v, want only the hourly audience %s", entries, ids["0 * * * *"])
		}
	}
	if n := strings.Count(logs.String(), "audience refresh not scheduled"); n != 1 || !strings.Contains(logs.String(), ids["* * * * *"]) {
		t.Errorf("%d warnings, want one naming %s: %s", n, ids["* * * * *"], logs.String())
	}
}

// seedAgencyBrand creates the agency "Agency" and its brand "Maison" (EUR, Europe/Paris) that the scheduler
// tests work on.
func seedAgencyBrand(t *testing.T, ctx context.Context, r *runtime) (tenancy.Tenant, tenancy.Brand) {
	t.Helper()
	tn, err := r.store.CreateTenant(ctx, "Agency", "agency")
	if err != nil {
		t.Fatal(err)
	}
	name, cur, tz := "Maison", "EUR", "Europe/Paris"
	brand, err := r.store.Tenant(tn.ID).CreateBrand(ctx, tenancy.BrandInput{Name: &name, Currency: &cur, Timezone: &tz})
	if err != nil {
		t.Fatal(err)
	}
	return tn, brand
}
