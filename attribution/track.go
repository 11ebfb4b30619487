package attribution

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"

	"relance/conversations"
	"relance/database"
	"relance/tenancy"
)

// Conversation kinds.
const (
	ConversationNew       = "new"       // the contact's first conversation ever
	ConversationReturning = "returning" // a later one, after conversation_gap of silence
)

// AdOwner is the campaign and variant of an ad relance launched.
type AdOwner struct{ CampaignID, Variant string }

// AdLookup names the campaigns of ads relance launched; an ad it does not know is an outside ad. It reads in
// the ingest transaction, so it must be one indexed query for the whole batch.
type AdLookup interface {
	AdOwners(ctx context.Context, tx *gorm.DB, tenantID string, adIDs []string) (map[string]AdOwner, error)
}

// NoAds knows no ad: every ad referral is an outside ad. It stands in until relance's launched Meta objects
// can be looked up (Tracker.Ads).
type NoAds struct{}

// AdOwners finds nothing.
func (NoAds) AdOwners(context.Context, *gorm.DB, string, []string) (map[string]AdOwner, error) {
	return nil, nil
}

// Tracker derives conversations and touches from a brand's stored user events, as they are stored (it is the
// ingester's observer) and again from the whole history (Rebuild). Both run the same code, so a rebuild
// gives what the incremental path gave, except for events that arrived late and out of order, which only a
// rebuild places exactly.
type Tracker struct {
	db *database.DB
	// Ads finds the campaigns of ads relance launched; NoAds until set.
	Ads AdLookup
	mu  sync.Mutex
	// rules caches each brand's gap and reply window for a minute: a batch must not read the brands table.
	rules map[string]brandRules
	now   func() time.Time
}

// brandRules are a brand's attribution settings as durations in ms, and when they were read.
type brandRules struct {
	gap, reply int64
	read       time.Time
}

// rulesTTL is how long a brand setting change may take to reach attribution.
const rulesTTL = time.Minute

// NewTracker makes a tracker over db.
func NewTracker(db *database.DB) *Tracker {
	return &Tracker{db: db, Ads: NoAds{}, rules: map[string]brandRules{}, now: time.Now}
}

// Observer is the tracker as the ingester's observer.
func (t *Tracker) Observer() conversations.Observer { return t.observe }

// thread identifies a contact's thread with a brand.
type thread struct{ tenant, brand, page, psid string }

// threadState is a thread's current conversation.
type threadState struct {
	conv            string
	started, lastIn int64
	dirty, known    bool
}

// convRow is a conversation to insert.
type convRow struct {
	id, kind string
	th       thread
	at       int64
}

// touchRow is a touch to insert.
type touchRow struct {
	th                                                 thread
	conv, typ, key                                     string
	at                                                 int64
	campaign, variant, adID, adName, ref, link, sendID string
}

// pendingRef is a touch waiting for its ref to name a campaign.
type pendingRef struct {
	touchRow
	refs []string
}

// observe places a batch's new user events in conversations and records their touches (see Observer).
func (t *Tracker) observe(ctx context.Context, tx *gorm.DB, evs []conversations.Observed) error {
	if err := t.apply(ctx, tx, evs); err != nil {
		return fmt.Errorf("attribution: observe: %w", err)
	}
	return nil
}

func (t *Tracker) apply(ctx context.Context, tx *gorm.DB, evs []conversations.Observed) error {
	by := map[thread][]*conversations.Event{}
	var keys []thread
	brands := map[string]bool{}
	for _, o := range evs {
		k := thread{o.TenantID, o.BrandID, o.Event.PageID, o.Event.PSID}
		if by[k] == nil {
			keys = append(keys, k)
		}
		by[k] = append(by[k], o.Event)
		brands[o.BrandID] = true
	}
	rules, err := t.brandRules(ctx, tx, brands)
	if err != nil {
		return err
	}
	states, err := loadThreads(ctx, tx, keys)
	if err != nil {
		return err
	}
	sort.Slice(keys, func(i, j int) bool { return lessThread(keys[i], keys[j]) })
	var convs []convRow
	var touches []touchRow
	var refs []pendingRef
	var replies []replyAsk
	for _, k := range keys {
		es := by[k]
		sort.SliceStable(es, func(i, j int) bool {
			if es[i].At != es[j].At {
				return es[i].At < es[j].At
			}
			return kindOrder(es[i].Kind) < kindOrder(es[j].Kind)
		})
		st := states[k]
		r := rules[k.brand]
		for _, e := range es {
			if st.conv == "" || (e.At >= st.lastIn && e.At-st.lastIn >= r.gap) {
				kind := ConversationReturning
				if st.conv == "" {
					kind = ConversationNew
				}
				st.conv, st.started = tenancy.NewID(), e.At
				convs = append(convs, convRow{id: st.conv, kind: kind, th: k, at: e.At})
			}
			st.lastIn = max(st.lastIn, e.At)
			st.dirty = true
			base := touchRow{th: k, conv: st.conv, at: e.At}
			tr, pr := touchesOf(base, e)
			touches = append(touches, tr...)
			refs = append(refs, pr...)
			if e.Kind == conversations.KindMessage || e.Kind == conversations.KindPostback {
				replies = append(replies, replyAsk{base: base, window: r.reply})
			}
		}
		states[k] = st
	}
	ads, err := t.resolveAds(ctx, tx, touches)
	if err != nil {
		return err
	}
	touches = ads
	named, err := resolveRefs(ctx, tx, refs)
	if err != nil {
		return err
	}
	touches = append(touches, named...)
	sent, err := resolveReplies(ctx, tx, replies)
	if err != nil {
		return err
	}
	touches = append(touches, sent...)
	if err := saveThreads(tx, states); err != nil {
		return err
	}
	if err := insertConversations(tx, convs); err != nil {
		return err
	}
	return insertTouches(tx, touches)
}

