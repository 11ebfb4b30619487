package sandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"relance/meta"
)

// Marketing Messages (reference §3): POST /act_{id}/message_campaign, then POST /act_{id}/messages to
// subscription tokens. The sandbox's rules, and the codes it answers with:
//
//   - The send names its campaign in message_id and its subscriber in
//     messenger_delivery_data.subscription_token; the discontinued shape (message_campaign_id,
//     recipient.notification_messages_token) answers 100 naming the parameter. An answer is
//     {success: true, marketing_message_tracking_id}.
//   - The campaign must be the account's (else 2300001, INVALID_MESSAGE_ID) and its Page must match page_id
//     when one is given (2300005, PAGE_ID_MISMATCH). A PAUSED campaign, one not started yet or already
//     ended answers 2300000 (INACTIVE_CAMPAIGN).
//   - The token must be a thread's SubscriptionToken (RegisterThread sets it), else 2300004
//     (INVALID_MESSENGER_SUBSCRIPTION_TOKEN, class person_unavailable); a token of another Page's thread
//     answers 2300005. A person who blocked the Page answers 551/1545041.
//   - Recipients in the EU, the UK, Japan, South Korea or Australia (Thread.Country) cannot receive Marketing
//     Messages. Meta documents no code for it; the sandbox answers 100 with subcode 1545041 ("This person
//     isn't available right now"), which relance classifies person_unavailable: stop trying that person,
//     the request itself is fine. A thread with no country is treated as eligible.
//   - A message sooner than min_conversation_gap_seconds (a per-send parameter; the campaign's, if it was
//     created with one, otherwise) after the person's previous Marketing Message answers 2300052 (class
//     marketing_message_gap). No gap given means none.
//   - Each delivered message costs pricePerMessage of the account currency, in Meta units. A campaign whose
//     lifetime budget, or whose daily budget for the day (account time zone), cannot pay for one more
//     message answers 2300000 (INACTIVE_CAMPAIGN: Meta stops a campaign whose budget is spent).
//
// A delivered message is recorded as a Send{Marketing: true}, appended to the thread, echoed by webhook
// (is_echo, app_id, mid, text), and gets a reply from the person some minutes later at Options.ReplyRate.

// restrictedCountries are where Marketing Messages recipients may not live: the EU, UK, JP, KR, AU.
var restrictedCountries = func() map[string]bool {
	m := map[string]bool{}
	for _, c := range strings.Fields(`AT BE BG HR CY CZ DK EE FI FR DE GR EL HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE
		GB UK JP KR AU`) {
		m[c] = true
	}
	return m
}()

// messagePrices is the sandbox's price of one delivered Marketing Message in Meta units of the account
// currency, about USD 0.01 each. Other currencies cost 1 unit (offset 100) or 10 units (offset 1).
var messagePrices = map[string]int64{
	"USD": 1, "EUR": 1, "GBP": 1, "CHF": 1, "CAD": 2, "AUD": 2, "NZD": 2, "SGD": 2, "BRL": 5, "MXN": 20,
	"INR": 80, "PHP": 60, "THB": 35, "MYR": 5, "HKD": 8, "AED": 4, "SAR": 4, "ZAR": 20,
	"JPY": 2, "KRW": 15, "IDR": 160, "VND": 250, "TWD": 1, "COP": 40, "CLP": 10,
}

// pricePerMessage is what one delivered message costs in Meta units of cur.
func pricePerMessage(cur string) int64 {
	if p, ok := messagePrices[strings.ToUpper(cur)]; ok {
		return p
	}
	if meta.MetaOffset(cur) == 1 {
		return 10
	}
	return 1
}

func (s *Sandbox) routesMessages() []route {
	return []route{
		{http.MethodPost, kindAccount, "message_campaign", s.createMessageCampaign},
		{http.MethodGet, kindMessageCampaign, "", s.readMessageCampaign},
		{http.MethodPost, kindAccount, "messages", s.sendMarketingMessage},
	}
}

// mmError is a Marketing Messages error (codes 2300000–2300005 and 2300052).
func mmError(code int, msg string) *apiError {
	return &apiError{Status: http.StatusBadRequest, Code: code, Type: "OAuthException",
		Message: fmt.Sprintf("(#%d) %s", code, msg)}
}

