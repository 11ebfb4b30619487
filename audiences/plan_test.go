package audiences

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"relance/database"
	"relance/internal/testdb"
	"relance/policy"
)

// scaleStats are the planner statistics (sqlite_stat1) database.Optimize kept on the benchmark's database
// (`relance demo seed`, one brand, 462,581 contacts, 4.6 million messages): with them, an empty test
// database plans as that one does. Optimize samples (analysis_limit), hence the round figures.
var scaleStats = [][3]string{
	{"contact_entities", "contact_entities_brand", "659344 1001 1001 1001 1 1 1"},
	{"contact_entities", "sqlite_autoindex_contact_entities_1", "682080 1001 1001 1001 4 1"},
	{"contact_events", "contact_events_dedup", "228528 1001 1001 1001 1"},
	{"contact_events", "contact_events_payload", "383292 1001 1001 1001 1001 1001 1"},
	{"contact_events", "contact_events_ref_ad", "151424 1001 1001 1001 1001 1"},
	{"contact_events", "contact_events_ref_ref", "274456 1001 1001 1001 1001 1"},
	{"contact_events", "contact_events_ref_source", "370260 1001 1001 1001 1001 1"},
	{"contact_events", "contact_events_thread", "834272 1001 1001 1001 2 1"},
	{"contacts", "contacts_brand_activity", "399776 1001 1001 1 1"},
	{"contacts", "contacts_brand_inbound", "345000 1001 1001 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1"},
	{"contacts", "contacts_key", "430528 1001 1001 1001 1"},
	{"contacts", "sqlite_autoindex_contacts_1", "479325 1"},
	{"messages", "messages_mid", "3951360 1001 1001 1001 1"},
	{"messages", "messages_quick_reply", "126150 1001 1001 1001 1001 2"},
	{"messages", "messages_thread", "3780295 1001 1001 1001 9 1"},
}

