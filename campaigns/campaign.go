package campaigns

import (
	"errors"
	"fmt"
	"time"

	"relance/tenancy"
)

// Kinds of campaign (DESIGN §5).
const (
	// KindClickToMessenger is an ad on Facebook/Instagram feeds that opens a Messenger thread.
	KindClickToMessenger = "click_to_messenger"
	// KindMessengerHome is an ad in the Messenger Inbox (home screen).
	KindMessengerHome = "messenger_home"
	// KindSponsoredMessage is a message into existing threads, routed per recipient at each send slot.
	KindSponsoredMessage = "sponsored_message"
)

// Kinds lists the kinds in display order.
var Kinds = []string{KindClickToMessenger, KindMessengerHome, KindSponsoredMessage}

// IsAds reports whether a kind is run by Meta as an ad (the two ads kinds).
func IsAds(kind string) bool { return kind == KindClickToMessenger || kind == KindMessengerHome }

// States of the lifecycle: draft → pending_approval → scheduled → running ⇄ paused → completed, and
// archived from any state but running.
const (
	StateDraft           = "draft"
	StatePendingApproval = "pending_approval"
	StateScheduled       = "scheduled"
	StateRunning         = "running"
	StatePaused          = "paused"
	StateCompleted       = "completed"
	StateArchived        = "archived"
)

// States lists the states in lifecycle order.
var States = []string{StateDraft, StatePendingApproval, StateScheduled, StateRunning, StatePaused, StateCompleted, StateArchived}

// Objectives an ads campaign may have (the current OUTCOME_* set, reference §3).
var Objectives = []string{"OUTCOME_ENGAGEMENT", "OUTCOME_SALES", "OUTCOME_LEADS", "OUTCOME_TRAFFIC"}

// Budget periods.
const (
	PeriodDaily    = "daily"
	PeriodLifetime = "lifetime"
)

// Sentinel errors of the package.
var (
	// ErrNotFound means the campaign is not one of the brand's.
	ErrNotFound = errors.New("campaigns: not found")
	// ErrState means the action is not allowed in the campaign's state; the error names the state.
	ErrState = fmt.Errorf("%w: not allowed in this state", tenancy.ErrConflict)
)

// StateError is an action refused in a state: a 409 that names both.
type StateError struct {
	Action, State string
}

// Error says which action the state refuses.
func (e *StateError) Error() string {
	return fmt.Sprintf("campaigns: cannot %s a campaign that is %s", e.Action, e.State)
}

// Unwrap makes a StateError an ErrState (and so a tenancy.ErrConflict).
func (e *StateError) Unwrap() error { return ErrState }

