package attribution

import (
	"context"
	"fmt"
	"time"
)

// CampaignConversions counts, for a campaign's A/B results, the brand's conversions credited to each of
// its variants under the model and window of c (a conversion counts once for each variant that earns a
// share of it: under last_touch and first_touch that is one variant or none, under linear possibly
// several), and the conversions of its held-out members within c's window after their slot's send time
// (they received nothing, so no touch credits them).
func (s *Store) CampaignConversions(ctx context.Context, campaignID string, c Choice) (map[string]int64, int64, error) {
	db := s.db.R.WithContext(ctx)
	var contacts []struct {
		PageID string
		PSID   string `gorm:"column:psid"`
		First  int64
	}
	if err := db.Raw(`SELECT page_id, psid, MIN(at) AS first FROM attr_touches WHERE tenant_id = ? AND campaign_id = ? AND brand_id = ?
		GROUP BY page_id, psid`, s.tenant, campaignID, s.brand.ID).Scan(&contacts).Error; err != nil {
		return nil, 0, fmt.Errorf("attribution: campaign touches: %w", err)
	}
	byPage := map[string][]string{}
	since := map[string]int64{}
	for _, k := range contacts {
		byPage[k.PageID] = append(byPage[k.PageID], k.PSID)
		if f, ok := since[k.PageID]; !ok || k.First < f {
			since[k.PageID] = k.First
		}
	}
	out := map[string]int64{}
	for page, psids := range byPage {
		for _, chunk := range chunks(psids, 1000) {
			if err := s.creditChunk(ctx, campaignID, c, page, chunk, since[page], out); err != nil {
				return nil, 0, err
			}
		}
	}
	var held int64
	if err := db.Raw(`SELECT COUNT(DISTINCT cv.id) FROM campaign_sends cs
		JOIN campaign_runs r ON r.id = cs.run_id
		JOIN conversions cv ON cv.tenant_id = cs.tenant_id AND cv.brand_id = cs.brand_id AND cv.page_id = cs.page_id AND cv.psid = cs.psid
			AND cv.occurred_at > r.send_at AND cv.occurred_at <= r.send_at + ?
		WHERE cs.campaign_id = ? AND cs.status = 'holdout' AND cs.tenant_id = ? AND cs.brand_id = ?`,
		c.Window().Milliseconds(), campaignID, s.tenant, s.brand.ID).Scan(&held).Error; err != nil {
		return nil, 0, fmt.Errorf("attribution: holdout conversions: %w", err)
	}
	return out, held, nil
}

// creditChunk credits the conversions of some of a Page's contacts touched by the campaign, adding to out.
func (s *Store) creditChunk(ctx context.Context, campaignID string, c Choice, page string, psids []string, since int64, out map[string]int64) error {
	db := s.db.R.WithContext(ctx)
	in, arg := inList(db, "psid", psids)
	var convs []struct {
		ID         string
		PSID       string `gorm:"column:psid"`
		OccurredAt int64
	}
	if err := db.Raw(`SELECT id, psid, occurred_at FROM conversions WHERE tenant_id = ? AND brand_id = ? AND page_id = ? AND `+in+`
		AND occurred_at >= ?`, s.tenant, s.brand.ID, page, arg, since).Scan(&convs).Error; err != nil {
		return fmt.Errorf("attribution: campaign conversions: %w", err)
	}
	if len(convs) == 0 {
		return nil
	}
	var rows []struct {
		ID, Type, CampaignID, Variant, AdID, AdName, Ref, Link, SendID string
		PSID                                                           string `gorm:"column:psid"`
		ConversationAt, At                                             int64
	}
	// Every touch of these contacts, other campaigns' too: a later touch of another campaign takes the
	// last_touch credit from this one.
	if err := db.Raw(`SELECT id, psid, conversation_at, type, campaign_id, variant, ad_id, ad_name, ref, link, send_id, at
		FROM attr_touches WHERE tenant_id = ? AND brand_id = ? AND page_id = ? AND `+in+` AND at >= ?`,
		s.tenant, s.brand.ID, page, arg, since-c.Window().Milliseconds()).Scan(&rows).Error; err != nil {
		return fmt.Errorf("attribution: contacts' touches: %w", err)
	}
	touches := map[string][]Touch{}
	for _, r := range rows {
		rec := touchRecord{ID: r.ID, Type: r.Type, CampaignID: r.CampaignID, Variant: r.Variant, AdID: r.AdID, AdName: r.AdName,
			Ref: r.Ref, Link: r.Link, SendID: r.SendID, ConversationAt: r.ConversationAt, At: r.At}
		touches[r.PSID] = append(touches[r.PSID], rec.view())
	}
	for _, cv := range convs {
		ts := touches[cv.PSID]
		// A value of one unit per touch (and more) gives every touch a share under linear.
		credited := map[string]bool{}
		for _, sh := range Credit(c, time.UnixMilli(cv.OccurredAt), int64(len(ts))+1, ts) {
			if sh.Touch.CampaignID == campaignID && sh.Minor > 0 && !credited[sh.Touch.Variant] {
				credited[sh.Touch.Variant] = true
				out[sh.Touch.Variant]++
			}
		}
	}
	return nil
}
