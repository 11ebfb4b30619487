package sandbox

import (
	"encoding/json"
	"testing"
	"time"
)

func TestMarketingPayloadRef(t *testing.T) {
	cases := map[string]string{
		`{"ref":"camp=spring","payload":"PRICES"}`: "camp=spring",
		`{"payload":"PRICES"}`:                     "",
		"ref=camp%3Dsummer%26src%3Dfb":             "camp=summer&src=fb",
		"utm_source=fb&ref=black+friday":           "black friday",
		"PRICES":                                   "",
		"":                                         "",
	}
	for in, want := range cases {
		if got := payloadRef(in); got != want {
			t.Errorf("payloadRef(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestMarketingCreativeRef checks what the delivery simulation reads: the ref from the welcome message's
// payloads first, else from url_tags, and the Page and call to action.
func TestMarketingCreativeRef(t *testing.T) {
	s, err := New(Options{AppSecret: "x", Start: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	spec := `{"page_id":"104","link_data":{"message":"Hi","link":"https://fb.com/messenger_doc/",` +
		`"call_to_action":{"type":"MESSAGE_PAGE","value":{"app_destination":"MESSENGER"}}}}`
	welcome := `{"type":"VISUAL_EDITOR","version":2,"text_format":{"customer_action_type":"quick_replies",` +
		`"message":{"text":"Hello","quick_replies":[{"title":"Menu","payload":"MENU"},` +
		`{"title":"Prices","payload":"{\"ref\":\"from-welcome\"}"}]}}}`
	cases := []struct {
		name string
		p    params
		want string
	}{
		{"welcome payload", params{"object_story_spec": json.RawMessage(spec), "url_tags": mkText("ref=from-tags"),
			"page_welcome_message": mkText(welcome)}, "from-welcome"},
		{"url_tags only", params{"object_story_spec": json.RawMessage(spec), "url_tags": mkText("a=1&ref=camp%3Dspring")}, "camp=spring"},
		{"none", params{"object_story_spec": json.RawMessage(spec)}, ""},
	}
	for _, tc := range cases {
		out, e := s.createCreative(&call{Method: "POST", Version: "v25.0", Node: "act_1", Edge: "adcreatives", P: tc.p})
		if e != nil {
			t.Fatalf("%s: %v", tc.name, e)
		}
		cr := s.st.creatives[out.(map[string]any)["id"].(string)]
		if cr.Ref != tc.want || cr.PageID != "104" || cr.CallToAction != "MESSAGE_PAGE" || cr.Message != "Hi" {
			t.Errorf("%s: creative %+v, want ref %q", tc.name, cr, tc.want)
		}
	}
}

// mkText is a text parameter as readParams stores it.
func mkText(s string) json.RawMessage {
	b, _ := json.Marshal(s)
	return b
}

func TestMarketingFieldNames(t *testing.T) {
	got := fieldNames("id, creative{id,name},insights.limit(2){spend},effective_status")
	want := []string{"id", "creative", "insights", "effective_status"}
	if len(got) != len(want) {
		t.Fatalf("%v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("%v", got)
		}
	}
}
