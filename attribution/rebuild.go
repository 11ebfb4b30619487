package attribution

import (
	"context"
	"encoding/json"
	"fmt"

	"gorm.io/gorm"

	"relance/conversations"
)

// RebuildSummary says what a rebuild found.
type RebuildSummary struct {
	Contacts, Events, Conversations, Touches int64
	// Conversions is how many conversions got their report credit computed again.
	Conversions int64
}

// rebuildChunk is how many contacts a rebuild reads and writes per transaction.
const rebuildChunk = 500

// Rebuild derives an agency's (or one of its brands') conversations and touches again from the stored
// messages and events, replacing what was there: the same code as the incremental path, over the whole
// history in time order, so it also places exactly the events that arrived late. The report rollups are
// rebuilt with them (report_days as the history is walked, then every conversion's credit lines);
// conversions themselves are not touched.
func (t *Tracker) Rebuild(ctx context.Context, tenantID, brandID string) (RebuildSummary, error) {
	var sum RebuildSummary
	scope := func(q *gorm.DB) *gorm.DB {
		q = q.Where("tenant_id = ?", tenantID)
		if brandID != "" {
			q = q.Where("brand_id = ?", brandID)
		}
		return q
	}
	err := t.db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		where, args := "tenant_id = ?", []any{tenantID}
		if brandID != "" {
			where, args = where+" AND brand_id = ?", append(args, brandID)
		}
		for _, table := range []string{"attr_touches", "attr_conversations", "report_days"} {
			if err := tx.Exec("DELETE FROM "+table+" WHERE "+where, args...).Error; err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return sum, fmt.Errorf("attribution: rebuild: clear: %w", err)
	}
	after := ""
	for {
		var contacts []struct {
			ID, BrandID, PageID string
			PSID                string `gorm:"column:psid"`
		}
		if err := scope(t.db.R.WithContext(ctx).Table("contacts")).Select("id, brand_id, page_id, psid").Where("id > ?", after).
			Order("id").Limit(rebuildChunk).Scan(&contacts).Error; err != nil {
			return sum, fmt.Errorf("attribution: rebuild: contacts: %w", err)
		}
		if len(contacts) == 0 {
			break
		}
		after = contacts[len(contacts)-1].ID
		sum.Contacts += int64(len(contacts))
		want := map[thread]bool{}
		var brands, pages, psids []string
		for _, c := range contacts {
			want[thread{tenantID, c.BrandID, c.PageID, c.PSID}] = true
			brands, pages, psids = append(brands, c.BrandID), append(pages, c.PageID), append(psids, c.PSID)
		}
		evs, err := t.history(ctx, tenantID, brands, pages, psids, want)
		if err != nil {
			return sum, err
		}
		sum.Events += int64(len(evs))
		if len(evs) == 0 {
			continue
		}
		if err := t.db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error { return t.apply(ctx, tx, evs, noPrior, false) }); err != nil {
			return sum, fmt.Errorf("attribution: rebuild: %w", err)
		}
	}
	// Touches may have changed under every conversion: their credit is computed again, all of it.
	n, err := t.RecreditAll(ctx, tenantID, brandID)
	if err != nil {
		return sum, err
	}
	sum.Conversions = n
	for table, n := range map[string]*int64{"attr_conversations": &sum.Conversations, "attr_touches": &sum.Touches} {
		if err := scope(t.db.R.WithContext(ctx).Table(table)).Count(n).Error; err != nil {
			return sum, fmt.Errorf("attribution: rebuild: count: %w", err)
		}
	}
	return sum, nil
}

// history reads the user events of some contacts as the ingester observed them: inbound messages, postbacks,
// referrals and opt-ins (want filters the superset the IN lists select).
func (t *Tracker) history(ctx context.Context, tenantID string, brands, pages, psids []string, want map[thread]bool) ([]conversations.Observed, error) {
	var msgs []struct {
		BrandID, PageID, QuickReply string
		PSID                        string `gorm:"column:psid"`
		MID                         string `gorm:"column:mid"`
		SentAt                      int64
	}
	if err := t.db.R.WithContext(ctx).Raw(`SELECT brand_id, page_id, psid, mid, quick_reply, sent_at FROM messages
		WHERE tenant_id = ? AND brand_id IN ? AND page_id IN ? AND psid IN ? AND direction = 'in'`, tenantID, brands, pages, psids).
		Scan(&msgs).Error; err != nil {
		return nil, fmt.Errorf("attribution: rebuild: messages: %w", err)
	}
	var evs []struct {
		BrandID, PageID, Kind, Payload, RefSource, RefRef, Data string
		PSID                                                    string `gorm:"column:psid"`
		RefAdID                                                 string `gorm:"column:ref_ad_id"`
		At                                                      int64
	}
	if err := t.db.R.WithContext(ctx).Raw(`SELECT brand_id, page_id, psid, kind, payload, ref_source, ref_ref, ref_ad_id, data, at
		FROM contact_events WHERE tenant_id = ? AND brand_id IN ? AND page_id IN ? AND psid IN ? AND kind IN ?`,
		tenantID, brands, pages, psids, []string{conversations.KindPostback, conversations.KindReferral, conversations.KindOptin}).Scan(&evs).Error; err != nil {
		return nil, fmt.Errorf("attribution: rebuild: events: %w", err)
	}
	out := make([]conversations.Observed, 0, len(msgs)+len(evs))
	for _, m := range msgs {
		if !want[thread{tenantID, m.BrandID, m.PageID, m.PSID}] {
			continue
		}
		e := &conversations.Event{Kind: conversations.KindMessage, PageID: m.PageID, PSID: m.PSID, At: m.SentAt, MID: m.MID, QuickReply: m.QuickReply}
		out = append(out, conversations.Observed{TenantID: tenantID, BrandID: m.BrandID, Event: e})
	}
	for _, x := range evs {
		if !want[thread{tenantID, x.BrandID, x.PageID, x.PSID}] {
			continue
		}
		e := &conversations.Event{Kind: x.Kind, PageID: x.PageID, PSID: x.PSID, At: x.At, Payload: x.Payload}
		if x.RefSource != "" || x.RefRef != "" || x.RefAdID != "" {
			e.Referral = &conversations.Referral{Source: x.RefSource, Ref: x.RefRef, AdID: x.RefAdID, AdsContext: storedAdsContext(x.Kind, x.Data)}
		}
		out = append(out, conversations.Observed{TenantID: tenantID, BrandID: x.BrandID, Event: e})
	}
	return out, nil
}

// storedAdsContext reads ads_context_data back from an event's stored data: the referral itself, or a
// postback's {"referral": …}.
func storedAdsContext(kind, data string) json.RawMessage {
	if data == "" {
		return nil
	}
	var r conversations.Referral
	if kind == conversations.KindPostback {
		var pb struct {
			Referral *conversations.Referral `json:"referral"`
		}
		if json.Unmarshal([]byte(data), &pb) != nil || pb.Referral == nil {
			return nil
		}
		r = *pb.Referral
	} else if json.Unmarshal([]byte(data), &r) != nil {
		return nil
	}
	return r.AdsContext
}
