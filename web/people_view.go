package web

import (
	"fmt"
	"html/template"
	"strings"
	"time"
	"unicode/utf8"

	"relance/conversations"
	"relance/policy"
)

// person is how screens show a contact: the person's name and picture once the profile cache has them,
// the PSID always (secondary), initials in place of a missing picture.
type person struct {
	Label    string       // the name, or the PSID
	Named    bool         // Label is a name
	PSID     string       // shown under the name
	Avatar   template.URL // "" when there is no picture
	Initials string
}

// personOf builds the person of a contact.
func personOf(c conversations.Contact) person {
	p := person{Label: c.Label(), Named: c.Name != nil, PSID: c.PSID}
	if c.ProfilePicURL != nil && safePicture(*c.ProfilePicURL) {
		// Only https addresses and image data URIs reach here, so the URL may go in src as it is.
		p.Avatar = template.URL(*c.ProfilePicURL)
	}
	if p.Named {
		for _, part := range strings.Fields(p.Label) {
			r, _ := utf8.DecodeRuneInString(part)
			p.Initials += strings.ToUpper(string(r))
			if utf8.RuneCountInString(p.Initials) == 2 {
				break
			}
		}
	} else {
		p.Initials = "#"
	}
	return p
}

// safePicture accepts an https address or an image data URI.
func safePicture(u string) bool {
	return strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "data:image/png;base64,") ||
		strings.HasPrefix(u, "data:image/jpeg;base64,") || strings.HasPrefix(u, "data:image/svg+xml;base64,")
}

// reachLabels are the reachability classes as people say them.
var reachLabels = map[string]string{policy.Free: "free", policy.FollowUp: "follow-up", policy.HumanAgent: "human agent",
	policy.Paid: "paid only", policy.AdsOnly: "ads only", policy.Unreachable: "unreachable"}

// reachText says what a class allows and until when: "free for 3 h", "human agent until Tue 14:00" (in the
// brand's zone), or the class alone when it does not lapse by itself.
func reachText(r policy.Reach, loc *time.Location, now time.Time) string {
	label := reachLabels[r.Class]
	if label == "" {
		label = strings.ReplaceAll(r.Class, "_", " ")
	}
	if r.ExpiresAt.IsZero() {
		return label
	}
	d := r.ExpiresAt.Sub(now)
	switch {
	case d <= 0:
		return label
	case d < time.Hour:
		return fmt.Sprintf("%s for %d min", label, max(1, int(d.Minutes())))
	case d < 24*time.Hour:
		return fmt.Sprintf("%s for %d h", label, int(d.Hours()))
	}
	at := r.ExpiresAt.In(loc)
	if d < 6*24*time.Hour {
		return label + " until " + at.Format("Mon 15:04")
	}
	return label + " until " + at.Format("2 Jan 15:04")
}

// sourceBadge names where a contact first came from: ad, link, organic, or Meta's source otherwise.
func sourceBadge(c conversations.Contact) (label, class string) {
	if c.FirstReferral == nil {
		return "organic", "organic"
	}
	switch c.FirstReferral.Source {
	case "ADS":
		return "ad", "ad"
	case "SHORTLINK":
		return "link", "link"
	}
	return strings.ToLower(strings.ReplaceAll(c.FirstReferral.Source, "_", " ")), "other"
}

// previewOf is the list's one-line preview of a last message: who wrote it and its start.
func previewOf(m conversations.LastMessage) string {
	who := ""
	if m.Direction == "out" {
		who = map[string]string{conversations.SenderBot: "Bot: ", conversations.SenderHuman: "Agent: ",
			conversations.SenderApp: "App: "}[m.Sender]
	}
	text := strings.Join(strings.Fields(m.Text), " ")
	if text == "" && m.Attachment != "" {
		text = "[" + m.Attachment + "]"
	}
	if utf8.RuneCountInString(text) > 90 {
		r := []rune(text)
		text = strings.TrimSpace(string(r[:89])) + "…"
	}
	return who + text
}

// brandZone is the brand's time zone, UTC when it does not load.
func brandZone(tz string) *time.Location {
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return time.UTC
	}
	return loc
}
