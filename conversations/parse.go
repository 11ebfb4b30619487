package conversations

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"relance/conversations/nlp"
)

// ParseOptions tune parsing.
type ParseOptions struct {
	// AppID is the Meta app the delivery came through (relance's, or an agency's own): echoes carrying it
	// are our bot's.
	AppID string
	// OtherAppIDs are further apps whose echoes are our bot's (relance's own app, for a delivery that came
	// through an agency's app). Apps an agency registered are recognised by the ingester, per Page.
	OtherAppIDs []string
	// NLPThreshold drops Meta NLP entities below this confidence.
	NLPThreshold float64
}

// Parse reads a webhook body into entries. It is tolerant, as Meta's payloads vary: IDs and timestamps may be
// strings or numbers, unknown event objects are kept raw, and an item it cannot read becomes an unknown event
// rather than failing the delivery. Only a body that is not a JSON object with an entry list is ErrMalformed.
//
// NUL characters are dropped (the \u0000 escapes, before decoding): PostgreSQL stores no NUL in text, and
// dropping them from the body keeps the parsed fields and the raw JSON kept beside them the same.
func Parse(body []byte, o ParseOptions) ([]Entry, error) {
	body = withoutNUL(body)
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if env.Entry == nil && !bytes.Contains(body, []byte(`"entry"`)) {
		return nil, fmt.Errorf("%w: no entry list", ErrMalformed)
	}
	out := make([]Entry, 0, len(env.Entry))
	for _, raw := range env.Entry {
		var e entry
		if err := json.Unmarshal(raw, &e); err != nil {
			return nil, fmt.Errorf("%w: entry: %v", ErrMalformed, err)
		}
		pe := Entry{PageID: string(e.ID), Raw: raw}
		for _, list := range []struct {
			items   []json.RawMessage
			standby bool
		}{{e.Messaging, false}, {e.Standby, true}} {
			for _, it := range list.items {
				pe.Events = append(pe.Events, parseItem(pe.PageID, it, list.standby, int64(e.Time), o)...)
			}
		}
		out = append(out, pe)
	}
	return out, nil
}

// parseItem turns one messaging item into events: usually one, two when a referral rides beside a message.
func parseItem(pageID string, raw json.RawMessage, standby bool, entryTime int64, o ParseOptions) []Event {
	var it item
	if err := json.Unmarshal(raw, &it); err != nil {
		return []Event{{Kind: KindUnknown, PageID: pageID, At: entryTime, Standby: standby, Raw: raw}}
	}
	at := int64(it.Timestamp)
	if at == 0 {
		at = entryTime
	}
	base := Event{PageID: pageID, PSID: string(it.Sender.ID), At: at, Standby: standby}
	if base.PSID == "" {
		base.PSID = it.Sender.UserRef
	}
	var out []Event
	switch {
	case it.Message != nil && it.Message.IsEcho:
		e := base
		e.PSID = string(it.Recipient.ID)
		if e.PSID == "" {
			e.PSID = it.Recipient.UserRef
		}
		fillMessage(&e, it.Message, raw)
		e.Kind, e.AppID = KindEcho, string(it.Message.AppID)
		e.Sender = classifyEcho(e.AppID, o.AppID)
		if e.Sender == SenderApp && slices.Contains(o.OtherAppIDs, e.AppID) {
			e.Sender = SenderBot
		}
		out = append(out, e)
	case it.Message != nil:
		e := base
		fillMessage(&e, it.Message, raw)
		e.Kind, e.Sender = KindMessage, SenderUser
		e.Entities = entitiesOf(it.Message, o.NLPThreshold)
		out = append(out, e)
	case it.Postback != nil:
		e := base
		e.Kind, e.MID, e.Title, e.Payload = KindPostback, it.Postback.MID, it.Postback.Title, it.Postback.Payload
		e.Referral = referralOf(it.Postback.Referral)
		out = append(out, e)
	case it.Read != nil:
		e := base
		e.Kind, e.Watermark = KindRead, int64(it.Read.Watermark)
		out = append(out, e)
	case it.Delivery != nil:
		e := base
		e.Kind, e.Watermark, e.MIDs = KindDelivery, int64(it.Delivery.Watermark), it.Delivery.MIDs
		out = append(out, e)
	case it.Optin != nil:
		e := base
		w := it.Optin
		e.Kind = KindOptin
		e.Optin = &Optin{Type: w.Type, Payload: w.Payload, Title: w.Title, Ref: w.Ref, Token: w.Token, Timezone: w.Timezone,
			TokenExpiresAt: int64(w.TokenExpiresAt), TokenStatus: w.TokenStatus, Status: w.Status}
		out = append(out, e)
	case it.Pass != nil, it.Take != nil, it.Request != nil:
		e := base
		h, kind := it.Pass, KindPassThread
		if it.Take != nil {
			h, kind = it.Take, KindTakeThread
		} else if it.Request != nil {
			h, kind = it.Request, KindRequestThread
		}
		e.Kind = kind
		e.Handover = &Handover{NewOwner: string(h.NewOwnerAppID), PreviousOwner: string(h.PreviousOwnerAppID),
			RequestedOwner: string(h.RequestedOwnerAppID), Metadata: h.Metadata}
		out = append(out, e)
	case len(it.AppRoles) > 0:
		e := base
		e.Kind, e.Raw = KindAppRoles, it.AppRoles
		out = append(out, e)
	case it.Referral == nil:
		e := base
		e.Kind, e.Raw = KindUnknown, raw
		out = append(out, e)
	}
	// A referral can stand alone or ride beside a message: it is only ever sent once, so keep it either way.
	if it.Referral != nil && (it.Message == nil || !it.Message.IsEcho) {
		e := base
		e.Kind, e.Referral = KindReferral, referralOf(it.Referral)
		out = append(out, e)
	}
	return out
}

