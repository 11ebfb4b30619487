package meta_test

import (
	"maps"
	"strings"
	"testing"
	"time"

	"relance/meta"
	"relance/meta/sandbox"
)

// mkWith copies base and applies changes; a nil value removes the key.
func mkWith(base map[string]any, kv ...any) map[string]any {
	out := maps.Clone(base)
	for i := 0; i+1 < len(kv); i += 2 {
		k := kv[i].(string)
		if kv[i+1] == nil {
			delete(out, k)
			continue
		}
		out[k] = kv[i+1]
	}
	return out
}

// TestMarketingSandboxRefuses sends the sandbox requests Meta refuses, as a client other than relance's
// could, and checks each answer names the parameter with Meta's code.
func TestMarketingSandboxRefuses(t *testing.T) {
	p := newPair(t, sandbox.Options{})
	campID, setID, crID, adID := mkChain(t, p, "Chat with us")
	p.S.RegisterAccount(sandbox.Account{ID: "act_2002", Currency: "USD"})
	otherCamp := mkID(t, p, "/v25.0/act_2002/campaigns", map[string]any{"name": "o", "objective": "OUTCOME_TRAFFIC",
		"special_ad_categories": []string{}, "status": "PAUSED"})
	ctm := map[string]any{"type": "MESSAGE_PAGE", "value": map[string]any{"app_destination": "MESSENGER"}}
	linkData := map[string]any{"message": "Hi", "link": "https://fb.com/messenger_doc/", "call_to_action": ctm}
	learnMore := mkID(t, p, "/v25.0/"+mkAccount+"/adcreatives", map[string]any{"name": "web",
		"object_story_spec": map[string]any{"page_id": mkPage, "link_data": mkWith(linkData,
			"call_to_action", map[string]any{"type": "LEARN_MORE"})}})
	start := p.S.Now().Add(time.Hour)
	end := start.Add(7 * 24 * time.Hour)
	block := map[string]any{"start_minute": 540, "end_minute": 1080, "days": []int{1, 2}}

	campaign := map[string]any{"name": "c", "objective": "OUTCOME_ENGAGEMENT", "buying_type": "AUCTION",
		"special_ad_categories": []string{}, "status": "PAUSED"}
	adset := map[string]any{"name": "s", "campaign_id": campID, "destination_type": "MESSENGER",
		"optimization_goal": "CONVERSATIONS", "billing_event": "IMPRESSIONS",
		"promoted_object": map[string]any{"page_id": mkPage}, "daily_budget": 2000, "status": "PAUSED",
		"targeting": map[string]any{"publisher_platforms": []string{"messenger"}, "messenger_positions": []string{"messenger_home"},
			"geo_locations": map[string]any{"countries": []string{"US", "CA"}}}}
	lifetime := mkWith(adset, "daily_budget", nil, "lifetime_budget", 70000, "start_time", start.Format(time.RFC3339),
		"end_time", end.Unix(), "pacing_type", []string{"day_parting"}, "adset_schedule", []any{block})
	creative := map[string]any{"name": "k", "object_story_spec": map[string]any{"page_id": mkPage, "link_data": linkData}}
	ad := map[string]any{"name": "a", "adset_id": setID, "creative": map[string]any{"creative_id": crID}, "status": "PAUSED"}

	// The valid bodies pass, so each failure below is the change it makes.
	mkID(t, p, "/v25.0/"+mkAccount+"/campaigns", campaign)
	mkID(t, p, "/v25.0/"+mkAccount+"/adsets", adset)
	mkID(t, p, "/v25.0/"+mkAccount+"/adsets", lifetime)
	mkID(t, p, "/v25.0/"+mkAccount+"/adcreatives", creative)
	mkID(t, p, "/v25.0/"+mkAccount+"/ads", ad)

	acct := "/v25.0/" + mkAccount
	cases := []struct {
		name, method, path string
		body               map[string]any
		subcode            int
		mention            string // what the message must name
	}{
		{"campaign without name", "POST", acct + "/campaigns", mkWith(campaign, "name", nil), 0, "name"},
		{"unknown objective", "POST", acct + "/campaigns", mkWith(campaign, "objective", "CONVERSIONS_PLEASE"), 0, "objective"},
		{"unknown buying type", "POST", acct + "/campaigns", mkWith(campaign, "buying_type", "BARTER"), 0, "buying_type"},
		{"no special_ad_categories", "POST", acct + "/campaigns", mkWith(campaign, "special_ad_categories", nil), 0, "special_ad_categories"},
		{"special_ad_categories not an array", "POST", acct + "/campaigns", mkWith(campaign, "special_ad_categories", "NONE"), 0, "special_ad_categories"},
		{"unknown special category", "POST", acct + "/campaigns", mkWith(campaign, "special_ad_categories", []string{"PETS"}), 0, "special_ad_categories"},
		{"campaign without status", "POST", acct + "/campaigns", mkWith(campaign, "status", nil), 0, "status"},
		{"campaign status DELETED", "POST", acct + "/campaigns", mkWith(campaign, "status", "DELETED"), 0, "status"},

		{"ad set without campaign", "POST", acct + "/adsets", mkWith(adset, "campaign_id", nil), 0, "campaign_id"},
		{"campaign of another account", "POST", acct + "/adsets", mkWith(adset, "campaign_id", otherCamp), 33, otherCamp},
		{"unknown campaign", "POST", acct + "/adsets", mkWith(adset, "campaign_id", "999"), 33, "999"},
		{"no billing_event", "POST", acct + "/adsets", mkWith(adset, "billing_event", nil), 0, "billing_event"},
		{"unknown optimization_goal", "POST", acct + "/adsets", mkWith(adset, "optimization_goal", "VIBES"), 0, "optimization_goal"},
		{"no destination_type", "POST", acct + "/adsets", mkWith(adset, "destination_type", nil), 0, "destination_type"},
		{"MESSENGER without page", "POST", acct + "/adsets", mkWith(adset, "promoted_object", nil), 0, "promoted_object"},
		{"no targeting", "POST", acct + "/adsets", mkWith(adset, "targeting", nil), 0, "targeting"},
		{"both budgets", "POST", acct + "/adsets", mkWith(adset, "lifetime_budget", 70000), 0, "lifetime_budget"},
		{"no budget", "POST", acct + "/adsets", mkWith(adset, "daily_budget", nil), 0, "daily_budget"},
		{"budget not a number", "POST", acct + "/adsets", mkWith(adset, "daily_budget", "20.00"), 0, "daily_budget"},
		{"lifetime without end", "POST", acct + "/adsets", mkWith(lifetime, "end_time", nil), 0, "end_time"},
		{"end before start", "POST", acct + "/adsets", mkWith(lifetime, "end_time", start.Add(-time.Hour).Unix()), 0, "end_time"},
		{"bad start_time", "POST", acct + "/adsets", mkWith(lifetime, "start_time", "next tuesday"), 0, "start_time"},
		{"positions without messenger", "POST", acct + "/adsets", mkWith(adset, "targeting", map[string]any{
			"publisher_platforms": []string{"facebook"}, "messenger_positions": []string{"messenger_home"}}), 0, "messenger_positions"},
		{"unknown position", "POST", acct + "/adsets", mkWith(adset, "targeting", map[string]any{
			"publisher_platforms": []string{"messenger"}, "messenger_positions": []string{"inbox_top"}}), 0, "messenger_positions"},
		{"unknown platform", "POST", acct + "/adsets", mkWith(adset, "targeting", map[string]any{
			"publisher_platforms": []string{"myspace"}}), 0, "publisher_platforms"},
		{"story gone in v26", "POST", "/v26.0/" + mkAccount + "/adsets", mkWith(adset, "targeting", map[string]any{
			"publisher_platforms": []string{"messenger"}, "messenger_positions": []string{"story"}}), 0, "messenger_positions"},
		{"no location and no audience", "POST", acct + "/adsets", mkWith(adset, "targeting", map[string]any{
			"publisher_platforms": []string{"facebook"}}), 1885364, "Invalid parameter"},
		{"empty geo_locations", "POST", acct + "/adsets", mkWith(adset, "targeting", map[string]any{
			"publisher_platforms": []string{"facebook"}, "geo_locations": map[string]any{"countries": []string{}}}), 1885364, "Invalid parameter"},
		{"not a country", "POST", acct + "/adsets", mkWith(adset, "targeting", map[string]any{
			"geo_locations": map[string]any{"countries": []string{"US", "XX"}}}), 1487756, "countries"},
		{"unknown audience", "POST", acct + "/adsets", mkWith(adset, "targeting", map[string]any{
			"custom_audiences": []any{map[string]any{"id": "2385"}}}), 33, "2385"},
		{"schedule with a daily budget", "POST", acct + "/adsets", mkWith(adset, "pacing_type", []string{"day_parting"},
			"adset_schedule", []any{block}), 0, "adset_schedule"},
		{"schedule without day_parting", "POST", acct + "/adsets", mkWith(lifetime, "pacing_type", nil), 0, "pacing_type"},
		{"half-hour block", "POST", acct + "/adsets", mkWith(lifetime, "adset_schedule", []any{
			mkWith(block, "start_minute", 570)}), 0, "adset_schedule"},
		{"block ends before it starts", "POST", acct + "/adsets", mkWith(lifetime, "adset_schedule", []any{
			mkWith(block, "start_minute", 1080, "end_minute", 540)}), 0, "adset_schedule"},
		{"day 7", "POST", acct + "/adsets", mkWith(lifetime, "adset_schedule", []any{mkWith(block, "days", []int{7})}), 0, "adset_schedule"},
		{"unknown timezone_type", "POST", acct + "/adsets", mkWith(lifetime, "adset_schedule", []any{
			mkWith(block, "timezone_type", "MARS")}), 0, "timezone_type"},

		{"creative without spec", "POST", acct + "/adcreatives", mkWith(creative, "object_story_spec", nil), 0, "object_story_spec"},
		{"creative without page", "POST", acct + "/adcreatives", mkWith(creative, "object_story_spec",
			map[string]any{"link_data": linkData}), 0, "page_id"},
		{"link without link", "POST", acct + "/adcreatives", mkWith(creative, "object_story_spec",
			map[string]any{"page_id": mkPage, "link_data": mkWith(linkData, "link", nil)}), 0, "link"},
		{"welcome without MESSAGE_PAGE", "POST", acct + "/adcreatives", mkWith(creative, "object_story_spec",
			map[string]any{"page_id": mkPage, "link_data": mkWith(linkData, "call_to_action", map[string]any{"type": "LEARN_MORE"})},
			"page_welcome_message", `{"message":{"text":"hi"}}`), 0, "page_welcome_message"},
		{"greeting too long", "POST", acct + "/adcreatives", mkWith(creative, "page_welcome_message",
			`{"message":{"text":"`+strings.Repeat("é", 301)+`"}}`), 0, "page_welcome_message"},
		{"ice breaker too long", "POST", acct + "/adcreatives", mkWith(creative, "page_welcome_message",
			`{"text_format":{"message":{"text":"hi","ice_breakers":[{"title":"`+strings.Repeat("q", 81)+`"}]}}}`), 0, "page_welcome_message"},
		{"welcome not JSON", "POST", acct + "/adcreatives", mkWith(creative, "page_welcome_message", "hello"), 0, "page_welcome_message"},

		{"ad without adset", "POST", acct + "/ads", mkWith(ad, "adset_id", nil), 0, "adset_id"},
		{"ad with unknown adset", "POST", acct + "/ads", mkWith(ad, "adset_id", "4242"), 33, "4242"},
		{"ad without creative", "POST", acct + "/ads", mkWith(ad, "creative", nil), 0, "creative"},
		{"ad with unknown creative", "POST", acct + "/ads", mkWith(ad, "creative", map[string]any{"creative_id": "777"}), 33, "777"},
		{"messenger ad with a web creative", "POST", acct + "/ads", mkWith(ad, "creative", map[string]any{"creative_id": learnMore}), 0, "creative"},
		{"ad status RUNNING", "POST", acct + "/ads", mkWith(ad, "status", "RUNNING"), 0, "status"},

		{"status RUNNING", "POST", "/v25.0/" + adID, map[string]any{"status": "RUNNING"}, 0, "status"},
		{"unknown field", "GET", "/v25.0/" + adID + "?fields=id,colour", nil, 0, "colour"},
		{"unknown effective_status filter", "GET", acct + `/ads?effective_status=["SLEEPING"]`, nil, 0, "effective_status"},
		{"bad cursor", "GET", acct + "/ads?after=bm9wZQ", nil, 0, "after"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var body any
			if tc.body != nil {
				body = tc.body
			}
			status, raw, hdr := mkRaw(t, p, tc.method, tc.path, body)
			if status < 400 {
				t.Fatalf("accepted: %d %s", status, raw)
			}
			e := meta.ParseError(status, raw, hdr)
			if e.Code != 100 || e.Subcode != tc.subcode || !strings.Contains(e.Message, tc.mention) ||
				meta.ClassOf(e) != meta.ClassInvalidParameter {
				t.Fatalf("got %v, want 100/%d naming %q", e, tc.subcode, tc.mention)
			}
			if tc.subcode == 0 && !strings.HasPrefix(e.Message, "(#100) ") {
				t.Fatalf("message %q lacks Meta's (#100) prefix", e.Message)
			}
		})
	}
}
