package conversations

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"relance/conversations/nlp"
	"relance/database"
	"relance/policy"
)

// ErrNotFound means the contact is not one of the brand's.
var ErrNotFound = errors.New("conversations: not found")

// Reader reads one brand's conversations; it is obtained bound to a tenant and a brand.
type Reader struct {
	db            *database.DB
	tenant, brand string
	appID         string
}

// NewReader binds a reader to a brand of a tenant. appID is relance's Meta app id (to tell thread owners).
func NewReader(db *database.DB, tenantID, brandID, appID string) *Reader {
	return &Reader{db: db, tenant: tenantID, brand: brandID, appID: appID}
}

// Contact is a Page-scoped user of one of the brand's Pages, with the aggregates audiences use.
type Contact struct {
	ID                string      `json:"id"`
	PageID            string      `json:"page_id"`
	PSID              string      `json:"psid"`
	FirstSeenAt       time.Time   `json:"first_seen_at"`
	LastInboundAt     *time.Time  `json:"last_inbound_at"`
	LastInteractionAt *time.Time  `json:"last_interaction_at"`
	LastOutboundAt    *time.Time  `json:"last_outbound_at"`
	LastBotAt         *time.Time  `json:"last_bot_at"`
	LastHumanAt       *time.Time  `json:"last_human_at"`
	InboundCount      int64       `json:"inbound_count"`
	OutboundCount     int64       `json:"outbound_count"`
	FirstReferral     *RefSummary `json:"first_referral"`
	LastReferral      *RefSummary `json:"last_referral"`
	Entities          []string    `json:"entities"`
	Owner             string      `json:"owner"`
	Subscribed        bool        `json:"subscribed"`
	OptinTimezone     string      `json:"optin_timezone,omitempty"`
	OptinExpiresAt    *time.Time  `json:"optin_expires_at,omitempty"`
	Blocked           bool        `json:"blocked"`
	Unavailable       bool        `json:"unavailable"`
	ReadWatermark     *time.Time  `json:"read_up_to,omitempty"`
	// The person's name and picture from the User Profile API: null until fetched (see Profiles).
	Name             *string    `json:"name"`
	FirstName        *string    `json:"first_name"`
	LastName         *string    `json:"last_name"`
	ProfilePicURL    *string    `json:"profile_pic_url"`
	ProfileFetchedAt *time.Time `json:"profile_fetched_at"`
}

// RefSummary is a referral as contacts show it.
type RefSummary struct {
	Source string    `json:"source"`
	Ref    string    `json:"ref,omitempty"`
	AdID   string    `json:"ad_id,omitempty"`
	At     time.Time `json:"at"`
}

// contactRow is the contacts table.
type contactRow struct {
	ID                                                            string
	PageID, Psid                                                  string
	FirstSeenAt, LastInboundAt, LastInteractionAt, LastOutboundAt int64
	LastBotAt, LastHumanAt, InboundCount, OutboundCount           int64
	FirstRefAt                                                    int64
	FirstRefSource, FirstRefRef, FirstRefAdID                     string
	LastRefAt                                                     int64
	LastRefSource, LastRefRef, LastRefAdID                        string
	Subscribed                                                    bool
	OptinTimezone                                                 string
	OptinAt, OptinExpiresAt, OwnerAt                              int64
	OwnerAppID                                                    string
	ReadWatermark                                                 int64
	Blocked, Unavailable                                          bool
	Name, FirstName, LastName, ProfilePicURL                      string
	ProfileFetchedAt                                              int64
}

// ms turns epoch milliseconds into a time, nil for 0 (never).
func ms(v int64) *time.Time {
	if v == 0 {
		return nil
	}
	t := time.UnixMilli(v).UTC()
	return &t
}

// owner names who handles the thread: relance ("us"), a person in the Page Inbox ("inbox") or another app.
func (r *Reader) owner(appID string) string {
	switch {
	case appID == "" || appID == r.appID:
		return "us"
	case appID == PageInboxAppID:
		return "inbox"
	}
	return "app:" + appID
}

