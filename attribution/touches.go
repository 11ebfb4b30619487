package attribution

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"gorm.io/gorm"

	"relance/conversations"
)

// maxRef is the longest ref relance reads (Meta's limit on an m.me ref).
const maxRef = 250

// touchesOf reads the touches an event carries by itself: an ad referral (its campaign found later, by
// resolveAds), and refs to name (a referral's ref, a payload's ref).
func touchesOf(base touchRow, e *conversations.Event) ([]touchRow, []pendingRef) {
	var ads []touchRow
	var refs []pendingRef
	if r := e.Referral; r != nil {
		switch {
		case r.AdID != "":
			t := base
			t.typ, t.key, t.adID, t.ref, t.adName = TouchAdReferral, r.AdID, r.AdID, r.Ref, adTitle(r.AdsContext)
			ads = append(ads, t)
		case r.Ref != "" && len(r.Ref) <= maxRef:
			t := base
			t.typ, t.key, t.ref = TouchRefLink, r.Ref, r.Ref
			refs = append(refs, pendingRef{touchRow: t, refs: []string{r.Ref}})
		}
	}
	payload := e.Payload
	if e.Kind == conversations.KindMessage {
		payload = e.QuickReply
	}
	if c := PayloadRefs(payload); len(c) > 0 {
		t := base
		t.typ = TouchPayload
		refs = append(refs, pendingRef{touchRow: t, refs: c})
	}
	return ads, refs
}

// adTitle is the ad's title Meta sends with a click-to-Messenger referral (ads_context_data.ad_title).
func adTitle(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var v struct {
		AdTitle string `json:"ad_title"`
	}
	if json.Unmarshal(raw, &v) != nil {
		return ""
	}
	return v.AdTitle
}

// PayloadRefs lists the refs a postback or quick reply payload may carry, best first: a "ref=" or "ref:" part
// (parts separated by & ; | , or spaces), then the whole payload when it could be a ref itself.
func PayloadRefs(p string) []string {
	p = strings.TrimSpace(p)
	if p == "" || len(p) > 1000 {
		return nil
	}
	var out []string
	for _, part := range strings.FieldsFunc(p, func(r rune) bool { return strings.ContainsRune("&;|, ", r) }) {
		for _, pre := range []string{"ref=", "ref:", "REF=", "REF:"} {
			if v, ok := strings.CutPrefix(part, pre); ok && v != "" && len(v) <= maxRef {
				out = append(out, v)
			}
		}
	}
	if len(p) <= maxRef && !strings.ContainsAny(p, " &;|,") {
		out = append(out, p)
	}
	return out
}

// resolveAds names the campaign of each ad referral among touches; an ad relance did not launch stays an
// outside ad (no campaign), unless its referral's ref names a campaign.
func (t *Tracker) resolveAds(ctx context.Context, tx *gorm.DB, touches []touchRow) ([]touchRow, error) {
	if len(touches) == 0 {
		return touches, nil
	}
	byTenant := map[string][]string{}
	seen := map[string]bool{}
	for _, x := range touches {
		if k := x.th.tenant + "|" + x.adID; !seen[k] { // a batch repeats the few ads people click
			seen[k] = true
			byTenant[x.th.tenant] = append(byTenant[x.th.tenant], x.adID)
		}
	}
	owners := map[string]AdOwner{}
	for tenant, ids := range byTenant {
		got, err := t.Ads.AdOwners(ctx, tx, tenant, ids)
		if err != nil {
			return nil, fmt.Errorf("ads: %w", err)
		}
		for id, o := range got {
			owners[tenant+"|"+id] = o
		}
	}
	var outside []pendingRef
	out := touches[:0]
	for _, x := range touches {
		if o, ok := owners[x.th.tenant+"|"+x.adID]; ok {
			x.campaign, x.variant = o.CampaignID, o.Variant
			out = append(out, x)
			continue
		}
		if x.ref != "" {
			outside = append(outside, pendingRef{touchRow: x, refs: []string{x.ref}})
			continue
		}
		out = append(out, x)
	}
	named, err := resolveRefs(ctx, tx, outside)
	if err != nil {
		return nil, err
	}
	found := map[string]touchRow{}
	for _, n := range named {
		found[fmt.Sprintf("%v|%d|%d|%s", n.th, n.conv, n.at, n.key)] = n
	}
	for _, p := range outside {
		if n, ok := found[fmt.Sprintf("%v|%d|%d|%s", p.th, p.conv, p.at, p.key)]; ok {
			out = append(out, n)
		} else {
			out = append(out, p.touchRow)
		}
	}
	return out, nil
}

// campaignRef is a campaign as refs name it.
type campaignRef struct {
	ID, BrandID, PageID, Ref string
}

