package sandbox

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"relance/meta"
)

// TestControlSetsPageProfile: POST /_sandbox/pages {profile} sets the policy the Page plays; without one the
// PageProfile option answers, and a profile set wins over it.
func TestControlSetsPageProfile(t *testing.T) {
	asked := 0
	s, err := New(Options{AppSecret: "secret", Start: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC),
		PageProfile: func(string) string { asked++; return "meta-current" }})
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, "/_sandbox/pages", strings.NewReader(`{"id":"104000000000091","profile":"meta-2017"}`))
	req.Header.Set("Authorization", "Bearer secret")
	w := httptest.NewRecorder()
	s.ServeHTTP(w, req)
	if w.Code != http.StatusOK {
		t.Fatalf("control: %d %s", w.Code, w.Body)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if got := s.profileOf("104000000000091"); got != "meta-2017" || asked != 0 {
		t.Errorf("profile %q (option asked %d times), want meta-2017 as set", got, asked)
	}
	if got := s.profileOf("104000000000092"); got != "meta-current" || asked != 1 {
		t.Errorf("profile %q (option asked %d times), want the option's meta-current", got, asked)
	}
}

// TestSubscriberOption: a Marketing Message to a token the sandbox never saw issued reaches the person the
// Subscriber option names (relance's contacts), and an unknown token is still 2300004.
func TestSubscriberOption(t *testing.T) {
	const page, secret = "104000000000093", "secret"
	s, err := New(Options{AppSecret: secret, Start: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), ReplyRate: -1,
		Subscriber: func(pageID, token string) (string, bool) { return "9301", pageID == page && token == "tok-known" },
		Threads: func(string, string) (ThreadInfo, bool) {
			return ThreadInfo{LastUserAt: time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC), Country: "US"}, true
		}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := meta.New(meta.Options{BaseURL: "http://sandbox", Version: "v25.0", AppSecret: secret, SendRate: -1,
		HTTP: &http.Client{Transport: s.Transport()}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	mc, err := c.CreateMessageCampaign(ctx, "EAAB-ads", "act_93", meta.MessageCampaignSpec{PageID: page, Name: "Spring",
		DailyBudget: meta.Money{Minor: 2500, Currency: "USD"}})
	if err != nil {
		t.Fatal(err)
	}
	m := meta.MarketingMessage{CampaignID: mc, PageID: page, SubscriptionToken: "tok-known", Text: "Spring is here", Metadata: "send-1"}
	if _, err := c.SendMarketingMessage(ctx, s.PageToken(page), "act_93", m); err != nil {
		t.Fatal(err)
	}
	if sends := s.Sends(); len(sends) != 1 || sends[0].PSID != "9301" || !sends[0].Marketing || sends[0].Metadata != "send-1" {
		t.Errorf("sends %+v", sends)
	}
	m.SubscriptionToken = "tok-unknown"
	var me *meta.Error
	if _, err := c.SendMarketingMessage(ctx, s.PageToken(page), "act_93", m); !errors.As(err, &me) || me.Code != 2300004 {
		t.Errorf("unknown token: %v, want 2300004", err)
	}
}