// opt is a text column as JSON shows it: null when empty.
func opt(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// Label is how screens name the contact: the person's name once known, else the PSID.
func (c Contact) Label() string {
	if c.Name != nil {
		return *c.Name
	}
	return c.PSID
}

func (r *Reader) contact(row contactRow, entities []string) Contact {
	c := Contact{ID: row.ID, PageID: row.PageID, PSID: row.Psid, FirstSeenAt: *ms(row.FirstSeenAt),
		LastInboundAt: ms(row.LastInboundAt), LastInteractionAt: ms(row.LastInteractionAt), LastOutboundAt: ms(row.LastOutboundAt),
		LastBotAt: ms(row.LastBotAt), LastHumanAt: ms(row.LastHumanAt), InboundCount: row.InboundCount,
		OutboundCount: row.OutboundCount, Entities: entities, Owner: r.owner(row.OwnerAppID), Subscribed: row.Subscribed,
		OptinTimezone: row.OptinTimezone, OptinExpiresAt: ms(row.OptinExpiresAt), Blocked: row.Blocked,
		Unavailable: row.Unavailable, ReadWatermark: ms(row.ReadWatermark)}
	c.Name, c.FirstName, c.LastName = opt(row.Name), opt(row.FirstName), opt(row.LastName)
	c.ProfilePicURL, c.ProfileFetchedAt = opt(row.ProfilePicURL), ms(row.ProfileFetchedAt)
	if row.FirstRefAt > 0 {
		c.FirstReferral = &RefSummary{Source: row.FirstRefSource, Ref: row.FirstRefRef, AdID: row.FirstRefAdID, At: *ms(row.FirstRefAt)}
	}
	if row.LastRefAt > 0 {
		c.LastReferral = &RefSummary{Source: row.LastRefSource, Ref: row.LastRefRef, AdID: row.LastRefAdID, At: *ms(row.LastRefAt)}
	}
	if c.Entities == nil {
		c.Entities = []string{}
	}
	return c
}

// q starts a query on a table scoped to the reader's brand.
func (r *Reader) q(ctx context.Context, table string) *gorm.DB {
	return r.db.R.WithContext(ctx).Table(table).Where(table+".tenant_id = ? AND "+table+".brand_id = ?", r.tenant, r.brand)
}

// entitiesOf returns, per contact key (page|psid), the entity names it mentioned.
func (r *Reader) entitiesFor(ctx context.Context, rows []contactRow) (map[string][]string, error) {
	out := map[string][]string{}
	if len(rows) == 0 {
		return out, nil
	}
	psids := make([]string, 0, len(rows))
	var pages []string
	seen := map[string]bool{}
	for _, c := range rows {
		psids = append(psids, c.Psid)
		if !seen[c.PageID] {
			seen[c.PageID] = true
			pages = append(pages, c.PageID)
		}
	}
	// The Pages as well as the PSIDs: the key starts with the Page, and without it the lookup reads every
	// entity of the brand (3.4 million rows, 5 s, at a million contacts).
	var ents []struct{ PageID, Psid, Entity string }
	if err := r.q(ctx, "contact_entities").Select("page_id, psid, entity").Where("page_id IN ? AND psid IN ?", pages, psids).
		Order("entity").Scan(&ents).Error; err != nil {
		return nil, fmt.Errorf("conversations: entities: %w", err)
	}
	for _, e := range ents {
		k := e.PageID + "|" + e.Psid
		out[k] = append(out[k], e.Entity)
	}
	return out, nil
}

// Message is one message of a thread.
type Message struct {
	MID         string       `json:"mid"`
	Direction   string       `json:"direction"`
	Sender      string       `json:"sender"`
	AppID       string       `json:"app_id,omitempty"`
	Text        string       `json:"text"`
	QuickReply  string       `json:"quick_reply,omitempty"`
	ReplyTo     string       `json:"reply_to,omitempty"`
	Metadata    string       `json:"metadata,omitempty"`
	Attachments []Attachment `json:"attachments"`
	Entities    []nlp.Entity `json:"entities"`
	Standby     bool         `json:"standby"`
	SentAt      time.Time    `json:"sent_at"`
}

// ThreadEvent is a non-message event of a thread: referral, postback, opt-in, handover, read, delivery.
type ThreadEvent struct {
	Kind    string          `json:"kind"`
	At      time.Time       `json:"at"`
	Standby bool            `json:"standby"`
	Payload string          `json:"payload,omitempty"`
	Data    json.RawMessage `json:"data,omitempty"`
}

// Thread is a contact with its messages and events, oldest first.
type Thread struct {
	Contact
	Messages []Message     `json:"messages"`
	Events   []ThreadEvent `json:"events"`
	row      contactRow
}

// Thread returns a contact by id with its history (at most the latest limit messages and events).
func (r *Reader) Thread(ctx context.Context, contactID string, limit int) (Thread, error) {
	var row contactRow
	err := r.q(ctx, "contacts").Where("id = ?", contactID).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Thread{}, fmt.Errorf("conversations: contact %s: %w", contactID, ErrNotFound)
	}
	if err != nil {
		return Thread{}, fmt.Errorf("conversations: contact: %w", err)
	}
	ents, err := r.entitiesFor(ctx, []contactRow{row})
	if err != nil {
		return Thread{}, err
	}
	t := Thread{Contact: r.contact(row, ents[row.PageID+"|"+row.Psid]), Messages: []Message{}, Events: []ThreadEvent{}, row: row}
	var msgs []struct {
		Mid, Direction, Sender, AppID, Text, QuickReply, ReplyTo, Metadata, Attachments, Entities string
		Standby                                                                                   bool
		SentAt                                                                                    int64
	}
	if err := r.q(ctx, "messages").Where("page_id = ? AND psid = ?", row.PageID, row.Psid).
		Order("sent_at DESC, id DESC").Limit(limit).Scan(&msgs).Error; err != nil {
		return Thread{}, fmt.Errorf("conversations: messages: %w", err)
	}
	for i := len(msgs) - 1; i >= 0; i-- {
		m := msgs[i]
		msg := Message{MID: m.Mid, Direction: m.Direction, Sender: m.Sender, AppID: m.AppID, Text: m.Text,
			QuickReply: m.QuickReply, ReplyTo: m.ReplyTo, Metadata: m.Metadata, Standby: m.Standby, SentAt: *ms(m.SentAt),
			Attachments: []Attachment{}, Entities: []nlp.Entity{}}
		_ = unmarshalIf(m.Attachments, &msg.Attachments)
		_ = unmarshalIf(m.Entities, &msg.Entities)
		t.Messages = append(t.Messages, msg)
	}
	var evs []struct {
		Kind, Payload, Data string
		Standby             bool
		At                  int64
	}
	if err := r.q(ctx, "contact_events").Where("page_id = ? AND psid = ?", row.PageID, row.Psid).
		Order("at DESC, id DESC").Limit(limit).Scan(&evs).Error; err != nil {
		return Thread{}, fmt.Errorf("conversations: events: %w", err)
	}
	for i := len(evs) - 1; i >= 0; i-- {
		e := evs[i]
		te := ThreadEvent{Kind: e.Kind, At: *ms(e.At), Standby: e.Standby, Payload: e.Payload}
		if strings.HasPrefix(e.Data, "{") || strings.HasPrefix(e.Data, "[") {
			te.Data = json.RawMessage(e.Data)
		}
		t.Events = append(t.Events, te)
	}
	return t, nil
}

func unmarshalIf(s string, v any) error {
	if s == "" {
		return nil
	}
	return json.Unmarshal([]byte(s), v)
}

// Redact removes what only readers of messages may see: texts, quick-reply payloads, metadata, entity
// values and attachment URLs (finance sees that people wrote, not what).
func (t *Thread) Redact() {
	for i := range t.Messages {
		m := &t.Messages[i]
		m.Text, m.QuickReply, m.Metadata = "", "", ""
		for j := range m.Entities {
			m.Entities[j].Value = ""
		}
		for j := range m.Attachments {
			m.Attachments[j].URL = ""
		}
	}
	for i := range t.Events {
		t.Events[i].Payload, t.Events[i].Data = "", nil
	}
}

// Reach classifies the thread's contact at now under profile.
func (t *Thread) Reach(profile string, now time.Time) policy.Reach {
	return policy.Classify(profile, policyContact(t.row), now)
}
