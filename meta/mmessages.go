package meta

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Marketing Messages (the successor of sponsored messages, reference §3): paid messages, billed per delivered
// message, to people who opted in (optin.notification_messages_token) and live outside the EU, UK, JP, KR
// and AU. A message campaign holds the budget; each message names its campaign in message_id and one
// subscription token in messenger_delivery_data. The Recurring Notifications shapes (message_campaign_id,
// recipient.notification_messages_token) were discontinued on 2026-02-10: Meta refuses them.

// ErrInvalidMessageCampaign is a message campaign Meta would refuse; relance refuses it before calling.
var ErrInvalidMessageCampaign = errors.New("meta: invalid message campaign")

// MessageCampaignSpec describes a Marketing Messages campaign. Exactly one budget is set; budgets are in the
// ad account's currency.
type MessageCampaignSpec struct {
	PageID         string
	Name           string
	DailyBudget    Money
	LifetimeBudget Money // needs End
	Start, End     time.Time
}

// CreateMessageCampaign creates a Marketing Messages campaign and returns its id. An answer lost on the way
// is not retried (IsLostAnswer): the campaign may exist.
func (c *Client) CreateMessageCampaign(ctx context.Context, token, accountID string, s MessageCampaignSpec) (string, error) {
	body, err := s.body()
	if err != nil {
		return "", err
	}
	var out struct {
		ID string `json:"id"`
	}
	// A create whose answer was lost may have made the campaign: never repeated blindly (the caller records
	// its claim before the call and decides).
	if err := c.call(ctx, request{method: "POST", path: adAccountNode(accountID) + "/message_campaign", token: token, body: body, once: true}, &out); err != nil {
		return "", err
	}
	if out.ID == "" {
		return "", fmt.Errorf("meta: create message campaign: answer without an id")
	}
	return out.ID, nil
}

// body builds the message_campaign JSON after checking what Meta would refuse.
func (s MessageCampaignSpec) body() (map[string]any, error) {
	bad := func(why string) (map[string]any, error) {
		return nil, fmt.Errorf("%w: %s", ErrInvalidMessageCampaign, why)
	}
	daily, lifetime := s.DailyBudget.Minor != 0, s.LifetimeBudget.Minor != 0
	switch {
	case s.PageID == "" || s.Name == "":
		return bad("page and name are required")
	case daily == lifetime:
		return bad("exactly one of daily and lifetime budget")
	case lifetime && s.End.IsZero():
		return bad("a lifetime budget needs an end time")
	case !s.End.IsZero() && !s.End.After(s.Start):
		return bad("the end time must be after the start time")
	}
	b := map[string]any{"page_id": s.PageID, "name": s.Name}
	if daily {
		v, err := ToMetaBudget(s.DailyBudget)
		if err != nil {
			return nil, fmt.Errorf("meta: daily budget: %w", err)
		}
		b["daily_budget"] = v
	} else {
		v, err := ToMetaBudget(s.LifetimeBudget)
		if err != nil {
			return nil, fmt.Errorf("meta: lifetime budget: %w", err)
		}
		b["lifetime_budget"] = v
	}
	if !s.Start.IsZero() {
		b["start_time"] = s.Start.UTC().Format(time.RFC3339)
	}
	if !s.End.IsZero() {
		b["end_time"] = s.End.UTC().Format(time.RFC3339)
	}
	return b, nil
}

// MarketingMessage is one paid message to one subscriber. Its content has the Send API's shapes: text with
// quick replies, a button template (Text + Buttons) or an image.
type MarketingMessage struct {
	CampaignID        string // the message campaign, sent as message_id
	PageID            string // the campaign's Page: sends are paced per Page (it is not sent)
	SubscriptionToken string // the person's optin.notification_messages_token
	Text              string
	QuickReplies      []QuickReply
	Buttons           []Button
	ImageURL          string
	Metadata          string // comes back on the echo
	// MinConversationGap is the least time since this person's previous marketing message; Meta refuses a
	// message sent sooner with 2300052 (ClassMarketingMessageGap). It is a per-send parameter; 0 leaves
	// Meta's default.
	MinConversationGap time.Duration
}

// SendMarketingMessage sends a Marketing Message through the ad account and returns Meta's
// marketing_message_tracking_id. The message's own mid arrives on the echo, with Metadata.
func (c *Client) SendMarketingMessage(ctx context.Context, token, accountID string, m MarketingMessage) (string, error) {
	switch {
	case m.CampaignID == "" || m.SubscriptionToken == "":
		return "", fmt.Errorf("%w: a marketing message needs a campaign and a subscription token", ErrInvalidMessage)
	case m.MinConversationGap < 0:
		return "", fmt.Errorf("%w: negative conversation gap", ErrInvalidMessage)
	}
	// The content rules are the Send API's: build it as one and keep the message part.
	sb, err := Message{PageID: m.PageID, Token: token, Recipient: m.SubscriptionToken, MessagingType: MessagingUpdate,
		Text: m.Text, QuickReplies: m.QuickReplies, Buttons: m.Buttons, ImageURL: m.ImageURL, Metadata: m.Metadata}.body()
	if err != nil {
		return "", err
	}
	body := map[string]any{"message_id": m.CampaignID,
		"messenger_delivery_data": map[string]string{"subscription_token": m.SubscriptionToken}, "message": sb["message"]}
	if m.MinConversationGap > 0 {
		body["min_conversation_gap_seconds"] = int64(m.MinConversationGap / time.Second)
	}
	var out struct {
		Success    bool   `json:"success"`
		TrackingID flexID `json:"marketing_message_tracking_id"`
	}
	if err := c.call(ctx, request{method: "POST", path: adAccountNode(accountID) + "/messages", token: token, body: body, pace: m.PageID, once: true}, &out); err != nil {
		return "", err
	}
	if !out.Success || out.TrackingID == "" {
		return "", fmt.Errorf("meta: marketing message: answer without success and a tracking id")
	}
	return string(out.TrackingID), nil
}