// resolveRefs names the campaign (and labelled link) of each pending ref and drops those naming none. A ref
// is a campaign's ref (or its id, when it has none) or a labelled link's "<campaign ref>.<slug>".
func resolveRefs(ctx context.Context, tx *gorm.DB, pending []pendingRef) ([]touchRow, error) {
	if len(pending) == 0 {
		return nil, nil
	}
	type scope struct{ tenant, page string }
	want := map[scope]map[string]bool{}
	for _, p := range pending {
		s := scope{p.th.tenant, p.th.page}
		if want[s] == nil {
			want[s] = map[string]bool{}
		}
		for _, r := range p.refs {
			want[s][r] = true
			for i := strings.LastIndexByte(r, '.'); i > 0; i = strings.LastIndexByte(r[:i], '.') {
				want[s][r[:i]] = true
			}
		}
	}
	camps := map[scope]map[string]campaignRef{} // by ref and by id
	var ids []string
	for s, set := range want {
		list := make([]string, 0, len(set))
		for r := range set {
			list = append(list, r)
		}
		sort.Strings(list)
		var rows []campaignRef
		if err := tx.WithContext(ctx).Raw(`SELECT id, brand_id, page_id, ref FROM campaigns WHERE tenant_id = ? AND page_id = ?
			AND (ref IN ? OR id IN ?)`, s.tenant, s.page, list, list).Scan(&rows).Error; err != nil {
			return nil, fmt.Errorf("campaign refs: %w", err)
		}
		m := map[string]campaignRef{}
		for _, r := range rows {
			if r.Ref != "" {
				m[r.Ref] = r
			} else {
				m[r.ID] = r
			}
			ids = append(ids, r.ID)
		}
		camps[s] = m
	}
	links := map[string]string{} // campaign id|slug → label
	if len(ids) > 0 {
		var rows []struct{ CampaignID, Slug, Label string }
		if err := tx.WithContext(ctx).Raw("SELECT campaign_id, slug, label FROM campaign_links WHERE campaign_id IN ?", ids).
			Scan(&rows).Error; err != nil {
			return nil, fmt.Errorf("campaign links: %w", err)
		}
		for _, r := range rows {
			links[r.CampaignID+"|"+r.Slug] = r.Label
		}
	}
	var out []touchRow
	for _, p := range pending {
		m := camps[scope{p.th.tenant, p.th.page}]
		for _, r := range p.refs {
			c, link, ok := matchRef(m, links, r)
			if !ok || c.BrandID != p.th.brand {
				continue
			}
			t := p.touchRow
			t.campaign, t.link, t.ref = c.ID, link, r
			if t.typ == TouchPayload {
				t.key = r
			}
			out = append(out, t)
			break
		}
	}
	return out, nil
}

// matchRef finds the campaign a ref names: the campaign's own ref, or a labelled link's (link is its label).
func matchRef(m map[string]campaignRef, links map[string]string, ref string) (campaignRef, string, bool) {
	if c, ok := m[ref]; ok {
		return c, "", true
	}
	for i := strings.LastIndexByte(ref, '.'); i > 0; i = strings.LastIndexByte(ref[:i], '.') {
		if c, ok := m[ref[:i]]; ok {
			if label, ok := links[c.ID+"|"+ref[i+1:]]; ok {
				return c, label, true
			}
		}
	}
	return campaignRef{}, "", false
}

// replyAsk is an inbound message or postback that may answer a campaign send.
type replyAsk struct {
	base   touchRow
	window int64
}

// sendRow is a delivered send of a thread.
type sendRow struct {
	ID, CampaignID, Variant string
	PSID                    string `gorm:"column:psid"`
	SentAt                  int64
}

// deliveredTerm selects the sends that reached the person, written as the WHERE term of the partial index
// campaign_sends_thread (migration 00039): SQLite uses that index only for a query that carries the term.
const deliveredTerm = "status IN ('delivered', 'read', 'replied')"

// resolveReplies makes a send_reply touch of each message within the reply window of the latest delivered
// send of its thread before it: one query per brand and Page.
func resolveReplies(ctx context.Context, tx *gorm.DB, asks []replyAsk) ([]touchRow, error) {
	if len(asks) == 0 {
		return nil, nil
	}
	type scope struct{ tenant, brand, page string }
	type span struct {
		psids    []string
		seen     map[string]bool
		from, to int64
	}
	spans := map[scope]*span{}
	for _, a := range asks {
		s := scope{a.base.th.tenant, a.base.th.brand, a.base.th.page}
		sp := spans[s]
		if sp == nil {
			sp = &span{seen: map[string]bool{}, from: a.base.at - a.window, to: a.base.at}
			spans[s] = sp
		}
		if !sp.seen[a.base.th.psid] {
			sp.seen[a.base.th.psid] = true
			sp.psids = append(sp.psids, a.base.th.psid)
		}
		sp.from, sp.to = min(sp.from, a.base.at-a.window), max(sp.to, a.base.at)
	}
	sends := map[thread][]sendRow{}
	for s, sp := range spans {
		for _, chunk := range chunks(sp.psids, 1000) {
			var rows []sendRow
			psidIn, psidArg := inList(tx, "psid", chunk)
			if err := tx.WithContext(ctx).Raw(`SELECT id, psid, campaign_id, variant, sent_at FROM campaign_sends
				WHERE tenant_id = ? AND page_id = ? AND `+psidIn+` AND `+deliveredTerm+` AND brand_id = ? AND sent_at >= ? AND sent_at <= ?`,
				s.tenant, s.page, psidArg, s.brand, sp.from, sp.to).Scan(&rows).Error; err != nil {
				return nil, fmt.Errorf("campaign sends: %w", err)
			}
			for _, r := range rows {
				k := thread{s.tenant, s.brand, s.page, r.PSID}
				sends[k] = append(sends[k], r)
			}
		}
	}
	if len(sends) == 0 {
		return nil, nil
	}
	var out []touchRow
	for _, a := range asks {
		var best *sendRow
		for i, r := range sends[a.base.th] {
			if r.SentAt <= a.base.at && a.base.at-r.SentAt <= a.window && (best == nil || r.SentAt > best.SentAt) {
				best = &sends[a.base.th][i]
			}
		}
		if best == nil {
			continue
		}
		t := a.base
		t.typ, t.key, t.campaign, t.variant, t.sendID = TouchSendReply, best.ID, best.CampaignID, best.Variant, best.ID
		out = append(out, t)
	}
	return out, nil
}
