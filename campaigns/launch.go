package campaigns

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"gorm.io/gorm"

	"relance/meta"
	"relance/tenancy"
)

// Launch of the ads kinds (DESIGN §5): campaign → ad set → creative → one ad per variant, created through
// the Meta client, idempotently. Each object's id is recorded (campaign_meta, campaign_meta_ads) as soon
// as Meta answers, before the next call; every object carries a tag in its name, so an object whose answer
// was lost (a crash, a dropped connection) is found again before anything is created a second time.
// Objects are created PAUSED and switched on together at the end, so a half-made launch spends nothing.
// Layout: this file has the launch; launch_objects.go the specs and the find-or-create steps;
// launch_state.go the rows and the view the API shows; launch_schedule.go dayparting; steer.go the poll of
// review states and the mirroring of later changes.

// AdsAPI is the part of the Meta client that launches and steers ads campaigns (*meta.Client has it).
type AdsAPI interface {
	CreateCampaign(ctx context.Context, token, accountID string, s meta.CampaignSpec) (string, error)
	CreateAdSet(ctx context.Context, token, accountID string, s meta.AdSetSpec) (string, error)
	CreateCreative(ctx context.Context, token, accountID string, s meta.CreativeSpec) (string, error)
	CreateAd(ctx context.Context, token, accountID, name, adsetID, creativeID, status string) (string, error)
	FindAdObjects(ctx context.Context, token, accountID, edge, contains string) ([]meta.AdObjectRef, error)
	SetStatus(ctx context.Context, token, objectID, status string) error
	UpdateAdSet(ctx context.Context, token, adsetID string, u meta.AdSetUpdate) error
	Ad(ctx context.Context, token, id string) (meta.Ad, error)
}

// LaunchOptions are what a launch, and the mirroring of later changes, need beyond the store.
type LaunchOptions struct {
	// Ads calls the Marketing API.
	Ads AdsAPI
	// Token opens the Marketing API token of one of the brand's ad accounts (act_…).
	Token func(ctx context.Context, accountID string) (string, error)
	// Audience syncs one of the brand's audiences to its Meta custom audience and returns the custom
	// audience's id and the ad account (act_…) that holds it.
	Audience func(ctx context.Context, audienceID string) (metaID, accountID string, err error)
}

// Sentinel errors of launches.
var (
	// ErrNoMeta means the instance cannot reach Meta, so an ads campaign cannot be launched.
	ErrNoMeta = errors.New("campaigns: Meta is not configured on this instance: ads campaigns cannot be launched")
	// ErrLaunchBusy means another launch or sweep is working on the campaign's Meta objects right now.
	ErrLaunchBusy = fmt.Errorf("%w: a launch of this campaign is in progress; try again in a minute", tenancy.ErrConflict)
)

// launchLease bounds how long a launch or a sweep holds a campaign's Meta objects.
const launchLease = 2 * time.Minute

// LaunchError is a launch Meta refused: the step it failed at and Meta's error. The campaign stayed in its
// state; the objects already created are recorded and reused by the next attempt.
type LaunchError struct {
	Step string // "campaign", "ad set", "creative A", "ad A", "audience …", "activation"
	Err  error
}

// Error names the step and Meta's answer.
func (e *LaunchError) Error() string { return "campaigns: launch: " + e.Step + ": " + e.Err.Error() }

// Unwrap gives Meta's error.
func (e *LaunchError) Unwrap() error { return e.Err }

// Meta is Meta's error object, nil when the launch failed before or after Meta answered.
func (e *LaunchError) Meta() *meta.Error {
	var me *meta.Error
	if errors.As(e.Err, &me) {
		return me
	}
	return nil
}

// Status is the HTTP status the API answers: 422 when Meta refused what relance sent (the campaign must
// change), 502 when Meta failed, throttled or could not be reached (retry later).
func (e *LaunchError) Status() int {
	switch meta.ClassOf(e.Err) {
	case meta.ClassInvalidParameter, meta.ClassPermission, meta.ClassAudienceBlocked, meta.ClassTokenInvalid:
		return http.StatusUnprocessableEntity
	}
	if errors.Is(e.Err, meta.ErrInvalidAdObject) {
		return http.StatusUnprocessableEntity
	}
	return http.StatusBadGateway
}

// Fields names the campaign field Meta's refusal is about, when relance can tell.
func (e *LaunchError) Fields() map[string]string {
	me := e.Meta()
	if me == nil {
		return nil
	}
	msg := me.UserMsg
	if msg == "" {
		msg = me.Message
	}
	switch {
	case me.Subcode == 1885272: // budget below the minimum
		return map[string]string{"budget.amount": msg}
	case me.Subcode == 1885364 || me.Subcode == 1487756: // no location, or a location Meta does not target
		return map[string]string{"targeting.countries": msg}
	case strings.HasPrefix(e.Step, "audience "):
		return map[string]string{"audiences": msg}
	}
	return nil
}

