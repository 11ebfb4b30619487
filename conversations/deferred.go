package conversations

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"gorm.io/gorm"
)

// Deferred folding. With FoldEvery set, the commit that answers Meta writes only what must be durable at once
// (messages, events, kept-aside entries) plus one appended row per contact of the batch in contact_fold_queue:
// the contact's delta. A fold (every interval, or Fold) takes the queued rows in id order, merges the deltas
// of each contact in memory and updates contacts and contact_entities once per contact, deleting the rows it
// took in the same transaction. A contact that writes ten times in a second is then rewritten once, not ten
// times, and the webhook's commit appends instead of rewriting contact rows and their activity-ordered index
// entries all over the table. Nothing is lost on a crash: queued rows are folded by the next fold, and a row
// is deleted only by the transaction that folds it.

// foldRowsPerTx bounds the queued rows one fold transaction takes. On SQLite the fold holds the only writer
// while it runs, so webhooks wait for it: a thousand rows take tens of milliseconds, and webhook batches
// are written between two such transactions.
const foldRowsPerTx = 1000

// queuedDelta is a delta as stored in contact_fold_queue.delta (JSON; zero fields are left out).
type queuedDelta struct {
	Tenant          string              `json:"t"`
	Brand           string              `json:"b"`
	Page            string              `json:"p"`
	PSID            string              `json:"s"`
	FirstSeen       int64               `json:"fs,omitempty"`
	LastIn          int64               `json:"li,omitempty"`
	LastInteraction int64               `json:"lx,omitempty"`
	LastOut         int64               `json:"lo,omitempty"`
	LastBot         int64               `json:"lb,omitempty"`
	LastHuman       int64               `json:"lh,omitempty"`
	InCount         int64               `json:"ic,omitempty"`
	OutCount        int64               `json:"oc,omitempty"`
	FirstRefAt      int64               `json:"fra,omitempty"`
	FirstRef        *[3]string          `json:"fr,omitempty"` // source, ref, ad id
	LastRefAt       int64               `json:"lra,omitempty"`
	LastRef         *[3]string          `json:"lr,omitempty"`
	OptinAt         int64               `json:"oa,omitempty"`
	OptinExpires    int64               `json:"oe,omitempty"`
	Subscribed      bool                `json:"su,omitempty"`
	OptinToken      string              `json:"ot,omitempty"`
	OptinTZ         string              `json:"oz,omitempty"`
	OwnerAt         int64               `json:"wa,omitempty"`
	Owner           string              `json:"w,omitempty"`
	ReadWM          int64               `json:"rw,omitempty"`
	DeliveryWM      int64               `json:"dw,omitempty"`
	EntityMask      int64               `json:"em,omitempty"`
	Entities        map[string][3]int64 `json:"en,omitempty"` // first, last, count
}

func refTriple(r Referral) *[3]string {
	if r.Source == "" && r.Ref == "" && r.AdID == "" {
		return nil
	}
	return &[3]string{r.Source, r.Ref, r.AdID}
}

func tripleRef(t *[3]string) Referral {
	if t == nil {
		return Referral{}
	}
	return Referral{Source: t[0], Ref: t[1], AdID: t[2]}
}

func (d *delta) queued() queuedDelta {
	q := queuedDelta{Tenant: d.key.tenant, Brand: d.key.brand, Page: d.key.page, PSID: d.key.psid,
		FirstSeen: d.firstSeen, LastIn: d.lastIn, LastInteraction: d.lastInteraction, LastOut: d.lastOut,
		LastBot: d.lastBot, LastHuman: d.lastHuman, InCount: d.inCount, OutCount: d.outCount,
		FirstRefAt: d.firstRefAt, FirstRef: refTriple(d.firstRef), LastRefAt: d.lastRefAt, LastRef: refTriple(d.lastRef),
		OptinAt: d.optinAt, OptinExpires: d.optinExpires, Subscribed: d.subscribed, OptinToken: d.optinToken,
		OptinTZ: d.optinTZ, OwnerAt: d.ownerAt, Owner: d.owner, ReadWM: d.readWM, DeliveryWM: d.deliveryWM,
		EntityMask: d.entityMask}
	if len(d.entities) > 0 {
		q.Entities = make(map[string][3]int64, len(d.entities))
		for name, e := range d.entities {
			q.Entities[name] = [3]int64{e.first, e.last, e.count}
		}
	}
	return q
}

func (q *queuedDelta) delta() *delta {
	d := &delta{key: contactKey{q.Tenant, q.Brand, q.Page, q.PSID},
		firstSeen: q.FirstSeen, lastIn: q.LastIn, lastInteraction: q.LastInteraction, lastOut: q.LastOut,
		lastBot: q.LastBot, lastHuman: q.LastHuman, inCount: q.InCount, outCount: q.OutCount,
		firstRefAt: q.FirstRefAt, firstRef: tripleRef(q.FirstRef), lastRefAt: q.LastRefAt, lastRef: tripleRef(q.LastRef),
		optinAt: q.OptinAt, optinExpires: q.OptinExpires, subscribed: q.Subscribed, optinToken: q.OptinToken,
		optinTZ: q.OptinTZ, ownerAt: q.OwnerAt, owner: q.Owner, readWM: q.ReadWM, deliveryWM: q.DeliveryWM,
		entityMask: q.EntityMask}
	if len(q.Entities) > 0 {
		d.entities = make(map[string]*entityDelta, len(q.Entities))
		for name, e := range q.Entities {
			d.entities[name] = &entityDelta{first: e[0], last: e[1], count: e[2]}
		}
	}
	return d
}

// merge adds a later delta of the same contact to d, exactly as upsertContacts would apply o after d: the
// same least, greatest, sums and "strictly newer wins" rules, so that folding a queue gives the contact row
// that writing each batch's delta in turn gives.
func (d *delta) merge(o *delta) {
	minNZ := func(a, b int64) int64 {
		if a == 0 || (b != 0 && b < a) {
			return b
		}
		return a
	}
	d.firstSeen = minNZ(d.firstSeen, o.firstSeen)
	d.lastIn, d.lastInteraction = max(d.lastIn, o.lastIn), max(d.lastInteraction, o.lastInteraction)
	d.lastOut, d.lastBot, d.lastHuman = max(d.lastOut, o.lastOut), max(d.lastBot, o.lastBot), max(d.lastHuman, o.lastHuman)
	d.inCount += o.inCount
	d.outCount += o.outCount
	if d.firstRefAt == 0 || (o.firstRefAt > 0 && o.firstRefAt < d.firstRefAt) {
		d.firstRefAt, d.firstRef = o.firstRefAt, o.firstRef
	}
	if o.lastRefAt > d.lastRefAt {
		d.lastRefAt, d.lastRef = o.lastRefAt, o.lastRef
	}
	if o.optinAt > d.optinAt {
		d.optinAt, d.subscribed, d.optinToken, d.optinTZ, d.optinExpires = o.optinAt, o.subscribed, o.optinToken, o.optinTZ, o.optinExpires
	}
	if o.ownerAt > d.ownerAt {
		d.ownerAt, d.owner = o.ownerAt, o.owner
	}
	d.readWM, d.deliveryWM = max(d.readWM, o.readWM), max(d.deliveryWM, o.deliveryWM)
	d.entityMask |= o.entityMask
	for name, e := range o.entities {
		if d.entities == nil {
			d.entities = map[string]*entityDelta{}
		}
		x := d.entities[name]
		if x == nil {
			d.entities[name] = &entityDelta{first: e.first, last: e.last, count: e.count}
			continue
		}
		x.first, x.last, x.count = min(x.first, e.first), max(x.last, e.last), x.count+e.count
	}
}

