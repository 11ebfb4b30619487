package campaigns

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"relance/meta"
	"relance/policy"
)

// callResult is what one route's call gave: the Send API's mid, or a Marketing Message's tracking id (its mid
// comes on the echo), or a decision made before calling Meta (skip with a reason).
type callResult struct {
	MessageID, TrackingID string
	Skip                  string
}

// routeCall makes the Meta call of one claimed send of its route.
type routeCall func(ctx context.Context, row sendRow) (callResult, error)

// Deliver sends a run's queued rows of the routes relance delivers one message at a time (routeCalls). Rows
// are claimed in batches with one conditional UPDATE (queued → sending) before their calls, so two instances
// never send the same row; the calls' outcomes then move them on. Rows of other routes (ads_only; paid under meta-2017,
// a sponsored-message ad) stay queued for their own delivery.
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
	token, err := ro.PageToken(ctx, c.PageID)
	if err != nil {
		return fmt.Errorf("campaigns: deliver: page token: %w", err)
	}
	calls, err := s.routeCalls(ctx, &c, runID, token, ro)
	if err != nil || c.State != StateRunning {
		return err
	}
	routes := make([]string, 0, len(calls))
	for r := range calls {
		routes = append(routes, r)
	}
	for len(routes) > 0 {
		if c.State != StateRunning {
			return nil // paused (by hand or after a token error): the queued rows wait for resume
		}
		rows, err := s.claimSends(ctx, runID, ro.Instance, claimBatch, routes)
		if err != nil {
			return err
		}
		if len(rows) == 0 {
			var left int64
			// On PostgreSQL a claim skips rows another instance is claiming: look again while any is queued.
			if err := s.db.R.WithContext(ctx).Model(&sendRow{}).Where("run_id = ? AND status = ? AND route IN ?", runID, SendQueued, routes).
				Count(&left).Error; err != nil {
				return fmt.Errorf("campaigns: deliver: %w", err)
			}
			if left == 0 {
				break
			}
			continue
		}
		if stop, err := s.deliverClaimed(ctx, &c, rows, calls, ro); err != nil || stop {
			return err
		}
	}
	return s.finishRun(ctx, runID, s.deliveredRoutes(ro))
}

// deliveredRoutes are the routes relance delivers one message at a time under the brand's profile: a run is
// done once none of their rows waits. This is where another route's deliverer plugs in.
func (s *Store) deliveredRoutes(ro RunOptions) []string {
	out := []string{RouteFree}
	if s.brand.Policy == policy.Meta2017 {
		return append(out, RouteFollowUp) // paid is a sponsored-message ad, delivered as an ad set
	}
	if ro.Marketing != nil {
		out = append(out, RoutePaid)
	}
	return out
}

// routeCalls builds the call of each delivered route for this pass. The paid route under meta-current needs
// the campaign's Marketing Messages campaign first: it is left out of the pass while another instance
// creates it, and its rows fail when the campaign has nothing to pay with.
func (s *Store) routeCalls(ctx context.Context, c *Campaign, runID, token string, ro RunOptions) (map[string]routeCall, error) {
	creatives := map[string]Creative{}
	for _, v := range c.Variants {
		creatives[v.Key] = v.Creative
	}
	standard := func(messagingType string) routeCall {
		return func(ctx context.Context, row sendRow) (callResult, error) {
			m := toMessage(creatives[row.Variant])
			m.PageID, m.Token, m.Recipient, m.MessagingType, m.Metadata = row.PageID, token, row.PSID, messagingType, row.ID
			out, err := ro.Sender.Send(ctx, m)
			return callResult{MessageID: out.MessageID}, err
		}
	}
	calls := map[string]routeCall{}
	for _, r := range s.deliveredRoutes(ro) {
		switch r {
		case RouteFree:
			calls[r] = standard(meta.MessagingResponse)
		case RouteFollowUp:
			// The "+1" is not an answer to the person: it is an update, sent after the window closed.
			calls[r] = standard(meta.MessagingUpdate)
		case RoutePaid:
			var n int64
			err := s.db.R.WithContext(ctx).Model(&sendRow{}).Where("run_id = ? AND status = ? AND route = ?", runID, SendQueued, RoutePaid).Count(&n).Error
			if err != nil {
				return nil, fmt.Errorf("campaigns: deliver: %w", err)
			}
			if n == 0 {
				continue
			}
			mc, err := s.messageCampaign(ctx, c, ro)
			switch {
			case errors.Is(err, errPaidWait):
				continue
			case errors.Is(err, errNoPayer):
				if err := s.failQueued(ctx, runID, RoutePaid, err.Error()); err != nil {
					return nil, err
				}
				continue
			case err != nil:
				return nil, err
			case c.State != StateRunning:
				return calls, nil
			}
			calls[r] = s.marketingCall(mc, c.AdAccountID, token, creatives, ro)
		}
	}
	return calls, nil
}

// failQueued fails the queued rows of a route of a run with the reason.
func (s *Store) failQueued(ctx context.Context, runID, route, reason string) error {
	err := s.db.W.WithContext(ctx).Model(&sendRow{}).Where("run_id = ? AND status = ? AND route = ?", runID, SendQueued, route).
		Updates(map[string]any{"status": SendFailed, "reason": reason, "updated_at": s.opts.Now().UnixMilli()}).Error
	if err != nil {
		return fmt.Errorf("campaigns: deliver: %w", err)
	}
	return nil
}

