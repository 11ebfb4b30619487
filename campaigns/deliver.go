package campaigns

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"relance/meta"
)

// Deliver sends a run's queued free-route rows. Rows are claimed in batches with one conditional UPDATE
// (queued → sending) before their calls, so two instances never send the same row; the calls' outcomes then
// move them on.
// Routes relance cannot deliver yet (follow_up, paid, ads_only) stay queued with their route.
func (s *Store) Deliver(ctx context.Context, runID string, ro RunOptions) error {
	if ro.Sender == nil || ro.PageToken == nil {
		return ErrNoSender
	}
	var run runRow
	if err := s.db.R.WithContext(ctx).Where("id = ? AND tenant_id = ? AND brand_id = ?", runID, s.tenant, s.brand.ID).Take(&run).Error; err != nil {
		return fmt.Errorf("campaigns: deliver: %w", err)
	}
	c, err := s.Get(ctx, run.CampaignID)
	if err != nil {
		return err
	}
	creatives := map[string]Creative{}
	for _, v := range c.Variants {
		creatives[v.Key] = v.Creative
	}
	token, err := ro.PageToken(ctx, c.PageID)
	if err != nil {
		return fmt.Errorf("campaigns: deliver: page token: %w", err)
	}
	for {
		if c.State != StateRunning {
			return nil // paused (by hand or after a token error): the queued rows wait for resume
		}
		rows, err := s.claimSends(ctx, runID, ro.Instance, claimBatch)
		if err != nil {
			return err
		}
		if len(rows) == 0 {
			var left int64
			// On PostgreSQL a claim skips rows another instance is claiming: look again while any is queued.
			if err := s.db.R.WithContext(ctx).Model(&sendRow{}).Where("run_id = ? AND status = ? AND route = ?", runID, SendQueued, RouteFree).
				Count(&left).Error; err != nil {
				return fmt.Errorf("campaigns: deliver: %w", err)
			}
			if left == 0 {
				break
			}
			continue
		}
		if stop, err := s.deliverClaimed(ctx, &c, rows, token, creatives, ro); err != nil || stop {
			return err
		}
	}
	return s.finishRun(ctx, runID)
}

// deliverOne makes the call of one claimed send and records its outcome (a success joins sent, settled
// with its batch); stop says the pass must end (throttled, token invalid).
func (s *Store) deliverOne(ctx context.Context, c *Campaign, row sendRow, token string, creatives map[string]Creative, ro RunOptions, sent *sentBatch) (bool, error) {
	id := row.ID
	m := toMessage(creatives[row.Variant])
	m.PageID, m.Token, m.Recipient, m.MessagingType, m.Metadata = row.PageID, token, row.PSID, meta.MessagingResponse, row.ID
	out, err := ro.Sender.Send(ctx, m)
	set := func(fields map[string]any) error {
		fields["updated_at"] = s.opts.Now().UnixMilli()
		// Only from sending: an echo that settled the row first wins.
		return s.db.W.WithContext(context.WithoutCancel(ctx)).Model(&sendRow{}).Where("id = ? AND status = ?", id, SendSending).Updates(fields).Error
	}
	if err == nil {
		sent.add(id, out.MessageID, s.opts.Now().UnixMilli())
		return false, nil
	}
	var me *meta.Error
	if !errors.As(err, &me) || me.Lost {
		if errors.Is(err, meta.ErrInvalidMessage) {
			return false, set(map[string]any{"status": SendFailed, "error_class": string(meta.ClassInvalidParameter), "reason": err.Error()})
		}
		// No answer from Meta: the message may have gone. Never queued again; its echo settles it.
		return ctx.Err() != nil, set(map[string]any{"status": SendUnknown})
	}
	failed := map[string]any{"error_class": string(me.Class()), "error_code": me.Code}
	switch me.Class() {
	case meta.ClassPersonUnavailable:
		failed["status"], failed["reason"] = SendSkipped, SkipUnreachable
		return false, set(failed)
	case meta.ClassOutsideWindow:
		// The window closed between routing and the call: the next slot routes this person again.
		failed["status"], failed["reason"] = SendSkipped, SkipPolicy
		return false, set(failed)
	case meta.ClassThrottled, meta.ClassTransient:
		// Meta refused the call, so nothing went: queued again for the paced retry of the sweep.
		failed["status"], failed["claimed_by"] = SendQueued, ""
		return true, set(failed)
	case meta.ClassTokenInvalid:
		failed["status"], failed["claimed_by"] = SendQueued, ""
		if err := set(failed); err != nil {
			return true, err
		}
		return true, s.pauseFor(ctx, c, "the Page token is no longer valid: reconnect the Page, then resume ("+me.Message+")")
	}
	failed["status"], failed["reason"] = SendFailed, me.Message
	return false, set(failed)
}

