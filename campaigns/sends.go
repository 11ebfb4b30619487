package campaigns

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm/clause"

	"relance/meta"
	"relance/tenancy"
)

// Statuses of a send (DESIGN §5 "Exactly once"). sending is internal: a row claimed by one instance whose call
// is under way; it shows as unknown once its claim is older than ClaimLease.
const (
	SendQueued    = "queued"
	SendSending   = "sending"
	SendSent      = "sent"
	SendDelivered = "delivered"
	SendRead      = "read"
	SendReplied   = "replied"
	SendFailed    = "failed"
	SendSkipped   = "skipped"
	SendHoldout   = "holdout"
	SendUnknown   = "unknown"
)

// SendStatuses lists the statuses a run counts, in the API's order.
var SendStatuses = []string{SendQueued, SendSent, SendDelivered, SendRead, SendReplied, SendFailed, SendSkipped, SendHoldout, SendUnknown}

// Run statuses: routing (send rows being written), sending (rows written, queued ones being delivered), done.
const (
	RunRouting = "routing"
	RunSending = "sending"
	RunDone    = "done"
)

// ClaimLease is how long a claimed send may stay in flight before its instance counts as dead: the row turns
// unknown (never queued again, so never sent twice) and waits for its echo.
const ClaimLease = 60 * time.Second

// Sentinel errors of send slots.
var (
	// ErrSlotRan means the slot already has a run: a run by hand for the current minute is a 409.
	ErrSlotRan = fmt.Errorf("%w: this slot already ran", tenancy.ErrConflict)
	// ErrNoSender means the runner has no Send API to deliver through.
	ErrNoSender = errors.New("campaigns: no sender configured")
)

// Sender is the part of the Meta client a slot delivers through.
type Sender interface {
	Send(ctx context.Context, m meta.Message) (meta.SendResult, error)
}

// RunOptions are what a send slot needs beyond the store.
type RunOptions struct {
	// Sender delivers free-route messages through the Send API.
	Sender Sender
	// PageToken opens the Page's access token.
	PageToken func(ctx context.Context, pageID string) (string, error)
	// Build rebuilds an audience's snapshot, so the slot evaluates audiences fresh (nil: latest snapshots).
	Build func(ctx context.Context, audienceID string) error
	// Instance names this process on the claims it makes.
	Instance string
	// Cause says who started the run: "schedule" or "manual".
	Cause string
}

// runRow is the campaign_runs table.
type runRow struct {
	ID, TenantID, BrandID, CampaignID string
	Slot                              int64
	Status, Cause, Detail             string
	SendAt, StartedAt, FinishedAt     int64
}

func (runRow) TableName() string { return "campaign_runs" }

// sendRow is the campaign_sends table.
type sendRow struct {
	ID, TenantID, BrandID, CampaignID, RunID string
	Slot                                     int64
	ContactID, PageID, Variant, Route        string
	PSID                                     string `gorm:"column:psid"`
	Status, Reason, ErrorClass               string
	ErrorCode                                int
	MessageID, ClaimedBy                     string
	ClaimedAt, SentAt, UpdatedAt             int64
}

func (sendRow) TableName() string { return "campaign_sends" }

// RunSlot runs one send slot of a sponsored-message campaign: it records the run (one per campaign and slot),
// routes every member of the freshly built audiences and writes one send row per contact before any call,
// then delivers the queued rows it can. Running a slot again finds its rows and sends nothing twice; a run
// started by hand (Cause "manual") for a slot that already ran is ErrSlotRan.
func (s *Store) RunSlot(ctx context.Context, id string, slot time.Time, ro RunOptions) (string, error) {
	c, err := s.Get(ctx, id)
	if err != nil {
		return "", err
	}
	if c.Kind != KindSponsoredMessage {
		return "", ErrNoSlots
	}
	if c.State != StateRunning {
		return "", &StateError{Action: "run", State: c.State}
	}
	slot = slot.UTC().Truncate(time.Minute)
	sendAt := quietDelay(slot, s.brand.Settings.Effective().QuietHours, s.brand.Timezone)
	now := s.opts.Now()
	run := runRow{ID: tenancy.NewID(), TenantID: s.tenant, BrandID: s.brand.ID, CampaignID: c.ID, Slot: slot.UnixMilli(),
		Status: RunRouting, Cause: ro.Cause, SendAt: sendAt.UnixMilli(), StartedAt: now.UnixMilli()}
	res := s.db.W.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&run)
	if res.Error != nil {
		return "", fmt.Errorf("campaigns: run: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		if ro.Cause == "manual" {
			return "", ErrSlotRan
		}
		var found runRow
		if err := s.db.W.WithContext(ctx).Where("campaign_id = ? AND slot = ?", c.ID, slot.UnixMilli()).Take(&found).Error; err != nil {
			return "", fmt.Errorf("campaigns: run: %w", err)
		}
		run = found
	}
	if run.Status == RunRouting {
		if err := s.writeSends(ctx, c, run, sendAt, ro); err != nil {
			return run.ID, err
		}
	}
	if sendAt.After(slot) && sendAt.After(now) {
		return run.ID, nil // quiet hours: the sweep delivers at send_at
	}
	return run.ID, s.Deliver(ctx, run.ID, ro)
}

