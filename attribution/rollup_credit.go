package attribution

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Models lists the credit models a reader may choose.
var Models = []string{ModelLastTouch, ModelFirstTouch, ModelLinear}

// CentiPerConversion is a conversion's count in report_credits: hundredths, so that a linear split of one
// conversion over touches adds up exactly, as its value does.
const CentiPerConversion = 100

// maxWindow is the longest window: the touches that can count for a conversion are at most this old.
var maxWindow = time.Duration(WindowDays[len(WindowDays)-1]) * 24 * time.Hour

// creditColumns are report_credits' columns, in the order creditRows writes them.
var creditColumns = []string{"tenant_id", "conversion_id", "model", "window_days", "seq", "brand_id", "day", "type", "currency",
	"campaign_id", "variant", "ad_id", "link", "count_centi", "value"}

// creditRows are a conversion's credit lines under every model and window: one per credited touch, or one
// under the empty key when none counts.
func creditRows(c conversionRow, loc *time.Location, touches []Touch) [][]any {
	at := time.UnixMilli(c.OccurredAt).UTC()
	day := dayIn(c.OccurredAt, loc)
	var out [][]any
	for _, m := range Models {
		for _, w := range WindowDays {
			ch := Choice{Model: m, WindowDays: w}
			values := Credit(ch, at, c.Value, touches)
			if len(values) == 0 {
				out = append(out, []any{c.TenantID, c.ID, m, w, 0, c.BrandID, day, c.Type, c.Currency, "", "", "", "", int64(CentiPerConversion), c.Value})
				continue
			}
			counts := Credit(ch, at, CentiPerConversion, touches) // the same touches in the same order
			for i, v := range values {
				t := v.Touch
				out = append(out, []any{c.TenantID, c.ID, m, w, i, c.BrandID, day, c.Type, c.Currency, t.CampaignID, t.Variant, t.AdID, t.Link,
					counts[i].Minor, v.Minor})
			}
		}
	}
	return out
}

// recredit writes the credit lines of convs (replacing their old ones when replace), from the touches of
// each contact: one read per contact.
func recredit(ctx context.Context, tx *gorm.DB, convs []conversionRow, locs func(brand string) *time.Location, replace bool) error {
	if len(convs) == 0 {
		return nil
	}
	type contact struct{ tenant, brand, page, psid string }
	by := map[contact][]conversionRow{}
	var order []contact
	for _, c := range convs {
		k := contact{c.TenantID, c.BrandID, c.PageID, c.PSID}
		if by[k] == nil {
			order = append(order, k)
		}
		by[k] = append(by[k], c)
	}
	var rows [][]any
	for _, k := range order {
		cs := by[k]
		lo, hi := cs[0].OccurredAt, cs[0].OccurredAt
		for _, c := range cs {
			lo, hi = min(lo, c.OccurredAt), max(hi, c.OccurredAt)
		}
		var recs []touchRecord
		if err := tx.WithContext(ctx).Raw(`SELECT id, conversation_at, type, campaign_id, variant, ad_id, ad_name, ref, link, send_id, at
			FROM attr_touches WHERE tenant_id = ? AND brand_id = ? AND page_id = ? AND psid = ? AND at <= ? AND at >= ?`,
			k.tenant, k.brand, k.page, k.psid, hi, lo-maxWindow.Milliseconds()).Scan(&recs).Error; err != nil {
			return fmt.Errorf("credit: touches: %w", err)
		}
		touches := make([]Touch, len(recs))
		for i, r := range recs {
			touches[i] = r.view()
		}
		for _, c := range cs {
			rows = append(rows, creditRows(c, locs(c.BrandID), touches)...)
		}
	}
	if replace {
		byTenant := map[string][]string{}
		for _, c := range convs {
			byTenant[c.TenantID] = append(byTenant[c.TenantID], c.ID)
		}
		for tenant, ids := range byTenant {
			for _, part := range chunks(ids, 1000) {
				in, arg := inList(tx, "conversion_id", part)
				if err := tx.WithContext(ctx).Exec("DELETE FROM report_credits WHERE tenant_id = ? AND "+in, tenant, arg).Error; err != nil {
					return fmt.Errorf("credit: clear: %w", err)
				}
			}
		}
	}
	if err := bulkExec(tx.WithContext(ctx), "report_credits", creditColumns, rows, ""); err != nil {
		return fmt.Errorf("credit: %w", err)
	}
	return nil
}

