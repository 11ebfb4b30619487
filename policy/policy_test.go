package policy

import (
	"slices"
	"strings"
	"testing"
	"time"
)

var (
	t0        = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC) // the user's last message
	day       = 24 * time.Hour
	windowEnd = t0.Add(day)     // end of the standard window
	weekEnd   = t0.Add(7 * day) // end of the HUMAN_AGENT week
	tokenEnd  = t0.Add(60 * day)
)

// thread is a contact who wrote at t0 and got no answer.
func thread() Contact { return Contact{LastInboundAt: t0, LastInteractionAt: t0, HasThread: true} }

// subscriber is a thread with an active Marketing Messages opt-in.
func subscriber(country, tz string) Contact {
	c := thread()
	c.OptedIn, c.OptInStatus, c.OptInTokenExpiresAt = true, OptInActive, tokenEnd
	c.Country, c.OptInTimezone = country, tz
	return c
}

func with(c Contact, change func(*Contact)) Contact {
	change(&c)
	return c
}

type classifyCase struct {
	name    string
	c       Contact
	now     time.Time
	class   string
	expires time.Time
	reason  string // a part of the expected Reason
}

func runClassify(t *testing.T, profile string, cases []classifyCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := Classify(profile, tc.c, tc.now)
			if got.Class != tc.class || !got.ExpiresAt.Equal(tc.expires) {
				t.Fatalf("Classify = %s until %v (%q), want %s until %v", got.Class, got.ExpiresAt, got.Reason,
					tc.class, tc.expires)
			}
			if !slices.Contains(Classes, got.Class) || got.Reason == "" || !strings.Contains(got.Reason, tc.reason) {
				t.Fatalf("Reason = %q, want it to contain %q", got.Reason, tc.reason)
			}
		})
	}
}

func TestClassifyMeta2017(t *testing.T) {
	runClassify(t, Meta2017, []classifyCase{
		{"window open 1ns before +24h", thread(), windowEnd.Add(-1), Free, windowEnd,
			"standard window open until 2026-03-03 10:00 UTC"},
		{"window closed at exactly +24h", thread(), windowEnd, FollowUp, time.Time{}, "one follow-up message left (24+1)"},
		{"answered inside the window keeps the +1", with(thread(), func(c *Contact) { c.LastOutboundAt = t0.Add(time.Hour) }),
			windowEnd.Add(time.Hour), FollowUp, time.Time{}, "24+1"},
		{"the +1 does not lapse by time", thread(), t0.Add(90 * day), FollowUp, time.Time{}, "24+1"},
		{"+1 spent at the very close", with(thread(), func(c *Contact) { c.LastOutboundAt = windowEnd }),
			windowEnd.Add(time.Hour), Paid, time.Time{}, "sponsored message (existing thread)"},
		{"+1 spent later", with(thread(), func(c *Contact) { c.LastOutboundAt = t0.Add(3 * day) }),
			t0.Add(4 * day), Paid, time.Time{}, "sponsored message (existing thread)"},
		{"an interaction does not open the 2017 window",
			with(thread(), func(c *Contact) { c.LastInteractionAt = t0.Add(20 * time.Hour) }),
			windowEnd.Add(time.Hour), FollowUp, time.Time{}, "24+1"},
		{"thread without a message: paid, no +1", Contact{HasThread: true}, t0, Paid, time.Time{}, "sponsored"},
		{"no thread", Contact{}, t0, AdsOnly, time.Time{}, "ads only"},
		{"blocked inside the window", with(thread(), func(c *Contact) { c.Blocked = true }), t0.Add(time.Hour),
			Unreachable, time.Time{}, "blocked"},
		{"unavailable inside the window", with(thread(), func(c *Contact) { c.Unavailable = true }), t0.Add(time.Hour),
			Unreachable, time.Time{}, "person unavailable"},
		{"blocked without a thread", Contact{Blocked: true}, t0, Unreachable, time.Time{}, "blocked"},
		{"subscriber is not a 2017 notion", subscriber("FR", ""), windowEnd.Add(time.Hour), FollowUp, time.Time{}, "24+1"},
	})
}