// pauseFor pauses a running campaign on relance's own initiative, with the reason on its timeline.
func (s *Store) pauseFor(ctx context.Context, c *Campaign, reason string) error {
	ctx = context.WithoutCancel(ctx)
	err := s.db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Table("campaigns").Where("id = ? AND tenant_id = ? AND state = ?", c.ID, s.tenant, StateRunning).
			Updates(map[string]any{"state": StatePaused, "updated_at": s.opts.Now().UnixMilli()})
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		return s.record(ctx, tx, *c, ActPause, StateRunning, StatePaused, reason)
	})
	if err != nil {
		return fmt.Errorf("campaigns: pause: %w", err)
	}
	c.State = StatePaused
	return nil
}

// finishRun marks a run done once nothing of the free route is left to send.
func (s *Store) finishRun(ctx context.Context, runID string) error {
	var n int64
	err := s.db.R.WithContext(ctx).Model(&sendRow{}).Where("run_id = ? AND route = ? AND status IN ?", runID, RouteFree, []string{SendQueued, SendSending}).Count(&n).Error
	if err != nil || n > 0 {
		return err
	}
	return s.db.W.WithContext(ctx).Model(&runRow{}).Where("id = ? AND status = ?", runID, RunSending).
		Updates(map[string]any{"status": RunDone, "finished_at": s.opts.Now().UnixMilli()}).Error
}

// toMessage turns a creative into Send API content.
func toMessage(cr Creative) meta.Message {
	m := meta.Message{Text: cr.Text, ImageURL: cr.ImageURL}
	for _, q := range cr.QuickReplies {
		m.QuickReplies = append(m.QuickReplies, meta.QuickReply{Title: q.Title, Payload: q.Payload})
	}
	for _, b := range cr.Buttons {
		m.Buttons = append(m.Buttons, meta.Button{Type: b.Type, Title: b.Title, Payload: b.Payload, URL: b.URL})
	}
	return m
}

// DueRun is a run with queued free sends whose time has come (after a throttle, quiet hours or a restart),
// or a run whose routing stopped (its instance died while writing the send rows).
type DueRun struct{ TenantID, BrandID, RunID string }

// DueRuns lists the runs the sweep should deliver again (see Store.Resume): runs sending whose send_at
// has come, and runs still routing ClaimLease after they started.
func DueRuns(ctx context.Context, db *gorm.DB, now time.Time) ([]DueRun, error) {
	var out []DueRun
	err := db.WithContext(ctx).Table("campaign_runs r").Select("r.tenant_id, r.brand_id, r.id AS run_id").
		Joins("JOIN campaigns c ON c.id = r.campaign_id AND c.state = ?", StateRunning).
		Where("(r.status = ? AND r.send_at <= ?) OR (r.status = ? AND r.started_at < ?)",
			RunSending, now.UnixMilli(), RunRouting, now.Add(-ClaimLease).UnixMilli()).Order("r.slot").Limit(1000).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("campaigns: due runs: %w", err)
	}
	return out, nil
}
