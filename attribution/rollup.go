package attribution

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Report rollups (tables report_days and report_credits, read by reports.Engine): attribution keeps them in
// step with the facts it writes, so that a report never reads messages, conversations or touches.
//   - A conversation counts once, on its brand-zone start day, under its first touch (earliest; at the same
//     instant ad_referral, ref_link, payload, send_reply, then by key); without a touch under the empty key.
//     When a later batch gives it an earlier (or its first) touch, the count moves between keys by deltas.
//   - A reply is a send_reply touch (one per conversation and send), counted on its own day.
//   - Each conversion carries its credit lines under every model and window, computed from the touches of
//     its contact; new touches recompute the lines of the conversions they may change.

// rollupKey is what a report figure is credited to.
type rollupKey struct{ campaign, variant, ad, link string }

// convID names a conversation: its thread and start.
type convID struct {
	th thread
	at int64
}

// dayKey is one row of report_days.
type dayKey struct {
	tenant, brand, day string
	k                  rollupKey
}

// dayDelta is what a batch adds to a report_days row.
type dayDelta struct{ conversations, newConversations, replies int64 }

// keyOf is the rollup key a touch credits.
func (x touchRow) keyOf() rollupKey { return rollupKey{x.campaign, x.variant, x.adID, x.link} }

// touchTypeOrder ranks touch types at the same instant: what brought the person first.
func touchTypeOrder(typ string) int {
	switch typ {
	case TouchAdReferral:
		return 0
	case TouchRefLink:
		return 1
	case TouchPayload:
		return 2
	}
	return 3
}

// earlier orders touches for "first touch": time, then type, then key (no id: new touches have none yet).
func earlier(a, b touchRow) bool {
	if a.at != b.at {
		return a.at < b.at
	}
	if oa, ob := touchTypeOrder(a.typ), touchTypeOrder(b.typ); oa != ob {
		return oa < ob
	}
	return a.key < b.key
}

// firstTouch is the earliest of xs; false when there is none.
func firstTouch(xs []touchRow) (touchRow, bool) {
	if len(xs) == 0 {
		return touchRow{}, false
	}
	f := xs[0]
	for _, x := range xs[1:] {
		if earlier(x, f) {
			f = x
		}
	}
	return f, true
}

// dayIn is the day of epoch milliseconds ms in loc.
func dayIn(ms int64, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	return time.UnixMilli(ms).In(loc).Format(time.DateOnly)
}

// rollUp adds to report_days what a batch changes: its new conversations (under their first touch), the
// conversations from before it whose first touch changes, and its new send_reply touches. It runs before
// insertTouches, so that the touches already stored are told apart from the batch's.
func rollUp(ctx context.Context, tx *gorm.DB, rules map[string]brandRules, fresh []convRow, touches []touchRow) error {
	kinds := make(map[convID]string, len(fresh))
	for _, c := range fresh {
		kinds[convID{c.th, c.at}] = c.kind
	}
	byConv := map[convID][]touchRow{}
	seen := map[string]bool{}
	for _, x := range touches {
		k := fmt.Sprintf("%v|%d|%s|%s", x.th, x.conv, x.typ, x.key) // insertTouches keeps one per key
		if seen[k] {
			continue
		}
		seen[k] = true
		id := convID{x.th, x.conv}
		byConv[id] = append(byConv[id], x)
	}
	var old []convID
	for id := range byConv {
		if _, ok := kinds[id]; !ok {
			old = append(old, id)
		}
	}
	stored, oldKinds, err := storedConversations(ctx, tx, old)
	if err != nil {
		return err
	}
	out := map[dayKey]dayDelta{}
	add := func(th thread, day string, k rollupKey, d dayDelta) {
		dk := dayKey{th.tenant, th.brand, day, k}
		v := out[dk]
		out[dk] = dayDelta{v.conversations + d.conversations, v.newConversations + d.newConversations, v.replies + d.replies}
	}
	newOf := func(kind string) int64 {
		if kind == ConversationNew {
			return 1
		}
		return 0
	}
	for _, c := range fresh {
		var k rollupKey
		if f, ok := firstTouch(byConv[convID{c.th, c.at}]); ok {
			k = f.keyOf()
		}
		add(c.th, dayIn(c.at, rules[c.th.brand].loc), k, dayDelta{1, newOf(c.kind), 0})
	}
	for _, id := range old {
		prev := stored[id]
		have := make(map[string]bool, len(prev))
		for _, p := range prev {
			have[p.typ+"|"+p.key] = true
		}
		var added []touchRow
		for _, x := range byConv[id] {
			if !have[x.typ+"|"+x.key] {
				added = append(added, x)
			}
		}
		byConv[id] = added
		kind, ok := oldKinds[id]
		if !ok || len(added) == 0 {
			continue
		}
		var before rollupKey
		if f, ok := firstTouch(prev); ok {
			before = f.keyOf()
		}
		f, _ := firstTouch(append(prev, added...))
		if after := f.keyOf(); after != before {
			day := dayIn(id.at, rules[id.th.brand].loc)
			add(id.th, day, before, dayDelta{-1, -newOf(kind), 0})
			add(id.th, day, after, dayDelta{1, newOf(kind), 0})
		}
	}
	for _, xs := range byConv {
		for _, x := range xs {
			if x.typ == TouchSendReply {
				add(x.th, dayIn(x.at, rules[x.th.brand].loc), x.keyOf(), dayDelta{0, 0, 1})
			}
		}
	}
	rows := make([][]any, 0, len(out))
	for k, d := range out {
		if d == (dayDelta{}) {
			continue
		}
		rows = append(rows, []any{k.tenant, k.brand, k.day, k.k.campaign, k.k.variant, k.k.ad, k.k.link, d.conversations, d.newConversations, d.replies})
	}
	return bulkExec(tx, "report_days", []string{"tenant_id", "brand_id", "day", "campaign_id", "variant", "ad_id", "link",
		"conversations", "new_conversations", "replies"}, rows,
		`ON CONFLICT (tenant_id, brand_id, day, campaign_id, variant, ad_id, link) DO UPDATE SET
		conversations = report_days.conversations + excluded.conversations,
		new_conversations = report_days.new_conversations + excluded.new_conversations,
		replies = report_days.replies + excluded.replies`)
}

