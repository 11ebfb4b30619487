package meta_test

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"testing"
	"time"

	"relance/meta"
	"relance/meta/sandbox"
)

const (
	insToken   = "user-token"
	insAccount = "act_2002"
	insPage    = "104000000000001"
)

// insClock is a clock whose Sleep returns at once and counts the calls.
type insClock struct {
	mu     sync.Mutex
	sleeps int
}

func (c *insClock) Now() time.Time { return time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC) }

func (c *insClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.sleeps++
	c.mu.Unlock()
	return ctx.Err()
}

// insSetup creates a JPY ad set with two Click-to-Messenger ads through the Marketing API and lets them
// deliver for three days.
func insSetup(t *testing.T, p pair) (ads []string) {
	t.Helper()
	ctx := context.Background()
	p.S.RegisterAccount(sandbox.Account{ID: insAccount, Currency: "JPY", Timezone: "Asia/Tokyo"})
	camp, err := p.C.CreateCampaign(ctx, insToken, insAccount, meta.CampaignSpec{Name: "Spring",
		Objective: meta.ObjectiveEngagement, Status: meta.AdStatusActive})
	if err != nil {
		t.Fatal(err)
	}
	set, err := p.C.CreateAdSet(ctx, insToken, insAccount, meta.AdSetSpec{CampaignID: camp, Name: "Inbox",
		PageID: insPage, DailyBudget: meta.Money{Minor: 6000, Currency: "JPY"}, Countries: []string{"JP"},
		MessengerPositions: []string{meta.PositionMessengerHome}, Status: meta.AdStatusActive})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"A", "B"} {
		cr, err := p.C.CreateCreative(ctx, insToken, insAccount, meta.CreativeSpec{Name: name, PageID: insPage,
			Message: "Chat with us", Ref: "camp=spring-var=" + name})
		if err != nil {
			t.Fatal(err)
		}
		ad, err := p.C.CreateAd(ctx, insToken, insAccount, "Ad "+name, set, cr, meta.AdStatusActive)
		if err != nil {
			t.Fatal(err)
		}
		ads = append(ads, ad)
	}
	if err := p.S.Advance(ctx, 72*time.Hour); err != nil {
		t.Fatal(err)
	}
	return ads
}

// TestInsightsRoundTrip reads daily ad rows page by page, checks them against the account total, and reads
// the same rows through an async report.
func TestInsightsRoundTrip(t *testing.T) {
	p := newPair(t, sandbox.Options{Seed: "insights"})
	ads := insSetup(t, p)
	ctx := context.Background()
	q := meta.InsightsQuery{Level: meta.LevelAd, Since: "2026-03-01", Until: "2026-03-06", Limit: 2}
	rows, err := p.C.Insights(ctx, insToken, "2002", q)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) < 5 {
		t.Fatalf("%d rows for 2 ads over 3 days (pages of 2): %+v", len(rows), rows)
	}
	var spend, convs int64
	for _, r := range rows {
		if r.AdID != ads[0] && r.AdID != ads[1] || r.DateStart != r.DateStop || r.Spend.Currency != "JPY" ||
			r.Impressions <= 0 || r.Clicks > r.Impressions || r.AdSetID == "" || r.CampaignID == "" {
			t.Fatalf("row %+v", r)
		}
		spend += r.Spend.Minor
		convs += r.Actions[meta.ActionConversationStarted]
	}
	total, err := p.C.Insights(ctx, insToken, insAccount, meta.InsightsQuery{Level: meta.LevelAccount,
		TimeIncrement: meta.IncrementAll, Since: q.Since, Until: q.Until, Fields: []string{"spend", "actions"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(total) != 1 || total[0].Spend != (meta.Money{Minor: spend, Currency: "JPY"}) ||
		total[0].Actions[meta.ActionConversationStarted] != convs || total[0].DateStart != q.Since {
		t.Fatalf("account total %+v, daily rows sum to ¥%d and %d conversations", total, spend, convs)
	}
	if spend <= 0 || spend > 3*6000*5/4 || convs <= 0 {
		t.Fatalf("three days of a ¥6,000 daily budget spent ¥%d for %d conversations", spend, convs)
	}

	clock := &insClock{}
	c, err := meta.New(meta.Options{BaseURL: p.URL, Version: "v25.0", AppSecret: testSecret, Clock: clock, SendRate: -1})
	if err != nil {
		t.Fatal(err)
	}
	async, err := c.InsightsReport(ctx, insToken, insAccount, q, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(async, rows) {
		t.Fatalf("async rows differ:\n%+v\n%+v", async, rows)
	}
	if clock.sleeps != 2 {
		t.Fatalf("polled with %d sleeps, want 2 (Not Started, Running, Completed)", clock.sleeps)
	}
}

// TestInsightsRefusals checks a query the client refuses itself and one the sandbox refuses as Meta does.
func TestInsightsRefusals(t *testing.T) {
	p := newPair(t, sandbox.Options{})
	ctx := context.Background()
	_, err := p.C.Insights(ctx, insToken, insAccount, meta.InsightsQuery{Since: "2026-03-05", Until: "2026-03-01"})
	if !errors.Is(err, meta.ErrInsightsQuery) {
		t.Fatalf("since after until: %v", err)
	}
	_, err = p.C.Insights(ctx, insToken, insAccount, meta.InsightsQuery{DatePreset: "last_century"})
	var me *meta.Error
	if !errors.As(err, &me) || me.Code != 100 {
		t.Fatalf("bad date_preset: %v", err)
	}
	id, err := p.C.StartInsightsReport(ctx, insToken, insAccount, meta.InsightsQuery{DatePreset: "last_7d"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.C.ReportRows(ctx, insToken, id, 10); !errors.As(err, &me) {
		t.Fatalf("rows of a report not completed: %v", err)
	}
	st, err := p.C.ReportStatus(ctx, insToken, id)
	if err != nil || st.Status != meta.ReportNotStarted || st.ID != id {
		t.Fatalf("first poll: %+v %v", st, err)
	}
}