// IsAdsLaunch reports whether launching c needs Meta: an ads kind leaving scheduled.
func IsAdsLaunch(c Campaign) bool { return IsAds(c.Kind) && c.State == StateScheduled }

// Launch launches a scheduled campaign. A sponsored-message campaign only changes state (its slots do the
// work); an ads campaign first gets its Meta objects, then moves to running. A failure leaves the state as
// it was, with Meta's error recorded (shown on the campaign) and on the timeline; retrying reuses every
// object already made.
func (s *Store) Launch(ctx context.Context, id string, in ActInput, lo LaunchOptions) (Campaign, error) {
	c, err := s.Get(ctx, id)
	if err != nil {
		return Campaign{}, err
	}
	if !IsAdsLaunch(c) {
		return s.Act(ctx, id, ActLaunch, in)
	}
	if err := s.canAct(c, ActLaunch, in); err != nil {
		return Campaign{}, err
	}
	if lo.Ads == nil || lo.Token == nil {
		return Campaign{}, ErrNoMeta
	}
	l, err := s.startLaunch(ctx, c, lo)
	if err != nil {
		return Campaign{}, s.launchFailed(ctx, c, err)
	}
	defer l.release()
	if err := l.run(ctx); err != nil {
		return Campaign{}, s.launchFailed(ctx, c, err)
	}
	detail := fmt.Sprintf("Meta campaign %s, ad set %s, %d ads", l.row.MetaCampaignID, l.row.AdSetID, len(c.Variants))
	out, err := s.act(ctx, id, ActLaunch, in, detail)
	if err != nil {
		// Meta runs, relance's state did not move (changed meanwhile): the sweep pauses what should not run.
		return Campaign{}, err
	}
	return out, nil
}

// canAct runs Act's checks without acting: the state allows the action, the version is the one read, the
// flight has not ended.
func (s *Store) canAct(c Campaign, action string, in ActInput) error {
	if !Allowed(action, c.State) {
		return &StateError{Action: action, State: c.State}
	}
	if in.Version != 0 && in.Version != c.Version {
		return fmt.Errorf("%w (you read version %d, it is now %d)", ErrChanged, in.Version, c.Version)
	}
	if c.EndsAt != nil && !c.EndsAt.After(s.opts.Now()) {
		return fmt.Errorf("campaigns: the flight ended at %s; change ends_at first: %w",
			c.EndsAt.Format("2006-01-02 15:04 MST"), tenancy.ErrConflict)
	}
	return nil
}

// launchFailed records why a launch failed (on the campaign's Meta state and its timeline) and returns the
// error for the caller. A busy lease is not a failure of Meta's and is returned as it is.
func (s *Store) launchFailed(ctx context.Context, c Campaign, cause error) error {
	if errors.Is(cause, ErrLaunchBusy) {
		return cause
	}
	ctx = context.WithoutCancel(ctx)
	msg, code, sub := errorParts(cause)
	err := s.db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		now := s.opts.Now().UnixMilli()
		if err := tx.Table("campaign_meta").Where("campaign_id = ? AND tenant_id = ?", c.ID, s.tenant).
			Updates(map[string]any{"error_message": msg, "error_code": code, "error_subcode": sub, "error_at": now, "updated_at": now}).Error; err != nil {
			return err
		}
		return s.record(ctx, tx, c, "launch_failed", c.State, c.State, msg)
	})
	if err != nil {
		return errors.Join(cause, fmt.Errorf("campaigns: launch: recording the failure: %w", err))
	}
	return cause
}

// errorParts is what the campaign shows of an error: Meta's message and codes, or relance's own message.
func errorParts(err error) (msg string, code, subcode int) {
	var le *LaunchError
	step := ""
	if errors.As(err, &le) {
		step = le.Step + ": "
		err = le.Err
	}
	var me *meta.Error
	if errors.As(err, &me) {
		m := me.Message
		if me.UserMsg != "" && !strings.Contains(m, me.UserMsg) {
			m += " (" + me.UserMsg + ")"
		}
		if me.Lost {
			m = "Meta's answer was lost on the way; retry: relance finds what Meta made (" + m + ")"
		}
		return clip(step+m, 1000), me.Code, me.Subcode
	}
	return clip(step+stripPkg(err.Error()), 1000), 0, 0
}

// clip bounds a text to n bytes on a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !isRuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }
