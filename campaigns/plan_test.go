package campaigns

import (
	"context"
	"strings"
	"sync"
	"testing"

	"gorm.io/gorm"

	"relance/database"
)

// sendStats are planner statistics (sqlite_stat1) of a campaign_sends table of five million rows, most of
// them settled long ago: with them an empty test database plans as a busy one does.
var sendStats = [][3]string{
	{"campaign_sends", "sqlite_autoindex_campaign_sends_1", "5000000 1"},
	{"campaign_sends", "campaign_sends_once", "5000000 50000 5000 1"},
	{"campaign_sends", "campaign_sends_run", "5000000 5000 1000 1"},
	{"campaign_sends", "campaign_sends_counts", "5000000 50000 10000 5000 5000"},
	{"campaign_sends", "campaign_sends_gone", "4000000 800000 5000"},
	{"campaign_sends", "campaign_sends_no_mid", "100 10"},
	{"campaign_sends", "campaign_sends_thread", "3000000 300000 30000 3 2"},
	{"campaign_sends", "campaign_sends_ad_queue", "10000 5000 500"},
}

// recorder keeps every statement a GORM pool runs, with its values.
type recorder struct {
	mu   sync.Mutex
	stmt []recorded
}

type recorded struct {
	sql  string
	vars []any
}

// attach hooks the recorder after every kind of statement of db.
func (r *recorder) attach(t *testing.T, db *gorm.DB) {
	t.Helper()
	hook := func(tx *gorm.DB) {
		r.mu.Lock()
		r.stmt = append(r.stmt, recorded{tx.Statement.SQL.String(), append([]any(nil), tx.Statement.Vars...)})
		r.mu.Unlock()
	}
	cb := db.Callback()
	for _, err := range []error{
		cb.Create().After("gorm:create").Register("plan_test", hook),
		cb.Query().After("gorm:query").Register("plan_test", hook),
		cb.Update().After("gorm:update").Register("plan_test", hook),
		cb.Delete().After("gorm:delete").Register("plan_test", hook),
		cb.Row().After("gorm:row").Register("plan_test", hook),
		cb.Raw().After("gorm:raw").Register("plan_test", hook),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestSendPlans holds the access paths of the statements that claim, settle, cap and sweep sends, on SQLite
// with the statistics of a large table: each must find its rows through the index meant for it (the partial
// indexes of migration 00039 among them), never by walking every queued or every settled send.
func TestSendPlans(t *testing.T) {
	e := newTestEnv(t)
	db := e.st.db
	if db.Dialect != database.SQLite {
		t.Skip("query plans are SQLite's")
	}
	w := db.W
	for _, q := range []string{"ANALYZE", "DELETE FROM sqlite_stat1 WHERE tbl = 'campaign_sends'"} {
		if err := w.Exec(q).Error; err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range sendStats {
		if err := w.Exec("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (?, ?, ?)", s[0], s[1], s[2]).Error; err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Exec("CREATE TABLE plan_test_reload (x INTEGER); DROP TABLE plan_test_reload").Error; err != nil {
		t.Fatal(err)
	}
	c, err := e.st.Create(ctxAs("m"), input(t, e.sponsored()))
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	rec.attach(t, db.W)
	rec.attach(t, db.R)
	st := e.st
	ctx := context.Background()
	run := func(name string, f func() error) []recorded {
		t.Helper()
		rec.mu.Lock()
		rec.stmt = nil
		rec.mu.Unlock()
		if err := f(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return rec.stmt
	}
	checks := []struct {
		name  string
		stmts []recorded
		want  []string // the access paths of each statement that reads sends, in order, joined by " && " ("" for campaign_test_sends)
	}{
		{"claim", run("claim", func() error {
			_, err := st.claimSends(ctx, "run", "me", claimBatch, []string{RouteFree, RouteFollowUp})
			return err
		}), []string{"campaign_sends USING INDEX campaign_sends_run (run_id=? AND status=?)" +
			" && SEARCH campaign_sends USING INDEX sqlite_autoindex_campaign_sends_1 (id=?)"}},
		{"settle", run("settle", func() error {
			_, err := Settle(ctx, db, e.now, DefaultReplyWindow)
			return err
		}), []string{
			"campaign_sends USING INDEX campaign_sends_gone (status=?)",
			"campaign_sends USING INDEX campaign_sends_gone (status=?)",
			"SCAN campaign_sends USING INDEX campaign_sends_no_mid", // all of it: the few sends waiting for a mid
			"", "", "", // the three steps of campaign_test_sends
			"campaign_sends USING INDEX campaign_sends_gone (status=? AND slot>?)",
			"campaign_sends USING INDEX campaign_sends_gone (status=? AND slot>?)",
			"campaign_sends USING INDEX campaign_sends_gone (status=? AND slot>?)",
			"campaign_sends USING INDEX campaign_sends_holdout (slot>?)", // held-out members who wrote (A/B results)
		}},
		{"cap", run("cap", func() error {
			_, err := st.capped(ctx, c, 0, e.now)
			return err
		}), []string{"campaign_sends USING INDEX campaign_sends_gone (status=? AND slot>? AND slot<?)"}},
		{"ads only due", run("ads only due", func() error {
			_, err := AdsOnlyDue(ctx, db.R)
			return err
		}), []string{"SEARCH s USING INDEX campaign_sends_ad_queue (route=?)"}},
		{"sponsored due", run("sponsored due", func() error {
			_, err := SponsoredDue(ctx, db.R)
			return err
		}), []string{"SEARCH s USING INDEX campaign_sends_ad_queue (route=?)"}},
	}
	for _, ck := range checks {
		var reads []recorded
		for _, r := range ck.stmts {
			if strings.Contains(r.sql, "campaign_sends") || strings.Contains(r.sql, "campaign_test_sends") {
				reads = append(reads, r)
			}
		}
		if len(reads) != len(ck.want) {
			t.Errorf("%s: %d statements on sends, want %d: %v", ck.name, len(reads), len(ck.want), reads)
			continue
		}
		for i, r := range reads {
			if ck.want[i] == "" {
				continue
			}
			sql := r.sql
			plan := strings.Join(explainPlan(t, db, sql, r.vars), "\n")
			for _, want := range strings.Split(ck.want[i], " && ") {
				if !strings.Contains(plan, want) {
					t.Errorf("%s #%d: plan without %q:\n%s\n%s", ck.name, i, want, plan, sql)
				}
			}
			if strings.Contains(strings.ReplaceAll(plan, ck.want[i], ""), "SCAN campaign_sends") {
				t.Errorf("%s #%d: scans campaign_sends:\n%s\n%s", ck.name, i, plan, sql)
			}
		}
	}
}

// explainPlan returns the detail lines of SQLite's query plan for a statement.
func explainPlan(t *testing.T, db *database.DB, sql string, vars []any) []string {
	t.Helper()
	var rows []struct {
		ID, Parent, Notused int
		Detail              string
	}
	if err := db.R.Session(&gorm.Session{SkipHooks: true}).Raw("EXPLAIN QUERY PLAN "+sql, vars...).Scan(&rows).Error; err != nil {
		t.Fatalf("%v\n%s", err, sql)
	}
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.Detail
	}
	return out
}
