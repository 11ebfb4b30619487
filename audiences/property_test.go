package audiences

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
	"time"

	"relance/conversations"
	"relance/conversations/nlp"
	"relance/database"
	"relance/internal/testdb"
	"relance/policy"
	"relance/tenancy"
)

// world is a brand full of generated contacts, written straight into the tables the compiler reads, with
// the same facts kept in memory for the evaluator.
type world struct {
	db           *database.DB
	tenant       string
	brand, other tenancy.Brand
	facts        []*fact
	audA, audB   string // audiences of the brand with a latest snapshot; audB's older snapshot differs
	foreign      string // an audience of another brand
	now          time.Time
}

var (
	propPages    = []string{"1010000000001", "1010000000002"}
	propSources  = []string{"ADS", "SHORTLINK", "MESSENGER_CODE"}
	propAds      = []string{"120001", "120002", "120003"}
	propRefs     = []string{"spring_sale", "spring", "summer", "sp", "Spring"}
	propPayloads = []string{"GET_STARTED", "BUY", "PRICE"}
	propTexts    = []string{"how much is the spring menu", "bonjour, c'est combien ?", "Price please", "100% sure", "a_b c",
		"MENU du jour", "délai de livraison", "ok", "DÉLAI DÉPASSÉ", "Straße"}
	propNeedles = []string{"menu", "price", "%", "_", "combien", "délai", "o", "a_b", "zzz", "DÉLAI", "dépassé", "strasse"}
)

func newWorld(t *testing.T, seed uint64) *world {
	t.Helper()
	ctx := context.Background()
	db := testdb.Open(t)
	v, _ := tenancy.NewVault([]byte("0123456789abcdef0123456789abcdef"))
	st, err := tenancy.NewStore(ctx, db, v)
	if err != nil {
		t.Fatal(err)
	}
	tn, err := st.CreateTenant(ctx, "Agency", "agency")
	if err != nil {
		t.Fatal(err)
	}
	w := &world{db: db, tenant: tn.ID, now: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)}
	mk := func(name string) tenancy.Brand {
		cur, tz := "EUR", "Europe/Paris"
		b, err := st.Tenant(tn.ID).CreateBrand(ctx, tenancy.BrandInput{Name: &name, Currency: &cur, Timezone: &tz})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	w.brand, w.other = mk("Maison"), mk("Other")
	rng := rand.New(rand.NewPCG(seed, seed^0xa11))
	n := w.now.UnixMilli()
	// Times cluster on the edges (a day, a week, ±1 ms) where an off-by-one would hide.
	offsets := []int64{0, 1, -1, day, day - 1, day + 1, 7 * day, 7*day - 1, 7*day + 1, 3 * day, 30 * day, 30*day + 1, 90 * day}
	pick := func() int64 {
		if rng.IntN(5) == 0 {
			return 0
		}
		return n - offsets[rng.IntN(len(offsets))]
	}
	zones := []string{"", "Europe/Paris", "America/New_York", "Asia/Tokyo", "Asia/Jakarta", "UTC"}
	for i := 0; i < 240; i++ {
		f := &fact{page: propPages[rng.IntN(2)], psid: fmt.Sprintf("74%06d", i), firstSeen: n - offsets[rng.IntN(len(offsets))] - 1,
			lastIn: pick(), lastInter: pick(), lastOut: pick(), tz: zones[rng.IntN(len(zones))], blocked: rng.IntN(15) == 0,
			unavailable: rng.IntN(15) == 0, subscribed: rng.IntN(2) == 0, audiences: map[string]bool{}}
		if f.lastIn > 0 {
			f.inCount = 1 + rng.Int64N(4)
		}
		if rng.IntN(3) == 0 {
			f.lastHuman = pick()
		}
		if rng.IntN(2) == 0 {
			f.optinAt = n - rng.Int64N(40*day)
			if rng.IntN(3) > 0 {
				f.optinExp = n + (rng.Int64N(3)-1)*day
			}
		}
		for k := rng.IntN(3); k > 0; k-- {
			e := eventFact{kind: "referral", source: propSources[rng.IntN(3)]}
			if e.source == "ADS" {
				e.adID = propAds[rng.IntN(3)]
			}
			if rng.IntN(2) == 0 {
				e.ref = propRefs[rng.IntN(len(propRefs))]
			}
			f.events = append(f.events, e)
		}
		for k := rng.IntN(3); k > 0; k-- {
			kind := "postback"
			if rng.IntN(4) == 0 {
				kind = "optin" // an opt-in's payload is not a quick reply or postback
			}
			f.events = append(f.events, eventFact{kind: kind, payload: propPayloads[rng.IntN(3)]})
		}
		for k := rng.IntN(4); k > 0; k-- {
			m := messageFact{dir: "in", text: propTexts[rng.IntN(len(propTexts))]}
			if rng.IntN(3) == 0 {
				m.dir = "out" // what the Page said does not count as what the person wrote
			}
			if m.dir == "in" && rng.IntN(4) == 0 {
				m.quickReply = propPayloads[rng.IntN(3)]
			}
			f.messages = append(f.messages, m)
		}
		for _, name := range Entities {
			if rng.IntN(5) == 0 {
				f.entities = append(f.entities, entityFact{name: name, lastSeen: n - offsets[rng.IntN(len(offsets))]})
			}
		}
		w.facts = append(w.facts, f)
		w.insert(t, w.brand.ID, f)
		if rng.IntN(3) == 0 {
			// The same person on the same Page under another brand: a rule of this brand must not see those rows.
			g := *f
			g.events = []eventFact{{kind: "referral", source: "ADS", adID: propAds[0], ref: "spring"}, {kind: "postback", payload: "BUY"}}
			g.messages = []messageFact{{dir: "in", text: "price menu combien", quickReply: "PRICE"}}
			g.entities = []entityFact{{name: "email", lastSeen: n}}
			w.insert(t, w.other.ID, &g)
		}
	}
	w.audA = w.audience(t, w.brand.ID, "A", rng, 1)
	w.audB = w.audience(t, w.brand.ID, "B", rng, 2)
	w.foreign = w.audience(t, w.other.ID, "F", rng, 1)
	return w
}