// recreditTouched recomputes the credit of the conversions that a batch's new touches may change: those of
// the same contacts at or after a touch and within the longest window of it.
func recreditTouched(ctx context.Context, tx *gorm.DB, rules map[string]brandRules, touches []touchRow) error {
	if len(touches) == 0 {
		return nil
	}
	type scope struct{ tenant, brand string }
	type span struct{ lo, hi int64 }
	spans := map[thread]span{}
	groups := map[scope][]thread{}
	for _, x := range touches {
		sp, ok := spans[x.th]
		if !ok {
			sp = span{x.at, x.at}
			groups[scope{x.th.tenant, x.th.brand}] = append(groups[scope{x.th.tenant, x.th.brand}], x.th)
		}
		spans[x.th] = span{min(sp.lo, x.at), max(sp.hi, x.at)}
	}
	var hit []conversionRow
	for s, ths := range groups {
		for len(ths) > 0 {
			part := ths[:min(len(ths), 1000)]
			ths = ths[len(part):]
			pages, psids := make([]string, 0, len(part)), make([]string, 0, len(part))
			lo, hi := spans[part[0]].lo, spans[part[0]].hi
			for _, th := range part {
				pages, psids = append(pages, th.page), append(psids, th.psid)
				lo, hi = min(lo, spans[th].lo), max(hi, spans[th].hi)
			}
			pageIn, pageArg := inList(tx, "page_id", dedupe(pages))
			psidIn, psidArg := inList(tx, "psid", dedupe(psids))
			var rows []conversionRow
			if err := tx.WithContext(ctx).Where("tenant_id = ? AND brand_id = ? AND "+pageIn+" AND "+psidIn+" AND occurred_at >= ? AND occurred_at <= ?",
				s.tenant, s.brand, pageArg, psidArg, lo, hi+maxWindow.Milliseconds()).Find(&rows).Error; err != nil {
				return fmt.Errorf("credit: conversions: %w", err)
			}
			for _, r := range rows {
				sp, ok := spans[thread{r.TenantID, r.BrandID, r.PageID, r.PSID}]
				if ok && r.OccurredAt >= sp.lo && r.OccurredAt <= sp.hi+maxWindow.Milliseconds() {
					hit = append(hit, r)
				}
			}
		}
	}
	return recredit(ctx, tx, hit, func(b string) *time.Location { return rules[b].loc }, true)
}

// RecreditAll recomputes the credit lines of an agency's (or one brand's) conversions from the stored
// touches, a chunk of conversions per transaction (the end of a rebuild).
func (t *Tracker) RecreditAll(ctx context.Context, tenantID, brandID string) (int64, error) {
	locs := map[string]*time.Location{}
	var bs []struct{ ID, Timezone string }
	if err := t.db.R.WithContext(ctx).Raw("SELECT id, timezone FROM brands WHERE tenant_id = ?", tenantID).Scan(&bs).Error; err != nil {
		return 0, fmt.Errorf("attribution: recredit: brands: %w", err)
	}
	for _, b := range bs {
		if l, err := time.LoadLocation(b.Timezone); err == nil {
			locs[b.ID] = l
		}
	}
	zone := func(b string) *time.Location { return locs[b] }
	where, args := "tenant_id = ?", []any{tenantID}
	if brandID != "" {
		where, args = where+" AND brand_id = ?", append(args, brandID)
	}
	if err := t.db.W.WithContext(ctx).Exec("DELETE FROM report_credits WHERE "+where, args...).Error; err != nil {
		return 0, fmt.Errorf("attribution: recredit: clear: %w", err)
	}
	var n int64
	after := ""
	for {
		var rows []conversionRow
		if err := t.db.R.WithContext(ctx).Where(where+" AND id > ?", append(args, after)...).Order("id").Limit(rebuildChunk).
			Find(&rows).Error; err != nil {
			return n, fmt.Errorf("attribution: recredit: %w", err)
		}
		if len(rows) == 0 {
			return n, nil
		}
		after = rows[len(rows)-1].ID
		if err := t.db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			return recredit(ctx, tx, rows, zone, false)
		}); err != nil {
			return n, fmt.Errorf("attribution: recredit: %w", err)
		}
		n += int64(len(rows))
	}
}
