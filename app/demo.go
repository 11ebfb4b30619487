package app

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"relance/attribution"
	"relance/audiences"
	"relance/conversations"
	"relance/meta/sandbox"
	"relance/tenancy"
)

// Demo agency: a known slug and a documented password so that `serve --demo` is ready to click through.
// It runs against the Meta sandbox (meta.graph_url = "sandbox"), never against real Pages.
const (
	demoSlug     = "demo"
	demoPassword = "relance-demo"
	// demoContacts is how many contacts each demo brand gets with `serve --demo`.
	demoContacts = 300
)

// demoBrands are the demo agency's brands, each with a Page and an ad account in the sandbox's ID ranges, and
// the voice its people write in: a French restaurant, an Indonesian coffee and merch shop, a Bangkok bike-tour
// agency.
var demoBrands = []struct {
	name, currency, tz, policy, pageID, pageName, account string
	voice                                                 *conversations.Voice
}{
	{"Maison Lumière", "EUR", "Europe/Paris", tenancy.PolicyMetaCurrent, "104000000000001", "Maison Lumière FR", "act_230000000000001",
		conversations.VoiceRestaurant()},
	{"Kopi Nusantara", "IDR", "Asia/Jakarta", tenancy.PolicyMetaCurrent, "104000000000002", "Kopi Nusantara", "act_230000000000002",
		conversations.VoiceShop()},
	{"Bangkok Bikes", "THB", "Asia/Bangkok", tenancy.PolicyMeta2017, "104000000000003", "Bangkok Bikes TH", "act_230000000000003",
		conversations.VoiceTravel()},
}

// demoRoles are the demo users, one per role; brand roles are on the first brand.
var demoRoles = []string{tenancy.RoleAgencyAdmin, tenancy.RoleCampaignManager, tenancy.RoleAnalyst, tenancy.RoleFinance,
	tenancy.RoleBrandAdmin, tenancy.RoleBrandViewer}

// seedDemo creates the demo agency with its brands and one user per role, unless it exists, and prints
// the logins.
func seedDemo(ctx context.Context, r *runtime, publicURL string, out io.Writer) error {
	ctx = tenancy.WithActor(ctx, tenancy.Actor{Label: "demo"})
	t, err := r.store.TenantBySlug(ctx, demoSlug)
	if errors.Is(err, tenancy.ErrNotFound) {
		t, err = r.store.CreateTenant(ctx, "Demo Agency", demoSlug)
		if err == nil {
			var brands []string
			brands, err = seedDemoTenant(ctx, r.store.Tenant(t.ID), appSecret(r.cfg, r.key), true, "")
			if err == nil {
				_, err = seedConversations(ctx, r, t.ID, brands, seedPlan{contacts: demoContacts, voices: true})
			}
			if err == nil {
				err = seedDemoAudiences(ctx, r, t.ID, brands)
			}
			if err == nil {
				err = seedDemoCampaigns(ctx, r, t.ID, brands)
			}
			if err == nil {
				err = seedDemoRates(ctx, r, t.ID)
			}
			if err == nil {
				err = seedDemoFees(ctx, r, t.ID, brands)
			}
			if err == nil {
				err = seedDemoConversions(ctx, r, t.ID, brands)
			}
			if err == nil {
				err = seedDemoABTest(ctx, r, t.ID, brands)
			}
		}
	}
	if err != nil {
		return fmt.Errorf("app: demo: %w", err)
	}
	fmt.Fprintf(out, "relance: demo agency ready at %s/login — users (password %q):\n", publicURL, demoPassword)
	for _, role := range demoRoles {
		fmt.Fprintf(out, "  %-17s %s\n", role, demoEmail(role))
	}
	return nil
}

func demoEmail(role string) string {
	return strings.ReplaceAll(role, "_", "-") + "@demo.relance.local"
}

