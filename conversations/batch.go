package conversations

import (
	"encoding/json"
	"fmt"

	"gorm.io/gorm"

	"relance/database"
)

// routed is an event with its tenant and brand.
type routed struct {
	Event
	route
	key string // dedup key: mid for messages and echoes, kind-specific for the rest
}

// contactKey identifies a contact.
type contactKey struct{ tenant, brand, page, psid string }

func (r *routed) contact() contactKey { return contactKey{r.TenantID, r.BrandID, r.PageID, r.PSID} }

// dedupKey is how a retried delivery is recognized: Meta resends the same events for up to 36 hours.
func dedupKey(e *Event) string {
	switch e.Kind {
	case KindMessage, KindEcho:
		return e.MID
	case KindPostback:
		if e.MID != "" {
			return "pb:" + e.MID
		}
		return fmt.Sprintf("pb:%s:%d:%s", e.PSID, e.At, e.Payload)
	case KindRead, KindDelivery:
		return fmt.Sprintf("%s:%s:%d", e.Kind, e.PSID, e.Watermark)
	case KindReferral:
		r := e.Referral
		return fmt.Sprintf("ref:%s:%d:%s:%s", e.PSID, e.At, r.AdID, r.Ref)
	case KindOptin:
		return fmt.Sprintf("optin:%s:%d:%s", e.PSID, e.At, e.Optin.Status)
	case KindUnknown, KindAppRoles:
		return fmt.Sprintf("%s:%s:%d:%s", e.Kind, e.PSID, e.At, shortHash(e.Raw))
	}
	return fmt.Sprintf("%s:%s:%d", e.Kind, e.PSID, e.At)
}

// batchResult counts what a batch wrote.
type batchResult struct {
	stored, duplicates, unrouted int
}

// sqlDialect holds the few things that differ between SQLite and PostgreSQL.
type sqlDialect struct {
	greatest, least string
	// json sends bulk rows as one JSON parameter (SQLite); see bulkInsert.
	json bool
	// maxParams bounds the parameters of one VALUES statement (PostgreSQL allows 65,535).
	maxParams int
}

func dialectOf(db *database.DB) sqlDialect {
	if db.Dialect == database.Postgres {
		return sqlDialect{greatest: "GREATEST", least: "LEAST", maxParams: 16000}
	}
	return sqlDialect{greatest: "max", least: "min", json: true}
}

// insertMessages inserts messages and echoes, skipping duplicates, and returns the keys that were new.
func insertMessages(tx *gorm.DB, d sqlDialect, rows []*routed) (map[string]bool, error) {
	fresh := map[string]bool{}
	vals := make([][]any, 0, len(rows))
	for _, r := range rows {
		dir := "in"
		if r.Kind == KindEcho {
			dir = "out"
		}
		vals = append(vals, []any{r.TenantID, r.BrandID, r.PageID, r.PSID, r.MID, dir, r.Sender, r.AppID, r.Text,
			r.QuickReply, r.ReplyTo, r.Metadata, jsonText(r.Attachments), jsonText(r.Entities), r.Standby, r.At, foldColumn(r.Text)})
	}
	cols := []string{"tenant_id", "brand_id", "page_id", "psid", "mid", "direction", "sender", "app_id", "text", "quick_reply",
		"reply_to", "metadata", "attachments", "entities", "standby", "sent_at", "text_fold"}
	err := d.bulkInsert(tx, "messages", cols, vals,
		"ON CONFLICT (tenant_id, brand_id, page_id, mid) DO NOTHING RETURNING brand_id, page_id, mid", keyCollector(fresh))
	if err != nil {
		return nil, fmt.Errorf("conversations: insert messages: %w", err)
	}
	return fresh, nil
}

// insertEvents inserts the other events, skipping duplicates, and returns the keys that were new.
func insertEvents(tx *gorm.DB, d sqlDialect, rows []*routed) (map[string]bool, error) {
	fresh := map[string]bool{}
	vals := make([][]any, 0, len(rows))
	for _, r := range rows {
		var src, ref, ad string
		if r.Referral != nil {
			src, ref, ad = r.Referral.Source, r.Referral.Ref, r.Referral.AdID
		}
		vals = append(vals, []any{r.TenantID, r.BrandID, r.PageID, r.PSID, r.Kind, r.key, r.Standby, r.At,
			r.Payload, src, ref, ad, eventData(&r.Event)})
	}
	cols := []string{"tenant_id", "brand_id", "page_id", "psid", "kind", "dedup_key", "standby", "at", "payload",
		"ref_source", "ref_ref", "ref_ad_id", "data"}
	err := d.bulkInsert(tx, "contact_events", cols, vals,
		"ON CONFLICT (tenant_id, brand_id, page_id, dedup_key) DO NOTHING RETURNING brand_id, page_id, dedup_key", keyCollector(fresh))
	if err != nil {
		return nil, fmt.Errorf("conversations: insert events: %w", err)
	}
	return fresh, nil
}

// eventData is what the thread view shows of a non-message event (the opt-in token is left out: it is
// sealed on the contact).
func eventData(e *Event) string {
	switch {
	case e.Referral != nil && e.Kind != KindPostback:
		return jsonText(e.Referral)
	case e.Kind == KindPostback:
		return jsonText(map[string]any{"title": e.Title, "payload": e.Payload, "referral": e.Referral})
	case e.Optin != nil:
		return jsonText(e.Optin)
	case e.Handover != nil:
		return jsonText(e.Handover)
	case e.Kind == KindDelivery:
		return jsonText(map[string]any{"watermark": e.Watermark, "mids": e.MIDs})
	case e.Kind == KindRead:
		return jsonText(map[string]any{"watermark": e.Watermark})
	}
	return string(e.Raw)
}

// jsonText renders v as compact JSON, or "" for empty values.
func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil || string(b) == "null" || string(b) == "[]" {
		return ""
	}
	return string(b)
}