// enqueueDeltas appends the batch's contact deltas to contact_fold_queue.
func enqueueDeltas(tx *gorm.DB, d sqlDialect, deltas []*delta) error {
	vals := make([][]any, 0, len(deltas))
	for _, x := range deltas {
		b, err := json.Marshal(x.queued())
		if err != nil {
			return fmt.Errorf("conversations: queue contact delta: %w", err)
		}
		vals = append(vals, []any{string(b), x.key.brand, x.key.page, x.key.psid, x.lastInteraction})
	}
	// The key and last_interaction_at in columns let attribution find a contact's queued activity (PriorActivity).
	if err := d.bulkInsert(tx, "contact_fold_queue", []string{"delta", "brand_id", "page_id", "psid", "last_interaction_at"}, vals, "", nil); err != nil {
		return fmt.Errorf("conversations: queue contact deltas: %w", err)
	}
	return nil
}

// FoldEvery makes the ingester defer contact aggregates to a fold run every interval (see contact_fold_queue);
// 0, the default, updates contacts in the commit that stores the events. Call it before Run.
func (in *Ingester) FoldEvery(interval time.Duration) {
	in.foldEvery = interval
	in.dirty.Store(interval > 0) // rows an earlier process left are folded by the first fold
}

// Fold brings contacts and contact_entities up to date with every event whose Submit has returned: readers that
// need this instant's aggregates (the sandbox's window check, tests) call it first. It returns at once when
// contacts are updated on ingestion or nothing was queued since the last fold.
func (in *Ingester) Fold(ctx context.Context) error {
	if in.foldEvery <= 0 || !in.dirty.Swap(false) {
		return nil
	}
	if err := in.foldAll(ctx); err != nil {
		in.dirty.Store(true)
		return err
	}
	return nil
}

// foldLoop folds every interval until stop is closed, then once more (the writers have drained by then).
func (in *Ingester) foldLoop(stop <-chan struct{}) {
	t := time.NewTicker(in.foldEvery)
	defer t.Stop()
	for {
		select {
		case <-t.C:
		case <-stop:
			in.dirty.Store(true)
			if err := in.Fold(context.Background()); err != nil {
				in.log.Error("contact fold failed at shutdown", "err", err)
			}
			return
		}
		if err := in.Fold(context.Background()); err != nil {
			in.log.Error("contact fold failed", "err", err)
		}
	}
}

// foldAll folds queued rows until the queue is empty. When a chunk fails, its rows are folded one at a time,
// and a row that fails alone is kept aside in failed_entries: one value the database refuses must not stop
// every contact's aggregates. When the database itself fails, keeping aside fails too and nothing is lost.
func (in *Ingester) foldAll(ctx context.Context) error {
	for {
		n, err := in.foldOnce(ctx, foldRowsPerTx)
		if err != nil {
			if ctx.Err() != nil {
				return err
			}
			for range foldRowsPerTx {
				one, err := in.foldOnce(ctx, 1)
				if err != nil {
					if err := in.setAside(ctx, err); err != nil {
						return err
					}
					continue
				}
				if one == 0 {
					return nil
				}
			}
			continue
		}
		if n < foldRowsPerTx {
			return nil
		}
	}
}

// setAside moves the oldest queued row, which the fold failed on alone, to failed_entries.
func (in *Ingester) setAside(ctx context.Context, cause error) error {
	now := time.Now().UnixMilli()
	err := in.db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var doc string
		if err := tx.Raw("DELETE FROM contact_fold_queue WHERE id = (SELECT MIN(id) FROM contact_fold_queue) RETURNING delta").
			Row().Scan(&doc); err != nil {
			return err
		}
		var key queuedDelta
		_ = json.Unmarshal([]byte(doc), &key) // a row that does not parse is kept all the same
		msg := cause.Error()
		if len(msg) > 2000 {
			msg = msg[:2000]
		}
		return tx.Exec(`INSERT INTO failed_entries (page_id, tenant_id, body_hash, body, error, received_at, last_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (body_hash) DO UPDATE SET attempts = failed_entries.attempts + 1,
			error = excluded.error, last_at = excluded.last_at`,
			key.Page, key.Tenant, shortHash([]byte("fold\x00"+doc)), doc, msg, now, now).Error
	})
	if err != nil {
		return fmt.Errorf("conversations: keep a contact delta aside: %w (after %w)", err, cause)
	}
	in.log.Error("contact delta refused by the database, kept in failed_entries", "err", cause)
	return nil
}

// foldOnce takes up to limit queued rows in one transaction, applies them to the contacts and deletes them;
// it returns how many it took.
func (in *Ingester) foldOnce(ctx context.Context, limit int) (int, error) {
	start := time.Now()
	claim := "DELETE FROM contact_fold_queue WHERE id IN (SELECT id FROM contact_fold_queue ORDER BY id LIMIT ?) RETURNING id, delta"
	if !in.dialect.json {
		// Another instance folding at the same time takes other rows instead of waiting for these.
		claim = "DELETE FROM contact_fold_queue WHERE id IN (SELECT id FROM contact_fold_queue ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED) RETURNING id, delta"
	}
	n := 0
	var err error
	for try := 0; try < 4; try++ {
		n, err = in.foldTx(ctx, claim, limit)
		if !lockConflict(err) {
			break
		}
	}
	if err != nil {
		return 0, err
	}
	if n > 0 {
		in.m.folded.Add(float64(n))
		in.m.fold.Observe(time.Since(start).Seconds())
	}
	return n, nil
}

func (in *Ingester) foldTx(ctx context.Context, claim string, limit int) (int, error) {
	n := 0
	err := in.db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		tx = in.db.Cached(tx)
		var rows []queuedRow
		rs, err := tx.Raw(claim, limit).Rows()
		if err != nil {
			return err
		}
		for rs.Next() {
			var id int64
			var doc string
			if err := rs.Scan(&id, &doc); err != nil {
				rs.Close()
				return err
			}
			var q queuedDelta
			if err := json.Unmarshal([]byte(doc), &q); err != nil {
				rs.Close()
				return fmt.Errorf("queued delta %d: %w", id, err)
			}
			rows = append(rows, queuedRow{id, q.delta()})
		}
		rs.Close()
		if err := rs.Err(); err != nil {
			return err
		}
		n = len(rows)
		// RETURNING promises no order; merging in queue order keeps "newer wins" ties as the inline path has them.
		sort.Slice(rows, func(i, j int) bool { return rows[i].id < rows[j].id })
		live, err := liveBrands(tx, rows)
		if err != nil {
			return err
		}
		merged := map[contactKey]*delta{}
		order := make([]*delta, 0, len(rows))
		for _, r := range rows {
			if !live[r.d.key.brand] {
				continue // the brand was deleted since: its contacts went with it (and the foreign key would refuse them)
			}
			if d := merged[r.d.key]; d != nil {
				d.merge(r.d)
				continue
			}
			merged[r.d.key] = r.d
			order = append(order, r.d)
		}
		return upsertContacts(tx, in.dialect, order)
	})
	if err != nil {
		return 0, fmt.Errorf("conversations: fold contacts: %w", err)
	}
	return n, nil
}

// queuedRow is a claimed row of contact_fold_queue.
type queuedRow struct {
	id int64
	d  *delta
}

// liveBrands returns which brands of the rows still exist.
func liveBrands(tx *gorm.DB, rows []queuedRow) (map[string]bool, error) {
	seen := map[string]bool{}
	var ids []string
	for _, r := range rows {
		if !seen[r.d.key.brand] {
			seen[r.d.key.brand] = true
			ids = append(ids, r.d.key.brand)
		}
	}
	live := make(map[string]bool, len(ids))
	for start := 0; start < len(ids); start += 500 {
		var found []string
		if err := tx.Raw("SELECT id FROM brands WHERE id IN ?", ids[start:min(start+500, len(ids))]).Scan(&found).Error; err != nil {
			return nil, err
		}
		for _, id := range found {
			live[id] = true
		}
	}
	return live, nil
}
