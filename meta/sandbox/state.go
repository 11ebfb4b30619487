package sandbox

import (
	"encoding/json"
	"time"
)

// The objects below are the sandbox's memory. They live in maps of the Sandbox, guarded by its mutex, and
// are created by the Graph handlers (and by the control endpoints for accounts, Pages and threads).

// Account is an ad account (act_…): budgets and spend are in its currency's Meta units (reference §3).
type Account struct {
	ID       string // with the act_ prefix
	Name     string
	Currency string
	Timezone string // IANA, for Insights days and ADVERTISER schedules
}

// Page is a Facebook Page the sandbox answers for. Pages are created on first use.
type Page struct {
	ID               string
	Name             string
	SubscribedFields []string // Page subscribed_apps fields of relance's app; nil when not subscribed
	// Profile is the messaging policy the Page's brand plays (DESIGN §5 "Routing details"): "meta-2017"
	// accepts the one standard message after the window ("24 + 1"); anything else is today's Meta.
	Profile string
}

// Thread is a Messenger conversation between a Page and a person, known to the sandbox because it started it
// (simulated clicks), because relance registered it, or because relance sent to it.
type Thread struct {
	ID         string // the Conversations API id, "t_…"
	PageID     string
	PSID       string
	Name       string
	Country    string    // ISO 3166 alpha-2, for Marketing Messages eligibility
	LastUserAt time.Time // the person's last message or interaction: opens the 24-hour window
	Blocked    bool      // the person blocked the Page: every send fails with 551
	// LastPageAt is the Page's last message to the person: under "meta-2017" the first one after the window
	// closed spends the "+1".
	LastPageAt time.Time
	Messages   []ThreadMessage
	// SubscriptionToken is the Marketing Messages token the person opted in with ("" when not subscribed).
	SubscriptionToken string
	LastMarketingAt   time.Time
}

// ThreadMessage is one message of a thread, as the Conversations API lists it.
type ThreadMessage struct {
	ID       string
	At       time.Time
	FromPage bool
	Text     string
}

// Campaign is a Marketing API campaign.
type Campaign struct {
	ID, AccountID, Name, Objective, BuyingType, Status string
	SpecialAdCategories                                []string
	Created                                            time.Time
}

// Targeting is an ad set's targeting: the keys the sandbox reads, and Spec, the whole spec as accepted.
type Targeting struct {
	CustomAudiences         []IDRef  `json:"custom_audiences,omitempty"`
	ExcludedCustomAudiences []IDRef  `json:"excluded_custom_audiences,omitempty"`
	GeoLocations            any      `json:"geo_locations,omitempty"`
	PublisherPlatforms      []string `json:"publisher_platforms,omitempty"`
	MessengerPositions      []string `json:"messenger_positions,omitempty"`
	// Spec is the targeting object as sent (keys the sandbox does not model included): what reads answer.
	Spec json.RawMessage `json:"-"`
}

// MarshalJSON answers the whole accepted spec, as Meta reads targeting back.
func (t Targeting) MarshalJSON() ([]byte, error) {
	if len(t.Spec) > 0 {
		return t.Spec, nil
	}
	type modelled Targeting // without this method
	return json.Marshal(modelled(t))
}

// IDRef is {"id": "…"} as Meta nests references.
type IDRef struct {
	ID string `json:"id"`
}

// ScheduleBlock is one adset_schedule entry: minutes from midnight, days 0 (Sunday) to 6.
type ScheduleBlock struct {
	StartMinute  int    `json:"start_minute"`
	EndMinute    int    `json:"end_minute"`
	Days         []int  `json:"days"`
	TimezoneType string `json:"timezone_type,omitempty"` // USER or ADVERTISER
}

// AdSet is a Marketing API ad set. Budgets are in the account's Meta units; 0 means not set.
type AdSet struct {
	ID, AccountID, CampaignID, Name, Status string
	DestinationType, OptimizationGoal       string
	BillingEvent                            string
	PromotedPageID                          string
	DailyBudget, LifetimeBudget             int64
	StartTime, EndTime                      time.Time // EndTime zero: runs until stopped
	Targeting                               Targeting
	PacingType                              []string
	Schedule                                []ScheduleBlock
	// BudgetEdits are the simulated times of budget changes after creation, for tests of coalescing.
	BudgetEdits []time.Time
	Created     time.Time
}

// Creative is an ad creative; the sandbox reads what a Click-to-Messenger ad needs.
type Creative struct {
	ID, AccountID, Name string
	PageID              string
	CallToAction        string          // MESSAGE_PAGE for Click-to-Messenger
	Message             string          // link_data.message, the ad's text
	URLTags             string          // url_tags, e.g. "ref=camp%3Dsummer"
	Ref                 string          // the ref carried to Messenger (from the welcome message payload or url_tags)
	WelcomeMessage      string          // page_welcome_message as sent (JSON text)
	Spec                json.RawMessage // object_story_spec as accepted, every key kept
	Created             time.Time
}

