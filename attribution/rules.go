package attribution

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"gorm.io/gorm/clause"

	"relance/conversations"
	"relance/conversations/nlp"
	"relance/database"
	"relance/tenancy"
)

// ruleBatch is how many candidate rows one sweep applies per stream; the rest waits for the next sweep.
const ruleBatch = 2000

// Streams the rules sweep reads, each with its watermark.
const (
	streamMessages = "messages"
	streamEvents   = "contact_events"
)

// ruleMark is a stream's watermark (conversion_rule_marks).
type ruleMark struct {
	Stream    string `gorm:"primaryKey"`
	DoneID    int64
	SeenID    int64
	UpdatedAt int64
}

// TableName names the table.
func (ruleMark) TableName() string { return "conversion_rule_marks" }

// RuleResult counts what one sweep of the brand conversion rules did.
type RuleResult struct {
	// Leads and Purchases are the conversions the sweep created.
	Leads, Purchases int
	// Waiting is 1 when a row's contact was still in the deferred fold: it and what follows wait a sweep.
	Waiting int
	// Skipped are rows that matched a rule but could not become a conversion (no contact, a refused time).
	Skipped int
}

// ruleBrand is a brand with rules and the store its conversions go through.
type ruleBrand struct {
	st    *Store
	rules tenancy.ConversionRules
}

// ApplyRules applies the brand conversion rules (DESIGN §5 "Attribution") to the messages and contact events
// stored since the last sweep: a lead per contact that shares a phone number or an e-mail address (its first
// share), a purchase per postback whose payload a rule matches. Each conversion is created like one from the
// API, with an external_id derived from the contact or from the event's own deduplication key, so that a sweep
// run twice, two instances, or Meta's retry of a webhook never count one twice. Rules apply to what is stored
// after they are set: the watermark moves on for brands without rules too. now is the clock.
func ApplyRules(ctx context.Context, db *database.DB, now time.Time) (RuleResult, error) {
	var res RuleResult
	var all []tenancy.Brand
	if err := db.R.WithContext(ctx).Where("settings LIKE ?", "%conversion_rules%").Find(&all).Error; err != nil {
		return res, fmt.Errorf("attribution: rules: brands: %w", err)
	}
	leads, purchases := map[string]ruleBrand{}, map[string]ruleBrand{}
	for _, b := range all {
		rules := b.Settings.Effective().ConversionRules
		rb := ruleBrand{st: NewStore(db, b.TenantID, b, func() time.Time { return now }), rules: rules}
		if rules.LeadOnContactShared {
			leads[b.ID] = rb
		}
		if len(rules.PurchasePayloads) > 0 {
			purchases[b.ID] = rb
		}
	}
	sw := ruleSweep{db: db, now: now, res: &res, leadDone: map[string]bool{}}
	if err := sw.stream(ctx, streamMessages, "messages", func(lo, hi int64) (int64, error) { return sw.leads(ctx, leads, lo, hi) }); err != nil {
		return res, err
	}
	if err := sw.stream(ctx, streamEvents, "contact_events", func(lo, hi int64) (int64, error) { return sw.purchases(ctx, purchases, lo, hi) }); err != nil {
		return res, err
	}
	return res, nil
}

// ruleSweep is one run of ApplyRules.
type ruleSweep struct {
	db       *database.DB
	now      time.Time
	res      *RuleResult
	leadDone map[string]bool // contacts given their lead in this run
}