// TestBenchmarkRulePlans is BenchmarkAudienceRules at no scale, for CI: on SQLite, with the statistics of the
// benchmark's database, the statements of a build and of a preview of each benchmark rule must read the
// indexes meant for them. No statement may scan a whole table or index of contacts, events or messages
// (SQLite's "SCAN t"), the time-bounded rules must range over contacts_brand_inbound without leaving it,
// and the referral rule must read its lists from the partial referral indexes. A slower plan shows here
// as a failure instead of as a figure nobody re-measures.
func TestBenchmarkRulePlans(t *testing.T) {
	db := testdb.Open(t)
	if db.Dialect != database.SQLite {
		t.Skip("query plans are SQLite's")
	}
	w := db.W
	if err := w.Exec("ANALYZE").Error; err != nil {
		t.Fatal(err)
	}
	if err := w.Exec("DELETE FROM sqlite_stat1").Error; err != nil {
		t.Fatal(err)
	}
	for _, s := range scaleStats {
		if err := w.Exec("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (?, ?, ?)", s[0], s[1], s[2]).Error; err != nil {
			t.Fatal(err)
		}
	}
	// A schema change makes every pooled connection read the schema, and the statistics with it, again.
	if err := w.Exec("CREATE TABLE plan_test_reload (x INTEGER); DROP TABLE plan_test_reload").Error; err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	want := map[string][]string{
		"price_askers_30d":   {"USING COVERING INDEX contacts_brand_inbound (tenant_id=? AND brand_id=? AND last_inbound_at>?"},
		"engaged_gone_quiet": {"USING COVERING INDEX contacts_brand_inbound (tenant_id=? AND brand_id=? AND last_inbound_at>? AND last_inbound_at<?)"},
		// The ref prefix is a range of the partial index, not a walk over all the brand's refs.
		"spring_ads_not_free": {"USING COVERING INDEX contact_events_ref_ad (",
			"USING COVERING INDEX contact_events_ref_ref (tenant_id=? AND brand_id=? AND ref_ref>? AND ref_ref<?)"},
	}
	for _, br := range benchRules {
		r, err := Parse([]byte(br.rule), "rule")
		if err != nil {
			t.Fatal(err)
		}
		for _, profile := range policy.Profiles {
			q, err := compileWith(compileOptions{sqlite: true}, r, "tenant", "brand", profile, now)
			if err != nil {
				t.Fatal(err)
			}
			qc, err := compileWith(compileOptions{sqlite: true, correlated: true}, r, "tenant", "brand", profile, now)
			if err != nil {
				t.Fatal(err)
			}
			// The breakdown whole, and cut in three at two times inside every rule's range.
			whole := previewStatements(db.Dialect, profile, q, now, nil)
			lo, hi := inboundRange(r, now)
			cuts := []int64{max(lo, now.UnixMilli()-40*day) + 1, min(hi, now.UnixMilli()) - day}
			split := previewStatements(db.Dialect, profile, q, now, cuts)
			stmts := []struct {
				name, sql string
				args      []any
			}{
				{"build", "SELECT contacts.page_id, contacts.psid FROM contacts WHERE " + q.Where, q.Args},
				{"breakdown", whole.parts[0].sql, whole.parts[0].args},
				{"sample", whole.sample.sql, whole.sample.args},
			}
			for i, p := range split.parts {
				stmts = append(stmts, struct {
					name, sql string
					args      []any
				}{fmt.Sprintf("breakdown part %d", i), p.sql, p.args})
			}
			for _, stmt := range stmts {
				plan := explain(t, db, stmt.sql, stmt.args)
				for _, line := range plan {
					if table, ok := strings.CutPrefix(line, "SCAN "); ok && !strings.HasPrefix(table, "members") {
						t.Errorf("%s %s %s: full scan %q\n%s", br.name, profile, stmt.name, line, strings.Join(plan, "\n"))
					}
					if strings.Contains(line, "contacts USING INDEX") || strings.Contains(line, "contacts USING INTEGER PRIMARY KEY") {
						t.Errorf("%s %s %s: reads contact rows beside the covering index: %q\n%s", br.name, profile, stmt.name, line, strings.Join(plan, "\n"))
					}
				}
				all := strings.Join(plan, "\n")
				for _, w := range want[br.name] {
					if !strings.Contains(all, w) {
						t.Errorf("%s %s %s: plan without %q:\n%s", br.name, profile, stmt.name, w, all)
					}
				}
				if strings.HasPrefix(stmt.name, "breakdown part") && !strings.Contains(all, "contacts_brand_inbound (tenant_id=? AND brand_id=? AND last_inbound_at") {
					t.Errorf("%s %s %s: a part does not range over its own times:\n%s", br.name, profile, stmt.name, all)
				}
			}
			// The sample that tests each contact's own rows walks the contacts newest first (sorting only the
			// ties of a time) and seeks their events, without building any list.
			cs := sampleStatement(qc)
			plan := strings.Join(explain(t, db, cs.sql, cs.args), "\n")
			if strings.Contains(plan, "LIST SUBQUERY") || strings.Contains(plan, "SCAN ") ||
				!strings.Contains(plan, "contacts_brand_inbound") {
				t.Errorf("%s %s correlated sample:\n%s", br.name, profile, plan)
			}
			if br.name == "spring_ads_not_free" && !strings.Contains(plan, "contact_events_ref_ad (tenant_id=? AND brand_id=? AND ref_ad_id=? AND page_id=? AND psid=?)") {
				t.Errorf("%s %s correlated sample does not seek the contact's events:\n%s", br.name, profile, plan)
			}
		}
	}
}

// explain returns the detail lines of SQLite's query plan for a statement.
func explain(t *testing.T, db *database.DB, sql string, args []any) []string {
	t.Helper()
	var rows []struct {
		ID, Parent, Notused int
		Detail              string
	}
	if err := db.R.WithContext(context.Background()).Raw("EXPLAIN QUERY PLAN "+sql, args...).Scan(&rows).Error; err != nil {
		t.Fatalf("%v\n%s", err, sql)
	}
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.Detail
	}
	return out
}
