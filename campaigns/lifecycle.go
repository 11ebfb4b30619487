package campaigns

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"relance/tenancy"
)

// Actions on a campaign (POST …/campaigns/{c}/{action}), plus complete, which the flight's end takes.
const (
	ActSubmit   = "submit"
	ActApprove  = "approve"
	ActReject   = "reject"
	ActLaunch   = "launch"
	ActPause    = "pause"
	ActResume   = "resume"
	ActArchive  = "archive"
	ActComplete = "complete"
)

// transitions is the lifecycle of DESIGN §5 as data: the states an action leaves and the state it reaches.
// submit's target depends on the brand's approval_required (see Act).
var transitions = map[string]struct {
	from []string
	to   string
}{
	ActSubmit:   {[]string{StateDraft}, StatePendingApproval},
	ActApprove:  {[]string{StatePendingApproval}, StateScheduled},
	ActReject:   {[]string{StatePendingApproval}, StateDraft},
	ActLaunch:   {[]string{StateScheduled}, StateRunning},
	ActPause:    {[]string{StateRunning}, StatePaused},
	ActResume:   {[]string{StatePaused}, StateRunning},
	ActArchive:  {[]string{StateDraft, StatePendingApproval, StateScheduled, StatePaused, StateCompleted}, StateArchived},
	ActComplete: {[]string{StateRunning, StatePaused}, StateCompleted},
}

// Actions lists the actions a person may take, in the order the UI shows them.
var Actions = []string{ActSubmit, ActApprove, ActReject, ActLaunch, ActPause, ActResume, ActArchive}

// Allowed reports whether action may be taken in state (the UI shows only those buttons).
func Allowed(action, state string) bool {
	t, ok := transitions[action]
	return ok && slices.Contains(t.from, state)
}

// maxReason bounds a rejection reason.
const maxReason = 1000

// ActInput is what an action may carry: reject's reason, and the version the person saw, so that nobody
// approves content that changed after they read it.
type ActInput struct {
	Reason string `json:"reason"`
	// Version, when not 0, must be the campaign's current version.
	Version int64 `json:"version"`
}

// ErrChanged means the campaign changed after the person acting on it read it.
var ErrChanged = fmt.Errorf("%w: the campaign changed since you read it; review it and try again", tenancy.ErrConflict)

// Act takes a lifecycle action. A state that does not allow it is a *StateError (409 naming the state);
// reject needs a reason. The state moves only if nobody moved it first, and the action is audited and put
// on the timeline in the same transaction.
func (s *Store) Act(ctx context.Context, id, action string, in ActInput) (Campaign, error) {
	return s.act(ctx, id, action, in, "")
}

// act is Act with the timeline's detail given by the caller (a launch names the Meta objects it made).
func (s *Store) act(ctx context.Context, id, action string, in ActInput, extra string) (Campaign, error) {
	t, ok := transitions[action]
	if !ok {
		return Campaign{}, fmt.Errorf("campaigns: unknown action %q: %w", action, ErrNotFound)
	}
	c, err := s.Get(ctx, id)
	if err != nil {
		return Campaign{}, err
	}
	if !slices.Contains(t.from, c.State) {
		return Campaign{}, &StateError{Action: action, State: c.State}
	}
	if in.Version != 0 && in.Version != c.Version {
		return Campaign{}, fmt.Errorf("%w (you read version %d, it is now %d)", ErrChanged, in.Version, c.Version)
	}
	reason := strings.TrimSpace(in.Reason)
	from, to := c.State, t.to
	now := s.opts.Now()
	set := map[string]any{"updated_at": now.UnixMilli()}
	detail := ""
	switch action {
	case ActSubmit:
		// The campaign was valid when saved, but a Page, ad account or audience may have gone since.
		if err := s.check(ctx, &c, Input{}, false); err != nil {
			return Campaign{}, err
		}
		if !s.brand.Settings.Effective().ApprovalRequired {
			to, detail = StateScheduled, "approved: the brand does not require approval"
			set["approved_version"], set["approved_by"], set["approved_at"] = c.Version, "", now.UnixMilli()
		}
		set["reject_reason"] = ""
	case ActApprove:
		a := tenancy.ActorFrom(ctx)
		set["approved_version"], set["approved_by"], set["approved_at"] = c.Version, a.Label, now.UnixMilli()
		detail = fmt.Sprintf("version %d", c.Version)
	case ActReject:
		switch {
		case reason == "":
			return Campaign{}, &tenancy.ValidationError{Fields: map[string]string{"reason": "is required: say what to change"}}
		case utf8.RuneCountInString(reason) > maxReason || !utf8.ValidString(reason):
			return Campaign{}, &tenancy.ValidationError{Fields: map[string]string{"reason": fmt.Sprintf("must be at most %d characters", maxReason)}}
		}
		set["reject_reason"], detail = reason, reason
	case ActLaunch, ActResume:
		if c.EndsAt != nil && !c.EndsAt.After(now) {
			return Campaign{}, fmt.Errorf("campaigns: the flight ended at %s; change ends_at first: %w",
				c.EndsAt.Format("2006-01-02 15:04 MST"), tenancy.ErrConflict)
		}
	case ActComplete:
		detail = "the flight ended"
	}
	if extra != "" {
		detail = extra
	}
	set["state"] = to
	err = s.db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// The version too: an approval is of the content the approver saw, not of a change made meanwhile.
		res := tx.Table("campaigns").Where("id = ? AND tenant_id = ? AND brand_id = ? AND state = ? AND version = ?",
			c.ID, s.tenant, s.brand.ID, from, c.Version).Updates(set)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			err := s.stateErr(ctx, tx, c.ID, action)
			var se *StateError
			if errors.As(err, &se) && se.State == from {
				return fmt.Errorf("%w (version %d was changed meanwhile)", ErrChanged, c.Version)
			}
			return err
		}
		c.State = to
		return s.record(ctx, tx, c, action, from, to, detail)
	})
	if err != nil {
		return Campaign{}, s.writeErr(action, err)
	}
	return s.Get(ctx, c.ID)
}

