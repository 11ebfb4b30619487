package web

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"relance/conversations"
	"relance/policy"
	"relance/tenancy"
)

// threadView is one conversation, as a chat.
type threadView struct {
	Brand     tenancy.Brand
	Thread    conversations.Thread
	Person    person
	Reach     policy.Reach
	ReachText string
	Source    string
	Items     []threadItem
	CanText   bool
	PageName  string
	// OlderURL pages backwards: the messages before the oldest shown.
	OlderURL string
	// Paged is true on pages after the newest one (a link back to the newest is shown).
	Paged bool
}

// threadItem is a message (a bubble) or an event (a small marker), merged in time order.
type threadItem struct {
	At      time.Time
	When    string
	Message *conversations.Message
	Who     string // the sender of a message as people say it
	Event   *conversations.ThreadEvent
	Marker  string // what the event means, in a line
	Raw     string // the event as stored, indented, for its "details" toggle
	Seen    bool   // the last message of the Page that the person read (read_up_to)
}

// threadPage shows one contact's conversation (GET /brands/:brand/conversations/:contact), newest messages
// first loaded, ?before= pages backwards.
func (s *Server) threadPage(c *fiber.Ctx) error {
	b := brandOf(c)
	t, older, err := s.reader(c).ThreadPage(c.UserContext(), c.Params("contact"), c.Query("before"), 50)
	if err != nil {
		if isNotFoundErr(err) {
			return fiber.NewError(fiber.StatusNotFound, "no such contact")
		}
		return filterError(err)
	}
	loc, now := brandZone(b.Timezone), time.Now()
	v := threadView{Brand: b, CanText: s.canReadText(c), Reach: t.Reach(b.Policy, now), Person: personOf(t.Contact),
		Paged: c.Query("before") != ""}
	v.ReachText = reachText(v.Reach, loc, now)
	v.Source, _ = sourceBadge(t.Contact)
	if !v.CanText {
		t.Redact()
	}
	v.Thread = t
	if older != "" {
		v.OlderURL = "/brands/" + b.ID + "/conversations/" + t.ID + "?" + url.Values{"before": {older}}.Encode()
	}
	pages, err := s.tenantStore(c).Pages(c.UserContext(), b.ID)
	if err != nil {
		return err
	}
	for _, p := range pages {
		if p.PageID == t.PageID {
			v.PageName = p.Name
		}
	}
	if s.Profiles != nil {
		s.Profiles.Want(principalOf(c).TenantID, b.ID, t.Contact)
	}
	i, j := 0, 0
	for i < len(t.Messages) || j < len(t.Events) {
		if j >= len(t.Events) || (i < len(t.Messages) && !t.Messages[i].SentAt.After(t.Events[j].At)) {
			m := &v.Thread.Messages[i]
			v.Items = append(v.Items, threadItem{At: m.SentAt, Message: m, Who: senderLabel(m)})
			i++
		} else {
			e := &v.Thread.Events[j]
			v.Items = append(v.Items, threadItem{At: e.At, Event: e, Marker: eventMarker(e), Raw: indentJSON(e.Data)})
			j++
		}
	}
	seen := -1
	for k := range v.Items {
		v.Items[k].When = tsIn(v.Items[k].At, b.Timezone)
		if m := v.Items[k].Message; m != nil && m.Direction == "out" && t.ReadWatermark != nil && !m.SentAt.After(*t.ReadWatermark) {
			seen = k
		}
	}
	if seen >= 0 {
		v.Items[seen].Seen = true
	}
	return s.renderPage(c, "conversations/thread", v.Person.Label+" · conversation", v)
}

// senderLabel names who wrote a message.
func senderLabel(m *conversations.Message) string {
	switch m.Sender {
	case conversations.SenderUser:
		return "contact"
	case conversations.SenderBot:
		return "bot"
	case conversations.SenderHuman:
		return "human agent"
	}
	return "another app"
}

// eventMarker says in a line what a non-message event means; without the event's data (finance) it names
// the kind only.
func eventMarker(e *conversations.ThreadEvent) string {
	var d struct {
		Source, Ref, Title, Payload, Type, Status string
		AdID                                      string `json:"ad_id"`
		NewOwner                                  string `json:"new_owner_app_id"`
		RequestedOwner                            string `json:"requested_owner_app_id"`
		Referral                                  *struct{ Source, Ref string }
	}
	_ = json.Unmarshal(e.Data, &d)
	from := func(src, ref, ad string) string {
		out := map[string]string{"ADS": "an ad", "SHORTLINK": "an m.me link", "MESSENGER_CODE": "a Messenger code",
			"DISCOVER_TAB": "the Discover tab", "CUSTOMER_CHAT_PLUGIN": "the chat plugin"}[src]
		if out == "" {
			out = strings.ToLower(src)
		}
		if ad != "" {
			out += " " + ad
		}
		if ref != "" {
			out += " · ref " + ref
		}
		return out
	}
	switch e.Kind {
	case conversations.KindReferral:
		if d.Source == "" {
			return "Came back through a referral"
		}
		return "Came from " + from(d.Source, d.Ref, d.AdID)
	case conversations.KindPostback:
		out := "Tapped a button"
		if d.Title != "" {
			out = "Tapped “" + d.Title + "”"
		}
		if d.Referral != nil && d.Referral.Source != "" {
			out += " · from " + from(d.Referral.Source, d.Referral.Ref, "")
		}
		return out
	case conversations.KindOptin:
		switch {
		case d.Type == "notification_messages" && d.Status == "STOP NOTIFICATIONS":
			return "Stopped Marketing Messages"
		case d.Type == "notification_messages":
			return "Subscribed to Marketing Messages"
		case d.Ref != "":
			return "Opted in · ref " + d.Ref
		}
		return "Opted in"
	case conversations.KindPassThread:
		return "Thread passed" + ownerName(d.NewOwner, " to ")
	case conversations.KindTakeThread:
		return "Thread taken" + ownerName(d.NewOwner, " by ")
	case conversations.KindRequestThread:
		return "Thread control requested" + ownerName(d.RequestedOwner, " by ")
	case conversations.KindAppRoles:
		return "App roles changed"
	}
	return "Event: " + strings.ReplaceAll(e.Kind, "_", " ")
}

// ownerName names an app that takes a thread: the Page Inbox is a person.
func ownerName(appID, prefix string) string {
	switch appID {
	case "":
		return ""
	case conversations.PageInboxAppID:
		return prefix + "the Page Inbox (a person)"
	}
	return prefix + "app " + appID
}

// indentJSON is an event's stored data, indented for reading ("" when there is none).
func indentJSON(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var b bytes.Buffer
	if json.Indent(&b, raw, "", "  ") != nil {
		return string(raw)
	}
	return b.String()
}
