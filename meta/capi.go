package meta

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Conversions API for business messaging (reference §7): one dataset per Page, events posted to it in
// batches of at most 1,000, each at most 7 days old. One invalid event rejects the whole call, and Meta does
// not deduplicate: each event must be sent once, so SendCAPIEvents is never repeated once its request may
// have gone out (IsLostAnswer tells the caller).

// MaxCAPIEvents is the most events one call may carry.
const MaxCAPIEvents = 1000

// CAPIMaxAge is how old an event may be when Meta receives it.
const CAPIMaxAge = 7 * 24 * time.Hour

// CAPIEventNames are the event names business messaging accepts.
var CAPIEventNames = []string{"Purchase", "LeadSubmitted", "InitiateCheckout", "AddToCart", "ViewContent",
	"OrderCreated", "OrderShipped", "OrderDelivered", "OrderCanceled", "OrderReturned", "CartAbandoned",
	"QualifiedLead", "RatingProvided", "ReviewProvided"}

// ErrInvalidCAPIEvent is an event Meta would refuse; relance refuses it before calling.
var ErrInvalidCAPIEvent = errors.New("meta: invalid conversions API event")

// CAPIEvent is one conversion sent to a dataset.
type CAPIEvent struct {
	Name   string    // one of CAPIEventNames
	Time   time.Time // when it happened
	ID     string    // relance's own event id, kept to send each conversion once
	PageID string
	PSID   string // the person's Page-scoped id
	// Value is the amount; a zero Currency sends no custom_data value (allowed but for Purchase).
	Value Money
}

// check says what Meta would refuse about e at now.
func (e CAPIEvent) check(now time.Time) error {
	bad := func(why string) error { return fmt.Errorf("%w: %s", ErrInvalidCAPIEvent, why) }
	switch {
	case !slices.Contains(CAPIEventNames, e.Name):
		return bad(fmt.Sprintf("event_name %q is not a business messaging event", e.Name))
	case e.PageID == "" || e.PSID == "":
		return bad("user_data needs page_id and page_scoped_user_id")
	case e.Time.After(now.Add(time.Minute)):
		return bad("event_time is in the future")
	case now.Sub(e.Time) > CAPIMaxAge:
		return bad("event_time is more than 7 days old")
	case e.Name == "Purchase" && e.Value.Currency == "":
		return bad("a Purchase needs custom_data currency and value")
	}
	return nil
}

// wire is the event as Meta reads it.
func (e CAPIEvent) wire() map[string]any {
	ev := map[string]any{"event_name": e.Name, "event_time": e.Time.Unix(), "action_source": "business_messaging",
		"messaging_channel": "messenger", "event_id": e.ID,
		"user_data": map[string]any{"page_id": e.PageID, "page_scoped_user_id": e.PSID}}
	if e.Value.Currency != "" {
		ev["custom_data"] = map[string]any{"currency": e.Value.Currency, "value": FormatDecimal(e.Value)}
	}
	return ev
}

// Dataset returns the Page's dataset for business messaging, creating it when the Page has none (Meta answers
// the existing one). token is the Page's.
func (c *Client) Dataset(ctx context.Context, token, pageID string) (string, error) {
	var out struct {
		ID string `json:"id"`
	}
	if err := c.call(ctx, request{method: "POST", path: pageID + "/dataset", token: token, body: map[string]any{}}, &out); err != nil {
		return "", err
	}
	if out.ID == "" {
		return "", fmt.Errorf("meta: dataset of %s: answer without an id", pageID)
	}
	return out.ID, nil
}

// SendCAPIEvents posts events to a dataset in one call and returns how many Meta received. Events Meta would
// refuse are refused before the call, naming the first one (Meta would reject the whole batch for it).
func (c *Client) SendCAPIEvents(ctx context.Context, token, datasetID string, events []CAPIEvent) (int, error) {
	if len(events) == 0 || len(events) > MaxCAPIEvents {
		return 0, fmt.Errorf("%w: a call carries 1 to %d events, not %d", ErrInvalidCAPIEvent, MaxCAPIEvents, len(events))
	}
	now := c.o.Clock.Now()
	data := make([]map[string]any, len(events))
	for i, e := range events {
		if err := e.check(now); err != nil {
			return 0, fmt.Errorf("event %d (%s): %w", i, e.ID, err)
		}
		data[i] = e.wire()
	}
	var out struct {
		EventsReceived int `json:"events_received"`
	}
	err := c.call(ctx, request{method: "POST", path: datasetID + "/events", token: token,
		body: map[string]any{"data": data, "partner_agent": "relance"}, once: true}, &out)
	return out.EventsReceived, err
}
