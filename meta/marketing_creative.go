package meta

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"unicode/utf8"
)

// messengerDocLink is the link Meta's Click-to-Messenger examples give link_data when the ad has no site.
const messengerDocLink = "https://fb.com/messenger_doc/"

// IceBreaker is a question of the welcome message; a tap sends it with its payload, and Response (if set)
// is answered automatically.
type IceBreaker struct {
	Question string
	Response string
	Payload  string
}

// WelcomeMessage is what Messenger shows when someone opens the conversation from the ad
// (page_welcome_message): a greeting with either ice breakers (≤ 4) or quick replies (≤ 13).
type WelcomeMessage struct {
	Greeting     string // ≤ 300 characters
	IceBreakers  []IceBreaker
	QuickReplies []QuickReply
}

// CreativeSpec is a Click-to-Messenger creative: a link ad whose button opens a Messenger conversation with
// the Page. Ref, the campaign reference relance reads back from the first postback or referral, goes into
// every welcome-message payload ({"ref": …, "payload": …}) and into url_tags (ref=…).
type CreativeSpec struct {
	Name           string
	PageID         string
	Message        string // the ad's text
	Link           string // default https://fb.com/messenger_doc/
	ImageHash      string
	Picture        string // link_data.picture: an image URL, when there is no image_hash
	WelcomeMessage *WelcomeMessage
	Ref            string
	// Variant, when set, goes next to the ref in every payload ("variant") and in url_tags, so a
	// conversation tells which arm of an A/B test opened it.
	Variant string
	URLTags string // extra url_tags, "key=value&…"
}

// CreateCreative creates the creative and returns its id.
func (c *Client) CreateCreative(ctx context.Context, token, accountID string, s CreativeSpec) (string, error) {
	body, err := s.body()
	if err != nil {
		return "", err
	}
	return c.createAdObject(ctx, token, adAccountNode(accountID)+"/adcreatives", body)
}

// body builds the creative JSON after checking the welcome message's limits (reference §3).
func (s CreativeSpec) body() (map[string]any, error) {
	if s.Name == "" || s.PageID == "" || s.Message == "" {
		return nil, badAd("a creative needs a name, a Page and a message")
	}
	link := s.Link
	if link == "" {
		link = messengerDocLink
	}
	data := map[string]any{"message": s.Message, "link": link, "call_to_action": map[string]any{
		"type": "MESSAGE_PAGE", "value": map[string]string{"app_destination": "MESSENGER"}}}
	if s.ImageHash != "" {
		data["image_hash"] = s.ImageHash
	} else if s.Picture != "" {
		data["picture"] = s.Picture
	}
	body := map[string]any{"name": s.Name, "object_story_spec": map[string]any{"page_id": s.PageID, "link_data": data}}
	if s.WelcomeMessage != nil {
		w, err := s.WelcomeMessage.json(s.Ref, s.Variant)
		if err != nil {
			return nil, err
		}
		body["page_welcome_message"] = w
	}
	tags := s.URLTags
	if s.Ref != "" {
		if q, _ := url.ParseQuery(tags); !q.Has("ref") {
			tags = strings.TrimPrefix(tags+"&ref="+url.QueryEscape(s.Ref), "&")
		}
	}
	if s.Variant != "" {
		if q, _ := url.ParseQuery(tags); !q.Has("variant") {
			tags = strings.TrimPrefix(tags+"&variant="+url.QueryEscape(s.Variant), "&")
		}
	}
	if tags != "" {
		body["url_tags"] = tags
	}
	return body, nil
}

// json writes the welcome message in the visual-editor shape Ads Manager uses, as the JSON text Meta
// takes for page_welcome_message, with ref (and the variant) added to every payload.
func (w WelcomeMessage) json(ref, variant string) (string, error) {
	long := func(s string, n int) bool { return utf8.RuneCountInString(s) > n }
	switch {
	case long(w.Greeting, 300):
		return "", badAd("the welcome greeting is limited to 300 characters")
	case len(w.IceBreakers) > 0 && len(w.QuickReplies) > 0:
		return "", badAd("a welcome message has ice breakers or quick replies, not both")
	case len(w.IceBreakers) > 4:
		return "", badAd("a welcome message has at most 4 ice breakers")
	case len(w.QuickReplies) > 13:
		return "", badAd("a welcome message has at most 13 quick replies")
	}
	msg := map[string]any{"text": w.Greeting}
	action := "none"
	if len(w.IceBreakers) > 0 {
		action = "ice_breakers"
		ibs := make([]map[string]string, len(w.IceBreakers))
		for i, ib := range w.IceBreakers {
			if long(ib.Question, 80) || long(ib.Response, 300) {
				return "", badAd("an ice breaker question is limited to 80 characters and its response to 300")
			}
			ibs[i] = map[string]string{"title": ib.Question, "response": ib.Response, "payload": refPayload(ref, variant, ib.Payload)}
		}
		msg["ice_breakers"] = ibs
	}
	if len(w.QuickReplies) > 0 {
		action = "quick_replies"
		qrs := make([]map[string]string, len(w.QuickReplies))
		for i, qr := range w.QuickReplies {
			if long(qr.Title, 80) {
				return "", badAd("a quick reply title is limited to 80 characters")
			}
			qrs[i] = map[string]string{"content_type": "text", "title": qr.Title, "payload": refPayload(ref, variant, qr.Payload)}
		}
		msg["quick_replies"] = qrs
	}
	doc := map[string]any{"type": "VISUAL_EDITOR", "version": 2, "landing_screen_type": "welcome_message",
		"media_type": "text", "text_format": map[string]any{"customer_action_type": action, "message": msg},
		"user_edit": false, "surface": "visual_editor_new"}
	b, err := json.Marshal(doc)
	if err != nil {
		return "", badAd("welcome message: %v", err)
	}
	return string(b), nil
}

// refPayload puts the ref (and the variant) next to the caller's payload, so a tap tells which campaign
// and which variant the person came from.
func refPayload(ref, variant, payload string) string {
	if ref == "" {
		return payload
	}
	m := map[string]string{"ref": ref}
	if variant != "" {
		m["variant"] = variant
	}
	if payload != "" {
		m["payload"] = payload
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// CreateAd creates an ad from an ad set and a creative and returns its id; status defaults to PAUSED.
func (c *Client) CreateAd(ctx context.Context, token, accountID, name, adsetID, creativeID, status string) (string, error) {
	st, err := createStatusOf(status)
	if err != nil {
		return "", err
	}
	if name == "" || adsetID == "" || creativeID == "" {
		return "", badAd("an ad needs a name, an ad set and a creative")
	}
	body := map[string]any{"name": name, "adset_id": adsetID, "creative": map[string]string{"creative_id": creativeID},
		"status": st}
	return c.createAdObject(ctx, token, adAccountNode(accountID)+"/ads", body)
}
