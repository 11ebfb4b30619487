package audiences

import (
	"context"
	"io"
	"log/slog"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"relance/conversations"
	"relance/database"
	"relance/internal/testdb"
	"relance/tenancy"
)

// BenchDBEnv names a SQLite file seeded by `relance demo seed` (README: 1,000,000 contacts and 10,000,000
// messages) for BenchmarkAudienceRules; without it the benchmark seeds 10,000 synthetic contacts itself.
const BenchDBEnv = "RELANCE_BENCH_AUDIENCE_DB"

// benchEnv is a brand full of conversations to time rules on.
type benchEnv struct {
	db     *database.DB
	tenant string
	brand  tenancy.Brand
	page   string
}

func openBench(b *testing.B) *benchEnv {
	b.Helper()
	ctx := context.Background()
	if path := os.Getenv(BenchDBEnv); path != "" {
		db, err := database.Open("sqlite://"+path, database.Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = db.Close() })
		if _, err := db.Migrate(ctx); err != nil {
			b.Fatal(err)
		}
		// As a running relance keeps them (database.OptimizeEvery): statistics for the planner.
		if err := db.Optimize(ctx); err != nil {
			b.Fatal(err)
		}
		// The benchmark brand is the one with the most contacts.
		var top struct{ TenantID, BrandID, PageID string }
		if err := db.R.Raw("SELECT tenant_id, brand_id, MIN(page_id) AS page_id FROM contacts GROUP BY tenant_id, brand_id ORDER BY COUNT(*) DESC LIMIT 1").
			Scan(&top).Error; err != nil || top.BrandID == "" {
			b.Fatalf("no contacts in %s: %v", path, err)
		}
		var brand tenancy.Brand
		if err := db.R.Table("brands").Where("id = ?", top.BrandID).Take(&brand).Error; err != nil {
			b.Fatal(err)
		}
		return &benchEnv{db: db, tenant: top.TenantID, brand: brand, page: top.PageID}
	}
	db := testdb.Open(b)
	v, _ := tenancy.NewVault([]byte("0123456789abcdef0123456789abcdef"))
	st, err := tenancy.NewStore(ctx, db, v)
	if err != nil {
		b.Fatal(err)
	}
	tn, _ := st.CreateTenant(ctx, "Agency", "agency")
	name, cur, tz := "Maison", "EUR", "Europe/Paris"
	brand, err := st.Tenant(tn.ID).CreateBrand(ctx, tenancy.BrandInput{Name: &name, Currency: &cur, Timezone: &tz})
	if err != nil {
		b.Fatal(err)
	}
	pages := []string{"1010000000001", "1010000000002"}
	for _, p := range pages {
		if _, err := st.Tenant(tn.ID).ConnectPage(ctx, brand.ID, tenancy.PageInput{PageID: p, Name: "Page " + p, AccessToken: "EAAB-fixture-page-token"}); err != nil {
			b.Fatal(err)
		}
	}
	in := conversations.NewIngester(db, v, prometheus.NewRegistry(), slog.New(slog.NewTextHandler(io.Discard, nil)), 5000)
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { in.Run(runCtx); close(done) }()
	defer func() { stop(); <-done }()
	gen := conversations.NewSynthetic(pages, "", time.Now().UTC(), 1, 7100000000100000)
	gen.Plan(10_000, 100_000)
	if _, err := in.Feed(ctx, gen, 10_000, conversations.FeedOptions{}); err != nil {
		b.Fatal(err)
	}
	if err := db.Optimize(ctx); err != nil {
		b.Fatal(err)
	}
	return &benchEnv{db: db, tenant: tn.ID, brand: brand, page: pages[0]}
}

// benchRule is a representative rule and a query an engineer who knows the schema would write by hand for the
// same set (entity bits 32 and 2 are amount_of_money and bye in contacts.entities_mask).
type benchRule struct {
	name string
	rule string
	hand func(e *benchEnv, now time.Time) (string, []any)
}

// benchRules are three rules agencies ask for first (the "Why"): price askers to win back, people an
// ad or a campaign link brought who can no longer be messaged for free, and engaged people gone quiet.
var benchRules = []benchRule{
	{
		name: "price_askers_30d",
		rule: `{"all":[{"field":"last_inbound_at","op":"within_days","value":30},
			{"field":"entity","op":"mentioned","value":"amount_of_money"},
			{"field":"talked_to_human","op":"is","value":false}]}`,
		hand: func(e *benchEnv, now time.Time) (string, []any) {
			return `SELECT c.page_id, c.psid FROM contacts c WHERE c.tenant_id = ? AND c.brand_id = ? AND c.last_inbound_at >= ?
				AND c.last_human_at = 0 AND (c.entities_mask & 32) <> 0`,
				[]any{e.tenant, e.brand.ID, now.Add(-30 * 24 * time.Hour).UnixMilli()}
		},
	},
	{
		name: "spring_ads_not_free",
		rule: `{"all":[{"any":[{"field":"ad_id","op":"in","value":["23850000000000001","23850000000000002"]},
			{"field":"ref","op":"prefix","value":"camp=spring"}]},
			{"not":{"field":"reachability","op":"eq","value":"free"}}]}`,
		hand: func(e *benchEnv, now time.Time) (string, []any) {
			// Not free under meta-current: no user message or interaction in the last 24 hours (or blocked,
			// unavailable, or never a thread).
			day := now.Add(-24 * time.Hour).UnixMilli()
			return `SELECT c.page_id, c.psid FROM contacts c WHERE c.tenant_id = ? AND c.brand_id = ?
				AND EXISTS (SELECT 1 FROM contact_events x WHERE x.tenant_id = c.tenant_id AND x.brand_id = c.brand_id
					AND x.page_id = c.page_id AND x.psid = c.psid
					AND (x.ref_ad_id IN ('23850000000000001', '23850000000000002') OR x.ref_ref LIKE 'camp=spring%'))
				AND (c.blocked OR c.unavailable OR NOT (c.inbound_count > 0 OR c.last_interaction_at > 0 OR c.last_inbound_at > 0)
					OR (c.last_inbound_at <= ? AND c.last_interaction_at <= ?))`,
				[]any{e.tenant, e.brand.ID, day, day}
		},
	},
	{
		name: "engaged_gone_quiet",
		rule: `{"all":[{"field":"inbound_count","op":"gte","value":3},
			{"field":"last_inbound_at","op":"older_than_days","value":14},
			{"not":{"field":"entity","op":"mentioned","value":"bye"}}]}`,
		hand: func(e *benchEnv, now time.Time) (string, []any) {
			return `SELECT c.page_id, c.psid FROM contacts c WHERE c.tenant_id = ? AND c.brand_id = ? AND c.inbound_count >= 3
				AND c.last_inbound_at > 0 AND c.last_inbound_at < ? AND (c.entities_mask & 2) = 0`,
				[]any{e.tenant, e.brand.ID, now.Add(-14 * 24 * time.Hour).UnixMilli()}
		},
	},
}

