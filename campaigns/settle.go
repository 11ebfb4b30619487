package campaigns

import (
	"context"
	"fmt"
	"time"

	"relance/database"
)

// DefaultReplyWindow is how long after a send an inbound message counts as its reply (DESIGN §5 brand setting
// reply_window_hours, default 24; the setting itself is not stored yet).
const DefaultReplyWindow = 24 * time.Hour

// Settled counts what one Settle moved.
type Settled struct {
	Lost, Echoed, Delivered, Read, Replied int64
	// HoldoutReplied counts held-out members found to have written within the reply window of their slot.
	HoldoutReplied int64
	// Sponsored counts the sponsored-message sends whose delivered message was found (settle_sponsored.go).
	Sponsored int64
}

// SettleHorizon is how long after its slot a send still moves to delivered, read or replied: Meta's receipts
// come within hours and a reply counts within the reply window, so a week leaves room for both.
const SettleHorizon = 7 * 24 * time.Hour

// Settle moves sends on from what conversations ingestion stored, across all tenants, in SQL both dialects
// run: a claim older than ClaimLease turns unknown (its instance died mid-call); an echo whose metadata is a
// send's id settles it to sent with the echo's mid (the answer was lost, the message went); then delivery
// and read watermarks at or past the message's time make it delivered or read, and an inbound message
// within replyWindow after it makes it replied. Each step is one conditional UPDATE, safe to run on several
// instances at once.
func Settle(ctx context.Context, db *database.DB, now time.Time, replyWindow time.Duration) (Settled, error) {
	var out Settled
	w := db.W.WithContext(ctx)
	nowMS := now.UnixMilli()
	// Test sends (campaign_test_sends) are settled the same way: they are exactly once too.
	for _, table := range []string{"campaign_sends", "campaign_test_sends"} {
		res := w.Exec(`UPDATE `+table+` SET status = ?, updated_at = ? WHERE status = ? AND claimed_at < ? AND `+goneTerm("status"),
			SendUnknown, nowMS, SendSending, now.Add(-ClaimLease).UnixMilli())
		if res.Error != nil {
			return out, fmt.Errorf("campaigns: settle: lost claims: %w", res.Error)
		}
		out.Lost += res.RowsAffected
		echo := `FROM messages m WHERE m.tenant_id = ` + table + `.tenant_id AND m.brand_id = ` + table + `.brand_id
			AND m.page_id = ` + table + `.page_id AND m.psid = ` + table + `.psid AND m.metadata = ` + table + `.id`
		// A Marketing Message answers with a tracking id only: its send is sent without a mid until the echo
		// brings it, and the receipts that follow need it.
		// Each condition carries the terms of its partial index (campaign_sends_gone, campaign_sends_no_mid).
		for _, which := range []string{"status IN ('" + SendUnknown + "', '" + SendSending + "') AND " + goneTerm("status"),
			"status = '" + SendSent + "' AND message_id = ''"} {
			res = w.Exec(`UPDATE `+table+` SET status = ?, updated_at = ?,
				message_id = (SELECT MIN(m.mid) `+echo+`), sent_at = (SELECT MIN(m.sent_at) `+echo+`)
				WHERE `+which+` AND EXISTS (SELECT 1 `+echo+`)`, SendSent, nowMS)
			if res.Error != nil {
				return out, fmt.Errorf("campaigns: settle: echoes: %w", res.Error)
			}
			out.Echoed += res.RowsAffected
		}
	}
	sponsored, err := settleSponsored(ctx, w, now)
	if err != nil {
		return out, fmt.Errorf("campaigns: settle: sponsored messages: %w", err)
	}
	out.Sponsored = sponsored
	// Receipts and replies are looked for only on the sends of the last SettleHorizon, so that each minute's
	// sweep reads recent sends, not the whole history.
	since := now.Add(-SettleHorizon).UnixMilli()
	// The message's time is the echo's (Meta's clock, the one its watermarks use); a send whose echo has not
	// arrived waits.
	mark := func(col, to string, from []string) (int64, error) {
		res := w.Exec(`UPDATE campaign_sends SET status = ?, updated_at = ? WHERE status IN ? AND `+goneTerm("status")+` AND message_id <> '' AND slot >= ? AND EXISTS (
			SELECT 1 FROM contacts c JOIN messages m ON m.tenant_id = c.tenant_id AND m.brand_id = c.brand_id AND m.page_id = c.page_id
				AND m.psid = c.psid AND m.mid = campaign_sends.message_id
			WHERE c.tenant_id = campaign_sends.tenant_id AND c.brand_id = campaign_sends.brand_id AND c.page_id = campaign_sends.page_id
				AND c.psid = campaign_sends.psid AND c.`+col+` >= m.sent_at)`, to, nowMS, from, since)
		return res.RowsAffected, res.Error
	}
	if out.Delivered, err = mark("delivery_watermark", SendDelivered, []string{SendSent}); err != nil {
		return out, fmt.Errorf("campaigns: settle: delivered: %w", err)
	}
	if out.Read, err = mark("read_watermark", SendRead, []string{SendSent, SendDelivered}); err != nil {
		return out, fmt.Errorf("campaigns: settle: read: %w", err)
	}
	res := w.Exec(`UPDATE campaign_sends SET status = ?, updated_at = ? WHERE status IN ? AND `+goneTerm("status")+` AND message_id <> '' AND slot >= ? AND EXISTS (
		SELECT 1 FROM messages o JOIN messages i ON i.tenant_id = o.tenant_id AND i.brand_id = o.brand_id AND i.page_id = o.page_id
			AND i.psid = o.psid AND i.direction = 'in' AND i.sent_at > o.sent_at AND i.sent_at <= o.sent_at + ?
		WHERE o.tenant_id = campaign_sends.tenant_id AND o.brand_id = campaign_sends.brand_id AND o.page_id = campaign_sends.page_id
			AND o.psid = campaign_sends.psid AND o.mid = campaign_sends.message_id)`,
		SendReplied, nowMS, []string{SendSent, SendDelivered, SendRead}, since, replyWindow.Milliseconds())
	if res.Error != nil {
		return out, fmt.Errorf("campaigns: settle: replies: %w", res.Error)
	}
	out.Replied = res.RowsAffected
	// A held-out member got nothing: their reply, the holdout's side of the A/B results, is the first inbound
	// message within replyWindow after the time their slot sent to the others (the run's send_at).
	inbound := `FROM campaign_runs r JOIN messages i ON i.tenant_id = campaign_sends.tenant_id AND i.brand_id = campaign_sends.brand_id
			AND i.page_id = campaign_sends.page_id AND i.psid = campaign_sends.psid AND i.direction = 'in'
			AND i.sent_at > r.send_at AND i.sent_at <= r.send_at + ?
		WHERE r.id = campaign_sends.run_id AND r.send_at <= ?`
	w2 := replyWindow.Milliseconds()
	res = w.Exec(`UPDATE campaign_sends SET replied_at = (SELECT MIN(i.sent_at) `+inbound+`), updated_at = ?
		WHERE status = ? AND replied_at = 0 AND slot >= ? AND EXISTS (SELECT 1 `+inbound+`)`,
		w2, nowMS, nowMS, SendHoldout, since, w2, nowMS)
	if res.Error != nil {
		return out, fmt.Errorf("campaigns: settle: holdout replies: %w", res.Error)
	}
	out.HoldoutReplied = res.RowsAffected
	return out, nil
}
