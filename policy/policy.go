// Package policy is the Messenger messaging policy as data (DESIGN §2): which profile a brand follows, and a
// pure decision of how one contact can be reached at one moment and until when. No clock, no storage.
package policy

import (
	"encoding/json"
	"slices"
	"time"
)

// Policy profiles (DESIGN §2, reference/meta-platform.md §0).
const (
	// Meta2017 is the platform of the product brief: 24 h window, one follow-up, sponsored messages.
	Meta2017 = "meta-2017"
	// MetaCurrent is today's platform, and the default.
	MetaCurrent = "meta-current"
)

// Profiles lists the valid profiles, the default first.
var Profiles = []string{MetaCurrent, Meta2017}

// Valid reports whether name is a known profile.
func Valid(name string) bool { return slices.Contains(Profiles, name) }

// Reachability classes. The strings are an API contract: stored, filtered on and shown as they are.
const (
	// Free is a standard message inside the 24 h window; it costs nothing.
	Free = "free"
	// FollowUp is the one message "24 + 1" allowed after the window (meta-2017 only).
	FollowUp = "follow_up"
	// HumanAgent is a reply under the HUMAN_AGENT tag: a human, no promotion (meta-current only).
	HumanAgent = "human_agent"
	// Paid is a sponsored message (meta-2017) or a Marketing Message to a subscriber (meta-current).
	Paid = "paid"
	// AdsOnly is reach through ads only: a custom audience of PSIDs (meta-platform §4).
	AdsOnly = "ads_only"
	// Unreachable is a contact nothing may be sent to: blocked, or the person is unavailable.
	Unreachable = "unreachable"
)

// Classes lists the classes in display order.
var Classes = []string{Free, FollowUp, HumanAgent, Paid, AdsOnly, Unreachable}

// Marketing Messages opt-in statuses, from the optin webhook's notification_messages_status
// ("RESUME NOTIFICATIONS" is active, "STOP NOTIFICATIONS" is stopped; meta-platform §1.2).
const (
	// OptInActive is an opt-in the user has not stopped, or has resumed.
	OptInActive = "active"
	// OptInStopped is an opt-in the user stopped: no Marketing Message until they resume.
	OptInStopped = "stopped"
)

// Windows of the Send API, counted from the user's last message (meta-platform §0, §2).
const (
	// StandardWindow is how long after the user's last message or interaction a standard message is free.
	StandardWindow = 24 * time.Hour
	// HumanAgentWindow is how long after the user's last message a human may answer with the HUMAN_AGENT tag.
	HumanAgentWindow = 7 * 24 * time.Hour
)

// Contact is the state of one contact the decision needs. Times are UTC; the zero time means never.
type Contact struct {
	// LastInboundAt is the user's last message: it opens the standard window and the HUMAN_AGENT week.
	LastInboundAt time.Time
	// LastInteractionAt is the user's last message, postback or referral: meta-current opens the standard
	// window on any of them, meta-2017 only on a message.
	LastInteractionAt time.Time
	// LastOutboundAt is the last message the Page sent, by the app or by a human: it spends the "+1".
	LastOutboundAt time.Time
	// HasThread says the user once wrote or opened a thread; a recorded message or interaction implies it.
	HasThread bool
	// Blocked says the user blocked the Page or asked to stop.
	Blocked bool
	// Unavailable says the Send API answered 551, person unavailable (do not retry); whoever records it
	// should clear it when the user writes again.
	Unavailable bool
	// OptedIn says the user opted in to Marketing Messages (optin webhook of type notification_messages).
	OptedIn bool
	// OptInStatus is OptInActive, OptInStopped, or empty for an opt-in never stopped nor resumed (the first
	// optin event carries no status). Any other value is treated as stopped.
	OptInStatus string
	// OptInTokenExpiresAt is the opt-in's token_expiry_timestamp; zero means no known expiry.
	OptInTokenExpiresAt time.Time
	// OptInTimezone is the opt-in's notification_messages_timezone (IANA), used when Country is unknown.
	OptInTimezone string
	// Country is the user's ISO 3166 alpha-2 country, any case, empty when unknown.
	Country string
}

// Reach is how a contact can be reached at a moment.
type Reach struct {
	// Class is one of Classes.
	Class string `json:"class"`
	// ExpiresAt is when the class lapses by itself; zero means it does not.
	ExpiresAt time.Time `json:"-"`
	// Reason is a short explanation for the UI.
	Reason string `json:"reason"`
}

// MarshalJSON writes expires_at as null when the class does not expire.
func (r Reach) MarshalJSON() ([]byte, error) {
	var exp *time.Time
	if !r.ExpiresAt.IsZero() {
		t := r.ExpiresAt.UTC()
		exp = &t
	}
	return json.Marshal(struct {
		Class     string     `json:"class"`
		ExpiresAt *time.Time `json:"expires_at"`
		Reason    string     `json:"reason"`
	}{r.Class, exp, r.Reason})
}