// createMessageCampaign is POST /act_{id}/message_campaign.
func (s *Sandbox) createMessageCampaign(c *call) (any, *apiError) {
	for _, name := range []string{"name", "page_id"} {
		if c.P.str(name) == "" {
			return nil, required(name)
		}
	}
	daily, hasDaily, e := c.P.int64("daily_budget")
	if e != nil {
		return nil, e
	}
	lifetime, hasLifetime, e := c.P.int64("lifetime_budget")
	if e != nil {
		return nil, e
	}
	if hasDaily == hasLifetime {
		return nil, invalidParam("Set exactly one of daily_budget and lifetime_budget")
	}
	if daily < 0 || lifetime < 0 || (hasDaily && daily == 0) || (hasLifetime && lifetime == 0) {
		return nil, invalidParam("The budget must be a positive integer in the account currency's minor unit")
	}
	start, e := timeParam(c.P, "start_time")
	if e != nil {
		return nil, e
	}
	end, e := timeParam(c.P, "end_time")
	if e != nil {
		return nil, e
	}
	if hasLifetime && end.IsZero() {
		return nil, invalidParam("end_time is required with lifetime_budget")
	}
	if start.IsZero() {
		start = s.sim
	}
	if !end.IsZero() && !end.After(start) {
		return nil, invalidParam("end_time must be after start_time")
	}
	gap, _, e := c.P.int64("min_conversation_gap_seconds")
	if e != nil {
		return nil, e
	}
	if gap < 0 {
		return nil, invalidParam("Param min_conversation_gap_seconds must be a non-negative integer")
	}
	status := c.P.str("status")
	if status == "" {
		status = "ACTIVE"
	}
	if e := oneOf("status", status, "ACTIVE", "PAUSED"); e != nil {
		return nil, e
	}
	acct := s.account(c.Node)
	mc := &MessageCampaign{ID: s.newID("msgcampaign"), AccountID: acct.ID, PageID: c.P.str("page_id"),
		Name: c.P.str("name"), Status: status, DailyBudget: daily, LifetimeBudget: lifetime, StartTime: start,
		EndTime: end, MinGapSeconds: gap, Created: s.sim}
	s.page(mc.PageID)
	s.st.msgCamps[mc.ID] = mc
	return map[string]string{"id": mc.ID}, nil
}