// writeSends builds the audiences, routes their members as a preview does and writes a row per contact
// (ON CONFLICT DO NOTHING: an instance that died while routing left rows a rerun keeps), then marks the run
// as sending.
func (s *Store) writeSends(ctx context.Context, c Campaign, run runRow, sendAt time.Time, ro RunOptions) error {
	if ro.Build != nil {
		for _, a := range append(append([]string{}, c.Audiences.Include...), c.Audiences.Exclude...) {
			if err := ro.Build(ctx, a); err != nil {
				return fmt.Errorf("campaigns: run: audience %s: %w", a, err)
			}
		}
	}
	var p Preview
	p.Routes, p.Variants, p.Skipped, p.Snapshots = map[string]int{}, map[string]int{}, map[string]int{}, map[string]string{}
	include, err := s.latestSnapshots(ctx, c.Audiences.Include, &p)
	if err != nil {
		return err
	}
	exclude, err := s.latestSnapshots(ctx, c.Audiences.Exclude, &p)
	if err != nil {
		return err
	}
	for _, snap := range p.Snapshots {
		err := s.db.W.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Table("campaign_run_snapshots").
			Create(map[string]any{"run_id": run.ID, "snapshot_id": snap}).Error
		if err != nil {
			return fmt.Errorf("campaigns: run: snapshots: %w", err)
		}
	}
	now := s.opts.Now().UnixMilli()
	batch := make([]sendRow, 0, 500)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := s.db.W.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).CreateInBatches(batch, 500).Error
		batch = batch[:0]
		if err != nil {
			return fmt.Errorf("campaigns: run: sends: %w", err)
		}
		return nil
	}
	emit := func(r Recipient) error {
		row := sendRow{ID: tenancy.NewID(), TenantID: s.tenant, BrandID: s.brand.ID, CampaignID: c.ID, RunID: run.ID,
			Slot: run.Slot, ContactID: r.ContactID, PageID: r.PageID, PSID: r.PSID, Variant: r.Variant, Route: r.Route,
			Status: SendQueued, Reason: r.Reason, UpdatedAt: now}
		if row.ContactID == "" {
			row.ContactID = r.PageID + ":" + r.PSID
		}
		switch r.Route {
		case RouteHoldout:
			row.Status = SendHoldout
		case RouteSkipped:
			row.Status = SendSkipped
		case RoutePaid:
			// A Marketing Message goes to the person's subscription token; without one there is nobody to pay for.
			// A sponsored message (meta-2017) needs none: it reaches the existing thread (sponsored.go).
			if s.brand.Policy != tenancy.PolicyMeta2017 && !s.hasToken(ctx, r) {
				row.Status, row.Reason = SendSkipped, SkipNoToken
			}
		}
		batch = append(batch, row)
		if len(batch) == cap(batch) {
			return flush()
		}
		return nil
	}
	if len(include) > 0 {
		allQuiet := c.EndsAt != nil && !sendAt.Before(*c.EndsAt)
		if err := s.routeMembers(ctx, c, include, exclude, run.Slot, sendAt, allQuiet, &p, emit); err != nil {
			return err
		}
	}
	if err := flush(); err != nil {
		return err
	}
	return s.db.W.WithContext(ctx).Model(&runRow{}).Where("id = ? AND status = ?", run.ID, RunRouting).
		Update("status", RunSending).Error
}

// hasToken reports whether a member holds a Marketing Messages subscription token that is not stopped.
func (s *Store) hasToken(ctx context.Context, r Recipient) bool {
	var n int64
	s.db.R.WithContext(ctx).Table("contacts").Where("tenant_id = ? AND brand_id = ? AND page_id = ? AND psid = ? AND optin_token_enc <> '' AND subscribed = ?",
		s.tenant, s.brand.ID, r.PageID, r.PSID, true).Count(&n)
	return n > 0
}