func (w *world) exec(t *testing.T, q string, args ...any) {
	t.Helper()
	if err := w.db.W.Exec(q, args...).Error; err != nil {
		t.Fatalf("%v\n%s", err, q)
	}
}

// insert writes one contact and its facts under a brand.
func (w *world) insert(t *testing.T, brandID string, f *fact) {
	t.Helper()
	var mask int64 // as the ingester keeps it beside contact_entities
	for _, e := range f.entities {
		mask |= nlp.EntityBit(e.name)
	}
	w.exec(t, `INSERT INTO contacts (id, tenant_id, brand_id, page_id, psid, first_seen_at, last_inbound_at, last_interaction_at,
		last_outbound_at, last_human_at, inbound_count, optin_at, subscribed, optin_timezone, optin_expires_at, blocked, unavailable,
		entities_mask, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`,
		tenancy.NewID(), w.tenant, brandID, f.page, f.psid, f.firstSeen, f.lastIn, f.lastInter, f.lastOut, f.lastHuman, f.inCount,
		f.optinAt, f.subscribed, f.tz, f.optinExp, f.blocked, f.unavailable, mask)
	for i, e := range f.events {
		w.exec(t, `INSERT INTO contact_events (tenant_id, brand_id, page_id, psid, kind, dedup_key, at, payload, ref_source, ref_ref,
			ref_ad_id) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?)`, w.tenant, brandID, f.page, f.psid, e.kind,
			fmt.Sprintf("%s:%d", f.psid, i), e.payload, e.source, e.ref, e.adID)
	}
	for i, m := range f.messages {
		// As the ingester writes it: the folded text, or "" when folding changes nothing.
		fold := conversations.FoldText(m.text)
		if fold == m.text {
			fold = ""
		}
		w.exec(t, `INSERT INTO messages (tenant_id, brand_id, page_id, psid, mid, direction, sender, text, quick_reply, sent_at, text_fold)
			VALUES (?, ?, ?, ?, ?, ?, 'user', ?, ?, 1, ?)`, w.tenant, brandID, f.page, f.psid, fmt.Sprintf("m.%s.%d", f.psid, i),
			m.dir, m.text, m.quickReply, fold)
	}
	for _, e := range f.entities {
		w.exec(t, `INSERT INTO contact_entities (tenant_id, brand_id, page_id, psid, entity, first_seen_at, last_seen_at, count)
			VALUES (?, ?, ?, ?, ?, 1, ?, 1)`, w.tenant, brandID, f.page, f.psid, e.name, e.lastSeen)
	}
}

