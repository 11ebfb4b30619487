package sandbox

import (
	"fmt"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"
)

// The Send API's windows (reference §2): a standard message within 24 hours of the person's last message
// or interaction; HUMAN_AGENT within 7 days.
const (
	standardWindow   = 24 * time.Hour
	humanAgentWindow = 7 * 24 * time.Hour
)

// tagsAllowed are the message tags still accepted. The reference says the first three may have been
// retired in 2026 on weak evidence, so the sandbox still accepts them.
var tagsAllowed = []string{"HUMAN_AGENT", "CONFIRMED_EVENT_UPDATE", "POST_PURCHASE_UPDATE", "ACCOUNT_UPDATE"}

func (s *Sandbox) routesSend() []route {
	return []route{{method: http.MethodPost, kind: kindPage, edge: "messages", fn: s.sendMessage}}
}

// sendPayload is the part of a Send API body the sandbox checks.
type sendPayload struct {
	Recipient struct {
		ID string `json:"id"`
	}
	Message struct {
		Text         string           `json:"text"`
		Attachment   map[string]any   `json:"attachment"`
		QuickReplies []map[string]any `json:"quick_replies"`
		Metadata     string           `json:"metadata"`
	}
}

// sendMessage is POST /{page}/messages: checks the body and the window as Meta does, records the send,
// queues the echo webhook and, sometimes, a reply.
func (s *Sandbox) sendMessage(c *call) (any, *apiError) {
	pg, e := s.pageOf(c)
	if e != nil {
		return nil, e
	}
	pageID := pg.ID
	var p sendPayload
	if !c.P.has("recipient") {
		return nil, required("recipient")
	}
	if e := c.P.decode("recipient", &p.Recipient); e != nil {
		return nil, e
	}
	if p.Recipient.ID == "" {
		return nil, invalidParam("param recipient[id] must be non-empty.")
	}
	if !c.P.has("message") {
		return nil, required("message")
	}
	if e := c.P.decode("message", &p.Message); e != nil {
		return nil, e
	}
	mt := c.P.str("messaging_type")
	if mt == "" {
		return nil, required("messaging_type")
	}
	if e := oneOf("messaging_type", mt, "RESPONSE", "UPDATE", "MESSAGE_TAG"); e != nil {
		return nil, e
	}
	tag := c.P.str("tag")
	if mt == "MESSAGE_TAG" {
		if tag == "" {
			return nil, required("tag")
		}
		if e := oneOf("tag", tag, tagsAllowed...); e != nil {
			return nil, e
		}
	}
	switch {
	case p.Message.Text == "" && p.Message.Attachment == nil:
		return nil, invalidParam("param message must contain text or an attachment")
	case p.Message.Text != "" && p.Message.Attachment != nil:
		return nil, invalidParam("param message must contain either text or an attachment, not both")
	case utf8.RuneCountInString(p.Message.Text) > 2000:
		return nil, invalidParam("param message[text] must be UTF-8 encoded and under 2000 characters")
	case len(p.Message.QuickReplies) > 13:
		return nil, invalidParam("param message[quick_replies] must have at most 13 elements")
	}
	t := s.knownThread(pageID, p.Recipient.ID)
	if t == nil {
		return nil, &apiError{Status: http.StatusBadRequest, Code: 100, Subcode: 2018001, Type: "OAuthException",
			Message: "(#100) No matching user found"}
	}
	if t.Blocked {
		return nil, &apiError{Status: http.StatusBadRequest, Code: 551, Subcode: 1545041, Type: "OAuthException",
			Message: "(#551) This person isn't available right now."}
	}
	since := s.sim.Sub(t.LastUserAt)
	if (mt != "MESSAGE_TAG" && since > standardWindow && !s.followUp(t)) || (tag == "HUMAN_AGENT" && since > humanAgentWindow) {
		return nil, &apiError{Status: http.StatusBadRequest, Code: 10, Subcode: 2018278, Type: "OAuthException",
			Message: "(#10) This message is sent outside of allowed window. Learn more about the new policy here: https://developers.facebook.com/docs/messenger-platform/policy-overview"}
	}
	mid := "m_sbx" + s.newID("mid")[len("mid_"):]
	text := p.Message.Text
	if text == "" {
		text = fmt.Sprintf("[%v]", p.Message.Attachment["type"])
	}
	s.st.sends = append(s.st.sends, Send{MessageID: mid, PageID: pageID, PSID: t.PSID, MessagingType: mt, Tag: tag,
		Text: p.Message.Text, Metadata: p.Message.Metadata, At: s.sim})
	t.Messages = append(t.Messages, ThreadMessage{ID: mid, At: s.sim, FromPage: true, Text: text})
	t.LastPageAt = s.sim
	s.echo(pageID, t.PSID, mid, p.Message.Text, p.Message.Attachment, p.Message.Metadata)
	s.receipts(t, mid)
	s.maybeReply(t, mid)
	return map[string]string{"recipient_id": t.PSID, "message_id": mid}, nil
}