// kindOrder puts a referral before the message or postback it came with at the same instant.
func kindOrder(kind string) int {
	switch kind {
	case conversations.KindReferral:
		return 0
	case conversations.KindPostback:
		return 1
	}
	return 2
}

func lessThread(a, b thread) bool {
	if a.tenant != b.tenant {
		return a.tenant < b.tenant
	}
	if a.brand != b.brand {
		return a.brand < b.brand
	}
	if a.page != b.page {
		return a.page < b.page
	}
	return a.psid < b.psid
}

// brandRules reads the gap and reply window of brands, cached for rulesTTL.
func (t *Tracker) brandRules(ctx context.Context, tx *gorm.DB, brands map[string]bool) (map[string]brandRules, error) {
	now := t.now()
	out := make(map[string]brandRules, len(brands))
	var missing []string
	t.mu.Lock()
	for b := range brands {
		if r, ok := t.rules[b]; ok && now.Sub(r.read) < rulesTTL {
			out[b] = r
		} else {
			missing = append(missing, b)
		}
	}
	t.mu.Unlock()
	if len(missing) == 0 {
		return out, nil
	}
	var rows []struct {
		ID       string
		Settings tenancy.BrandSettings
	}
	if err := tx.WithContext(ctx).Raw("SELECT id, settings FROM brands WHERE id IN ?", missing).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("brand settings: %w", err)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, b := range missing {
		e := tenancy.BrandSettings{}.Effective()
		for _, r := range rows {
			if r.ID == b {
				e = r.Settings.Effective()
			}
		}
		r := brandRules{gap: int64(e.ConversationGapHours) * 3600_000, reply: int64(e.ReplyWindowHours) * 3600_000, read: now}
		t.rules[b], out[b] = r, r
	}
	return out, nil
}

// loadThreads reads the state of the batch's threads: one query per brand.
func loadThreads(ctx context.Context, tx *gorm.DB, keys []thread) (map[thread]threadState, error) {
	type scope struct{ tenant, brand string }
	pages, psids := map[scope][]string{}, map[scope][]string{}
	seen := map[string]bool{}
	for _, k := range keys {
		s := scope{k.tenant, k.brand}
		if p := s.tenant + "|" + s.brand + "|p|" + k.page; !seen[p] {
			seen[p] = true
			pages[s] = append(pages[s], k.page)
		}
		if p := s.tenant + "|" + s.brand + "|u|" + k.psid; !seen[p] {
			seen[p] = true
			psids[s] = append(psids[s], k.psid)
		}
	}
	out := make(map[thread]threadState, len(keys))
	for s := range pages {
		for _, chunk := range chunks(psids[s], 1000) {
			pageIn, pageArg := inList(tx, "page_id", pages[s])
			psidIn, psidArg := inList(tx, "psid", chunk)
			var rows []struct {
				PageID, ConversationID string
				PSID                   string `gorm:"column:psid"`
				StartedAt, LastInAt    int64
			}
			if err := tx.WithContext(ctx).Raw(`SELECT page_id, psid, conversation_id, started_at, last_in_at FROM attr_threads
				WHERE tenant_id = ? AND brand_id = ? AND `+pageIn+` AND `+psidIn, s.tenant, s.brand, pageArg, psidArg).
				Scan(&rows).Error; err != nil {
				return nil, fmt.Errorf("threads: %w", err)
			}
			for _, r := range rows {
				out[thread{s.tenant, s.brand, r.PageID, r.PSID}] = threadState{conv: r.ConversationID, started: r.StartedAt,
					lastIn: r.LastInAt, known: true}
			}
		}
	}
	return out, nil
}

