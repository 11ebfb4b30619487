package conversations

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"gorm.io/gorm"

	"relance/conversations/nlp"
)

// ThreadPage is a contact's conversation read backwards from the newest, the way a chat is: up to limit
// messages older than the cursor ("" is the newest), with the events of the same span, read and delivery
// receipts aside (the contact's read_up_to says how far the person read). Older is the cursor of the page
// before it, "" when this page reaches the start.
func (r *Reader) ThreadPage(ctx context.Context, contactID, cursor string, limit int) (t Thread, older string, err error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	var beforeAt, beforeID int64
	if cursor != "" {
		if beforeAt, beforeID, err = decodeThreadCursor(cursor); err != nil {
			return Thread{}, "", err
		}
	}
	var row contactRow
	err = r.q(ctx, "contacts").Where("id = ?", contactID).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Thread{}, "", fmt.Errorf("conversations: contact %s: %w", contactID, ErrNotFound)
	}
	if err != nil {
		return Thread{}, "", fmt.Errorf("conversations: contact: %w", err)
	}
	ents, err := r.entitiesFor(ctx, []contactRow{row})
	if err != nil {
		return Thread{}, "", err
	}
	t = Thread{Contact: r.contact(row, ents[row.PageID+"|"+row.Psid]), Messages: []Message{}, Events: []ThreadEvent{}, row: row}
	var msgs []struct {
		ID                                                                                        int64
		Mid, Direction, Sender, AppID, Text, QuickReply, ReplyTo, Metadata, Attachments, Entities string
		Standby                                                                                   bool
		SentAt                                                                                    int64
	}
	q := r.q(ctx, "messages").Where("page_id = ? AND psid = ?", row.PageID, row.Psid)
	if cursor != "" {
		q = q.Where("(sent_at < ? OR (sent_at = ? AND id < ?))", beforeAt, beforeAt, beforeID)
	}
	if err := q.Order("sent_at DESC, id DESC").Limit(limit + 1).Scan(&msgs).Error; err != nil {
		return Thread{}, "", fmt.Errorf("conversations: messages: %w", err)
	}
	// The events shown are those between the oldest message of the page and the cursor; the first page
	// takes every later event, the last every earlier one.
	ev := r.q(ctx, "contact_events").Where("page_id = ? AND psid = ? AND kind NOT IN ?", row.PageID, row.Psid,
		[]string{KindRead, KindDelivery})
	if cursor != "" {
		ev = ev.Where("at < ?", beforeAt)
	}
	if len(msgs) > limit {
		msgs = msgs[:limit]
		oldest := msgs[limit-1]
		ev = ev.Where("at >= ?", oldest.SentAt)
		older = base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(oldest.SentAt, 10) + "|" + strconv.FormatInt(oldest.ID, 10)))
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
	// A thread's non-receipt events are few (referrals, postbacks, opt-ins, handovers); the cap only bounds
	// a pathological one.
	if err := ev.Order("at DESC, id DESC").Limit(1000).Scan(&evs).Error; err != nil {
		return Thread{}, "", fmt.Errorf("conversations: events: %w", err)
	}
	for i := len(evs) - 1; i >= 0; i-- {
		e := evs[i]
		te := ThreadEvent{Kind: e.Kind, At: *ms(e.At), Standby: e.Standby, Payload: e.Payload}
		if strings.HasPrefix(e.Data, "{") || strings.HasPrefix(e.Data, "[") {
			te.Data = json.RawMessage(e.Data)
		}
		t.Events = append(t.Events, te)
	}
	return t, older, nil
}

func decodeThreadCursor(c string) (int64, int64, error) {
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err == nil {
		if a, b, ok := strings.Cut(string(raw), "|"); ok {
			at, err1 := strconv.ParseInt(a, 10, 64)
			id, err2 := strconv.ParseInt(b, 10, 64)
			if err1 == nil && err2 == nil {
				return at, id, nil
			}
		}
	}
	return 0, 0, &ErrBadFilter{Field: "before", Reason: "is not a cursor this screen gave"}
}

// LastMessage is the newest message of a contact, for the conversation list's preview.
type LastMessage struct {
	Direction, Sender, Text string
	Attachment              string // the first attachment's type when the message has no text
}

// LastMessages returns the newest message of each contact given, by contact id: one indexed lookup per
// contact (a screen's page of them), the text included only for callers that may read texts.
func (r *Reader) LastMessages(ctx context.Context, cs []Contact, withText bool) (map[string]LastMessage, error) {
	out := make(map[string]LastMessage, len(cs))
	for _, c := range cs {
		var m []struct{ Direction, Sender, Text, Attachments string }
		if err := r.q(ctx, "messages").Select("direction, sender, text, attachments").
			Where("page_id = ? AND psid = ?", c.PageID, c.PSID).Order("sent_at DESC, id DESC").Limit(1).Scan(&m).Error; err != nil {
			return nil, fmt.Errorf("conversations: last message: %w", err)
		}
		if len(m) == 0 {
			continue
		}
		lm := LastMessage{Direction: m[0].Direction, Sender: m[0].Sender}
		if withText {
			lm.Text = m[0].Text
		}
		var atts []Attachment
		if unmarshalIf(m[0].Attachments, &atts) == nil && len(atts) > 0 {
			lm.Attachment = atts[0].Type
		}
		out[c.ID] = lm
	}
	return out, nil
}