// deliverOne makes the call of one claimed send and records its outcome (a Send API success joins sent,
// settled with its batch); stop says the pass must end (throttled, token invalid, campaign paused).
func (s *Store) deliverOne(ctx context.Context, c *Campaign, row sendRow, calls map[string]routeCall, ro RunOptions, sent *sentBatch) (bool, error) {
	id := row.ID
	out, err := calls[row.Route](ctx, row)
	set := func(fields map[string]any) error {
		fields["updated_at"] = s.opts.Now().UnixMilli()
		// Only from sending: an echo that settled the row first wins.
		return s.db.W.WithContext(context.WithoutCancel(ctx)).Model(&sendRow{}).Where("id = ? AND status = ?", id, SendSending).Updates(fields).Error
	}
	switch {
	case err == nil && out.Skip != "":
		return false, set(map[string]any{"status": SendSkipped, "reason": out.Skip})
	case err == nil && out.TrackingID != "":
		// A Marketing Message answers a tracking id; its mid comes on the echo.
		return false, set(map[string]any{"status": SendSent, "message_id": out.MessageID, "tracking_id": out.TrackingID,
			"sent_at": s.opts.Now().UnixMilli()})
	case err == nil:
		sent.add(id, out.MessageID, s.opts.Now().UnixMilli())
		return false, nil
	}
	o := classifyOutcome(err)
	if o.pause != "" {
		o.fields["status"], o.fields["claimed_by"] = SendQueued, ""
		if err := set(o.fields); err != nil {
			return true, err
		}
		return true, s.pauseFor(ctx, c, o.pause)
	}
	if err := set(o.fields); err != nil {
		return true, err
	}
	return o.stop || ctx.Err() != nil, nil
}

// outcome is what a failed call does to its send: the columns to set, whether the pass stops, and the
// reason to pause the campaign with.
type outcome struct {
	fields map[string]any
	stop   bool
	pause  string
}

// Codes of Marketing Messages errors (reference §3) relance treats apart from their class.
const (
	mmInactiveCampaign = 2300000 // the message campaign is paused, ended or out of budget
	mmInvalidMessageID = 2300001 // the message campaign is gone or not the account's
	mmInvalidToken     = 2300004 // the subscription token cannot be loaded
)

// classifyOutcome maps a failed call to its send's fate (DESIGN §5 "Exactly once"): an answer lost moves
// the send to unknown, never to queued (its echo settles it); 551 skips the person; a closed window skips
// it for this slot (the next slot routes the person again); a per-person Marketing Messages gap caps it;
// rate limits and passing faults queue it again for the paced retry; a token Meta refuses, a missing
// permission, or a message campaign that cannot pay, pauses the campaign with the reason; anything else
// fails the send.
func classifyOutcome(err error) outcome {
	var me *meta.Error
	if !errors.As(err, &me) || me.Lost {
		if errors.Is(err, meta.ErrInvalidMessage) {
			return outcome{fields: map[string]any{"status": SendFailed, "error_class": string(meta.ClassInvalidParameter), "reason": err.Error()}}
		}
		// No answer from Meta: the message may have gone. Never queued again; its echo settles it.
		return outcome{fields: map[string]any{"status": SendUnknown}}
	}
	f := map[string]any{"error_class": string(me.Class()), "error_code": me.Code}
	switch {
	case me.Code == mmInvalidToken:
		f["status"], f["reason"] = SendSkipped, SkipNoToken
		return outcome{fields: f}
	case me.Code == mmInactiveCampaign || me.Code == mmInvalidMessageID:
		return outcome{fields: f, stop: true, pause: "the Marketing Messages campaign cannot send (" + me.Message + "): check its budget and dates on the ad account, then resume"}
	}
	switch me.Class() {
	case meta.ClassPersonUnavailable:
		f["status"], f["reason"] = SendSkipped, SkipUnreachable
	case meta.ClassOutsideWindow:
		// The window closed between routing and the call: the next slot routes this person again.
		f["status"], f["reason"] = SendSkipped, SkipPolicy
	case meta.ClassMarketingMessageGap:
		// Meta's own per-person frequency: like relance's cap, the next slot tries again.
		f["status"], f["reason"] = SendSkipped, SkipCapped
	case meta.ClassThrottled, meta.ClassTransient:
		// Meta refused the call, so nothing went: queued again for the paced retry of the sweep.
		f["status"], f["claimed_by"] = SendQueued, ""
		return outcome{fields: f, stop: true}
	case meta.ClassTokenInvalid:
		return outcome{fields: f, stop: true, pause: "the Page token is no longer valid: reconnect the Page, then resume (" + me.Message + ")"}
	case meta.ClassPermission:
		// The app or the Page lacks a permission (say paid_marketing_messages): every other send would fail too.
		return outcome{fields: f, stop: true, pause: "Meta refused a permission: fix the app's or the Page's access, then resume (" + me.Message + ")"}
	default:
		f["status"], f["reason"] = SendFailed, me.Message
	}
	return outcome{fields: f}
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

// finishRun marks a run done once nothing of the routes relance delivers is left to send.
func (s *Store) finishRun(ctx context.Context, runID string, routes []string) error {
	var n int64
	err := s.db.R.WithContext(ctx).Model(&sendRow{}).Where("run_id = ? AND route IN ? AND status IN ?", runID, routes, []string{SendQueued, SendSending}).Count(&n).Error
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

// DueRun is a run with queued sends whose time has come (after a throttle, quiet hours or a restart),
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