func TestClassifyMetaCurrent(t *testing.T) {
	runClassify(t, MetaCurrent, []classifyCase{
		{"window open 1ns before +24h", thread(), windowEnd.Add(-1), Free, windowEnd, "standard window open until"},
		{"window closed at exactly +24h", thread(), windowEnd, HumanAgent, weekEnd,
			"human agent tag until 2026-03-09 10:00 UTC"},
		{"human agent 1ns before +7d", thread(), weekEnd.Add(-1), HumanAgent, weekEnd, "human agent tag until"},
		{"human agent over at exactly +7d", thread(), weekEnd, AdsOnly, time.Time{}, "outside every window: ads only"},
		{"an interaction reopens the window",
			with(thread(), func(c *Contact) { c.LastInteractionAt = t0.Add(10 * time.Hour) }),
			t0.Add(30 * time.Hour), Free, t0.Add(34 * time.Hour), "standard window open"},
		{"a postback alone opens no human agent week",
			Contact{HasThread: true, LastInteractionAt: t0}, windowEnd, AdsOnly, time.Time{}, "ads only"},
		{"an interaction implies a thread", Contact{LastInteractionAt: t0}, t0, Free, windowEnd, "standard window"},
		{"no thread", Contact{}, t0, AdsOnly, time.Time{}, "no thread"},
		{"no thread, blocked", Contact{Blocked: true}, t0, Unreachable, time.Time{}, "blocked"},
		{"blocked subscriber in the window", with(subscriber("US", ""), func(c *Contact) { c.Blocked = true }),
			t0, Unreachable, time.Time{}, "blocked"},
		{"unavailable subscriber", with(subscriber("US", ""), func(c *Contact) { c.Unavailable = true }),
			weekEnd.Add(day), Unreachable, time.Time{}, "person unavailable"},
		{"the +1 is not a current notion", thread(), weekEnd.Add(day), AdsOnly, time.Time{}, "ads only"},

		{"subscriber in the window: free first", subscriber("US", ""), t0.Add(time.Hour), Free, windowEnd, "standard"},
		{"subscriber in the human week: paid first", subscriber("US", ""), t0.Add(2 * day), Paid, tokenEnd,
			"Marketing Messages subscriber (human agent tag also open until 2026-03-09 10:00 UTC)"},
		{"restricted subscriber in the human week", subscriber("FR", ""), t0.Add(2 * day), HumanAgent, weekEnd,
			"human agent tag until"},
		{"token lapses inside the human week: paid until the token",
			with(subscriber("US", ""), func(c *Contact) { c.OptInTokenExpiresAt = t0.Add(3 * day) }),
			t0.Add(2 * day), Paid, t0.Add(3 * day), "Marketing Messages subscriber"},
		{"token lapsed inside the human week: human agent",
			with(subscriber("US", ""), func(c *Contact) { c.OptInTokenExpiresAt = t0.Add(3 * day) }),
			t0.Add(3 * day), HumanAgent, weekEnd, "human agent tag"},
	})
}

func TestClassifySubscribers(t *testing.T) {
	later := weekEnd.Add(day) // outside every window
	var cases []classifyCase
	for _, tc := range []struct{ country, tz, class, reason string }{
		{"US", "", Paid, "Marketing Messages subscriber"},
		{"us", "", Paid, "Marketing Messages subscriber"},
		{"CH", "", Paid, "Marketing Messages subscriber"},
		{"NO", "", Paid, "Marketing Messages subscriber"},
		{"FR", "", AdsOnly, "subscriber in FR, where Marketing Messages are not allowed"},
		{"GB", "", AdsOnly, "subscriber in GB"},
		{"JP", "", AdsOnly, "subscriber in JP"},
		{"KR", "", AdsOnly, "subscriber in KR"},
		{"AU", "", AdsOnly, "subscriber in AU"},
		{"", "America/New_York", Paid, "Marketing Messages subscriber"},
		{"", "Europe/Zurich", Paid, "Marketing Messages subscriber"},
		{"", "Europe/Oslo", Paid, "Marketing Messages subscriber"},
		{"", "Europe/Kiev", Paid, "Marketing Messages subscriber"},
		{"", "Europe/Moscow", Paid, "Marketing Messages subscriber"},
		{"", "Europe/Istanbul", Paid, "Marketing Messages subscriber"},
		{"", "Europe/Paris", AdsOnly, "subscriber in FR"},
		{"", "Europe/Dublin", AdsOnly, "subscriber in IE"},
		{"", "Atlantic/Canary", AdsOnly, "subscriber in ES"},
		{"", "Europe/London", AdsOnly, "subscriber in GB"},
		{"", "Europe/Belfast", AdsOnly, "subscriber in GB"},
		{"", "Asia/Tokyo", AdsOnly, "subscriber in JP"},
		{"", "Asia/Seoul", AdsOnly, "subscriber in KR"},
		{"", "Australia/Perth", AdsOnly, "subscriber in AU"},
		{"US", "Europe/Paris", Paid, "Marketing Messages subscriber"}, // a known country wins over the zone
		{"FR", "America/New_York", AdsOnly, "subscriber in FR"},
		{"", "", AdsOnly, "unknown country"},
		{"", "UTC", AdsOnly, "unknown country"},
		{"", "Mars/Olympus_Mons", AdsOnly, "unknown country"},
	} {
		want := time.Time{}
		if tc.class == Paid {
			want = tokenEnd
		}
		cases = append(cases, classifyCase{tc.country + " " + tc.tz, subscriber(tc.country, tc.tz), later,
			tc.class, want, tc.reason})
	}
	us := subscriber("US", "")
	cases = append(cases,
		classifyCase{"token 1ns before expiry", us, tokenEnd.Add(-1), Paid, tokenEnd, "subscriber"},
		classifyCase{"token expired at exactly its expiry", us, tokenEnd, AdsOnly, time.Time{}, "token expired"},
		classifyCase{"token without expiry", with(us, func(c *Contact) { c.OptInTokenExpiresAt = time.Time{} }),
			later, Paid, time.Time{}, "subscriber"},
		classifyCase{"stopped opt-in", with(us, func(c *Contact) { c.OptInStatus = OptInStopped }),
			later, AdsOnly, time.Time{}, "opt-in stopped"},
		classifyCase{"unknown opt-in status counts as stopped", with(us, func(c *Contact) { c.OptInStatus = "paused" }),
			later, AdsOnly, time.Time{}, "opt-in stopped"},
		classifyCase{"opt-in without status is active", with(us, func(c *Contact) { c.OptInStatus = "" }),
			later, Paid, tokenEnd, "subscriber"},
		classifyCase{"status without opt-in", with(us, func(c *Contact) { c.OptedIn = false }),
			later, AdsOnly, time.Time{}, "outside every window: ads only"},
	)
	runClassify(t, MetaCurrent, cases)
}

func TestClassifyUnknownProfileIsMetaCurrent(t *testing.T) {
	for _, profile := range []string{"", "meta-2099", "META-2017"} {
		if got := Classify(profile, thread(), windowEnd); got.Class != HumanAgent {
			t.Errorf("Classify(%q) = %s, want %s as under %s", profile, got.Class, HumanAgent, MetaCurrent)
		}
	}
}

func TestValid(t *testing.T) {
	for name, want := range map[string]bool{"meta-2017": true, "meta-current": true, "": false, "Meta-2017": false} {
		if got := Valid(name); got != want {
			t.Errorf("Valid(%q) = %v, want %v", name, got, want)
		}
	}
}