// timeParam reads a time given as ISO 8601 (with or without a colon in the offset) or Unix seconds.
func timeParam(p params, name string) (time.Time, *apiError) {
	v := p.str(name)
	if v == "" {
		return time.Time{}, nil
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return time.Unix(n, 0).UTC(), nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05-0700"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, invalidParam("Param %s must be an ISO 8601 time or a Unix timestamp", name)
}

// readMessageCampaign is GET /{message_campaign_id}; delivered and spend are the sandbox's own fields.
func (s *Sandbox) readMessageCampaign(c *call) (any, *apiError) {
	mc := s.st.msgCamps[c.Node]
	out := map[string]any{"id": mc.ID, "name": mc.Name, "page_id": mc.PageID, "status": mc.Status,
		"start_time": mc.StartTime.Format("2006-01-02T15:04:05-0700"), "min_conversation_gap_seconds": mc.MinGapSeconds,
		"delivered": mc.Delivered, "spend": mc.Spend}
	if mc.DailyBudget > 0 {
		out["daily_budget"] = strconv.FormatInt(mc.DailyBudget, 10)
	}
	if mc.LifetimeBudget > 0 {
		out["lifetime_budget"] = strconv.FormatInt(mc.LifetimeBudget, 10)
	}
	if !mc.EndTime.IsZero() {
		out["end_time"] = mc.EndTime.Format("2006-01-02T15:04:05-0700")
	}
	return out, nil
}

// marketingBody is the part of a Marketing Message request the sandbox reads.
type marketingBody struct {
	Delivery struct {
		Token string `json:"subscription_token"`
	}
	Message struct {
		Text       string `json:"text"`
		Metadata   string `json:"metadata"`
		Attachment *struct {
			Type    string `json:"type"`
			Payload struct {
				Text string `json:"text"`
				URL  string `json:"url"`
			} `json:"payload"`
		} `json:"attachment"`
	}
}

// discontinuedShape refuses the Recurring Notifications send shape Meta discontinued on 2026-02-10
// (reference §3): message_campaign_id and recipient.notification_messages_token. Meta answers an invalid
// parameter (100) naming it.
func discontinuedShape(p params) *apiError {
	var recipient struct {
		Token string `json:"notification_messages_token"`
	}
	_ = p.decode("recipient", &recipient)
	switch {
	case p.has("message_campaign_id"):
		return invalidParam("Param message_campaign_id is no longer supported: Recurring Notifications were discontinued on 2026-02-10. Name the message campaign in message_id")
	case recipient.Token != "":
		return invalidParam("Param recipient[notification_messages_token] is no longer supported: Recurring Notifications were discontinued on 2026-02-10. Send the token in messenger_delivery_data[subscription_token]")
	case p.has("recipient"):
		return invalidParam("Param recipient is not supported by Marketing Messages: address the subscriber with messenger_delivery_data[subscription_token]")
	}
	return nil
}

// sendMarketingMessage is POST /act_{id}/messages {message_id, messenger_delivery_data{subscription_token},
// message, min_conversation_gap_seconds?} → {success, marketing_message_tracking_id} (reference §3).
func (s *Sandbox) sendMarketingMessage(c *call) (any, *apiError) {
	if e := discontinuedShape(c.P); e != nil {
		return nil, e
	}
	campID := c.P.str("message_id")
	if campID == "" {
		return nil, required("message_id")
	}
	mc := s.st.msgCamps[campID]
	if mc == nil || mc.AccountID != c.Node {
		return nil, mmError(2300001, "The message ID you supplied is invalid. The message with this ID either does not exist, or you do not have the permission to load it.")
	}
	if page := c.P.str("page_id"); page != "" && page != mc.PageID {
		return nil, mmError(2300005, "The page id behind your message does not match the page id of the message campaign.")
	}
	var b marketingBody
	if e := c.P.decode("messenger_delivery_data", &b.Delivery); e != nil {
		return nil, e
	}
	if e := c.P.decode("message", &b.Message); e != nil {
		return nil, e
	}
	if b.Delivery.Token == "" {
		return nil, required("messenger_delivery_data[subscription_token]")
	}
	gap, hasGap, e := c.P.int64("min_conversation_gap_seconds")
	switch {
	case e != nil:
		return nil, e
	case gap < 0:
		return nil, invalidParam("Param min_conversation_gap_seconds must be a non-negative integer")
	case !hasGap:
		gap = mc.MinGapSeconds // the campaign's, when it was given one
	}
	text := b.Message.Text
	if a := b.Message.Attachment; a != nil {
		text = a.Payload.Text
		if text == "" && a.Payload.URL != "" {
			text = "[" + a.Type + "] " + a.Payload.URL
		}
	}
	if text == "" {
		return nil, invalidParam("A message needs text or an attachment")
	}
	switch {
	case mc.Status != "ACTIVE":
		return nil, mmError(2300000, "You cannot send a message unless the message campaign under which the message exists is active.")
	case s.sim.Before(mc.StartTime):
		return nil, mmError(2300000, "The message campaign has not started yet.")
	case !mc.EndTime.IsZero() && !s.sim.Before(mc.EndTime):
		return nil, mmError(2300000, "The message campaign has ended.")
	}
	t := s.subscriber(b.Delivery.Token, mc.PageID)
	if t == nil && s.o.Subscriber != nil {
		if psid, ok := s.o.Subscriber(mc.PageID, b.Delivery.Token); ok {
			if t = s.knownThread(mc.PageID, psid); t != nil {
				t.SubscriptionToken = b.Delivery.Token
			}
		}
	}
	switch {
	case t == nil:
		return nil, mmError(2300004, "The subscription token you passed in could not be loaded.")
	case t.PageID != mc.PageID:
		return nil, mmError(2300005, "The page id behind your message does not match the page id on the messenger subscription token. Pages can only message their own subscribers.")
	case t.Blocked:
		return nil, &apiError{Status: http.StatusBadRequest, Code: 551, Subcode: 1545041, Type: "OAuthException",
			Message: "(#551) This person isn't available right now."}
	case restrictedCountries[strings.ToUpper(t.Country)]:
		return nil, &apiError{Status: http.StatusBadRequest, Code: 100, Subcode: 1545041, Type: "OAuthException",
			Message: fmt.Sprintf("(#100) Marketing messages cannot be sent to people in %s (EU, UK, JP, KR and AU are excluded).", strings.ToUpper(t.Country))}
	case gap > 0 && !t.LastMarketingAt.IsZero() && s.sim.Sub(t.LastMarketingAt) < time.Duration(gap)*time.Second:
		return nil, mmError(2300052, fmt.Sprintf("This person received a marketing message less than %d seconds ago (min_conversation_gap_seconds).", gap))
	}
	acct := s.account(mc.AccountID)
	price := pricePerMessage(acct.Currency)
	day := s.sim.In(accountZone(acct.Timezone)).Format("2006-01-02")
	if mc.SpendDay != day {
		mc.SpendDay, mc.DaySpend = day, 0
	}
	switch {
	case mc.LifetimeBudget > 0 && mc.Spend+price > mc.LifetimeBudget:
		return nil, mmError(2300000, "The message campaign's lifetime budget is spent; it is no longer active.")
	case mc.DailyBudget > 0 && mc.DaySpend+price > mc.DailyBudget:
		return nil, mmError(2300000, "The message campaign's daily budget is spent for today; it is not active until tomorrow.")
	}
	mid := s.deliverMarketing(mc, t, text, b.Message.Metadata)
	mc.Delivered++
	mc.Spend += price
	mc.DaySpend += price
	// The tracking id is not the message's mid (that one arrives on the echo): Meta keys billing and
	// Insights on it.
	return map[string]any{"success": true, "marketing_message_tracking_id": trackingID(s.o.Seed, mid)}, nil
}

// trackingID is a Marketing Message's marketing_message_tracking_id, derived from its mid.
func trackingID(seed, mid string) string {
	return strconv.FormatUint(seeded(seed, "tracking", mid).Uint64()>>1, 10)
}

// subscriber finds the thread holding a subscription token, preferring the campaign's Page.
func (s *Sandbox) subscriber(token, pageID string) *Thread {
	var other *Thread
	for _, t := range s.st.threads {
		if t.SubscriptionToken != token {
			continue
		}
		if t.PageID == pageID {
			return t
		}
		other = t
	}
	return other
}

// accountZone loads an account's time zone, UTC when unknown.
func accountZone(name string) *time.Location {
	if l, err := time.LoadLocation(name); err == nil && name != "" {
		return l
	}
	return time.UTC
}

// deliverMarketing records a delivered Marketing Message, queues its echo and maybe schedules a reply.
func (s *Sandbox) deliverMarketing(mc *MessageCampaign, t *Thread, text, metadata string) string {
	n := s.newID("mmessage")
	mid := "m_" + strconv.FormatUint(seeded(s.o.Seed, "mid", n).Uint64(), 36)
	s.st.sends = append(s.st.sends, Send{MessageID: mid, PageID: t.PageID, PSID: t.PSID, Text: text,
		Metadata: metadata, Marketing: true, At: s.sim})
	t.Messages = append(t.Messages, ThreadMessage{ID: mid, At: s.sim, FromPage: true, Text: text})
	t.LastMarketingAt, t.LastPageAt = s.sim, s.sim
	echo := map[string]any{"mid": mid, "text": text, "is_echo": true, "app_id": appIDValue(s.o.AppID)}
	if metadata != "" {
		echo["metadata"] = metadata
	}
	s.out.enqueue(t.PageID, s.sim, []Event{{"sender": map[string]any{"id": t.PageID},
		"recipient": map[string]any{"id": t.PSID}, "timestamp": s.sim.UnixMilli(), "message": echo}})
	rng := seeded(s.o.Seed, "reply", mid)
	if rng.Float64() < s.o.ReplyRate {
		at := s.sim.Add(time.Duration(2+rng.IntN(28)) * time.Minute)
		reply := replyTexts[rng.IntN(len(replyTexts))]
		rmid := "m_" + strconv.FormatUint(rng.Uint64(), 36)
		s.later(at, t.PageID, Event{"sender": map[string]any{"id": t.PSID}, "recipient": map[string]any{"id": t.PageID},
			"timestamp": at.UnixMilli(), "message": map[string]any{"mid": rmid, "text": reply}})
	}
	return mid
}

// appIDValue is the app id as Meta puts it in echoes: a JSON number when it is one.
func appIDValue(id string) any {
	if digits.MatchString(id) {
		return json.Number(id)
	}
	return id
}

// replyTexts are what people answer to a Marketing Message, in English and French, some with an amount or a
// phone number for relance's extractor.
var replyTexts = []string{
	"Hi! Is the offer still on?",
	"How much is it? My budget is $50",
	"Call me at +1 415 555 0134 please",
	"Thanks, not interested",
	"Bonjour, c'est encore disponible ?",
	"Je peux mettre 30 € maximum",
	"Rappelez-moi au 06 12 34 56 78 svp",
	"Merci, ça m'intéresse !",
}