// Campaign is one campaign of a brand, as the API shows it.
type Campaign struct {
	ID             string       `json:"id"`
	BrandID        string       `json:"brand_id"`
	Name           string       `json:"name"`
	Kind           string       `json:"kind"`
	State          string       `json:"state"`
	PageID         string       `json:"page_id"`
	AdAccountID    string       `json:"ad_account_id"`
	Objective      string       `json:"objective,omitempty"`
	Budget         *Budget      `json:"budget"`
	StartsAt       *time.Time   `json:"starts_at"`
	EndsAt         *time.Time   `json:"ends_at"`
	Schedule       Schedule     `json:"schedule"`
	Audiences      Audiences    `json:"audiences"`
	Targeting      Targeting    `json:"targeting"`
	Variants       []Variant    `json:"variants"`
	HoldoutPercent int          `json:"holdout_percent"`
	FrequencyCap   FrequencyCap `json:"frequency_cap"`
	Ref            string       `json:"ref"`
	// Version counts content changes; ApprovedVersion is the one last approved (0: never).
	Version         int64      `json:"version"`
	ApprovedVersion int64      `json:"approved_version"`
	ApprovedBy      string     `json:"approved_by,omitempty"`
	ApprovedAt      *time.Time `json:"approved_at,omitempty"`
	RejectReason    string     `json:"reject_reason,omitempty"`
	// NextSlot is the next send slot of a sponsored message campaign (UTC).
	NextSlot *time.Time `json:"next_slot,omitempty"`
	// Meta is what Meta runs for a launched ads campaign (objects, review states, the last error).
	Meta      *MetaState `json:"meta,omitempty"`
	CreatedBy string     `json:"created_by"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
}

// Budget is money in the brand's currency: Amount as the decimal string the API takes, Minor in minor units.
type Budget struct {
	Period   string `json:"period"`
	Amount   string `json:"amount"`
	Currency string `json:"currency"`
	Minor    int64  `json:"minor"`
}

// Schedule is when a campaign acts, read in the brand's zone: send slots (sponsored messages) or active
// windows (ads kinds; none means always on during the flight).
type Schedule struct {
	SendCron string   `json:"send_cron,omitempty"`
	Active   []Window `json:"active"`
	Timezone string   `json:"timezone"`
}

// Window is an active window: it opens at each slot of Cron and lasts Minutes.
type Window struct {
	Cron    string `json:"cron"`
	Minutes int    `json:"minutes"`
}

// Audiences are the brand's audiences a campaign targets (include) and leaves out (exclude).
type Audiences struct {
	Include []string `json:"include"`
	Exclude []string `json:"exclude"`
}

// Targeting is where an ads campaign's ad set reaches people (targeting.geo_locations): countries as ISO
// 3166-1 alpha-2 codes. Meta refuses an ad set with neither a location nor a custom audience (100/1885364),
// so an ads campaign that names no country and includes no audience targets the brand's country, the
// country of its time zone: Default says so. With an included audience and no country, the ad set has no
// location and reaches the audience wherever its people are.
type Targeting struct {
	Countries []string `json:"countries"`
	Default   bool     `json:"default,omitempty"`
}

// FrequencyCap is at most Messages campaign messages per contact in Days days; Default says it is the brand's.
type FrequencyCap struct {
	Messages int  `json:"messages"`
	Days     int  `json:"days"`
	Default  bool `json:"default,omitempty"`
}

// Variant is one arm of an A/B test: a key ("A"), a share of recipients (weights sum to 100) and a creative.
type Variant struct {
	Key      string   `json:"key"`
	Weight   int      `json:"weight"`
	Creative Creative `json:"creative"`
}

// Creative is what a variant says: the message (sponsored messages) or the ad text and its welcome message.
type Creative struct {
	Text         string       `json:"text"`
	ImageURL     string       `json:"image_url,omitempty"`
	QuickReplies []QuickReply `json:"quick_replies,omitempty"`
	Buttons      []Button     `json:"buttons,omitempty"`
	Welcome      *Welcome     `json:"welcome,omitempty"`
}

// QuickReply is a quick reply button under a message.
type QuickReply struct {
	Title   string `json:"title"`
	Payload string `json:"payload"`
}

// Button is a button of a button template: a postback with a payload or a link.
type Button struct {
	Type    string `json:"type"`
	Title   string `json:"title"`
	Payload string `json:"payload,omitempty"`
	URL     string `json:"url,omitempty"`
}

// Welcome is the welcome message of an ads kind: a greeting and ice breakers whose payloads carry the ref.
type Welcome struct {
	Greeting    string       `json:"greeting"`
	IceBreakers []IceBreaker `json:"ice_breakers"`
}

// IceBreaker is a question the person can tap to start the conversation.
type IceBreaker struct {
	Question string `json:"question"`
	Payload  string `json:"payload"`
}

// Redacted is the campaign without message texts, for callers who may not read messages (finance, DESIGN §5).
func (c Campaign) Redacted() Campaign {
	vs := make([]Variant, len(c.Variants))
	for i, v := range c.Variants {
		vs[i] = Variant{Key: v.Key, Weight: v.Weight}
	}
	c.Variants = vs
	return c
}

// Input creates or changes a campaign; nil fields are left as they are (PATCH). Times are RFC 3339 strings
// ("" clears ends_at); lists replace the stored list whole.
type Input struct {
	Name           *string        `json:"name"`
	Kind           *string        `json:"kind"`
	PageID         *string        `json:"page_id"`
	AdAccountID    *string        `json:"ad_account_id"`
	Objective      *string        `json:"objective"`
	Budget         *BudgetInput   `json:"budget"`
	StartsAt       *string        `json:"starts_at"`
	EndsAt         *string        `json:"ends_at"`
	Schedule       *ScheduleInput `json:"schedule"`
	Audiences      *Audiences     `json:"audiences"`
	Targeting      *Targeting     `json:"targeting"`
	Variants       *[]Variant     `json:"variants"`
	HoldoutPercent *int           `json:"holdout_percent"`
	FrequencyCap   *FrequencyCap  `json:"frequency_cap"`
	Ref            *string        `json:"ref"`
}

// BudgetInput is a budget as the API takes it; Currency, when given, must be the brand's.
type BudgetInput struct {
	Period   string `json:"period"`
	Amount   string `json:"amount"`
	Currency string `json:"currency,omitempty"`
}

// ScheduleInput is a schedule as the API takes it (the zone is always the brand's).
type ScheduleInput struct {
	SendCron string   `json:"send_cron"`
	Active   []Window `json:"active"`
}