// audience writes an audience with snapshots 1..seqs of random members; only the last counts for member_of.
func (w *world) audience(t *testing.T, brandID, name string, rng *rand.Rand, seqs int) string {
	t.Helper()
	id := tenancy.NewID()
	w.exec(t, `INSERT INTO audiences (id, tenant_id, brand_id, name, kind, last_seq, created_at, updated_at) VALUES (?, ?, ?, ?, 'manual', ?, 1, 1)`,
		id, w.tenant, brandID, name, seqs)
	for seq := 1; seq <= seqs; seq++ {
		sid := tenancy.NewID()
		w.exec(t, `INSERT INTO audience_snapshots (id, tenant_id, brand_id, audience_id, seq, rule_version, cause, built_at)
			VALUES (?, ?, ?, ?, ?, 1, 'import', 1)`, sid, w.tenant, brandID, id, seq)
		for _, f := range w.facts {
			if rng.IntN(3) == 0 {
				w.exec(t, `INSERT INTO audience_members (snapshot_id, page_id, psid) VALUES (?, ?, ?)`, sid, f.page, f.psid)
				if seq == seqs && brandID == w.brand.ID {
					f.audiences[id] = true
				}
			}
		}
	}
	return id
}

// gen makes random rules over the world's values, as JSON the way a client would send them.
type gen struct {
	rng *rand.Rand
	w   *world
}

func (g *gen) pick(list []string) string { return list[g.rng.IntN(len(list))] }

func (g *gen) some(list []string) []string {
	out := []string{g.pick(list)}
	if g.rng.IntN(2) == 0 {
		out = append(out, g.pick(list))
	}
	return out
}

func (g *gen) days() int { return []int{0, 1, 3, 7, 30, 31, 100}[g.rng.IntN(7)] }

func (g *gen) condition() map[string]any {
	c := func(field, op string, v any) map[string]any {
		return map[string]any{"field": field, "op": op, "value": v}
	}
	switch g.rng.IntN(13) {
	case 0, 1:
		field := []string{"last_inbound_at", "first_seen_at"}[g.rng.IntN(2)]
		switch g.rng.IntN(3) {
		case 0:
			return c(field, "within_days", g.days())
		case 1:
			return c(field, "older_than_days", g.days())
		}
		from := g.w.now.Add(-time.Duration(g.days()) * 24 * time.Hour)
		return c(field, "between", []string{from.Format(time.RFC3339), from.Add(time.Duration(1+g.rng.IntN(40*24)) * time.Hour).Format(time.RFC3339Nano)})
	case 2:
		return c("inbound_count", g.pick([]string{"gte", "lte", "eq"}), g.rng.IntN(5))
	case 3:
		if g.rng.IntN(2) == 0 {
			return c("source", "eq", strings.ToLower(g.pick(propSources)))
		}
		return c("source", "in", g.some(propSources))
	case 4:
		if g.rng.IntN(2) == 0 {
			return c("ad_id", "eq", g.pick(propAds))
		}
		return c("ad_id", "in", g.some(propAds))
	case 5:
		switch g.rng.IntN(3) {
		case 0:
			return c("ref", "eq", g.pick(propRefs))
		case 1:
			return c("ref", "in", g.some(propRefs))
		}
		return c("ref", "prefix", g.pick([]string{"sp", "spring", "s", "Sp", "summer_"}))
	case 6:
		m := c("entity", "mentioned", g.pick(Entities))
		if g.rng.IntN(2) == 0 {
			m["within_days"] = 1 + g.days()
		}
		return m
	case 7:
		return c("text", "contains", g.pick(propNeedles))
	case 8:
		return c("payload", "eq", g.pick(propPayloads))
	case 9:
		return c("talked_to_human", "is", g.rng.IntN(2) == 0)
	case 10:
		if g.rng.IntN(2) == 0 {
			return c("reachability", "eq", g.pick(policy.Classes))
		}
		return c("reachability", "in", g.some(policy.Classes))
	case 11:
		if g.rng.IntN(2) == 0 {
			return c("page", "eq", g.pick(propPages))
		}
		return c("page", "in", g.some(propPages))
	}
	return c("audience", "member_of", g.pick([]string{g.w.audA, g.w.audB, g.w.foreign}))
}

func (g *gen) rule(depth int) map[string]any {
	if depth >= 3 || g.rng.IntN(3) == 0 {
		return g.condition()
	}
	switch g.rng.IntN(3) {
	case 0:
		return map[string]any{"not": g.rule(depth + 1)}
	case 1:
		kids := make([]any, 1+g.rng.IntN(3))
		for i := range kids {
			kids[i] = g.rule(depth + 1)
		}
		return map[string]any{"any": kids}
	}
	kids := make([]any, g.rng.IntN(4))
	for i := range kids {
		kids[i] = g.rule(depth + 1)
	}
	return map[string]any{"all": kids}
}

// selectSQL runs a compiled rule and returns the psids it selects, sorted. It selects the rule's contacts with each way the compiler can write it (the plain statement, the
// one ranging over byte-wise bounds on SQLite, the one testing each contact's own rows) and fails unless
// they agree; it also checks that a preview's breakdown cut into parts counts as many.
func (w *world) selectSQL(t *testing.T, r *Rule, profile string) []string {
	t.Helper()
	var got []string
	for i, opts := range []compileOptions{{}, {sqlite: w.db.Dialect == database.SQLite}, {sqlite: w.db.Dialect == database.SQLite, correlated: true}} {
		q, err := compileWith(opts, r, w.tenant, w.brand.ID, profile, w.now)
		if err != nil {
			t.Fatal(err)
		}
		var rows []string
		if err := w.db.R.Raw("SELECT contacts.psid FROM contacts WHERE "+q.Where+" ORDER BY contacts.psid", q.Args...).Scan(&rows).Error; err != nil {
			t.Fatalf("%v\n%s", err, q.Where)
		}
		if i > 0 && fmt.Sprint(rows) != fmt.Sprint(got) {
			t.Fatalf("written with %+v the rule selects %d contacts, plainly %d\n%s", opts, len(rows), len(got), q.Where)
		}
		got = rows
		if i == 1 {
			n := w.now.UnixMilli()
			var total int64
			for _, part := range previewStatements(w.db.Dialect, profile, q, w.now, []int64{n - 40*day, n - 10*day, n - day}).parts {
				var c [6]int64
				if err := w.db.R.Raw(part.sql, part.args...).Row().Scan(&c[0], &c[1], &c[2], &c[3], &c[4], &c[5]); err != nil {
					t.Fatalf("%v\n%s", err, part.sql)
				}
				total += c[0] + c[1] + c[2] + c[3] + c[4] + c[5]
			}
			if total != int64(len(rows)) {
				t.Fatalf("the breakdown in parts counts %d contacts, the rule selects %d\n%s", total, len(rows), q.Where)
			}
		}
	}
	return got
}

