package conversations

import (
	"encoding/json"

	"relance/conversations/nlp"
)

// Event kinds, as stored.
const (
	KindMessage       = "message"  // a message from the user
	KindEcho          = "echo"     // a message the Page sent (our bot, a human in the Page Inbox, another app)
	KindPostback      = "postback" // a button or Get Started tap
	KindReferral      = "referral" // a click on an ad or an m.me link into an existing thread
	KindRead          = "read"
	KindDelivery      = "delivery"
	KindOptin         = "optin"
	KindPassThread    = "pass_thread_control"
	KindTakeThread    = "take_thread_control"
	KindRequestThread = "request_thread_control"
	KindAppRoles      = "app_roles"
	KindUnknown       = "unknown" // an event object relance does not know yet, kept raw
)

// Senders of a message.
const (
	SenderUser  = "user"
	SenderBot   = "bot"   // our app (meta.app_id)
	SenderHuman = "human" // the Page Inbox: a person
	SenderApp   = "app"   // another app on the Page
)

// PageInboxAppID is the app id Meta puts on echoes of messages a person typed in the Page Inbox.
const PageInboxAppID = "263902037430900"

// Event is one webhook event, parsed and normalized. Times are epoch milliseconds UTC.
type Event struct {
	Kind    string
	PageID  string
	PSID    string // the user's page-scoped id: sender of inbound events, recipient of echoes
	At      int64
	Standby bool // delivered on standby: another app owned the thread

	// Messages and echoes.
	MID         string
	Text        string
	QuickReply  string
	ReplyTo     string
	Metadata    string
	AppID       string
	Sender      string
	Attachments []Attachment
	Entities    []nlp.Entity

	// Postbacks.
	Title   string
	Payload string

	Referral  *Referral // a standalone referral, or one riding in a postback or beside a message
	Watermark int64     // reads and deliveries
	MIDs      []string  // deliveries
	Optin     *Optin
	Handover  *Handover
	Raw       json.RawMessage // the item as received (kept for unknown events and app roles)
}

// Attachment is a file, image, sticker… sent with a message.
type Attachment struct {
	Type string `json:"type"`
	URL  string `json:"url,omitempty"`
}

// Referral says where a user came from: an ad, an m.me link with a ref, a code.
type Referral struct {
	Source     string            `json:"source"`
	Type       string            `json:"type,omitempty"`
	Ref        string            `json:"ref,omitempty"`
	Parts      map[string]string `json:"ref_parts,omitempty"`
	AdID       string            `json:"ad_id,omitempty"`
	AdsContext json.RawMessage   `json:"ads_context_data,omitempty"`
}

// Optin is a Marketing Messages subscription change (or a Send-to-Messenger opt-in with a ref).
type Optin struct {
	Type           string `json:"type"`
	Payload        string `json:"payload,omitempty"`
	Title          string `json:"title,omitempty"`
	Ref            string `json:"ref,omitempty"`
	Token          string `json:"-"` // sealed before storage
	Timezone       string `json:"timezone,omitempty"`
	TokenExpiresAt int64  `json:"token_expires_at,omitempty"`
	TokenStatus    string `json:"token_status,omitempty"`
	Status         string `json:"status,omitempty"`
}

// Subscribed reports whether the opt-in leaves the user subscribed (a "STOP NOTIFICATIONS" is an opt-out).
func (o *Optin) Subscribed() bool {
	return o.Type == "notification_messages" && o.Status != "STOP NOTIFICATIONS"
}

// Handover is a thread-control change between apps.
type Handover struct {
	NewOwner       string `json:"new_owner_app_id,omitempty"`
	PreviousOwner  string `json:"previous_owner_app_id,omitempty"`
	RequestedOwner string `json:"requested_owner_app_id,omitempty"`
	Metadata       string `json:"metadata,omitempty"`
}

// Entry is one Page's part of a delivery: its events and its raw JSON, kept for Pages nobody connected.
type Entry struct {
	PageID string
	Raw    json.RawMessage
	Events []Event
}

// inbound reports whether the event comes from the user (it opens or extends the messaging window).
func (e *Event) inbound() bool {
	switch e.Kind {
	case KindMessage, KindPostback, KindReferral, KindOptin:
		return true
	}
	return false
}
