package attribution

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"relance/tenancy"
)

// Touch types (DESIGN §5 "Attribution").
const (
	TouchAdReferral = "ad_referral" // a click on an ad into Messenger (referral ad_id)
	TouchRefLink    = "ref_link"    // an m.me link of a campaign or of one of its labelled links (referral ref)
	TouchPayload    = "payload"     // an ice breaker, button or quick reply whose payload carries a campaign ref
	TouchSendReply  = "send_reply"  // an inbound message within the reply window of a delivered campaign send
)

// Credit models: who gets a conversion's value among the touches in its window.
const (
	ModelLastTouch  = "last_touch"  // the latest touch, all of it
	ModelFirstTouch = "first_touch" // the earliest touch, all of it
	ModelLinear     = "linear"      // every touch an equal share
)

// DefaultModel and DefaultWindowDays are what a reader gets without choosing.
const (
	DefaultModel      = ModelLastTouch
	DefaultWindowDays = 7
)

// WindowDays lists the windows a reader may choose: a touch counts for conversions that many days after it.
var WindowDays = []int{1, 7, 28}

// Touch is a stored touch: what tied a conversation to a campaign. CampaignID is empty for an outside ad
// (an ad relance did not launch), named by AdName when Meta sent its title.
type Touch struct {
	ID string `json:"id"`
	// ConversationStartedAt names the touch's conversation (with the contact): when it started.
	ConversationStartedAt time.Time `json:"conversation_started_at"`
	Type                  string    `json:"type"`
	At                    time.Time `json:"at"`
	CampaignID            string    `json:"campaign_id"`
	Variant               string    `json:"variant"`
	Outside               bool      `json:"outside"`
	AdID                  string    `json:"ad_id,omitempty"`
	AdName                string    `json:"ad_name,omitempty"`
	Ref                   string    `json:"ref,omitempty"`
	Link                  string    `json:"link,omitempty"`
	SendID                string    `json:"send_id,omitempty"`
}

// Share is one touch's part of a conversion's value, in minor units.
type Share struct {
	Touch Touch
	Minor int64
}

// Choice is a credit model and window, as read from a request.
type Choice struct {
	Model      string
	WindowDays int
}

// ParseChoice reads model and window ("" for the defaults); a bad value is a 422 naming the field.
func ParseChoice(model, window string) (Choice, error) {
	c := Choice{Model: DefaultModel, WindowDays: DefaultWindowDays}
	fields := map[string]string{}
	switch m := strings.TrimSpace(model); m {
	case "":
	case ModelLastTouch, ModelFirstTouch, ModelLinear:
		c.Model = m
	default:
		fields["model"] = "must be one of last_touch, first_touch, linear"
	}
	if w := strings.TrimSpace(window); w != "" {
		n, err := strconv.Atoi(strings.TrimSuffix(w, "d"))
		ok := err == nil
		if ok {
			ok = false
			for _, d := range WindowDays {
				ok = ok || d == n
			}
		}
		if !ok {
			fields["window"] = "must be 1, 7 or 28 (days after the touch)"
		}
		c.WindowDays = n
	}
	if len(fields) > 0 {
		return Choice{}, &tenancy.ValidationError{Fields: fields}
	}
	return c, nil
}

// Window is the choice's window as a duration.
func (c Choice) Window() time.Duration { return time.Duration(c.WindowDays) * 24 * time.Hour }

// Credit splits value (minor units) among the touches that count for a conversion at at: those at or before
// it and no more than the window earlier. It never rounds away a unit: the shares always sum to value, or
// there are none (the conversion is unattributed). Linear splits give the remainder's units one each to the
// earliest touches (ties by id), so that the split is the same on every read.
func Credit(c Choice, at time.Time, value int64, touches []Touch) []Share {
	var in []Touch
	for _, t := range touches {
		if !t.At.After(at) && at.Sub(t.At) <= c.Window() {
			in = append(in, t)
		}
	}
	if len(in) == 0 {
		return nil
	}
	sort.Slice(in, func(i, j int) bool {
		if !in[i].At.Equal(in[j].At) {
			return in[i].At.Before(in[j].At)
		}
		return in[i].ID < in[j].ID
	})
	switch c.Model {
	case ModelFirstTouch:
		return []Share{{Touch: in[0], Minor: value}}
	case ModelLinear:
		n := int64(len(in))
		each, rest := value/n, value%n
		out := make([]Share, len(in))
		for i, t := range in {
			out[i] = Share{Touch: t, Minor: each}
			if int64(i) < rest {
				out[i].Minor++
			}
		}
		return out
	}
	return []Share{{Touch: in[len(in)-1], Minor: value}}
}

// String names the choice for messages.
func (c Choice) String() string { return fmt.Sprintf("%s, %d-day window", c.Model, c.WindowDays) }