// followUp reports whether a standard message outside the window is the "+1" of the 2017 platform: the
// Page plays meta-2017, the person once wrote, and the Page has sent nothing since the window closed. Meta
// removed it on 2020-03-04 (reference §0), so a Page of today's profile gets 10/2018278 as from Meta.
func (s *Sandbox) followUp(t *Thread) bool {
	if t.LastUserAt.IsZero() || s.profileOf(t.PageID) != "meta-2017" {
		return false
	}
	return t.LastPageAt.Before(t.LastUserAt.Add(standardWindow))
}

// echo queues the message_echoes webhook Meta sends for a message sent by the app.
func (s *Sandbox) echo(pageID, psid, mid, text string, attachment map[string]any, metadata string) {
	m := Event{"is_echo": true, "app_id": json64(s.o.AppID), "mid": mid}
	if text != "" {
		m["text"] = text
	}
	if attachment != nil {
		m["attachments"] = []any{attachment}
	}
	if metadata != "" {
		m["metadata"] = metadata
	}
	s.out.enqueue(pageID, s.sim, []Event{{
		"sender": map[string]any{"id": pageID}, "recipient": map[string]any{"id": psid},
		"timestamp": s.sim.UnixMilli(), "message": m,
	}})
}

// json64 sends an app id as Meta does: a number (relance parses either).
func json64(id string) any {
	if n, err := strconv.ParseInt(id, 10, 64); err == nil {
		return n
	}
	return id
}

// replies are what simulated people answer, in English and French; some carry entities relance extracts.
var replies = []string{
	"Thanks! How much is it?",
	"Merci, c'est combien ?",
	"Yes please, call me at +1 415 555 0134",
	"Oui, je suis intéressé. Mon numéro : 06 12 34 56 78",
	"Can you deliver tomorrow?",
	"Is it still 49.99 USD?",
	"Je passe samedi à Lyon",
	"ok",
}

// readRate is the share of delivered standard messages their person reads (within the hour).
const readRate = 0.6

// receipts schedules, like Meta, the delivery webhook of a message a few seconds after it went and, for most
// people, the read webhook some minutes later; both carry a watermark (everything before it is delivered or
// read).
func (s *Sandbox) receipts(t *Thread, mid string) {
	r := seeded(s.o.Seed, "receipts", mid)
	delivered := s.sim.Add(time.Duration(1+r.IntN(5)) * time.Second)
	s.later(delivered, t.PageID, Event{"sender": map[string]any{"id": t.PSID}, "recipient": map[string]any{"id": t.PageID},
		"timestamp": delivered.UnixMilli(), "delivery": map[string]any{"mids": []string{mid}, "watermark": delivered.UnixMilli()}})
	if r.Float64() >= readRate {
		return
	}
	read := delivered.Add(time.Duration(1+r.IntN(59)) * time.Minute)
	s.later(read, t.PageID, Event{"sender": map[string]any{"id": t.PSID}, "recipient": map[string]any{"id": t.PageID},
		"timestamp": read.UnixMilli(), "read": map[string]any{"watermark": read.UnixMilli()}})
}

// maybeReply schedules a reply from the person at the configured rate, a few minutes later.
func (s *Sandbox) maybeReply(t *Thread, mid string) {
	r := seeded(s.o.Seed, "reply", mid)
	if r.Float64() >= s.o.ReplyRate {
		return
	}
	at := s.sim.Add(time.Duration(2+r.IntN(40)) * time.Minute)
	text := replies[r.IntN(len(replies))]
	s.later(at, t.PageID, Event{
		"sender": map[string]any{"id": t.PSID}, "recipient": map[string]any{"id": t.PageID},
		"timestamp": at.UnixMilli(),
		"message":   map[string]any{"mid": "m_sbxr" + mid[len("m_sbx"):], "text": text, "reply_to": map[string]any{"mid": mid}},
	})
}