// Event is one entry of a campaign's timeline.
type Event struct {
	ID        string    `json:"id"`
	Action    string    `json:"action"`
	FromState string    `json:"from_state,omitempty"`
	ToState   string    `json:"to_state,omitempty"`
	ActorID   string    `json:"actor_id,omitempty"`
	Actor     string    `json:"actor"`
	Detail    string    `json:"detail,omitempty"`
	At        time.Time `json:"at"`
}

// eventRow is the campaign_events table as the timeline reads it.
type eventRow struct {
	ID, Action, FromState, ToState, ActorID, Actor, Detail string
	At                                                     int64
}

// record puts an action on the campaign's timeline and in the audit log, in tx: both exist exactly when the
// change does.
func (s *Store) record(ctx context.Context, tx *gorm.DB, c Campaign, action, from, to, detail string) error {
	a := tenancy.ActorFrom(ctx)
	actor := a.Label
	if actor == "" {
		actor = "relance"
	}
	ev := map[string]any{"id": tenancy.NewID(), "tenant_id": s.tenant, "brand_id": s.brand.ID, "campaign_id": c.ID,
		"action": action, "from_state": from, "to_state": to, "actor_id": a.UserID, "actor": actor, "detail": detail,
		"at": s.opts.Now().UnixMilli()}
	if err := tx.Table("campaign_events").Create(ev).Error; err != nil {
		return err
	}
	summary := c.Name
	if from != to && from != "" {
		summary += fmt.Sprintf(" (%s → %s)", from, to)
	}
	if detail != "" {
		summary += ": " + detail
	}
	return tenancy.RecordAudit(ctx, tx, s.tenant, tenancy.AuditEntry{BrandID: s.brand.ID, Action: "campaign." + action,
		ObjectType: "campaign", ObjectID: c.ID, Summary: summary})
}

// Timeline lists a campaign's events, oldest first.
func (s *Store) Timeline(ctx context.Context, id string) ([]Event, error) {
	if _, err := s.Get(ctx, id); err != nil {
		return nil, err
	}
	var rows []eventRow
	err := s.db.R.WithContext(ctx).Table("campaign_events").Where("tenant_id = ? AND brand_id = ? AND campaign_id = ?", s.tenant, s.brand.ID, id).
		Order("at, id").Limit(1000).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("campaigns: timeline: %w", err)
	}
	evs := make([]Event, len(rows))
	for i, r := range rows {
		evs[i] = Event{ID: r.ID, Action: r.Action, FromState: r.FromState, ToState: r.ToState, ActorID: r.ActorID,
			Actor: r.Actor, Detail: r.Detail, At: time.UnixMilli(r.At).UTC()}
	}
	return evs, nil
}