// seedDemoTenant adds the demo brands, Pages and ad accounts to a tenant, and the demo users when asked, and
// returns the brand ids in the order of demoBrands. Page and ad account IDs must be unique across agencies: the
// demo agency gets the IDs of the shared webhook fixtures; any other agency gets IDs derived from idSeed. Each
// Page gets the token the sandbox of secret issues for it, so that Meta (the sandbox) accepts it as the Page's.
func seedDemoTenant(ctx context.Context, ts *tenancy.TenantStore, secret string, users bool, idSeed string) ([]string, error) {
	var ids []string
	for i, d := range demoBrands {
		name, cur, tz, pol := d.name, d.currency, d.tz, d.policy
		b, err := ts.CreateBrand(ctx, tenancy.BrandInput{Name: &name, Currency: &cur, Timezone: &tz, Policy: &pol})
		if err != nil {
			return nil, err
		}
		ids = append(ids, b.ID)
		pageID, account := d.pageID, d.account
		if idSeed != "" {
			pageID, account = derivedID("1049", idSeed, i), "act_"+derivedID("2309", idSeed, i)
		}
		token := sandbox.PageToken(secret, pageID)
		if _, err := ts.ConnectPage(ctx, b.ID, tenancy.PageInput{PageID: pageID, Name: d.pageName, AccessToken: token}); err != nil {
			return nil, err
		}
		// The token lets the demo's audiences sync to the sandbox's custom audiences.
		if _, err := ts.AddAdAccount(ctx, b.ID, tenancy.AdAccountInput{AccountID: account, Name: d.name + " ads",
			AccessToken: "SANDBOX-ADS-TOKEN-" + account}); err != nil {
			return nil, err
		}
	}
	if !users {
		return ids, nil
	}
	for _, role := range demoRoles {
		nu := tenancy.NewUser{Email: demoEmail(role), Name: "Demo " + strings.ReplaceAll(role, "_", " "), Password: demoPassword, Role: role}
		if tenancy.IsBrandRole(role) {
			nu.BrandID = ids[0]
		}
		if _, err := ts.CreateUser(ctx, nu); err != nil {
			return nil, err
		}
	}
	return ids, nil
}

// derivedID makes a 15-digit Meta-like ID from a prefix, a seed and an index, stable for the same inputs.
func derivedID(prefix, seed string, i int) string {
	h := sha256.Sum256([]byte(seed))
	n := binary.BigEndian.Uint64(h[:8])%1_000_000_0 + uint64(i)
	return fmt.Sprintf("%s%011d", prefix, n)
}

// seedPlan says which conversations the demo brands get.
type seedPlan struct {
	contacts int // per brand
	messages int // per brand, the contacts' and the Page's together; 0: about six per contact
	brands   int // how many of the brands, in order; 0: all
	// voices gives each brand its demo voice (demoBrands); without it every brand speaks the default voice, as
	// the benchmarks' seeds always have.
	voices bool
	// progress, when set, receives a line every few seconds while seeding runs.
	progress io.Writer
}

// seedBatch is the most events the seeding ingester commits in one transaction: bigger batches than the
// webhook default (ingest.max_batch) write each index page fewer times, and nobody waits for an answer.
const seedBatch = 50000

// seedBulkContacts is the size of a seed (contacts over all brands) from which conversations.BulkLoad defers
// the scattered indexes: below it, rebuilding them costs more than it saves.
const seedBulkContacts = 100_000

// seedProgressEvery is how often a long seed prints where it is.
const seedProgressEvery = 5 * time.Second

// seedStats is what seedConversations wrote.
type seedStats struct {
	brands, contacts, messages, events, blocked int
	took                                        time.Duration
}

// seedConversations writes synthetic conversations for the given brands through a temporary ingester: the
// same parsing and writing as real webhooks, so the demo and the benchmarks show what production would.
func seedConversations(ctx context.Context, r *runtime, tenantID string, brandIDs []string, p seedPlan) (st seedStats, err error) {
	if p.contacts <= 0 {
		return st, nil
	}
	if p.brands > 0 && p.brands < len(brandIDs) {
		brandIDs = brandIDs[:p.brands]
	}
	ts := r.store.Tenant(tenantID)
	// The seed's statements carry thousands of rows each: GORM's slow-statement warning would print them whole.
	db := *r.db
	db.W = r.db.W.Session(&gorm.Session{Logger: r.db.W.Logger.LogMode(logger.Error)})
	in := conversations.NewIngester(&db, r.store.Vault(), prometheus.NewRegistry(), r.log, max(r.cfg.Ingest.MaxBatch, seedBatch))
	in.Observe(attribution.NewTracker(&db).Observer())
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { in.Run(runCtx); close(done) }()
	defer func() { stop(); <-done }()
	o := conversations.FeedOptions{Parse: conversations.ParseOptions{AppID: r.cfg.EffectiveAppID(), NLPThreshold: r.cfg.Ingest.NLPThreshold}}
	start := time.Now()
	if p.contacts*len(brandIDs) >= seedBulkContacts {
		finish, err := conversations.BulkLoad(ctx, &db)
		if err != nil {
			return st, err
		}
		defer func() {
			t := time.Now()
			if p.progress != nil {
				fmt.Fprintln(p.progress, "  creating the deferred indexes again and checkpointing…")
			}
			if ferr := finish(); ferr != nil && err == nil {
				err = ferr
			}
			st.took = time.Since(start)
			if p.progress != nil {
				fmt.Fprintf(p.progress, "  indexes and checkpoint took %v\n", time.Since(t).Round(time.Millisecond))
			}
		}()
		// The generator and the writer allocate a lot and briefly; collecting less often leaves more of the
		// two cores to them (memory is not what a seed runs short of).
		defer debug.SetGCPercent(debug.SetGCPercent(400))
	}
	for i, id := range brandIDs {
		b, err := ts.Brand(ctx, id)
		if err != nil {
			return st, err
		}
		pages, err := ts.Pages(ctx, b.ID)
		if err != nil || len(pages) == 0 {
			continue
		}
		ids := make([]string, len(pages))
		for j, pg := range pages {
			ids[j] = pg.PageID
		}
		gen := conversations.NewSynthetic(ids, o.Parse.AppID, time.Now().UTC(), uint64(i+1), 7100000000100000+int64(i)*10_000_000)
		if p.voices && i < len(demoBrands) {
			gen.Voice = demoBrands[i].voice
		}
		gen.Plan(p.contacts, p.messages)
		last := time.Now()
		o.Progress = nil
		if p.progress != nil {
			o.Progress = func(f conversations.FeedStats) {
				if time.Since(last) < seedProgressEvery {
					return
				}
				last = time.Now()
				el := time.Since(start).Seconds()
				fmt.Fprintf(p.progress, "  %s: %d/%d contacts, %d messages, %d events; %.0f messages/s, %.0f events/s overall\n",
					b.Name, f.Contacts, p.contacts, f.Messages, f.Stored, float64(st.messages+f.Messages)/el, float64(st.events+f.Stored)/el)
			}
		}
		f, err := in.Feed(ctx, gen, p.contacts, o)
		if err != nil {
			return st, fmt.Errorf("app: demo conversations for %s: %w", b.Name, err)
		}
		st.brands++
		st.contacts += f.Contacts
		st.messages += f.Messages
		st.events += f.Stored
		st.blocked += f.Blocked
	}
	st.took = time.Since(start)
	return st, nil
}