func (w *world) selectEval(r *Rule, profile string) []string {
	var want []string
	for _, f := range w.facts {
		if eval(r, f, profile, w.now) {
			want = append(want, f.psid)
		}
	}
	sort.Strings(want)
	return want
}

// TestCompiledRulesMatchEvaluator is the property test of the issue: random rule trees over random contacts
// select the same contacts in SQL (SQLite, or PostgreSQL under RELANCE_TEST_DATABASE_URL) as in the
// evaluator, under both policy profiles. It also checks that every field's conditions were exercised with
// results that are neither empty nor everyone, so the comparison proves something.
func TestCompiledRulesMatchEvaluator(t *testing.T) {
	w := newWorld(t, 42)
	g := &gen{rng: rand.New(rand.NewPCG(9, 99)), w: w}
	useful := map[string]int{}
	check := func(raw []byte, profile string) int {
		t.Helper()
		r, err := Parse(raw, "rule")
		if err != nil {
			t.Fatalf("generated rule refused: %v\n%s", err, raw)
		}
		got, want := w.selectSQL(t, r, profile), w.selectEval(r, profile)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("%s: SQL selects %d contacts, the evaluator %d\nrule: %s\nSQL only: %v\nevaluator only: %v",
				profile, len(got), len(want), raw, diff(got, want), diff(want, got))
		}
		return len(got)
	}
	for i := 0; i < 400; i++ {
		c := g.condition()
		raw, _ := json.Marshal(c)
		if n := check(raw, policy.Profiles[i%2]); n > 0 && n < len(w.facts) {
			useful[c["field"].(string)]++
		}
	}
	for _, f := range Fields() {
		if useful[f] < 3 {
			t.Errorf("field %s gave a result that was neither empty nor everyone only %d times: the test proves little for it", f, useful[f])
		}
	}
	for i := 0; i < 400; i++ {
		raw, _ := json.Marshal(g.rule(0))
		check(raw, policy.Profiles[i%2])
	}
}

func diff(a, b []string) []string {
	in := map[string]bool{}
	for _, x := range b {
		in[x] = true
	}
	var out []string
	for _, x := range a {
		if !in[x] {
			out = append(out, x)
		}
	}
	return out
}

// TestPreviewBreakdownMatchesClassify checks the preview's breakdown against policy.Classify on the world's
// edge-case contacts, under both profiles: its CASE relies on the classes being exclusive and complete.
func TestPreviewBreakdownMatchesClassify(t *testing.T) {
	w := newWorld(t, 7)
	for _, profile := range policy.Profiles {
		brand := w.brand
		brand.Policy = profile
		st := NewStore(w.db, w.tenant, brand, Options{Keep: 1, Now: func() time.Time { return w.now }})
		p, err := st.Preview(context.Background(), []byte(`{"all":[]}`))
		if err != nil {
			t.Fatal(err)
		}
		var want Breakdown
		for _, f := range w.facts {
			want.add(policy.Classify(profile, f.policyContact(), w.now).Class, 1)
		}
		if p.Breakdown != want || p.Count != int64(len(w.facts)) {
			t.Errorf("%s: breakdown %+v (count %d), Classify %+v", profile, p.Breakdown, p.Count, want)
		}
	}
}

// add counts n contacts of class (the test's expected breakdown).
func (b *Breakdown) add(class string, n int64) {
	switch class {
	case policy.Free:
		b.Free += n
	case policy.FollowUp:
		b.FollowUp += n
	case policy.HumanAgent:
		b.HumanAgent += n
	case policy.Paid:
		b.Paid += n
	case policy.AdsOnly:
		b.AdsOnly += n
	case policy.Unreachable:
		b.Unreachable += n
	}
}
