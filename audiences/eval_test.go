package audiences

import (
	"strings"
	"time"

	"relance/conversations"
	"relance/policy"
)

// fact is everything the in-memory evaluator knows of one contact: the rows the property test wrote.
type fact struct {
	page, psid                            string
	firstSeen, lastIn, lastInter, lastOut int64
	lastHuman, inCount                    int64
	optinAt, optinExp                     int64
	tz                                    string
	subscribed, blocked, unavailable      bool
	events                                []eventFact
	messages                              []messageFact
	entities                              []entityFact
	audiences                             map[string]bool // latest snapshots this contact is in
}

type eventFact struct{ kind, source, ref, adID, payload string }

type messageFact struct{ dir, text, quickReply string }

type entityFact struct {
	name     string
	lastSeen int64
}

// eval is the straightforward reading of DESIGN §5 that the compiled SQL must agree with.
func eval(r *Rule, f *fact, profile string, now time.Time) bool {
	n := now.UnixMilli()
	switch r.kind() {
	case "all":
		for _, k := range r.All {
			if !eval(k, f, profile, now) {
				return false
			}
		}
		return true
	case "any":
		for _, k := range r.Any {
			if eval(k, f, profile, now) {
				return true
			}
		}
		return false
	case "not":
		return !eval(r.Not, f, profile, now)
	}
	v := r.v
	in := func(s string) bool { return contains(v.strs, s) }
	switch r.Field {
	case "last_inbound_at", "first_seen_at":
		t := f.lastIn
		if r.Field == "first_seen_at" {
			t = f.firstSeen
		}
		switch r.Op {
		case "within_days":
			return t > 0 && t >= n-v.n*day
		case "older_than_days":
			return t > 0 && t < n-v.n*day
		default:
			return t > 0 && t >= v.from.UnixMilli() && t < v.to.UnixMilli()
		}
	case "inbound_count":
		switch r.Op {
		case "gte":
			return f.inCount >= v.n
		case "lte":
			return f.inCount <= v.n
		default:
			return f.inCount == v.n
		}
	case "source", "ad_id", "ref":
		for _, e := range f.events {
			x := map[string]string{"source": e.source, "ad_id": e.adID, "ref": e.ref}[r.Field]
			if x == "" {
				continue
			}
			if (r.Op == "prefix" && strings.HasPrefix(x, v.strs[0])) || (r.Op != "prefix" && in(x)) {
				return true
			}
		}
		return false
	case "entity":
		for _, e := range f.entities {
			if e.name == v.strs[0] && (r.WithinDays == nil || e.lastSeen >= n-*r.WithinDays*day) {
				return true
			}
		}
		return false
	case "text":
		for _, m := range f.messages {
			if m.dir == "in" && strings.Contains(conversations.FoldText(m.text), conversations.FoldText(v.strs[0])) {
				return true
			}
		}
		return false
	case "payload":
		for _, e := range f.events {
			if e.kind == "postback" && e.payload == v.strs[0] {
				return true
			}
		}
		for _, m := range f.messages {
			if m.quickReply == v.strs[0] {
				return true
			}
		}
		return false
	case "talked_to_human":
		return (f.lastHuman > 0) == v.b
	case "reachability":
		return in(policy.Classify(profile, f.policyContact(), now).Class)
	case "page":
		return in(f.page)
	case "audience":
		return f.audiences[v.strs[0]]
	}
	panic("eval: unknown field " + r.Field)
}

func (f *fact) policyContact() policy.Contact {
	at := func(v int64) time.Time {
		if v == 0 {
			return time.Time{}
		}
		return time.UnixMilli(v).UTC()
	}
	c := policy.Contact{HasThread: f.inCount > 0 || f.lastInter > 0, Blocked: f.blocked, Unavailable: f.unavailable,
		OptedIn: f.optinAt > 0, OptInTimezone: f.tz, OptInStatus: policy.OptInStopped}
	if f.subscribed {
		c.OptInStatus = policy.OptInActive
	}
	c.LastInboundAt, c.LastInteractionAt, c.LastOutboundAt = at(f.lastIn), at(f.lastInter), at(f.lastOut)
	c.OptInTokenExpiresAt = at(f.optinExp)
	return c
}
