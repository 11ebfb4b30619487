package conversations

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"gorm.io/gorm"

	"relance/conversations/nlp"
	"relance/tenancy"
)

// delta is what one batch adds to a contact: the aggregates audiences read, folded from the batch's new events.
// Times are epoch ms, 0 = none in this batch.
type delta struct {
	key                                contactKey
	firstSeen, lastIn, lastInteraction int64
	lastOut, lastBot, lastHuman        int64
	inCount, outCount                  int64
	firstRefAt, lastRefAt              int64
	firstRef, lastRef                  Referral
	optinAt, optinExpires              int64
	subscribed                         bool
	optinToken, optinTZ                string
	ownerAt                            int64
	owner                              string
	readWM, deliveryWM                 int64
	entities                           map[string]*entityDelta
	entityMask                         int64 // nlp.EntityBit of each entity in entities
}

type entityDelta struct{ first, last, count int64 }

// fold adds one new event to the contact's delta.
func (d *delta) fold(e *Event, vault *tenancy.Vault) {
	if d.firstSeen == 0 || e.At < d.firstSeen {
		d.firstSeen = e.At
	}
	if e.inbound() && e.At > d.lastInteraction {
		d.lastInteraction = e.At
	}
	switch e.Kind {
	case KindMessage:
		d.inCount++
		d.lastIn = max(d.lastIn, e.At)
		for _, en := range e.Entities {
			if d.entities == nil {
				d.entities = map[string]*entityDelta{}
			}
			ed := d.entities[en.Name]
			if ed == nil {
				ed = &entityDelta{first: e.At}
				d.entities[en.Name] = ed
			}
			ed.first, ed.last, ed.count = min(ed.first, e.At), max(ed.last, e.At), ed.count+1
			d.entityMask |= nlp.EntityBit(en.Name)
		}
	case KindEcho:
		d.outCount++
		d.lastOut = max(d.lastOut, e.At)
		switch e.Sender {
		case SenderBot:
			d.lastBot = max(d.lastBot, e.At)
		case SenderHuman:
			d.lastHuman = max(d.lastHuman, e.At)
		}
	case KindRead:
		d.readWM = max(d.readWM, e.Watermark)
	case KindDelivery:
		d.deliveryWM = max(d.deliveryWM, e.Watermark)
	case KindOptin:
		if e.Optin.Type == "notification_messages" && e.At > d.optinAt {
			d.optinAt, d.subscribed, d.optinTZ = e.At, e.Optin.Subscribed(), e.Optin.Timezone
			d.optinExpires, d.optinToken = e.Optin.TokenExpiresAt, ""
			if e.Optin.Token != "" {
				d.optinToken = vault.Seal(e.Optin.Token, "optin:"+e.PageID+":"+e.PSID)
			}
		}
	case KindPassThread, KindTakeThread:
		if e.At > d.ownerAt {
			d.ownerAt, d.owner = e.At, e.Handover.NewOwner
		}
	}
	if r := e.Referral; r != nil {
		if d.firstRefAt == 0 || e.At < d.firstRefAt {
			d.firstRefAt, d.firstRef = e.At, *r
		}
		if e.At >= d.lastRefAt {
			d.lastRefAt, d.lastRef = e.At, *r
		}
	}
}