// demoAudiences are the audiences every demo brand gets: the first thing an agency asks of a history.
var demoAudiences = []struct{ name, rule, cron string }{
	{"Price askers, last 30 days", `{"all":[{"field":"last_inbound_at","op":"within_days","value":30},
		{"field":"entity","op":"mentioned","value":"amount_of_money"},{"field":"talked_to_human","op":"is","value":false}]}`, "0 7 * * *"},
	{"Spring campaign, no free window", `{"all":[{"any":[{"field":"ad_id","op":"in","value":["23850000000000001","23850000000000002"]},
		{"field":"ref","op":"prefix","value":"camp=spring"}]},{"not":{"field":"reachability","op":"eq","value":"free"}}]}`, "0 * * * *"},
	{"Engaged, gone quiet", `{"all":[{"field":"inbound_count","op":"gte","value":3},
		{"field":"last_inbound_at","op":"older_than_days","value":14},{"not":{"field":"entity","op":"mentioned","value":"bye"}}]}`, ""},
	{demoRegulars, `{"field":"reachability","op":"eq","value":"free"}`, ""},
}

// seedDemoAudiences creates and builds the demo audiences of each brand. The one refreshed every hour (the
// shortest interval audiences.min_refresh_interval allows by default) has the brand's ad account, so the scheduler's next refresh also syncs it to the sandbox.
func seedDemoAudiences(ctx context.Context, r *runtime, tenantID string, brandIDs []string) error {
	ts := r.store.Tenant(tenantID)
	for _, id := range brandIDs {
		b, err := ts.Brand(ctx, id)
		if err != nil {
			return err
		}
		accts, err := ts.AdAccounts(ctx, id)
		if err != nil {
			return err
		}
		st := r.audienceStore(tenantID, b)
		for _, d := range demoAudiences {
			in := audiences.Input{Name: &d.name, Rule: []byte(d.rule), RefreshCron: &d.cron}
			if d.cron == "0 * * * *" && len(accts) > 0 {
				in.AdAccountID = &accts[0].AccountID
			}
			a, err := st.Create(ctx, in)
			if err != nil {
				return fmt.Errorf("app: demo audience %s: %w", d.name, err)
			}
			if _, err := st.Build(ctx, a.ID, audiences.CauseManual); err != nil {
				return fmt.Errorf("app: demo audience %s: %w", d.name, err)
			}
		}
	}
	return nil
}

// queueDemoProfiles has the sandbox name the demo's people (User Profile API) as soon as the server runs,
// rather than only as screens show them. They are more than the profile queue holds: it queues them again
// every few seconds, the latest active first, until none is left unasked or ctx ends.
func queueDemoProfiles(ctx context.Context, r *runtime, p *conversations.Profiles) {
	go func() {
		for {
			n, err := p.QueueNew(ctx, time.Time{}, len(demoBrands)*demoContacts+demoHistoryThreads+demoABMaxMembers)
			if err != nil {
				if ctx.Err() == nil {
					r.log.Warn("demo profiles", "err", err)
				}
				return
			}
			if n == 0 {
				return
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(2 * time.Second):
			}
		}
	}()
}
