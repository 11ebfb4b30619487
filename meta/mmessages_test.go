package meta_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"relance/meta"
	"relance/meta/sandbox"
)

const (
	mmToken = "page-token"
	mmAcct  = "act_2002"
	mmPage  = "104000000000002"
	mmPSID  = "7300000000000101"
)

// mmWebhookItems decodes the messaging items of pending webhook bodies.
func mmWebhookItems(t *testing.T, bodies [][]byte) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, b := range bodies {
		var w struct {
			Entry []struct {
				ID        string           `json:"id"`
				Messaging []map[string]any `json:"messaging"`
			} `json:"entry"`
		}
		if err := json.Unmarshal(b, &w); err != nil {
			t.Fatal(err)
		}
		for _, e := range w.Entry {
			out = append(out, e.Messaging...)
		}
	}
	return out
}

func mmNewCampaign(t *testing.T, p pair, s meta.MessageCampaignSpec) string {
	t.Helper()
	if s.PageID == "" {
		s.PageID = mmPage
	}
	if s.Name == "" {
		s.Name = "Spring relaunch"
	}
	id, err := p.C.CreateMessageCampaign(context.Background(), mmToken, mmAcct, s)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestMarketingMessageRoundTrip(t *testing.T) {
	p := newPair(t, sandbox.Options{AppID: "1517776481860111", ReplyRate: 1})
	ctx := context.Background()
	start := p.S.Now()
	p.S.RegisterThread(mmPage, mmPSID, "US", start.Add(-72*time.Hour), "nmt-101")
	camp := mmNewCampaign(t, p, meta.MessageCampaignSpec{DailyBudget: meta.Money{Minor: 500, Currency: "USD"},
		Start: start})
	tracking, err := p.C.SendMarketingMessage(ctx, mmToken, mmAcct, meta.MarketingMessage{CampaignID: camp, PageID: mmPage,
		SubscriptionToken: "nmt-101", Text: "-20 % this week only", Metadata: "send-1", MinConversationGap: time.Hour})
	if err != nil || tracking == "" {
		t.Fatalf("send: %q %v", tracking, err)
	}
	items := mmWebhookItems(t, p.S.Pending())
	if len(items) != 1 {
		t.Fatalf("pending after send: %v", items)
	}
	echo, _ := items[0]["message"].(map[string]any)
	if echo["is_echo"] != true || echo["mid"] == "" || echo["mid"] == tracking || echo["text"] != "-20 % this week only" ||
		echo["app_id"] != float64(1517776481860111) || echo["metadata"] != "send-1" {
		t.Fatalf("echo: %v", items[0])
	}
	// The reply (ReplyRate 1) falls due minutes later.
	if err := p.S.Advance(ctx, time.Hour); err != nil {
		t.Fatal(err)
	}
	items = mmWebhookItems(t, p.S.Pending())
	if len(items) != 2 {
		t.Fatalf("pending after an hour: %v", items)
	}
	reply := items[1]
	msg, _ := reply["message"].(map[string]any)
	sender, _ := reply["sender"].(map[string]any)
	if sender["id"] != mmPSID || msg["text"] == "" || msg["mid"] == "" || msg["is_echo"] != nil {
		t.Fatalf("reply: %v", reply)
	}
	if ts, _ := reply["timestamp"].(float64); int64(ts) <= start.UnixMilli() {
		t.Fatalf("reply timestamp %v", reply["timestamp"])
	}
}

func TestMarketingMessageRefusals(t *testing.T) {
	p := newPair(t, sandbox.Options{})
	ctx := context.Background()
	now := p.S.Now()
	p.S.RegisterThread(mmPage, mmPSID, "BR", now, "nmt-br")
	p.S.RegisterThread(mmPage, "7300000000000102", "FR", now, "nmt-fr")
	p.S.RegisterThread(mmPage, "7300000000000103", "US", now, "nmt-us")
	p.S.RegisterThread("104000000000009", "7300000000000104", "US", now, "nmt-other-page")
	camp := mmNewCampaign(t, p, meta.MessageCampaignSpec{LifetimeBudget: meta.Money{Minor: 2, Currency: "USD"},
		Start: now, End: now.Add(7 * 24 * time.Hour)})
	send := func(token string) error {
		_, err := p.C.SendMarketingMessage(ctx, mmToken, mmAcct, meta.MarketingMessage{CampaignID: camp, PageID: mmPage,
			SubscriptionToken: token, Text: "Back in stock", MinConversationGap: 24 * time.Hour})
		return err
	}
	code := func(err error) int {
		var me *meta.Error
		if errors.As(err, &me) {
			return me.Code
		}
		return 0
	}
	if err := send("nmt-br"); err != nil {
		t.Fatal(err)
	}
	if err := send("nmt-br"); meta.ClassOf(err) != meta.ClassMarketingMessageGap || code(err) != 2300052 {
		t.Fatalf("second message within the gap: %v", err)
	}
	if err := send("nmt-fr"); meta.ClassOf(err) != meta.ClassPersonUnavailable || code(err) != 100 {
		t.Fatalf("EU recipient: %v", err)
	}
	if err := send("nmt-unknown"); meta.ClassOf(err) != meta.ClassPersonUnavailable || code(err) != 2300004 {
		t.Fatalf("unknown token: %v", err)
	}
	if err := send("nmt-other-page"); code(err) != 2300005 {
		t.Fatalf("another Page's subscriber: %v", err)
	}
	// USD 0.02 pays for two messages at one Meta unit each: the third finds the budget spent.
	if err := send("nmt-us"); err != nil {
		t.Fatal(err)
	}
	if err := p.S.Advance(ctx, 25*time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := send("nmt-br"); code(err) != 2300000 || meta.ClassOf(err) != meta.ClassInvalidParameter {
		t.Fatalf("spent budget: %v", err)
	}
	// Client-side checks.
	if _, err := p.C.CreateMessageCampaign(ctx, mmToken, mmAcct, meta.MessageCampaignSpec{PageID: mmPage, Name: "x",
		DailyBudget: meta.Money{Minor: 100, Currency: "USD"}, LifetimeBudget: meta.Money{Minor: 100, Currency: "USD"}}); !errors.Is(err, meta.ErrInvalidMessageCampaign) {
		t.Fatalf("two budgets: %v", err)
	}
	if _, err := p.C.SendMarketingMessage(ctx, mmToken, mmAcct, meta.MarketingMessage{CampaignID: camp, PageID: mmPage}); !errors.Is(err, meta.ErrInvalidMessage) {
		t.Fatalf("no token: %v", err)
	}
}

func TestMarketingMessageDailyBudget(t *testing.T) {
	p := newPair(t, sandbox.Options{})
	ctx := context.Background()
	now := p.S.Now()
	p.S.RegisterAccount(sandbox.Account{ID: mmAcct, Currency: "JPY", Timezone: "Asia/Tokyo"})
	for i, tok := range []string{"a", "b", "c"} {
		p.S.RegisterThread(mmPage, audPSIDs(200+i, 1)[0], "BR", now, tok)
	}
	// JPY costs 2 units a message: a 4-yen day pays for two.
	camp := mmNewCampaign(t, p, meta.MessageCampaignSpec{DailyBudget: meta.Money{Minor: 4, Currency: "JPY"}})
	for i, tok := range []string{"a", "b", "c"} {
		_, err := p.C.SendMarketingMessage(ctx, mmToken, mmAcct, meta.MarketingMessage{CampaignID: camp, PageID: mmPage,
			SubscriptionToken: tok, Text: "セール"})
		if want := i < 2; (err == nil) != want {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	if err := p.S.Advance(ctx, 24*time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, err := p.C.SendMarketingMessage(ctx, mmToken, mmAcct, meta.MarketingMessage{CampaignID: camp, PageID: mmPage,
		SubscriptionToken: "c", Text: "セール"}); err != nil {
		t.Fatalf("next day: %v", err)
	}
}

// TestMarketingMessageShapes: the sandbox refuses the Recurring Notifications shape Meta discontinued on
// 2026-02-10 (message_campaign_id, recipient.notification_messages_token) and accepts the current one
// (message_id, messenger_delivery_data.subscription_token, per-send min_conversation_gap_seconds), answering
// {success, marketing_message_tracking_id} (reference §3).
func TestMarketingMessageShapes(t *testing.T) {
	p := newPair(t, sandbox.Options{})
	now := p.S.Now()
	p.S.RegisterThread(mmPage, mmPSID, "US", now, "nmt-shape")
	camp := mmNewCampaign(t, p, meta.MessageCampaignSpec{DailyBudget: meta.Money{Minor: 500, Currency: "USD"}, Start: now})
	post := func(body map[string]any) (int, map[string]any) {
		t.Helper()
		status, raw, _ := mkRaw(t, p, "POST", "/v25.0/"+mmAcct+"/messages", body)
		var out map[string]any
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatalf("%d %s", status, raw)
		}
		return status, out
	}
	message := map[string]any{"text": "Back in stock"}
	for name, old := range map[string]map[string]any{
		"message_campaign_id": {"message_campaign_id": camp, "page_id": mmPage,
			"recipient": map[string]string{"notification_messages_token": "nmt-shape"}, "message": message},
		"recipient[notification_messages_token]": {"message_id": camp,
			"recipient": map[string]string{"notification_messages_token": "nmt-shape"}, "message": message},
	} {
		status, out := post(old)
		e, _ := out["error"].(map[string]any)
		if status != 400 || e["code"] != float64(100) || !strings.Contains(e["message"].(string), name) {
			t.Errorf("old shape (%s): %d %v", name, status, out)
		}
	}
	if status, out := post(map[string]any{"message_id": camp, "message": message}); status != 400 ||
		!strings.Contains(out["error"].(map[string]any)["message"].(string), "messenger_delivery_data[subscription_token]") {
		t.Errorf("no subscription token: %d %v", status, out)
	}
	if status, out := post(map[string]any{"message_id": "120205999999999999", "message": message,
		"messenger_delivery_data": map[string]string{"subscription_token": "nmt-shape"}}); status != 400 ||
		out["error"].(map[string]any)["code"] != float64(2300001) {
		t.Errorf("unknown message_id: %d %v", status, out)
	}
	current := map[string]any{"message_id": camp, "message": message, "min_conversation_gap_seconds": 3600,
		"messenger_delivery_data": map[string]string{"subscription_token": "nmt-shape"}}
	status, out := post(current)
	if id, _ := out["marketing_message_tracking_id"].(string); status != 200 || out["success"] != true || id == "" {
		t.Fatalf("current shape: %d %v", status, out)
	}
	// The per-send gap applies to the next send to the same person.
	if status, out := post(current); status != 400 || out["error"].(map[string]any)["code"] != float64(2300052) {
		t.Fatalf("second send within the per-send gap: %d %v", status, out)
	}
}

// TestMarketingMessageClientShape checks what the client puts on the wire: the current shape only.
func TestMarketingMessageClientShape(t *testing.T) {
	var body map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewDecoder(r.Body).Decode(&body)
		_, _ = w.Write([]byte(`{"success":true,"marketing_message_tracking_id":"2918273645"}`))
	}))
	t.Cleanup(srv.Close)
	c, err := meta.New(meta.Options{BaseURL: srv.URL, Version: "v25.0", AppSecret: testSecret, SendRate: -1})
	if err != nil {
		t.Fatal(err)
	}
	id, err := c.SendMarketingMessage(context.Background(), mmToken, mmAcct, meta.MarketingMessage{CampaignID: "120205000000000001",
		PageID: mmPage, SubscriptionToken: "nmt-1", Text: "Hi", Metadata: "send-9", MinConversationGap: 12 * time.Hour})
	if err != nil || id != "2918273645" {
		t.Fatalf("send: %q %v", id, err)
	}
	delivery, _ := body["messenger_delivery_data"].(map[string]any)
	msg, _ := body["message"].(map[string]any)
	if body["message_id"] != "120205000000000001" || delivery["subscription_token"] != "nmt-1" ||
		body["min_conversation_gap_seconds"] != float64(43200) || msg["text"] != "Hi" || msg["metadata"] != "send-9" {
		t.Fatalf("body %v", body)
	}
	for _, gone := range []string{"message_campaign_id", "recipient", "page_id"} {
		if _, ok := body[gone]; ok {
			t.Errorf("body still has %s: %v", gone, body)
		}
	}
}
