package meta

import (
	"context"
	"errors"
	"fmt"
	"unicode/utf8"
)

// Messaging types and the message tags still allowed (reference §2).
const (
	MessagingResponse = "RESPONSE"
	MessagingUpdate   = "UPDATE"
	MessagingTag      = "MESSAGE_TAG"
	TagHumanAgent     = "HUMAN_AGENT"
)

// ErrInvalidMessage is a message the Send API would refuse; relance refuses it before calling.
var ErrInvalidMessage = errors.New("meta: invalid message")

// QuickReply is a text quick reply (at most 13 per message).
type QuickReply struct {
	Title   string `json:"title"`
	Payload string `json:"payload"`
}

// Button is a postback or web_url button of a button template.
type Button struct {
	Type    string `json:"type"` // "postback" or "web_url"
	Title   string `json:"title"`
	Payload string `json:"payload,omitempty"`
	URL     string `json:"url,omitempty"`
}

// Message is what the Send API sends to one PSID of a Page: text (with quick replies), a button template,
// or an image.
type Message struct {
	PageID        string
	Token         string
	Recipient     string
	MessagingType string
	Tag           string
	Text          string
	QuickReplies  []QuickReply
	Buttons       []Button
	ImageURL      string
	// Metadata comes back on the echo: relance puts its send id there to recognise its own messages.
	Metadata string
}

// SendResult is Meta's answer.
type SendResult struct {
	RecipientID string `json:"recipient_id"`
	MessageID   string `json:"message_id"`
}

// Send posts a message through the Send API, paced per Page.
func (c *Client) Send(ctx context.Context, m Message) (SendResult, error) {
	body, err := m.body()
	if err != nil {
		return SendResult{}, err
	}
	var out SendResult
	err = c.call(ctx, request{method: "POST", path: m.PageID + "/messages", token: m.Token, body: body, pace: m.PageID, once: true}, &out)
	return out, err
}

// body builds the Send API JSON after checking what Meta would refuse.
func (m Message) body() (map[string]any, error) {
	bad := func(why string) (map[string]any, error) { return nil, fmt.Errorf("%w: %s", ErrInvalidMessage, why) }
	switch {
	case m.PageID == "" || m.Token == "" || m.Recipient == "":
		return bad("page, token and recipient are required")
	case m.MessagingType != MessagingResponse && m.MessagingType != MessagingUpdate && m.MessagingType != MessagingTag:
		return bad("messaging_type must be RESPONSE, UPDATE or MESSAGE_TAG (mandatory since 2018)")
	case (m.MessagingType == MessagingTag) != (m.Tag != ""):
		return bad("a tag goes with messaging_type MESSAGE_TAG, and only then")
	case len(m.QuickReplies) > 13:
		return bad("at most 13 quick replies")
	case utf8.RuneCountInString(m.Text) > 2000:
		return bad("text is limited to 2000 characters")
	case m.Text == "" && m.ImageURL == "":
		return bad("a message needs text or an image")
	case len(m.Buttons) > 3:
		return bad("a button template has at most 3 buttons")
	}
	msg := map[string]any{}
	switch {
	case len(m.Buttons) > 0:
		msg["attachment"] = map[string]any{"type": "template", "payload": map[string]any{
			"template_type": "button", "text": m.Text, "buttons": m.Buttons}}
	case m.ImageURL != "":
		msg["attachment"] = map[string]any{"type": "image", "payload": map[string]any{"url": m.ImageURL, "is_reusable": true}}
	default:
		msg["text"] = m.Text
	}
	if len(m.QuickReplies) > 0 {
		qrs := make([]map[string]string, len(m.QuickReplies))
		for i, q := range m.QuickReplies {
			qrs[i] = map[string]string{"content_type": "text", "title": q.Title, "payload": q.Payload}
		}
		msg["quick_replies"] = qrs
	}
	if m.Metadata != "" {
		msg["metadata"] = m.Metadata
	}
	b := map[string]any{"recipient": map[string]string{"id": m.Recipient}, "messaging_type": m.MessagingType, "message": msg}
	if m.Tag != "" {
		b["tag"] = m.Tag
	}
	return b, nil
}
