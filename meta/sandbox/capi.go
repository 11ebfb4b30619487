package sandbox

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"relance/meta"
)

// The Conversions API for business messaging (reference §7): a dataset per Page and events posted to it,
// validated as Meta validates them. One invalid event rejects the whole call; nothing is deduplicated, so the
// events a dataset received are kept as received, duplicates included, for tests to count.

// capiState is the datasets and what they received.
type capiState struct {
	datasets map[string]string // Page id → dataset id
	pages    map[string]string // dataset id → Page id
	events   map[string][]CAPIEvent
}

// CAPIEvent is an event a dataset received.
type CAPIEvent struct {
	DatasetID, PageID, PSID string
	Name, ID                string
	Time                    time.Time
	Currency, Value         string
}

func (s *Sandbox) routesCAPI() []route {
	return []route{
		{http.MethodPost, kindPage, "dataset", s.createDataset},
		{http.MethodPost, kindDataset, "events", s.capiEvents},
	}
}

// createDataset answers the Page's dataset, making it on first use. Only the Page's own token may.
func (s *Sandbox) createDataset(c *call) (any, *apiError) {
	p, e := s.ownPage(c)
	if e != nil {
		return nil, e
	}
	if s.capi.datasets == nil {
		s.capi = capiState{datasets: map[string]string{}, pages: map[string]string{}, events: map[string][]CAPIEvent{}}
	}
	id := s.capi.datasets[p.ID]
	if id == "" {
		s.st.ids["dataset"]++
		id = strconv.FormatInt(1500000000000000+s.st.ids["dataset"], 10)
		s.capi.datasets[p.ID], s.capi.pages[id] = id, p.ID
	}
	return map[string]any{"id": id}, nil
}

// wireEvent is an event as Meta reads it.
type wireEvent struct {
	EventName        string `json:"event_name"`
	EventTime        *int64 `json:"event_time"`
	EventID          string `json:"event_id"`
	ActionSource     string `json:"action_source"`
	MessagingChannel string `json:"messaging_channel"`
	UserData         *struct {
		PageID string `json:"page_id"`
		PSID   string `json:"page_scoped_user_id"`
	} `json:"user_data"`
	CustomData *struct {
		Currency string `json:"currency"`
		Value    any    `json:"value"`
	} `json:"custom_data"`
}

// capiEvents receives a batch: every event is checked first, and one bad event refuses them all (code 100,
// naming its index), as Meta does.
func (s *Sandbox) capiEvents(c *call) (any, *apiError) {
	page := s.capi.pages[c.Node]
	if owner := s.tokenPage(c.Token); owner == "" {
		return nil, notAPageToken()
	} else if owner != page {
		return nil, otherPagesToken()
	}
	var data []wireEvent
	if !c.P.has("data") {
		return nil, required("data")
	}
	if e := c.P.decode("data", &data); e != nil {
		return nil, e
	}
	if len(data) == 0 || len(data) > meta.MaxCAPIEvents {
		return nil, invalidParam("data must hold 1 to %d events", meta.MaxCAPIEvents)
	}
	now := s.sim
	got := make([]CAPIEvent, 0, len(data))
	for i, ev := range data {
		bad := func(format string, a ...any) *apiError {
			return invalidParam("Invalid parameter: event %d: %s", i, fmt.Sprintf(format, a...))
		}
		switch {
		case !slices.Contains(meta.CAPIEventNames, ev.EventName):
			return nil, bad("event_name %q is not supported for business messaging", ev.EventName)
		case ev.EventTime == nil:
			return nil, bad("event_time is required")
		case ev.ActionSource != "business_messaging":
			return nil, bad("action_source must be business_messaging")
		case ev.MessagingChannel != "messenger":
			return nil, bad("messaging_channel must be messenger")
		case ev.UserData == nil || ev.UserData.PageID == "" || ev.UserData.PSID == "":
			return nil, bad("user_data needs page_id and page_scoped_user_id")
		case ev.UserData.PageID != page:
			return nil, bad("user_data.page_id is not the dataset's Page")
		}
		at := time.Unix(*ev.EventTime, 0).UTC()
		switch {
		case at.After(now.Add(time.Minute)):
			return nil, bad("event_time is in the future")
		case now.Sub(at) > meta.CAPIMaxAge:
			return nil, bad("event_time is more than 7 days before the time the event is received")
		}
		e := CAPIEvent{DatasetID: c.Node, PageID: page, PSID: ev.UserData.PSID, Name: ev.EventName, ID: ev.EventID, Time: at}
		if ev.CustomData != nil {
			e.Currency, e.Value = ev.CustomData.Currency, fmt.Sprint(ev.CustomData.Value)
			if meta.ISOMinorDigits(e.Currency) < 0 {
				return nil, bad("custom_data.currency %q is not a currency", e.Currency)
			}
		}
		if ev.EventName == "Purchase" && (ev.CustomData == nil || e.Currency == "" || ev.CustomData.Value == nil) {
			return nil, bad("a Purchase needs custom_data.currency and custom_data.value")
		}
		got = append(got, e)
	}
	s.capi.events[c.Node] = append(s.capi.events[c.Node], got...)
	return map[string]any{"events_received": len(got), "messages": []string{}, "fbtrace_id": "sbx"}, nil
}

// CAPIEvents returns every event a Page's dataset received, duplicates included, in order.
func (s *Sandbox) CAPIEvents(pageID string) []CAPIEvent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.capi.events[s.capi.datasets[pageID]])
}