// upsertContacts creates or updates the contacts of the batch in one statement per chunk. Every aggregate is
// merged in SQL (greatest, least, sums, "newer wins"), so that two instances writing the same contact at once
// cannot lose each other's update, and events arriving out of order still leave the right values.
func upsertContacts(tx *gorm.DB, d sqlDialect, deltas []*delta) error {
	sort.Slice(deltas, func(i, j int) bool { return lessKey(deltas[i].key, deltas[j].key) }) // a stable lock order
	g, l := d.greatest, d.least
	newer := func(at, col string) string {
		return fmt.Sprintf("%s = CASE WHEN excluded.%s > contacts.%s THEN excluded.%s ELSE contacts.%s END", col, at, at, col, col)
	}
	firstRef := func(col string) string {
		return fmt.Sprintf("%s = CASE WHEN contacts.first_ref_at = 0 OR (excluded.first_ref_at > 0 AND excluded.first_ref_at < contacts.first_ref_at) THEN excluded.%s ELSE contacts.%s END", col, col, col)
	}
	set := []string{
		fmt.Sprintf("first_seen_at = %s(contacts.first_seen_at, excluded.first_seen_at)", l),
		fmt.Sprintf("last_inbound_at = %s(contacts.last_inbound_at, excluded.last_inbound_at)", g),
		fmt.Sprintf("last_interaction_at = %s(contacts.last_interaction_at, excluded.last_interaction_at)", g),
		fmt.Sprintf("last_outbound_at = %s(contacts.last_outbound_at, excluded.last_outbound_at)", g),
		fmt.Sprintf("last_bot_at = %s(contacts.last_bot_at, excluded.last_bot_at)", g),
		fmt.Sprintf("last_human_at = %s(contacts.last_human_at, excluded.last_human_at)", g),
		"inbound_count = contacts.inbound_count + excluded.inbound_count",
		"outbound_count = contacts.outbound_count + excluded.outbound_count",
		firstRef("first_ref_source"), firstRef("first_ref_ref"), firstRef("first_ref_ad_id"), firstRef("first_ref_at"),
		newer("last_ref_at", "last_ref_source"), newer("last_ref_at", "last_ref_ref"), newer("last_ref_at", "last_ref_ad_id"),
		fmt.Sprintf("last_ref_at = %s(contacts.last_ref_at, excluded.last_ref_at)", g),
		newer("optin_at", "subscribed"), newer("optin_at", "optin_token_enc"), newer("optin_at", "optin_timezone"),
		newer("optin_at", "optin_expires_at"), fmt.Sprintf("optin_at = %s(contacts.optin_at, excluded.optin_at)", g),
		newer("owner_at", "owner_app_id"), fmt.Sprintf("owner_at = %s(contacts.owner_at, excluded.owner_at)", g),
		fmt.Sprintf("read_watermark = %s(contacts.read_watermark, excluded.read_watermark)", g),
		fmt.Sprintf("delivery_watermark = %s(contacts.delivery_watermark, excluded.delivery_watermark)", g),
		"entities_mask = contacts.entities_mask | excluded.entities_mask",
		"updated_at = excluded.updated_at",
	}
	cols := []string{"id", "tenant_id", "brand_id", "page_id", "psid", "first_seen_at", "last_inbound_at", "last_interaction_at",
		"last_outbound_at", "last_bot_at", "last_human_at", "inbound_count", "outbound_count", "first_ref_at", "first_ref_source",
		"first_ref_ref", "first_ref_ad_id", "last_ref_at", "last_ref_source", "last_ref_ref", "last_ref_ad_id", "optin_at",
		"subscribed", "optin_token_enc", "optin_timezone", "optin_expires_at", "owner_at", "owner_app_id", "read_watermark",
		"delivery_watermark", "entities_mask", "updated_at"}
	now := time.Now().UnixMilli()
	vals := make([][]any, 0, len(deltas))
	for _, x := range deltas {
		k := x.key
		vals = append(vals, []any{tenancy.NewID(), k.tenant, k.brand, k.page, k.psid, x.firstSeen, x.lastIn, x.lastInteraction,
			x.lastOut, x.lastBot, x.lastHuman, x.inCount, x.outCount, x.firstRefAt, x.firstRef.Source, x.firstRef.Ref,
			x.firstRef.AdID, x.lastRefAt, x.lastRef.Source, x.lastRef.Ref, x.lastRef.AdID, x.optinAt, x.subscribed,
			x.optinToken, x.optinTZ, x.optinExpires, x.ownerAt, x.owner, x.readWM, x.deliveryWM, x.entityMask, now})
	}
	if err := d.bulkInsert(tx, "contacts", cols, vals,
		"ON CONFLICT (tenant_id, brand_id, page_id, psid) DO UPDATE SET "+strings.Join(set, ", "), nil); err != nil {
		return fmt.Errorf("conversations: upsert contacts: %w", err)
	}
	return upsertEntities(tx, d, deltas)
}

// upsertEntities records, per contact, which entities it mentioned, when first and last, and how often.
func upsertEntities(tx *gorm.DB, d sqlDialect, deltas []*delta) error {
	var vals [][]any
	for _, x := range deltas {
		names := make([]string, 0, len(x.entities))
		for name := range x.entities {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			ed := x.entities[name]
			vals = append(vals, []any{x.key.tenant, x.key.brand, x.key.page, x.key.psid, name, ed.first, ed.last, ed.count})
		}
	}
	cols := []string{"tenant_id", "brand_id", "page_id", "psid", "entity", "first_seen_at", "last_seen_at", "count"}
	err := d.bulkInsert(tx, "contact_entities", cols, vals,
		"ON CONFLICT (tenant_id, brand_id, page_id, psid, entity) DO UPDATE SET "+
			fmt.Sprintf("first_seen_at = %s(contact_entities.first_seen_at, excluded.first_seen_at), ", d.least)+
			fmt.Sprintf("last_seen_at = %s(contact_entities.last_seen_at, excluded.last_seen_at), ", d.greatest)+
			"count = contact_entities.count + excluded.count", nil)
	if err != nil {
		return fmt.Errorf("conversations: upsert entities: %w", err)
	}
	return nil
}

func lessKey(a, b contactKey) bool {
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
