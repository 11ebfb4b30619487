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
// can be looked up (Tracker.Ads); tests use it.
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
	// loc is the brand's zone: report rollups count by its days.
	loc  *time.Location
	read time.Time
}

// rulesTTL is how long a brand setting change may take to reach attribution.
const rulesTTL = time.Minute

// NewTracker makes a tracker over db.
func NewTracker(db *database.DB) *Tracker {
	return &Tracker{db: db, Ads: LaunchedAds{}, rules: map[string]brandRules{}, now: time.Now}
}

// Observer is the tracker as the ingester's observer: it runs before the batch writes its contacts (or queues
// their deltas), so the contacts' latest user events, folded or queued, are the previous ones (the start of
// the silence).
func (t *Tracker) Observer() conversations.Observer {
	return func(ctx context.Context, tx *gorm.DB, evs []conversations.Observed) error {
		if err := t.apply(ctx, tx, evs, previousEvents, true); err != nil {
			return fmt.Errorf("attribution: observe: %w", err)
		}
		return nil
	}
}

// thread identifies a contact's thread with a brand.
type thread struct{ tenant, brand, page, psid string }

// threadState is where a thread stands while a batch is walked.
type threadState struct {
	// last is the user's latest event so far (0: none ever).
	last int64
	// conv is the start of the current conversation; 0 while it is one from before the batch (looked up
	// only if a touch needs it).
	conv int64
}

// convRow is a conversation to insert.
type convRow struct {
	th   thread
	at   int64
	kind string
}

// touchRow is a touch to insert; conv is its conversation's start (0: to look up).
type touchRow struct {
	th                                                 thread
	conv                                               int64
	typ, key                                           string
	at                                                 int64
	campaign, variant, adID, adName, ref, link, sendID string
}

// pendingRef is a touch waiting for its ref to name a campaign.
type pendingRef struct {
	touchRow
	refs []string
}

// priorFunc reads the user's latest event before the batch, per thread (absent: none).
type priorFunc func(ctx context.Context, tx *gorm.DB, keys []thread) (map[thread]int64, error)

// noPrior is a rebuild's: the history is walked from its start.
func noPrior(context.Context, *gorm.DB, []thread) (map[thread]int64, error) { return nil, nil }

// apply places user events in conversations and records their touches, and keeps the report rollups in
// step (recredit: also the credit of the conversions the new touches may change; a rebuild recredits all
// at its end instead).
func (t *Tracker) apply(ctx context.Context, tx *gorm.DB, evs []conversations.Observed, prior priorFunc, recredit bool) error {
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
	last, err := prior(ctx, tx, keys)
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
		st := threadState{last: last[k]}
		r := rules[k.brand]
		for _, e := range es {
			switch {
			case st.last == 0:
				st.conv = e.At
				convs = append(convs, convRow{th: k, at: e.At, kind: ConversationNew})
			case e.At >= st.last && e.At-st.last >= r.gap:
				st.conv = e.At
				convs = append(convs, convRow{th: k, at: e.At, kind: ConversationReturning})
			}
			st.last = max(st.last, e.At)
			base := touchRow{th: k, conv: st.conv, at: e.At}
			tr, pr := touchesOf(base, e)
			touches = append(touches, tr...)
			refs = append(refs, pr...)
			if e.Kind == conversations.KindMessage || e.Kind == conversations.KindPostback {
				replies = append(replies, replyAsk{base: base, window: r.reply})
			}
		}
	}
	if err := insertConversations(tx, convs); err != nil {
		return err
	}
	if touches, err = t.resolveAds(ctx, tx, touches); err != nil {
		return err
	}
	named, err := resolveRefs(ctx, tx, refs)
	if err != nil {
		return err
	}
	sent, err := resolveReplies(ctx, tx, replies)
	if err != nil {
		return err
	}
	touches = append(append(touches, named...), sent...)
	var missing []convRow
	if touches, missing, err = placeTouches(ctx, tx, touches); err != nil {
		return err
	}
	if err := rollUp(ctx, tx, rules, append(convs, missing...), touches); err != nil {
		return err
	}
	if err := insertTouches(tx, touches); err != nil {
		return err
	}
	if !recredit {
		return nil
	}
	return recreditTouched(ctx, tx, rules, touches)
}

// previousEvents reads each thread's latest user event before the batch: the contact's last_interaction_at,
// or a later one its queued delta carries while contacts are folded after the commit (ingest.fold_interval),
// so that inline and folded ingestion place events alike.
func previousEvents(ctx context.Context, tx *gorm.DB, keys []thread) (map[thread]int64, error) {
	cs := make([]conversations.ContactKey, len(keys))
	for i, k := range keys {
		cs[i] = conversations.ContactKey{TenantID: k.tenant, BrandID: k.brand, PageID: k.page, PSID: k.psid}
	}
	got, err := conversations.LastInteractions(ctx, tx, cs)
	if err != nil {
		return nil, err
	}
	out := make(map[thread]int64, len(got))
	for c, at := range got {
		out[thread{c.TenantID, c.BrandID, c.PageID, c.PSID}] = at
	}
	return out, nil
}