// chunks splits ids into slices of at most n.
func chunks(ids []string, n int) [][]string {
	var out [][]string
	for len(ids) > n {
		out = append(out, ids[:n])
		ids = ids[n:]
	}
	return append(out, ids)
}

// bulkExec inserts rows of len(cols) values, with suffix after them (ON CONFLICT …). PostgreSQL gets VALUES
// lists; SQLite gets the rows as one JSON parameter expanded by jsonb_each, as the ingester does: the
// pure-Go driver binds parameters in quadratic time, and a batch holds thousands of rows.
func bulkExec(tx *gorm.DB, table string, cols []string, rows [][]any, suffix string) error {
	if len(rows) == 0 {
		return nil
	}
	head := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") "
	if tx.Dialector.Name() != "postgres" {
		sel := make([]string, len(cols))
		for i := range cols {
			sel[i] = fmt.Sprintf("value->>%d", i)
		}
		q := head + "SELECT " + strings.Join(sel, ", ") + " FROM jsonb_each(?) WHERE true " + suffix
		for len(rows) > 0 {
			n := min(len(rows), 2000)
			doc, err := json.Marshal(rows[:n])
			if err != nil {
				return err
			}
			if err := tx.Exec(q, string(doc)).Error; err != nil {
				return fmt.Errorf("insert %s: %w", table, err)
			}
			rows = rows[n:]
		}
		return nil
	}
	one := "(" + strings.TrimSuffix(strings.Repeat("?,", len(cols)), ",") + ")"
	for len(rows) > 0 {
		n := min(len(rows), 1000)
		args := make([]any, 0, n*len(cols))
		ph := make([]string, n)
		for i, r := range rows[:n] {
			args = append(args, r...)
			ph[i] = one
		}
		if err := tx.Exec(head+"VALUES "+strings.Join(ph, ", ")+" "+suffix, args...).Error; err != nil {
			return fmt.Errorf("insert %s: %w", table, err)
		}
		rows = rows[n:]
	}
	return nil
}

// inList is "col IN ?" with its argument: on SQLite a JSON array expanded by json_each (one parameter,
// see bulkExec), on PostgreSQL the values.
func inList(tx *gorm.DB, col string, values []string) (string, any) {
	if tx.Dialector.Name() == "postgres" {
		return col + " IN ?", values
	}
	doc, _ := json.Marshal(values)
	return col + " IN (SELECT value FROM json_each(?))", string(doc)
}

// saveThreads writes the threads the batch moved, in key order (a lock order between concurrent writers).
func saveThreads(tx *gorm.DB, states map[thread]threadState) error {
	keys := make([]thread, 0, len(states))
	for k, s := range states {
		if s.dirty {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool { return lessThread(keys[i], keys[j]) })
	rows := make([][]any, len(keys))
	for i, k := range keys {
		s := states[k]
		rows[i] = []any{k.tenant, k.brand, k.page, k.psid, s.conv, s.started, s.lastIn}
	}
	return bulkExec(tx, "attr_threads", []string{"tenant_id", "brand_id", "page_id", "psid", "conversation_id", "started_at", "last_in_at"}, rows,
		"ON CONFLICT (tenant_id, brand_id, page_id, psid) DO UPDATE SET conversation_id = excluded.conversation_id, "+
			"started_at = excluded.started_at, last_in_at = excluded.last_in_at")
}

func insertConversations(tx *gorm.DB, convs []convRow) error {
	rows := make([][]any, len(convs))
	for i, c := range convs {
		rows[i] = []any{c.id, c.th.tenant, c.th.brand, c.th.page, c.th.psid, c.kind, c.at}
	}
	return bulkExec(tx, "attr_conversations", []string{"id", "tenant_id", "brand_id", "page_id", "psid", "kind", "started_at"}, rows, "")
}

// insertTouches writes touches once per conversation, type and key (a repeat keeps the first).
func insertTouches(tx *gorm.DB, touches []touchRow) error {
	seen := map[string]bool{}
	var rows [][]any
	for _, t := range touches {
		k := t.conv + "|" + t.typ + "|" + t.key
		if seen[k] {
			continue
		}
		seen[k] = true
		rows = append(rows, []any{tenancy.NewID(), t.th.tenant, t.th.brand, t.th.page, t.th.psid, t.conv, t.typ, t.key, t.at,
			t.campaign, t.variant, t.adID, t.adName, t.ref, t.link, t.sendID})
	}
	return bulkExec(tx, "attr_touches", []string{"id", "tenant_id", "brand_id", "page_id", "psid", "conversation_id", "type", "touch_key",
		"at", "campaign_id", "variant", "ad_id", "ad_name", "ref", "link", "send_id"}, rows,
		"ON CONFLICT (conversation_id, type, touch_key) DO NOTHING")
}