// stream moves one stream's watermark: apply (lo, hi] is called for the ids seen at the previous sweep and
// answers how far it got; once the range is done, the stream's highest id becomes the next range's end.
// A stream without a mark starts at its highest id: rules never apply to the history before the sweep ran.
func (sw *ruleSweep) stream(ctx context.Context, name, table string, apply func(lo, hi int64) (int64, error)) error {
	var maxID int64
	if err := sw.db.R.WithContext(ctx).Raw("SELECT COALESCE(MAX(id), 0) FROM " + table).Scan(&maxID).Error; err != nil {
		return fmt.Errorf("attribution: rules: %s: %w", name, err)
	}
	var marks []ruleMark
	if err := sw.db.W.WithContext(ctx).Where("stream = ?", name).Limit(1).Find(&marks).Error; err != nil {
		return fmt.Errorf("attribution: rules: mark: %w", err)
	}
	if len(marks) == 0 {
		m := ruleMark{Stream: name, DoneID: maxID, SeenID: maxID, UpdatedAt: sw.now.UnixMilli()}
		if err := sw.db.W.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&m).Error; err != nil {
			return fmt.Errorf("attribution: rules: mark: %w", err)
		}
		return nil
	}
	m := marks[0]
	done, seen := m.DoneID, m.SeenID
	if done < seen {
		var err error
		if done, err = apply(done, seen); err != nil {
			return err
		}
	}
	if done >= seen {
		seen = max(seen, maxID)
	}
	// Two instances sweeping at once both write idempotent conversions; only one moves the mark.
	err := sw.db.W.WithContext(ctx).Model(&ruleMark{}).Where("stream = ? AND done_id = ? AND seen_id = ?", name, m.DoneID, m.SeenID).
		Updates(map[string]any{"done_id": done, "seen_id": seen, "updated_at": sw.now.UnixMilli()}).Error
	if err != nil {
		return fmt.Errorf("attribution: rules: mark: %w", err)
	}
	return nil
}

// ruleRow is a candidate message or event.
type ruleRow struct {
	ID                          int64
	TenantID, BrandID, PageID   string
	PSID                        string `gorm:"column:psid"`
	Entities, DedupKey, Payload string
	At                          int64
}

// candidates reads up to ruleBatch rows of table in (lo, hi] for brands, with a filter.
func (sw *ruleSweep) candidates(ctx context.Context, table, cols, filter string, brands []string, lo, hi int64) ([]ruleRow, error) {
	var rows []ruleRow
	err := sw.db.R.WithContext(ctx).Raw("SELECT id, tenant_id, brand_id, page_id, psid, "+cols+" FROM "+table+
		" WHERE id > ? AND id <= ? AND brand_id IN ? AND "+filter+" ORDER BY id LIMIT ?", lo, hi, brands, ruleBatch).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("attribution: rules: %s: %w", table, err)
	}
	return rows, nil
}

// reached is how far a sweep over (lo, hi] got when it read rows and applied them all: a full batch ends at
// its last row, a short one at hi.
func reached(rows []ruleRow, hi int64) int64 {
	if len(rows) == ruleBatch {
		return rows[len(rows)-1].ID
	}
	return hi
}

// leads gives a lead to each contact whose inbound message in (lo, hi] carries a phone number or an e-mail.
func (sw *ruleSweep) leads(ctx context.Context, brands map[string]ruleBrand, lo, hi int64) (int64, error) {
	if len(brands) == 0 {
		return hi, nil
	}
	rows, err := sw.candidates(ctx, "messages", "entities, sent_at AS at", `direction = 'in' AND (entities LIKE '%"phone_number"%' OR entities LIKE '%"email"%')`,
		keys(brands), lo, hi)
	if err != nil {
		return lo, err
	}
	for _, r := range rows {
		if !sharesContact(r.Entities) {
			continue
		}
		b := brands[r.BrandID]
		id, wait, err := sw.contact(ctx, r)
		switch {
		case err != nil:
			return lo, err
		case wait:
			sw.res.Waiting = 1
			return r.ID - 1, nil
		case id == "":
			sw.res.Skipped++
			continue
		case sw.leadDone[id]:
			continue
		}
		in := ConversionInput{ExternalID: "rule:lead:" + id, ContactID: id, Type: "lead",
			Value: &Value{Amount: "0", Currency: b.st.brand.Currency}, OccurredAt: time.UnixMilli(r.At).UTC().Format(time.RFC3339Nano)}
		created, err := sw.create(ctx, b.st, in)
		if err != nil {
			return lo, err
		}
		sw.leadDone[id] = true
		if created {
			sw.res.Leads++
		}
	}
	return reached(rows, hi), nil
}

