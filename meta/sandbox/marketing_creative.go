package sandbox

import (
	"encoding/json"
	"net/url"
	"strings"
	"unicode/utf8"
)

// Welcome message limits of Click-to-Messenger creatives (reference §3: ice breakers ≤ 80/300 characters,
// read as 80 for a question or quick reply title and 300 for an answer or the greeting).
const (
	welcomeTitleMax    = 80
	welcomeTextMax     = 300
	welcomeIceBreakers = 4
	welcomeQuickMax    = 13
)

// storyData is the part of object_story_spec.link_data (or video_data) the sandbox reads.
type storyData struct {
	Message      string `json:"message"`
	Link         string `json:"link"`
	ImageHash    string `json:"image_hash"`
	CallToAction struct {
		Type  string `json:"type"`
		Value struct {
			AppDestination string `json:"app_destination"`
		} `json:"value"`
	} `json:"call_to_action"`
}

// welcomeBody is the message of page_welcome_message, in the visual-editor shape
// (text_format.message) or the older one (message).
type welcomeBody struct {
	Text        string `json:"text"`
	IceBreakers []struct {
		Title    string `json:"title"`
		Question string `json:"question"`
		Response string `json:"response"`
		Payload  string `json:"payload"`
	} `json:"ice_breakers"`
	QuickReplies []struct {
		Title   string `json:"title"`
		Payload string `json:"payload"`
	} `json:"quick_replies"`
}

// createCreative serves POST /act_{id}/adcreatives for link or video creatives built from object_story_spec.
func (s *Sandbox) createCreative(c *call) (any, *apiError) {
	acct := s.account(c.Node)
	p := c.P
	if !p.has("object_story_spec") {
		return nil, required("object_story_spec")
	}
	// The spec is kept as sent (numbers included, never through float64) and read back whole (reference §3).
	var whole map[string]json.RawMessage
	if e := p.decode("object_story_spec", &whole); e != nil {
		return nil, e
	}
	if whole == nil {
		return nil, invalidParam("Param object_story_spec must be a JSON object")
	}
	spec, _ := json.Marshal(whole)
	var oss struct {
		PageID    json.RawMessage `json:"page_id"`
		LinkData  *storyData      `json:"link_data"`
		VideoData *storyData      `json:"video_data"`
	}
	if e := p.decode("object_story_spec", &oss); e != nil {
		return nil, e
	}
	cr := &Creative{AccountID: acct.ID, Name: p.str("name"), PageID: rawID(oss.PageID), URLTags: p.str("url_tags"),
		Spec: spec, Created: s.sim}
	if cr.PageID == "" {
		return nil, required("object_story_spec[page_id]")
	}
	data := oss.LinkData
	switch {
	case data != nil && data.Link == "":
		return nil, required("object_story_spec[link_data][link]")
	case data == nil && oss.VideoData == nil:
		return nil, required("object_story_spec[link_data]")
	case data == nil:
		data = oss.VideoData
	}
	cr.Message, cr.CallToAction = data.Message, data.CallToAction.Type
	if dest := data.CallToAction.Value.AppDestination; cr.CallToAction == "MESSAGE_PAGE" && dest != "" {
		if e := oneOf("object_story_spec[link_data][call_to_action][value][app_destination]", dest,
			"MESSENGER", "WHATSAPP", "INSTAGRAM_DIRECT"); e != nil {
			return nil, e
		}
	}
	if p.has("page_welcome_message") {
		if cr.CallToAction != "MESSAGE_PAGE" {
			return nil, invalidParam("Param page_welcome_message needs a call_to_action of type MESSAGE_PAGE")
		}
		cr.WelcomeMessage = p.str("page_welcome_message")
		ref, e := welcomeRef(cr.WelcomeMessage)
		if e != nil {
			return nil, e
		}
		cr.Ref = ref
	}
	if cr.Ref == "" {
		cr.Ref = payloadRef(cr.URLTags)
	}
	cr.ID = s.newID("creative")
	s.st.creatives[cr.ID] = cr
	return map[string]any{"id": cr.ID}, nil
}