// BenchmarkAudienceRules times, for each representative rule: the preview (count, breakdown, sample), the
// full build of a snapshot, the compiled statement alone, and the hand-written query beside it. Before
// timing, it checks that the compiled rule and the hand-written query select the same set.
func BenchmarkAudienceRules(b *testing.B) {
	e := openBench(b)
	ctx := tenancy.WithActor(context.Background(), tenancy.Actor{Label: "bench"})
	now := time.Now().UTC()
	st := NewStore(e.db, e.tenant, e.brand, Options{Keep: 1, Now: func() time.Time { return now }})
	var total int64
	e.db.R.Raw("SELECT COUNT(*) FROM contacts WHERE tenant_id = ? AND brand_id = ?", e.tenant, e.brand.ID).Scan(&total)
	b.Logf("brand %s: %d contacts", e.brand.Name, total)
	for _, br := range benchRules {
		r, err := Parse([]byte(br.rule), "rule")
		if err != nil {
			b.Fatal(err)
		}
		q, err := Compile(r, e.tenant, e.brand.ID, e.brand.Policy, now)
		if err != nil {
			b.Fatal(err)
		}
		handSQL, handArgs := br.hand(e, now)
		compiled := "SELECT contacts.page_id, contacts.psid FROM contacts WHERE " + q.Where
		got, want := benchSet(b, e.db, compiled, q.Args), benchSet(b, e.db, handSQL, handArgs)
		if len(got) != len(want) {
			b.Fatalf("%s: the rule selects %d contacts, the hand-written query %d", br.name, len(got), len(want))
		}
		for k := range want {
			if !got[k] {
				b.Fatalf("%s: %s is in the hand-written set only", br.name, k)
			}
		}
		b.Logf("%s: %d members", br.name, len(got))
		name := "rule " + br.name
		a, err := st.Create(ctx, Input{Name: &name, Rule: []byte(br.rule)})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(br.name+"/preview", func(b *testing.B) {
			defer reportCPU(b)()
			for b.Loop() {
				if _, err := st.Preview(ctx, []byte(br.rule)); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(br.name+"/build", func(b *testing.B) {
			defer reportCPU(b)()
			for b.Loop() {
				if _, err := st.Build(ctx, a.ID, CauseManual); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(br.name+"/compiled_count", func(b *testing.B) {
			defer reportCPU(b)()
			for b.Loop() {
				benchCount(b, e.db, compiled, q.Args)
			}
		})
		b.Run(br.name+"/hand_count", func(b *testing.B) {
			defer reportCPU(b)()
			for b.Loop() {
				benchCount(b, e.db, handSQL, handArgs)
			}
		})
		if err := st.Delete(ctx, a.ID); err != nil {
			b.Fatal(err)
		}
	}
}

func benchSet(b *testing.B, db *database.DB, query string, args []any) map[string]bool {
	b.Helper()
	var rows []struct{ PageID, Psid string }
	if err := db.R.Raw(query, args...).Scan(&rows).Error; err != nil {
		b.Fatalf("%v\n%s", err, query)
	}
	out := make(map[string]bool, len(rows))
	for _, r := range rows {
		out[r.PageID+"|"+r.Psid] = true
	}
	return out
}

func benchCount(b *testing.B, db *database.DB, query string, args []any) {
	var n int64
	if err := db.R.Raw("SELECT COUNT(*) FROM ("+query+") q", args...).Scan(&n).Error; err != nil {
		b.Fatal(err)
	}
}

// reportCPU reports the process's CPU time per iteration ("cpu-ms/op") when the returned function runs:
// on a machine other work shares, wall-clock time says more about the neighbours than about the code, and
// a preview that works on two cores at once shows there as less time than it costs.
func reportCPU(b *testing.B) func() {
	start := processCPU()
	return func() {
		if b.N > 0 {
			b.ReportMetric(float64(processCPU()-start)/float64(b.N)/float64(time.Millisecond), "cpu-ms/op")
		}
	}
}

// processCPU is the user and system time the process has used so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
