package attribution

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"relance/conversations"
)

// days lists report_days as "day key conversations/new/replies", sorted, rows of zeros left out.
func (e *env) days(t *testing.T) []string {
	t.Helper()
	var rows []struct {
		Day, CampaignID, Variant, AdID, Link string
		Conversations, NewConversations      int64
		Replies                              int64
	}
	if err := e.db.R.Raw(`SELECT day, campaign_id, variant, ad_id, link, conversations, new_conversations, replies FROM report_days
		WHERE tenant_id = ? ORDER BY day, campaign_id, variant, ad_id, link`, e.tenant).Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rows {
		if r.Conversations == 0 && r.NewConversations == 0 && r.Replies == 0 {
			continue
		}
		out = append(out, fmt.Sprintf("%s %s/%s/%s/%s %d/%d/%d", r.Day, r.CampaignID, r.Variant, r.AdID, r.Link, r.Conversations, r.NewConversations, r.Replies))
	}
	return out
}

// credits lists report_credits of one model and window as "campaign/variant count value", sorted.
func (e *env) credits(t *testing.T, model string, window int) []string {
	t.Helper()
	var rows []struct {
		CampaignID, Variant string
		CountCenti, Value   int64
	}
	if err := e.db.R.Raw(`SELECT campaign_id, variant, count_centi, value FROM report_credits WHERE tenant_id = ? AND model = ? AND window_days = ?
		ORDER BY campaign_id, variant, count_centi`, e.tenant, model, window).Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rows {
		out = append(out, fmt.Sprintf("%s/%s %d %d", r.CampaignID, r.Variant, r.CountCenti, r.Value))
	}
	return out
}

func TestReportRollupsFollowTheFacts(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, false)
	e.campaign(t, "camp-a", "summer", "poster")
	e.send(t, "send-2", "camp-a", "B", psid2, "delivered", hours(0))
	tr := NewTracker(e.db)
	day := "2026-11-01" // t0 is 13:00 in Paris
	steps := []struct {
		name  string
		batch []*conversations.Event
		want  []string
	}{
		{"a conversation without a touch is unattributed", []*conversations.Event{msg(psid1, hours(0))},
			[]string{day + " /// 1/1/0"}},
		{"a payload later in it moves it to the campaign", []*conversations.Event{
			{Kind: conversations.KindPostback, PSID: psid1, At: hours(1).UnixMilli(), Payload: "ref=summer"}},
			[]string{day + " camp-a/// 1/1/0"}},
		{"a reply to a send is a conversation and a reply of the send's variant", []*conversations.Event{msg(psid2, hours(5))},
			[]string{day + " camp-a/// 1/1/0", day + " camp-a/B// 1/1/1"}},
		{"a second message replying to the same send is no second reply", []*conversations.Event{msg(psid2, hours(6))},
			[]string{day + " camp-a/// 1/1/0", day + " camp-a/B// 1/1/1"}},
		{"a labelled link later in the same conversation keeps its first touch", []*conversations.Event{
			referral(conversations.KindReferral, psid2, hours(7), conversations.Referral{Source: "SHORTLINK", Ref: "summer.poster"})},
			[]string{day + " camp-a/// 1/1/0", day + " camp-a/B// 1/1/1"}},
		{"a returning conversation on the next day", []*conversations.Event{msg(psid1, hours(40))},
			[]string{day + " camp-a/// 1/1/0", day + " camp-a/B// 1/1/1", "2026-11-03 /// 1/0/0"}},
	}
	for _, s := range steps {
		e.feed(t, tr, s.batch)
		if got := e.days(t); !slices.Equal(got, s.want) {
			t.Fatalf("%s: %v\nwant %v", s.name, got, s.want)
		}
	}
	// A conversion of psid2 after its two touches: last touch the link, first touch the reply, linear both.
	if _, _, err := e.st.Create(ctx, ConversionInput{ExternalID: "o-1", PageID: testPage, PSID: psid2, Type: "purchase",
		Value: &Value{Amount: "10.01", Currency: "EUR"}, OccurredAt: hours(8).Format("2006-01-02T15:04:05Z07:00")}); err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"last_touch":  {"camp-a/ 100 1001"},
		"first_touch": {"camp-a/B 100 1001"},
		"linear":      {"camp-a/ 50 500", "camp-a/B 50 501"},
	}
	check := func(when string) {
		for m, w := range want {
			if got := e.credits(t, m, 7); !slices.Equal(got, w) {
				t.Errorf("%s: %s: %v, want %v", when, m, got, w)
			}
		}
		if got := e.credits(t, "last_touch", 1); !slices.Equal(got, []string{"camp-a/ 100 1001"}) {
			t.Errorf("%s: 1-day window: %v", when, got)
		}
	}
	check("created")
	// A conversion with no touch in its window is one unattributed line per model and window.
	if _, _, err := e.st.Create(ctx, ConversionInput{ExternalID: "o-2", PageID: testPage, PSID: psid1, Type: "lead",
		Value: &Value{Amount: "0", Currency: "EUR"}, OccurredAt: hours(24 * 20).Format("2006-01-02T15:04:05Z07:00")}); err != nil {
		t.Fatal(err)
	}
	var n int64
	e.db.R.Raw("SELECT COUNT(*) FROM report_credits WHERE conversion_id = (SELECT id FROM conversions WHERE external_id = 'o-2') AND campaign_id = ''").Scan(&n)
	if n != 6 { // 1 and 7 days under each model; 28 days still reach the payload at hour 1
		t.Errorf("unattributed lines: %d, want 6", n)
	}
}