// fillMessage copies a message; one without a mid is named after its own item (raw), so that two of them in
// one entry stay two, and Meta's retry of the same item is recognised.
func fillMessage(e *Event, m *wireMessage, raw json.RawMessage) {
	e.MID, e.Text, e.Metadata = m.MID, m.Text, m.Metadata
	if e.MID == "" {
		e.MID = "nomid:" + shortHash(raw)
	}
	if m.QuickReply != nil {
		e.QuickReply = m.QuickReply.Payload
	}
	if m.ReplyTo != nil {
		e.ReplyTo = m.ReplyTo.MID
	}
	for _, a := range m.Attachments {
		at := Attachment{Type: a.Type}
		if a.Payload != nil {
			at.URL = a.Payload.URL
		}
		e.Attachments = append(e.Attachments, at)
	}
}

// classifyEcho tells who sent a message the Page echoed back.
func classifyEcho(appID, ours string) string {
	switch {
	case appID == PageInboxAppID:
		return SenderHuman
	case appID != "" && appID == ours:
		return SenderBot
	case appID == "":
		// Echoes without an app id come from the Page's own tools (Inbox on some surfaces): a person.
		return SenderHuman
	}
	return SenderApp
}

// entitiesOf reads Meta's NLP (any of its three shapes) or, when absent, runs relance's own extractor.
func entitiesOf(m *wireMessage, threshold float64) []nlp.Entity {
	for _, raw := range []json.RawMessage{m.NLPv2, m.NLP} {
		if len(raw) > 0 && string(raw) != "null" {
			return nlp.ParseMeta(raw, threshold)
		}
	}
	if m.Text == "" {
		return nil
	}
	return nlp.Extract(m.Text)
}

// referralOf normalizes a referral and splits its ref into key=value parts.
func referralOf(w *wireReferral) *Referral {
	if w == nil {
		return nil
	}
	r := &Referral{Source: strings.ToUpper(strings.TrimSpace(w.Source)), Type: w.Type, Ref: w.Ref, AdID: string(w.AdID)}
	if len(w.AdsContextData) > 0 && string(w.AdsContextData) != "null" {
		r.AdsContext = w.AdsContextData
	}
	r.Parts = RefParts(w.Ref)
	return r
}

// RefParts splits a ref such as "camp=spring26-var=b" into {camp: spring26, var: b}. Refs may only use
// letters, digits, "-", "_" and "=", so pairs are separated by "-"; a piece without "=" continues the previous
// value ("src=fb-ads-var=x" is src=fb-ads, var=x). A ref without "=" has no parts.
func RefParts(ref string) map[string]string {
	if !strings.Contains(ref, "=") {
		return nil
	}
	parts := map[string]string{}
	last := ""
	for _, piece := range strings.Split(ref, "-") {
		if k, v, ok := strings.Cut(piece, "="); ok && k != "" {
			parts[k], last = v, k
		} else if last != "" {
			parts[last] += "-" + piece
		}
	}
	return parts
}

// nulEscape is how a NUL appears in JSON: a raw 0x00 byte is not valid JSON, so this escape is the only way.
var nulEscape = []byte(`\u0000`)

// withoutNUL removes the \u0000 escapes of a JSON text, leaving an escaped backslash followed by "u0000"
// (the six characters, not a NUL) as it is. It returns b itself when there is none, the common case.
func withoutNUL(b []byte) []byte {
	if !bytes.Contains(b, nulEscape) {
		return b
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' || i+1 == len(b) {
			out = append(out, b[i])
			continue
		}
		if bytes.HasPrefix(b[i:], nulEscape) {
			i += len(nulEscape) - 1
			continue
		}
		out = append(out, b[i], b[i+1]) // an escape pair: its second byte never starts another escape
		i++
	}
	return out
}