// welcomeRef checks a page_welcome_message and returns the first ref found in its payloads (ice breakers,
// then quick replies), "" when none carries one.
func welcomeRef(text string) (string, *apiError) {
	var doc struct {
		Message    *welcomeBody `json:"message"`
		TextFormat struct {
			Message *welcomeBody `json:"message"`
		} `json:"text_format"`
	}
	if err := json.Unmarshal([]byte(text), &doc); err != nil {
		return "", invalidParam("Param page_welcome_message must be a JSON object: %v", err)
	}
	m := doc.TextFormat.Message
	if m == nil {
		m = doc.Message
	}
	if m == nil {
		return "", nil
	}
	long := func(s string, n int) bool { return utf8.RuneCountInString(s) > n }
	switch {
	case long(m.Text, welcomeTextMax):
		return "", invalidParam("Param page_welcome_message: the greeting text is limited to %d characters", welcomeTextMax)
	case len(m.IceBreakers) > welcomeIceBreakers:
		return "", invalidParam("Param page_welcome_message: at most %d ice_breakers", welcomeIceBreakers)
	case len(m.QuickReplies) > welcomeQuickMax:
		return "", invalidParam("Param page_welcome_message: at most %d quick_replies", welcomeQuickMax)
	}
	var payloads []string
	for _, ib := range m.IceBreakers {
		if long(ib.Title, welcomeTitleMax) || long(ib.Question, welcomeTitleMax) {
			return "", invalidParam("Param page_welcome_message: an ice breaker question is limited to %d characters", welcomeTitleMax)
		}
		if long(ib.Response, welcomeTextMax) {
			return "", invalidParam("Param page_welcome_message: an ice breaker response is limited to %d characters", welcomeTextMax)
		}
		payloads = append(payloads, ib.Payload)
	}
	for _, qr := range m.QuickReplies {
		if long(qr.Title, welcomeTitleMax) {
			return "", invalidParam("Param page_welcome_message: a quick reply title is limited to %d characters", welcomeTitleMax)
		}
		payloads = append(payloads, qr.Payload)
	}
	for _, pl := range payloads {
		if ref := payloadRef(pl); ref != "" {
			return ref, nil
		}
	}
	return "", nil
}

// payloadRef finds a ref in a payload or url_tags: a JSON object's "ref", or ref=… in query text (decoded).
func payloadRef(payload string) string {
	t := strings.TrimSpace(payload)
	if strings.HasPrefix(t, "{") {
		var obj map[string]any
		if json.Unmarshal([]byte(t), &obj) == nil {
			ref, _ := obj["ref"].(string)
			return ref
		}
	}
	// ParseQuery keeps what it could read even when another part of the text is malformed.
	v, _ := url.ParseQuery(t)
	return v.Get("ref")
}

// createAd serves POST /act_{id}/ads.
func (s *Sandbox) createAd(c *call) (any, *apiError) {
	acct := s.account(c.Node)
	p := c.P
	ad := &Ad{AccountID: acct.ID, Name: p.str("name"), AdSetID: p.str("adset_id"), Created: s.sim}
	if ad.Name == "" {
		return nil, required("name")
	}
	if ad.AdSetID == "" {
		return nil, required("adset_id")
	}
	set := s.st.adsets[ad.AdSetID]
	if set == nil || set.AccountID != acct.ID {
		return nil, notFound(ad.AdSetID)
	}
	if set.Status == "DELETED" {
		return nil, invalidParam("Param adset_id names a deleted ad set")
	}
	if !p.has("creative") {
		return nil, required("creative")
	}
	var ref struct {
		CreativeID json.RawMessage `json:"creative_id"`
		ID         json.RawMessage `json:"id"`
	}
	if e := p.decode("creative", &ref); e != nil {
		return nil, e
	}
	if ad.CreativeID = rawID(ref.CreativeID); ad.CreativeID == "" {
		ad.CreativeID = rawID(ref.ID)
	}
	if ad.CreativeID == "" {
		return nil, required("creative[creative_id]")
	}
	cr := s.st.creatives[ad.CreativeID]
	if cr == nil || cr.AccountID != acct.ID {
		return nil, notFound(ad.CreativeID)
	}
	if set.DestinationType == "MESSENGER" {
		if cr.CallToAction != "MESSAGE_PAGE" {
			return nil, invalidParam("Param creative: an ad set with destination_type MESSENGER needs a call_to_action of type MESSAGE_PAGE")
		}
		if set.PromotedPageID != "" && cr.PageID != set.PromotedPageID {
			return nil, invalidParam("Param creative: the creative's Page %s is not the ad set's promoted_object page_id %s", cr.PageID, set.PromotedPageID)
		}
	}
	var e *apiError
	if ad.Status, e = createStatus(p); e != nil {
		return nil, e
	}
	// Documented test hook: a creative whose text (link_data.message) contains the word DISAPPROVE fails
	// review, so that tests and demos can show a DISAPPROVED ad; effectiveStatus reports it.
	if strings.Contains(cr.Message, "DISAPPROVE") {
		ad.Review = "DISAPPROVED"
	}
	ad.ID = s.newID("ad")
	s.st.ads[ad.ID] = ad
	return map[string]any{"id": ad.ID}, nil
}