// storedConversations reads the kind and the stored touches of conversations from before a batch: per brand,
// the superset the IN lists select, filtered to ids.
func storedConversations(ctx context.Context, tx *gorm.DB, ids []convID) (map[convID][]touchRow, map[convID]string, error) {
	touches, kinds := map[convID][]touchRow{}, map[convID]string{}
	if len(ids) == 0 {
		return touches, kinds, nil
	}
	type scope struct{ tenant, brand string }
	want := map[convID]bool{}
	groups := map[scope][]convID{}
	for _, id := range ids {
		want[id] = true
		s := scope{id.th.tenant, id.th.brand}
		groups[s] = append(groups[s], id)
	}
	for s, all := range groups {
		for len(all) > 0 {
			part := all[:min(len(all), 1000)]
			all = all[len(part):]
			pages, psids := make([]string, 0, len(part)), make([]string, 0, len(part))
			for _, id := range part {
				pages, psids = append(pages, id.th.page), append(psids, id.th.psid)
			}
			pageIn, pageArg := inList(tx, "page_id", dedupe(pages))
			psidIn, psidArg := inList(tx, "psid", dedupe(psids))
			var cs []struct {
				PageID    string
				PSID      string `gorm:"column:psid"`
				StartedAt int64
				Kind      string
			}
			if err := tx.WithContext(ctx).Raw(`SELECT page_id, psid, started_at, kind FROM attr_conversations
				WHERE tenant_id = ? AND brand_id = ? AND `+pageIn+` AND `+psidIn, s.tenant, s.brand, pageArg, psidArg).
				Scan(&cs).Error; err != nil {
				return nil, nil, fmt.Errorf("report rollup: conversations: %w", err)
			}
			for _, c := range cs {
				id := convID{thread{s.tenant, s.brand, c.PageID, c.PSID}, c.StartedAt}
				if want[id] {
					kinds[id] = c.Kind
				}
			}
			var ts []struct {
				PageID, Type, TouchKey, CampaignID, Variant, AdID, Link string
				PSID                                                    string `gorm:"column:psid"`
				ConversationAt, At                                      int64
			}
			if err := tx.WithContext(ctx).Raw(`SELECT page_id, psid, conversation_at, type, touch_key, at, campaign_id, variant, ad_id, link
				FROM attr_touches WHERE tenant_id = ? AND brand_id = ? AND `+pageIn+` AND `+psidIn, s.tenant, s.brand, pageArg, psidArg).
				Scan(&ts).Error; err != nil {
				return nil, nil, fmt.Errorf("report rollup: touches: %w", err)
			}
			for _, x := range ts {
				th := thread{s.tenant, s.brand, x.PageID, x.PSID}
				id := convID{th, x.ConversationAt}
				if want[id] {
					touches[id] = append(touches[id], touchRow{th: th, conv: x.ConversationAt, typ: x.Type, key: x.TouchKey, at: x.At,
						campaign: x.CampaignID, variant: x.Variant, adID: x.AdID, link: x.Link})
				}
			}
		}
	}
	return touches, kinds, nil
}

// dedupe is xs without repeats, in first-seen order.
func dedupe(xs []string) []string {
	seen := make(map[string]bool, len(xs))
	out := xs[:0:0]
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}