// Classify decides how c can be reached at now under profile. An unknown or empty profile is meta-current,
// the default (DESIGN §2): a stale setting must never unlock the laxer 2017 rules.
//
// Precedence under meta-current is free > paid > human_agent > ads_only. A free message costs nothing, so it
// wins. Paid comes before human_agent because HUMAN_AGENT is for humans and may not carry promotions
// (meta-platform §2): a campaign can never use it, so ranking it first would hide from campaigns the only
// automated way to reach a subscriber. A paid reason still says when the human agent tag is open.
func Classify(profile string, c Contact, now time.Time) Reach {
	switch {
	case c.Blocked:
		return Reach{Class: Unreachable, Reason: "blocked"}
	case c.Unavailable:
		return Reach{Class: Unreachable, Reason: "person unavailable"}
	case !c.HasThread && c.LastInboundAt.IsZero() && c.LastInteractionAt.IsZero():
		// A PSID without a thread can still be put in a custom audience (meta-platform §4).
		return Reach{Class: AdsOnly, Reason: "no thread: ads only"}
	}
	if profile == Meta2017 {
		return classify2017(c, now)
	}
	return classifyCurrent(c, now)
}

// classify2017 applies "24 + 1" and sponsored messages to anyone with a thread (meta-platform §0).
func classify2017(c Contact, now time.Time) Reach {
	closes, open := window(c.LastInboundAt, StandardWindow, now)
	if open {
		return Reach{Class: Free, ExpiresAt: closes, Reason: "standard window open until " + stamp(closes)}
	}
	// The "+1" is spent by the first send at or after the window closed; it never lapses by time.
	if !c.LastInboundAt.IsZero() && c.LastOutboundAt.Before(closes) {
		return Reach{Class: FollowUp, Reason: "one follow-up message left (24+1)"}
	}
	return Reach{Class: Paid, Reason: "sponsored message (existing thread)"}
}

// classifyCurrent applies today's rules: the 24 h window on any interaction, the HUMAN_AGENT week, and
// Marketing Messages to subscribers outside the restricted regions (meta-platform §2, §3).
func classifyCurrent(c Contact, now time.Time) Reach {
	last := c.LastInboundAt
	if c.LastInteractionAt.After(last) {
		last = c.LastInteractionAt
	}
	if closes, open := window(last, StandardWindow, now); open {
		return Reach{Class: Free, ExpiresAt: closes, Reason: "standard window open until " + stamp(closes)}
	}
	humanUntil, human := window(c.LastInboundAt, HumanAgentWindow, now)
	subscriber, why := c.marketingMessages(now)
	switch {
	case subscriber && human:
		return Reach{Class: Paid, ExpiresAt: c.OptInTokenExpiresAt,
			Reason: "Marketing Messages subscriber (human agent tag also open until " + stamp(humanUntil) + ")"}
	case subscriber:
		return Reach{Class: Paid, ExpiresAt: c.OptInTokenExpiresAt, Reason: "Marketing Messages subscriber"}
	case human:
		return Reach{Class: HumanAgent, ExpiresAt: humanUntil, Reason: "human agent tag until " + stamp(humanUntil)}
	case why != "":
		return Reach{Class: AdsOnly, Reason: "outside every window: ads only (" + why + ")"}
	}
	return Reach{Class: AdsOnly, Reason: "outside every window: ads only"}
}

// MarketingMessagesAllowed reports whether c may get a Marketing Message at now, whatever window is open;
// when not, why says so (empty when c never opted in). A sender checks it again just before paying for one.
func MarketingMessagesAllowed(c Contact, now time.Time) (ok bool, why string) {
	if c.Blocked || c.Unavailable {
		return false, "unreachable"
	}
	return c.marketingMessages(now)
}

// marketingMessages reports whether c may get a Marketing Message at now; when c opted in but may not, why
// says so. Without a known country the answer is no: never a send the policy forbids (DESIGN §2).
func (c Contact) marketingMessages(now time.Time) (ok bool, why string) {
	switch {
	case !c.OptedIn:
		return false, ""
	case c.OptInStatus != OptInActive && c.OptInStatus != "":
		return false, "Marketing Messages opt-in stopped"
	case !c.OptInTokenExpiresAt.IsZero() && !now.Before(c.OptInTokenExpiresAt):
		return false, "Marketing Messages token expired " + stamp(c.OptInTokenExpiresAt)
	}
	country := normalizeCountry(c.Country)
	if country == "" {
		country = CountryOfZone(c.OptInTimezone)
	}
	switch {
	case country == "":
		return false, "subscriber in an unknown country: no Marketing Message"
	case Restricted(country):
		return false, "subscriber in " + country + ", where Marketing Messages are not allowed"
	}
	return true, ""
}

// window returns when a window of length d opened at since closes, and whether it is open at now. The end
// is exclusive: at exactly since+d the window is closed. A zero since never opened one.
func window(since time.Time, d time.Duration, now time.Time) (closes time.Time, open bool) {
	if since.IsZero() {
		return time.Time{}, false
	}
	closes = since.Add(d)
	return closes, now.Before(closes)
}

// stamp formats a time for a Reason, in UTC to the minute.
func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }
