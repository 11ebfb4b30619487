package web

import (
	"strings"
	"testing"
	"time"

	"relance/conversations"
	"relance/policy"
)

// TestReachText: a class that lapses within a day says for how long, a later one until when in the brand's
// zone, one that does not lapse is its name alone.
func TestReachText(t *testing.T) {
	paris := brandZone("Europe/Paris")
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC) // a Monday, 11:00 in Paris
	for _, tc := range []struct {
		reach policy.Reach
		want  string
	}{
		{policy.Reach{Class: policy.Free, ExpiresAt: now.Add(3*time.Hour + 20*time.Minute)}, "free for 3 h"},
		{policy.Reach{Class: policy.Free, ExpiresAt: now.Add(25 * time.Minute)}, "free for 25 min"},
		{policy.Reach{Class: policy.HumanAgent, ExpiresAt: time.Date(2026, 3, 3, 13, 0, 0, 0, time.UTC)}, "human agent until Tue 14:00"},
		{policy.Reach{Class: policy.HumanAgent, ExpiresAt: time.Date(2026, 3, 20, 13, 0, 0, 0, time.UTC)}, "human agent until 20 Mar 14:00"},
		{policy.Reach{Class: policy.AdsOnly}, "ads only"},
		{policy.Reach{Class: policy.FollowUp, ExpiresAt: now.Add(-time.Minute)}, "follow-up"},
	} {
		if got := reachText(tc.reach, paris, now); got != tc.want {
			t.Errorf("%s until %s: %q, want %q", tc.reach.Class, tc.reach.ExpiresAt, got, tc.want)
		}
	}
}

// TestPeopleViewParts: source badges, previews cut to one line, pictures only from safe addresses.
func TestPeopleViewParts(t *testing.T) {
	for _, tc := range []struct {
		ref  *conversations.RefSummary
		want string
	}{{nil, "organic"}, {&conversations.RefSummary{Source: "ADS"}, "ad"}, {&conversations.RefSummary{Source: "SHORTLINK"}, "link"},
		{&conversations.RefSummary{Source: "MESSENGER_CODE"}, "messenger code"}} {
		if got, _ := sourceBadge(conversations.Contact{FirstReferral: tc.ref}); got != tc.want {
			t.Errorf("source %+v: %q, want %q", tc.ref, got, tc.want)
		}
	}
	long := strings.Repeat("é", 120)
	if got := previewOf(conversations.LastMessage{Direction: "out", Sender: conversations.SenderHuman, Text: long}); !strings.HasPrefix(got, "Agent: éé") ||
		!strings.HasSuffix(got, "…") || len([]rune(got)) != len("Agent: ")+90 {
		t.Errorf("preview %q", got)
	}
	if got := previewOf(conversations.LastMessage{Direction: "in", Text: "two\nlines"}); got != "two lines" {
		t.Errorf("preview %q", got)
	}
	for u, ok := range map[string]bool{"https://platform-lookaside.fbsbx.com/p": true, "data:image/png;base64,AAAA": true,
		"javascript:alert(1)": false, "http://example.com/p.png": false, "data:text/html;base64,PGI+": false} {
		if safePicture(u) != ok {
			t.Errorf("safePicture(%q) = %v", u, !ok)
		}
	}
	name := "Léa Dubois"
	if p := personOf(conversations.Contact{PSID: "7100", Name: &name}); p.Label != name || p.Initials != "LD" || !p.Named {
		t.Errorf("person %+v", p)
	}
	if p := personOf(conversations.Contact{PSID: "7100"}); p.Label != "7100" || p.Named {
		t.Errorf("person without a profile %+v", p)
	}
}
