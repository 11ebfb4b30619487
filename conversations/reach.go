package conversations

import (
	"fmt"
	"strings"
	"time"

	"relance/policy"
)

// ReachabilitySQL returns a condition on the contacts table that holds exactly for the contacts that
// policy.Classify puts in class at now under profile. Listings filter with it and audiences compile it; a
// test compares it with Classify on generated contacts, so the two cannot drift apart.
func ReachabilitySQL(profile, class string, now time.Time) (string, []any, error) {
	n := now.UnixMilli()
	w, h := policy.StandardWindow.Milliseconds(), policy.HumanAgentWindow.Milliseconds()
	unreach := "(contacts.blocked OR contacts.unavailable)"
	thread := "(contacts.inbound_count > 0 OR contacts.last_interaction_at > 0 OR contacts.last_inbound_at > 0)"
	live := "NOT " + unreach + " AND " + thread
	var cond string
	var args []any
	if profile == policy.Meta2017 {
		free := fmt.Sprintf("(contacts.last_inbound_at > 0 AND contacts.last_inbound_at + %d > %d)", w, n)
		follow := fmt.Sprintf("(contacts.last_inbound_at > 0 AND contacts.last_inbound_at + %d <= %d AND contacts.last_outbound_at < contacts.last_inbound_at + %d)", w, n, w)
		switch class {
		case policy.Free:
			cond = live + " AND " + free
		case policy.FollowUp:
			cond = live + " AND " + follow
		case policy.Paid:
			cond = live + " AND NOT " + free + " AND NOT " + follow
		case policy.HumanAgent:
			cond = "1 = 0"
		}
	} else {
		last := "(CASE WHEN contacts.last_interaction_at > contacts.last_inbound_at THEN contacts.last_interaction_at ELSE contacts.last_inbound_at END)"
		free := fmt.Sprintf("(%s > 0 AND %s + %d > %d)", last, last, w, n)
		sub := fmt.Sprintf("(contacts.optin_at > 0 AND contacts.subscribed AND (contacts.optin_expires_at = 0 OR contacts.optin_expires_at > %d) AND LOWER(TRIM(contacts.optin_timezone)) IN ?)", n)
		human := fmt.Sprintf("(contacts.last_inbound_at > 0 AND contacts.last_inbound_at + %d > %d)", h, n)
		zones := policy.MarketingZones()
		switch class {
		case policy.Free:
			cond = live + " AND " + free
		case policy.Paid:
			cond, args = live+" AND NOT "+free+" AND "+sub, []any{zones}
		case policy.HumanAgent:
			cond, args = live+" AND NOT "+free+" AND NOT "+sub+" AND "+human, []any{zones}
		case policy.FollowUp:
			cond = "1 = 0"
		}
		if class == policy.AdsOnly {
			return "NOT " + unreach + " AND (NOT " + thread + " OR (NOT " + free + " AND NOT " + sub + " AND NOT " + human + "))", []any{zones}, nil
		}
	}
	switch class {
	case policy.Unreachable:
		return unreach, nil, nil
	case policy.AdsOnly:
		return "NOT " + unreach + " AND NOT " + thread, nil, nil // meta-2017: every thread is at least paid
	}
	if cond == "" {
		return "", nil, &ErrBadFilter{Field: "reachability", Reason: "must be one of " + strings.Join(policy.Classes, ", ")}
	}
	return cond, args, nil
}

// ReachabilityCaseSQL returns a CASE expression naming each contact's class at now under profile, as
// policy.Classify would, with its arguments. It gives the same answers as testing ReachabilitySQL class by
// class, but each branch relies on the ones before it having failed (a contact that is not unreachable need
// not be tested for it again), so it reads each column once or twice instead of up to five times: on a
// preview's hundred thousand members, the breakdown costs about what the count does.
func ReachabilityCaseSQL(profile string, now time.Time) (string, []any) {
	n := now.UnixMilli()
	w, h := policy.StandardWindow.Milliseconds(), policy.HumanAgentWindow.Milliseconds()
	var b strings.Builder
	fmt.Fprintf(&b, "CASE WHEN contacts.blocked OR contacts.unavailable THEN '%s'", policy.Unreachable)
	fmt.Fprintf(&b, " WHEN NOT (contacts.inbound_count > 0 OR contacts.last_interaction_at > 0 OR contacts.last_inbound_at > 0) THEN '%s'", policy.AdsOnly)
	if profile == policy.Meta2017 {
		fmt.Fprintf(&b, " WHEN contacts.last_inbound_at > 0 AND contacts.last_inbound_at + %d > %d THEN '%s'", w, n, policy.Free)
		// Not free, so a last inbound message is at least a window old.
		fmt.Fprintf(&b, " WHEN contacts.last_inbound_at > 0 AND contacts.last_outbound_at < contacts.last_inbound_at + %d THEN '%s'", w, policy.FollowUp)
		fmt.Fprintf(&b, " ELSE '%s' END", policy.Paid)
		return b.String(), nil
	}
	// As in ReachabilitySQL, any other profile is the current one. The later of the last inbound message and
	// the last interaction opens the window; both are 0 or epoch milliseconds far above the window's length,
	// so "either is recent" is the same test without taking the later one.
	fmt.Fprintf(&b, " WHEN contacts.last_interaction_at + %d > %d OR contacts.last_inbound_at + %d > %d THEN '%s'", w, n, w, n, policy.Free)
	fmt.Fprintf(&b, " WHEN contacts.optin_at > 0 AND contacts.subscribed AND (contacts.optin_expires_at = 0 OR contacts.optin_expires_at > %d)"+
		" AND LOWER(TRIM(contacts.optin_timezone)) IN ? THEN '%s'", n, policy.Paid)
	fmt.Fprintf(&b, " WHEN contacts.last_inbound_at > 0 AND contacts.last_inbound_at + %d > %d THEN '%s'", h, n, policy.HumanAgent)
	fmt.Fprintf(&b, " ELSE '%s' END", policy.AdsOnly)
	return b.String(), []any{policy.MarketingZones()}
}