// placeTouches finds the conversation of touches that continue one started before their batch: the
// contact's latest conversation started at or before the touch, read for all of them in one statement per
// Page. A thread whose earlier history was never observed (stored before attribution ran) has none: its
// conversation starts with the touch, as returning.
func placeTouches(ctx context.Context, tx *gorm.DB, touches []touchRow) ([]touchRow, []convRow, error) {
	type scope struct{ tenant, brand, page string }
	open := map[scope][]int{}
	var scopes []scope
	for i := range touches {
		if touches[i].conv != 0 {
			continue
		}
		th := touches[i].th
		s := scope{th.tenant, th.brand, th.page}
		if open[s] == nil {
			scopes = append(scopes, s)
		}
		open[s] = append(open[s], i)
	}
	pg := tx.Dialector.Name() == "postgres"
	for _, s := range scopes {
		for _, part := range chunkInts(open[s], 1000) {
			var rows []struct {
				I     int
				Start *int64
			}
			var q *gorm.DB
			if pg {
				vals := make([]string, len(part))
				args := []any{s.tenant, s.brand, s.page}
				for n, i := range part {
					vals[n] = "(?::int, ?::text, ?::bigint)"
					args = append(args, i, touches[i].th.psid, touches[i].at)
				}
				q = tx.WithContext(ctx).Raw(`SELECT v.i, (SELECT MAX(c.started_at) FROM attr_conversations c WHERE c.tenant_id = ?
					AND c.brand_id = ? AND c.page_id = ? AND c.psid = v.psid AND c.started_at <= v.at) AS start
					FROM (VALUES `+strings.Join(vals, ", ")+`) AS v(i, psid, at)`, args...)
			} else {
				pairs := make([][3]any, len(part))
				for n, i := range part {
					pairs[n] = [3]any{i, touches[i].th.psid, touches[i].at}
				}
				doc, err := json.Marshal(pairs)
				if err != nil {
					return nil, nil, fmt.Errorf("conversation of a touch: %w", err)
				}
				q = tx.WithContext(ctx).Raw(`SELECT j.value->>0 AS i, (SELECT MAX(c.started_at) FROM attr_conversations c
					WHERE c.tenant_id = ? AND c.brand_id = ? AND c.page_id = ? AND c.psid = j.value->>1 AND c.started_at <= j.value->>2) AS start
					FROM json_each(?) j`, s.tenant, s.brand, s.page, string(doc))
			}
			if err := q.Scan(&rows).Error; err != nil {
				return nil, nil, fmt.Errorf("conversation of a touch: %w", err)
			}
			for _, r := range rows {
				if r.Start != nil && *r.Start > 0 && r.I >= 0 && r.I < len(touches) {
					touches[r.I].conv = *r.Start
				}
			}
		}
	}
	var missing []convRow
	for i := range touches {
		if x := &touches[i]; x.conv == 0 {
			x.conv = x.at
			missing = append(missing, convRow{th: x.th, at: x.at, kind: ConversationReturning})
		}
	}
	return touches, missing, insertConversations(tx, missing)
}

// chunkInts splits ints into slices of at most n.
func chunkInts(ints []int, n int) [][]int {
	var out [][]int
	for len(ints) > n {
		out = append(out, ints[:n])
		ints = ints[n:]
	}
	return append(out, ints)
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
		Timezone string
	}
	if err := tx.WithContext(ctx).Raw("SELECT id, settings, timezone FROM brands WHERE id IN ?", missing).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("brand settings: %w", err)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, b := range missing {
		e := tenancy.BrandSettings{}.Effective()
		loc := time.UTC
		for _, r := range rows {
			if r.ID == b {
				e = r.Settings.Effective()
				if l, err := time.LoadLocation(r.Timezone); err == nil {
					loc = l
				}
			}
		}
		r := brandRules{gap: int64(e.ConversationGapHours) * 3600_000, reply: int64(e.ReplyWindowHours) * 3600_000, loc: loc, read: now}
		t.rules[b], out[b] = r, r
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

// insertConversations writes new conversations; one already stored (a retried batch) is kept.
func insertConversations(tx *gorm.DB, convs []convRow) error {
	rows := make([][]any, len(convs))
	for i, c := range convs {
		rows[i] = []any{c.th.tenant, c.th.brand, c.th.page, c.th.psid, c.at, c.kind}
	}
	return bulkExec(tx, "attr_conversations", []string{"tenant_id", "brand_id", "page_id", "psid", "started_at", "kind"}, rows,
		"ON CONFLICT (tenant_id, brand_id, page_id, psid, started_at) DO NOTHING")
}

// insertTouches writes touches once per conversation, type and key (a repeat keeps the first).
func insertTouches(tx *gorm.DB, touches []touchRow) error {
	seen := map[string]bool{}
	var rows [][]any
	for _, t := range touches {
		k := fmt.Sprintf("%v|%d|%s|%s", t.th, t.conv, t.typ, t.key)
		if seen[k] {
			continue
		}
		seen[k] = true
		rows = append(rows, []any{tenancy.NewID(), t.th.tenant, t.th.brand, t.th.page, t.th.psid, t.conv, t.typ, t.key, t.at,
			t.campaign, t.variant, t.adID, t.adName, t.ref, t.link, t.sendID})
	}
	return bulkExec(tx, "attr_touches", []string{"id", "tenant_id", "brand_id", "page_id", "psid", "conversation_at", "type", "touch_key",
		"at", "campaign_id", "variant", "ad_id", "ad_name", "ref", "link", "send_id"}, rows,
		"ON CONFLICT (tenant_id, brand_id, page_id, psid, conversation_at, type, touch_key) DO NOTHING")
}
