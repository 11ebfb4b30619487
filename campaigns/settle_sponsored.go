package campaigns

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// A sponsored-message send (meta-2017's paid route) is handed to Meta as an ad: it turns sent with the ad's id
// as its message_id, and Meta delivers the ad's message into the person's thread after review. Meta reports
// that message like any other: an echo (without metadata, since no Send API call carried a send id), then
// delivery and read receipts and perhaps a reply. settleSponsored finds the echo in the person's thread, the
// first outgoing message after the hand-over without metadata and with the variant's text, and puts its mid
// and time on the send; from there Settle's receipt and reply steps move it on like any other send.

// sponsoredSkew is how much earlier than relance's hand-over Meta's clock may date the delivered message.
const sponsoredSkew = 5 * time.Minute

// settleSponsored gives the sponsored-message sends of the last SettleHorizon whose message Meta delivered
// the message's mid, and returns how many it settled. It reads the few runs with a sponsored-message ad, so
// that the minute's sweep never scans the sends.
func settleSponsored(ctx context.Context, w *gorm.DB, now time.Time) (int64, error) {
	var ads []struct{ RunID, Variant, CampaignID, TenantID, AdID string }
	err := w.WithContext(ctx).Table("campaign_meta_runs").Select("run_id, variant, campaign_id, tenant_id, ad_id").
		Where("ad_id <> '' AND updated_at >= ?", now.Add(-SettleHorizon).UnixMilli()).Order("run_id, variant").Limit(1000).Scan(&ads).Error
	if err != nil {
		return 0, err
	}
	var total int64
	for _, a := range ads {
		var creative string
		err := w.WithContext(ctx).Table("campaign_variants").Select("creative").
			Where(`campaign_id = ? AND tenant_id = ? AND "key" = ?`, a.CampaignID, a.TenantID, a.Variant).Scan(&creative).Error
		if err != nil {
			return total, err
		}
		var cr Creative
		if json.Unmarshal([]byte(creative), &cr) != nil || cr.Text == "" {
			continue // the variant is gone: nothing to recognise its message by
		}
		echo := `FROM messages m WHERE m.tenant_id = campaign_sends.tenant_id AND m.brand_id = campaign_sends.brand_id
			AND m.page_id = campaign_sends.page_id AND m.psid = campaign_sends.psid AND m.direction = 'out' AND m.metadata = ''
			AND m.text = ? AND m.sent_at >= campaign_sends.sent_at - ?`
		skew := sponsoredSkew.Milliseconds()
		res := w.WithContext(ctx).Exec(`UPDATE campaign_sends SET updated_at = ?,
			message_id = (SELECT MIN(m.mid) `+echo+`), sent_at = (SELECT MIN(m.sent_at) `+echo+`)
			WHERE run_id = ? AND status = ? AND variant = ? AND reason = ? AND message_id = ? AND EXISTS (SELECT 1 `+echo+`)`,
			now.UnixMilli(), cr.Text, skew, cr.Text, skew, a.RunID, SendSent, a.Variant, ReasonSponsored, a.AdID, cr.Text, skew)
		if res.Error != nil {
			return total, fmt.Errorf("run %s variant %s: %w", a.RunID, a.Variant, res.Error)
		}
		total += res.RowsAffected
	}
	return total, nil
}