// Ad is a Marketing API ad.
type Ad struct {
	ID, AccountID, AdSetID, CreativeID, Name, Status string
	// Review is the sandbox's review outcome: "" (approved), DISAPPROVED for creatives it refuses, or
	// WITH_ISSUES for an ad a test said cannot deliver; ReviewReason is what Meta would explain.
	Review       string
	ReviewReason string
	// Delivered are the people a sponsored-message ad already reached (each once).
	Delivered map[Member]bool
	Created   time.Time
}

// Audience is a custom audience with its members (Page id + PSID, since PSIDs match only on their Page).
type Audience struct {
	ID, AccountID, Name, Description, Subtype, FileSource string
	Members                                               map[Member]bool
	// Sessions remember replace/add sessions by session_id: the batches seen, for idempotent retries.
	Sessions map[string]*UploadSession
	// Flagged audiences refuse uploads with 100/1713230 (operation_status 471, reference §4).
	Flagged bool
	// Deleted audiences stay as tombstones (no members) so that their id still answers "does not exist"
	// instead of reading as a Page.
	Deleted bool
	Created time.Time
}

// Member is one person of an audience.
type Member struct{ PageID, PSID string }

// UploadSession is the state of a multi-call upload (session_id, batch_seq, last_batch_flag).
type UploadSession struct {
	ID        string
	Batches   map[int]int // batch_seq → rows received
	Finished  bool
	Estimated int64
}

// Send is a Send API or Marketing Messages call the sandbox accepted.
type Send struct {
	MessageID     string
	PageID, PSID  string
	MessagingType string
	Tag           string
	Text          string
	Metadata      string
	Marketing     bool   // a Marketing Message (billed per delivered message)
	AdID          string // the sponsored-message ad that delivered it ("" for Send API calls)
	At            time.Time
}

// HourStat is one simulated hour of delivery for one ad, in the account's Meta units.
type HourStat struct {
	Hour          time.Time // UTC, truncated to the hour
	Impressions   int64
	Reach         int64
	Clicks        int64
	Spend         int64
	Conversations int64 // onsite_conversion.messaging_conversation_started_7d
	FirstReplies  int64 // onsite_conversion.messaging_first_reply
}

// ReportRun is an async Insights job.
type ReportRun struct {
	ID        string
	AccountID string
	Params    params
	Created   time.Time
	Polls     int // the job completes after a few polls, as Meta's do
	Rows      []map[string]any
	Err       *apiError
	// DateStart and DateStop are the account days the report covers, "YYYY-MM-DD".
	DateStart, DateStop string
}

// MessageCampaign is a Marketing Messages campaign (POST /act_{id}/message_campaign).
type MessageCampaign struct {
	ID, AccountID, PageID, Name, Status string
	DailyBudget, LifetimeBudget         int64
	StartTime, EndTime                  time.Time
	MinGapSeconds                       int64
	Delivered                           int64 // messages delivered, billed per message
	Spend                               int64
	// SpendDay ("2006-01-02" in the account's time zone) and DaySpend hold the day's spend for daily budgets.
	SpendDay string
	DaySpend int64
	Created  time.Time
}

// state is everything the sandbox remembers; the Sandbox's mutex guards it.
type state struct {
	accounts  map[string]*Account
	pages     map[string]*Page
	threads   map[Member]*Thread
	threadIDs map[string]*Thread // by Thread.ID
	campaigns map[string]*Campaign
	adsets    map[string]*AdSet
	creatives map[string]*Creative
	ads       map[string]*Ad
	audiences map[string]*Audience
	reports   map[string]*ReportRun
	msgCamps  map[string]*MessageCampaign
	sends     []Send
	stats     map[string][]HourStat // by ad id, in hour order
	ids       map[string]int64      // per-kind counters for deterministic ids
	// profileCalls counts User Profile reads per person (profiles.go), made on first use.
	profileCalls map[Member]int
}

func newState() state {
	return state{
		accounts: map[string]*Account{}, pages: map[string]*Page{}, threads: map[Member]*Thread{},
		threadIDs: map[string]*Thread{}, campaigns: map[string]*Campaign{}, adsets: map[string]*AdSet{},
		creatives: map[string]*Creative{}, ads: map[string]*Ad{}, audiences: map[string]*Audience{},
		reports: map[string]*ReportRun{}, msgCamps: map[string]*MessageCampaign{}, stats: map[string][]HourStat{},
		ids: map[string]int64{},
	}
}