// purchases gives a purchase for each postback in (lo, hi] whose payload a rule of its brand matches.
func (sw *ruleSweep) purchases(ctx context.Context, brands map[string]ruleBrand, lo, hi int64) (int64, error) {
	if len(brands) == 0 {
		return hi, nil
	}
	rows, err := sw.candidates(ctx, "contact_events", "dedup_key, payload, at", "kind = '"+conversations.KindPostback+"'", keys(brands), lo, hi)
	if err != nil {
		return lo, err
	}
	for _, r := range rows {
		b := brands[r.BrandID]
		rule, ok := b.rules.PurchaseFor(r.Payload)
		if !ok {
			continue
		}
		id, wait, err := sw.contact(ctx, r)
		switch {
		case err != nil:
			return lo, err
		case wait:
			sw.res.Waiting = 1
			return r.ID - 1, nil
		case id == "":
			sw.res.Skipped++
			continue
		}
		in := ConversionInput{ExternalID: purchaseExternalID(r.PageID, r.DedupKey), ContactID: id, Type: "purchase",
			Value: &Value{Amount: rule.Value.Amount, Currency: rule.Value.Currency}, OccurredAt: time.UnixMilli(r.At).UTC().Format(time.RFC3339Nano)}
		created, err := sw.create(ctx, b.st, in)
		if err != nil {
			return lo, err
		}
		if created {
			sw.res.Purchases++
		}
	}
	return reached(rows, hi), nil
}

// create stores a rule's conversion; a conversion the checks refuse (a time in the future) is skipped, not
// retried forever.
func (sw *ruleSweep) create(ctx context.Context, st *Store, in ConversionInput) (bool, error) {
	_, created, err := st.create(ctx, in, SourceRule)
	var v *tenancy.ValidationError
	if errors.As(err, &v) {
		sw.res.Skipped++
		return false, nil
	}
	return created, err
}

// contact finds the contact of a row; wait is true when it is not written yet but waits in the deferred fold
// (it will be at a later sweep). No id and no wait: the contact is gone (erased), the row is skipped.
func (sw *ruleSweep) contact(ctx context.Context, r ruleRow) (id string, wait bool, err error) {
	var ids []string
	if err := sw.db.R.WithContext(ctx).Table("contacts").Where("tenant_id = ? AND brand_id = ? AND page_id = ? AND psid = ?",
		r.TenantID, r.BrandID, r.PageID, r.PSID).Limit(1).Pluck("id", &ids).Error; err != nil {
		return "", false, fmt.Errorf("attribution: rules: contact: %w", err)
	}
	if len(ids) > 0 {
		return ids[0], false, nil
	}
	var queued int64
	if err := sw.db.R.WithContext(ctx).Raw(`SELECT COUNT(*) FROM contact_fold_queue WHERE psid = ? AND page_id = ? AND brand_id = ?
		AND last_interaction_at > 0`, r.PSID, r.PageID, r.BrandID).Scan(&queued).Error; err != nil {
		return "", false, fmt.Errorf("attribution: rules: fold queue: %w", err)
	}
	return "", queued > 0, nil
}

// sharesContact reports whether a message's stored entities hold a phone number or an e-mail address.
func sharesContact(entities string) bool {
	var es []nlp.Entity
	if json.Unmarshal([]byte(entities), &es) != nil {
		return false
	}
	for _, e := range es {
		if e.Name == nlp.PhoneNumber || e.Name == nlp.Email {
			return true
		}
	}
	return false
}

// purchaseExternalID names a postback's purchase by the event's deduplication key (Meta's retry of a webhook
// keeps it), hashed when it would not fit an external_id (a key holding a long payload).
func purchaseExternalID(pageID, dedup string) string {
	id := "rule:purchase:" + pageID + ":" + dedup
	if utf8.RuneCountInString(id) <= 200 && utf8.ValidString(id) && strings.IndexFunc(id, unicode.IsControl) < 0 {
		return id
	}
	h := sha256.Sum256([]byte(dedup))
	return "rule:purchase:" + pageID + ":h:" + hex.EncodeToString(h[:16])
}

// keys lists a map's keys.
func keys(m map[string]ruleBrand) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
