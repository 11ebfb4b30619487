package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the scenarios use zones with daylight saving, whatever the machine has installed

	"relance/conversations/nlp"
	"relance/meta"
)

const deliverySecret = "delivery-test-secret"

// deliveryStart is a Monday; the United States switch to summer time six days later.
var deliveryStart = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)

func newDeliverySandbox(t *testing.T, seed string) *Sandbox {
	t.Helper()
	s, err := New(Options{AppSecret: deliverySecret, Seed: seed, Start: deliveryStart,
		Now: func() time.Time { return deliveryStart }})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// graphGet calls the sandbox as the client would and returns the status and body.
func graphGet(t *testing.T, s *Sandbox, method, path string, q url.Values) (int, []byte) {
	t.Helper()
	if q == nil {
		q = url.Values{}
	}
	q.Set("access_token", "tok")
	q.Set("appsecret_proof", proofOf(deliverySecret, "tok"))
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest(method, "/v25.0/"+path+"?"+q.Encode(), nil))
	return rec.Code, rec.Body.Bytes()
}

// testSet is an ad set of the property test, with what the test did to it.
type testSet struct {
	set    *AdSet
	ads    []*Ad
	paused [][2]time.Time // intervals during which the ad set was paused
}

// addSet puts a campaign, an ad set and n ads (with creatives on page) straight into the state.
func addSet(s *Sandbox, acct string, page string, n int, set AdSet, created time.Time) *testSet {
	s.mu.Lock()
	defer s.mu.Unlock()
	camp := &Campaign{ID: s.newID("campaign"), AccountID: acct, Name: "c", Objective: "OUTCOME_ENGAGEMENT",
		Status: "ACTIVE", Created: created}
	s.st.campaigns[camp.ID] = camp
	set.ID, set.AccountID, set.CampaignID, set.Status, set.Created = s.newID("adset"), acct, camp.ID, "ACTIVE", created
	s.st.adsets[set.ID] = &set
	ts := &testSet{set: &set}
	for i := range n {
		cr := &Creative{ID: s.newID("creative"), AccountID: acct, PageID: page, CallToAction: "MESSAGE_PAGE",
			Message: "Spring menu", Ref: fmt.Sprintf("camp=t%d", i), Created: created}
		s.st.creatives[cr.ID] = cr
		ad := &Ad{ID: s.newID("ad"), AccountID: acct, AdSetID: set.ID, CreativeID: cr.ID, Name: fmt.Sprintf("ad %d", i),
			Status: "ACTIVE", Created: created}
		s.st.ads[ad.ID] = ad
		ts.ads = append(ts.ads, ad)
	}
	return ts
}

// TestDeliveryBudgetRules runs random budgets, currencies, zones, flights, schedules and pauses for 14 days
// and checks Meta's budget rules and that nothing delivers outside its flight, its schedule or a pause.
func TestDeliveryBudgetRules(t *testing.T) {
	ctx := context.Background()
	gen := rand.New(rand.NewPCG(7, 11))
	currencies := []string{"USD", "JPY", "BHD"}
	zones := []string{"UTC", "Europe/Paris", "Asia/Tokyo", "America/New_York", "Asia/Kolkata"}
	var delivered int64
	for sc := range 16 {
		s := newDeliverySandbox(t, fmt.Sprint("budget-", sc))
		cur, zone := currencies[sc%len(currencies)], zones[gen.IntN(len(zones))]
		acct := fmt.Sprintf("act_%d", 1000+sc)
		s.RegisterAccount(Account{ID: acct, Currency: cur, Timezone: zone})
		loc := location(zone)
		var sets []*testSet
		for k := range 1 + gen.IntN(3) {
			var set AdSet
			set.StartTime = deliveryStart.Add(time.Duration(gen.IntN(48)) * time.Hour)
			budget := int64(500 + gen.IntN(9500))
			if k%2 == 1 {
				set.LifetimeBudget = budget * int64(3+gen.IntN(5))
				set.EndTime = set.StartTime.Add(time.Duration(72+gen.IntN(240)) * time.Hour)
			} else {
				set.DailyBudget = budget
				if gen.IntN(2) == 0 {
					set.EndTime = set.StartTime.Add(time.Duration(100+gen.IntN(200)) * time.Hour)
				}
			}
			if gen.IntN(2) == 0 {
				for range 1 + gen.IntN(2) {
					from := gen.IntN(23)
					to := from + 1 + gen.IntN(24-from)
					days := []int{}
					for d := range 7 {
						if gen.IntN(3) > 0 {
							days = append(days, d)
						}
					}
					set.Schedule = append(set.Schedule, ScheduleBlock{StartMinute: from * 60, EndMinute: to * 60,
						Days: days, TimezoneType: "ADVERTISER"})
				}
			}
			sets = append(sets, addSet(s, acct, "104000000000001", 1+gen.IntN(3), set, deliveryStart.Add(-time.Hour)))
		}
		// Advance in random whole-hour steps (one scenario in 20-minute steps, to merge partial hours),
		// pausing and resuming ad sets between steps.
		end := deliveryStart.Add(14 * 24 * time.Hour)
		for now := deliveryStart; now.Before(end); {
			step := time.Duration(1+gen.IntN(30)) * time.Hour
			if sc == 0 {
				step = 20 * time.Minute
			}
			step = min(step, end.Sub(now))
			for _, ts := range sets {
				if sc != 0 && gen.IntN(6) == 0 {
					s.mu.Lock()
					ts.set.Status = map[string]string{"ACTIVE": "PAUSED", "PAUSED": "ACTIVE"}[ts.set.Status]
					s.mu.Unlock()
				}
				if ts.set.Status == "PAUSED" {
					ts.paused = append(ts.paused, [2]time.Time{now, now.Add(step)})
				}
			}
			if err := s.Advance(ctx, step); err != nil {
				t.Fatal(err)
			}
			now = now.Add(step)
		}
		for _, ts := range sets {
			delivered += checkBudgetRules(t, s, ts, loc, fmt.Sprintf("scenario %d (%s, %s)", sc, cur, zone))
		}
	}
	if delivered == 0 {
		t.Fatal("nothing delivered in any scenario: the property test checks nothing")
	}
}

// checkBudgetRules checks one ad set's rows and returns its total spend.
func checkBudgetRules(t *testing.T, s *Sandbox, ts *testSet, loc *time.Location, name string) int64 {
	t.Helper()
	set := ts.set
	perDay := map[int]int64{}
	var total int64
	for _, ad := range ts.ads {
		for _, row := range s.st.stats[ad.ID] {
			if row.Spend < 0 || row.Impressions <= 0 || row.Clicks > row.Impressions || row.Reach > row.Impressions {
				t.Errorf("%s: implausible row %+v", name, row)
			}
			if row.Hour.Before(set.StartTime.Truncate(time.Hour)) || (!set.EndTime.IsZero() && !row.Hour.Before(set.EndTime)) {
				t.Errorf("%s: ad %s delivered at %s outside its flight %s–%s", name, ad.ID, row.Hour, set.StartTime, set.EndTime)
			}
			if !scheduled(set.Schedule, row.Hour.In(loc)) {
				t.Errorf("%s: ad %s delivered at %s (local %s) outside its schedule %+v", name, ad.ID, row.Hour,
					row.Hour.In(loc).Format("Mon 15:04"), set.Schedule)
			}
			for _, p := range ts.paused {
				if !row.Hour.Before(p[0]) && row.Hour.Before(p[1]) {
					t.Errorf("%s: ad %s delivered at %s while its ad set was paused", name, ad.ID, row.Hour)
				}
			}
			y, m, d := row.Hour.In(loc).Date()
			perDay[int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix()/86400)] += row.Spend
			total += row.Spend
		}
	}
	if b := set.DailyBudget; b > 0 {
		for day, v := range perDay {
			if 4*v > 5*b {
				t.Errorf("%s: day %d spent %d, over 125%% of the daily budget %d", name, day, v, b)
			}
			var week int64
			for k := range 7 {
				week += perDay[day+k]
			}
			if week > 7*b {
				t.Errorf("%s: the 7 days from day %d spent %d, over 7× the daily budget %d", name, day, week, b)
			}
		}
	}
	if b := set.LifetimeBudget; b > 0 && total > b {
		t.Errorf("%s: spent %d, over the lifetime budget %d", name, total, b)
	}
	return total
}

// scheduled checks a local time against whole-hour schedule blocks, independently of the sandbox's code.
func scheduled(blocks []ScheduleBlock, local time.Time) bool {
	if len(blocks) == 0 {
		return true
	}
	for _, b := range blocks {
		h := local.Hour() * 60
		if h >= b.StartMinute && h < b.EndMinute && slices.Contains(b.Days, int(local.Weekday())) {
			return true
		}
	}
	return false
}

// deliveryRun builds the same objects in a sandbox of the given seed, runs three days, and returns the
// daily ad-level Insights and the queued webhooks.
func deliveryRun(t *testing.T, seed string) ([]byte, [][]byte) {
	t.Helper()
	s := newDeliverySandbox(t, seed)
	s.RegisterAccount(Account{ID: "act_42", Currency: "EUR", Timezone: "Europe/Paris"})
	addSet(s, "act_42", "104000000000001", 2, AdSet{DailyBudget: 3000}, deliveryStart.Add(-time.Hour))
	addSet(s, "act_42", "104000000000002", 1, AdSet{LifetimeBudget: 9000, StartTime: deliveryStart,
		EndTime: deliveryStart.Add(72 * time.Hour)}, deliveryStart.Add(-time.Hour))
	if err := s.Advance(context.Background(), 72*time.Hour); err != nil {
		t.Fatal(err)
	}
	code, body := graphGet(t, s, "GET", "act_42/insights", url.Values{"level": {"ad"}, "time_increment": {"1"},
		"time_range": {`{"since":"2026-03-01","until":"2026-03-05"}`}, "limit": {"100"},
		"fields": {"ad_id,adset_id,campaign_id,spend,impressions,reach,clicks,actions,cost_per_action_type,account_currency"}})
	if code != 200 {
		t.Fatalf("insights: %d %s", code, body)
	}
	return body, s.Pending()
}

// TestDeliveryDeterministic checks that the same seed gives the same Insights and webhooks, and another
// seed other ones.
func TestDeliveryDeterministic(t *testing.T) {
	a, wa := deliveryRun(t, "alpha")
	b, wb := deliveryRun(t, "alpha")
	c, _ := deliveryRun(t, "beta")
	if !bytes.Equal(a, b) {
		t.Fatalf("same seed, different Insights:\n%s\n%s", a, b)
	}
	if len(wa) == 0 || len(wa) != len(wb) {
		t.Fatalf("webhooks: %d and %d", len(wa), len(wb))
	}
	for i := range wa {
		if !bytes.Equal(wa[i], wb[i]) {
			t.Fatalf("same seed, webhook %d differs:\n%s\n%s", i, wa[i], wb[i])
		}
	}
	if bytes.Equal(a, c) {
		t.Fatal("different seeds gave the same Insights")
	}
	if !bytes.Contains(a, []byte(`"account_currency":"EUR"`)) || !bytes.Contains(a, []byte(actionStarted)) {
		t.Fatalf("Insights lack currency or actions: %s", a)
	}
}

// wireItem is the part of a webhook item the conversation test reads.
type wireItem struct {
	Sender    struct{ ID string } `json:"sender"`
	Timestamp int64               `json:"timestamp"`
	Postback  *struct {
		Title, Payload string
		Referral       map[string]any `json:"referral"`
	} `json:"postback"`
	Referral map[string]any  `json:"referral"`
	Message  json.RawMessage `json:"message"`
}

// TestDeliveryConversations runs a day of a Click-to-Messenger ad and checks its webhooks against
// Insights: every conversation counted is a postback or referral carrying the ad id and ref.
func TestDeliveryConversations(t *testing.T) {
	s := newDeliverySandbox(t, "chat")
	s.RegisterAccount(Account{ID: "act_7", Currency: "USD", Timezone: "America/New_York"})
	page := "104000000000001"
	// People who already wrote to the Page: some clicks re-enter their threads.
	for i := range 20 {
		s.RegisterThread(page, fmt.Sprint(7100000000000000+i), "US", deliveryStart.Add(-48*time.Hour), "")
	}
	ts := addSet(s, "act_7", page, 1, AdSet{DailyBudget: 10000}, deliveryStart.Add(-time.Hour))
	ad := ts.ads[0]
	day := time.Date(2026, 3, 3, 0, 0, 0, 0, location("America/New_York"))
	if err := s.AdvanceTo(context.Background(), day.Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	started, messages, withNLP := 0, 0, 0
	newPSIDs := map[string]bool{}
	for _, body := range s.Pending() {
		var env struct {
			Entry []struct {
				ID        string     `json:"id"`
				Messaging []wireItem `json:"messaging"`
			} `json:"entry"`
		}
		if err := json.Unmarshal(body, &env); err != nil {
			t.Fatal(err)
		}
		for _, e := range env.Entry {
			for _, it := range e.Messaging {
				at := time.UnixMilli(it.Timestamp)
				if at.Before(day) || !at.Before(day.Add(24*time.Hour)) {
					continue // the days before, and follow-ups of the last minutes
				}
				ref := it.Referral
				if it.Postback != nil {
					ref = it.Postback.Referral
					if it.Postback.Title != "Get Started" || it.Postback.Payload != "GET_STARTED" {
						t.Errorf("postback %+v", it.Postback)
					}
					newPSIDs[it.Sender.ID] = true
				}
				if ref != nil {
					started++
					if ref["ad_id"] != ad.ID || ref["ref"] != "camp=t0" || ref["source"] != "ADS" || ref["type"] != "OPEN_THREAD" {
						t.Errorf("referral %v", ref)
					}
					continue
				}
				messages++
				if ents := nlp.ParseMeta(it.Message, 0.8); len(ents) > 0 {
					withNLP++
					var m struct{ Text string }
					_ = json.Unmarshal(it.Message, &m)
					for _, en := range ents {
						if en.Name != nlp.Greetings && en.Name != nlp.Thanks && !strings.Contains(m.Text, strings.Fields(en.Value)[0]) {
							t.Errorf("entity %+v not in %q", en, m.Text)
						}
					}
				}
			}
		}
	}
	if started == 0 || messages == 0 || withNLP == 0 || len(newPSIDs) == 0 {
		t.Fatalf("started %d, messages %d (%d with NLP), new people %d", started, messages, withNLP, len(newPSIDs))
	}
	code, body := graphGet(t, s, "GET", "act_7/insights", url.Values{"level": {"ad"}, "time_increment": {"1"},
		"time_range": {`{"since":"2026-03-03","until":"2026-03-03"}`}, "fields": {"ad_id,spend,actions,account_currency"}})
	if code != 200 {
		t.Fatalf("insights: %d %s", code, body)
	}
	var out struct {
		Data []struct {
			AdID    string `json:"ad_id"`
			Spend   string `json:"spend"`
			Actions []struct {
				ActionType string `json:"action_type"`
				Value      string `json:"value"`
			} `json:"actions"`
		} `json:"data"`
	}
	_ = json.Unmarshal(body, &out)
	if len(out.Data) != 1 || out.Data[0].AdID != ad.ID {
		t.Fatalf("rows: %s", body)
	}
	counted := ""
	for _, a := range out.Data[0].Actions {
		if a.ActionType == actionStarted {
			counted = a.Value
		}
	}
	if counted != fmt.Sprint(started) {
		t.Fatalf("Insights count %s conversations, the webhooks %d", counted, started)
	}
	spend, err := meta.ParseDecimal(out.Data[0].Spend, "USD")
	if err != nil || spend.Minor < 7000 || spend.Minor > 12500 {
		t.Fatalf("a day of a USD 100 daily budget spent %s (%v)", out.Data[0].Spend, err)
	}
}

// TestInsightsSpendExact checks spend strings against the stats in currencies of 0, 2 and 3 ISO digits.
func TestInsightsSpendExact(t *testing.T) {
	for _, cur := range []string{"JPY", "USD", "BHD"} {
		s := newDeliverySandbox(t, "spend")
		s.RegisterAccount(Account{ID: "act_9", Currency: cur, Timezone: "UTC"})
		ts := addSet(s, "act_9", "104000000000001", 2, AdSet{DailyBudget: 5000}, deliveryStart.Add(-time.Hour))
		if err := s.Advance(context.Background(), 48*time.Hour); err != nil {
			t.Fatal(err)
		}
		var sum int64
		for _, ad := range ts.ads {
			for _, r := range s.st.stats[ad.ID] {
				sum += r.Spend
			}
		}
		want, _ := meta.FromMetaBudget(sum, cur)
		code, body := graphGet(t, s, "GET", "act_9/insights", url.Values{"level": {"account"},
			"time_range": {`{"since":"2026-03-02","until":"2026-03-03"}`}, "fields": {"spend"}})
		var out struct{ Data []struct{ Spend string } }
		_ = json.Unmarshal(body, &out)
		if code != 200 || len(out.Data) != 1 || out.Data[0].Spend != meta.FormatDecimal(want) {
			t.Fatalf("%s: %d %s, want spend %s", cur, code, body, meta.FormatDecimal(want))
		}
	}
}

// TestInsightsValidation checks the refusals and their codes.
func TestInsightsValidation(t *testing.T) {
	s := newDeliverySandbox(t, "v")
	for _, c := range []struct {
		q    url.Values
		code int
		word string
	}{
		{url.Values{"level": {"creative"}}, 100, "level"},
		{url.Values{"time_increment": {"week"}}, 100, "time_increment"},
		{url.Values{"time_range": {`{"since":"2026-03-05","until":"2026-03-01"}`}}, 100, "time_range"},
		{url.Values{"time_range": {`{"since":"2026-3-5","until":"2026-03-01"}`}}, 100, "time_range"},
		{url.Values{"date_preset": {"last_year"}}, 100, "date_preset"},
		{url.Values{"time_range": {`{"since":"2022-01-01","until":"2026-03-01"}`}}, 3018, "37 months"},
		{url.Values{"fields": {"spend,bogus"}}, 100, "bogus"},
		{url.Values{"filtering": {`[{"field":"ad.id","operator":"LIKE","value":"1"}]`}}, 100, "filtering"},
	} {
		code, body := graphGet(t, s, "GET", "act_1/insights", c.q)
		var e struct {
			Error struct {
				Code    int
				Message string
			}
		}
		_ = json.Unmarshal(body, &e)
		if code != 400 || e.Error.Code != c.code || !strings.Contains(e.Error.Message, c.word) {
			t.Errorf("%v: %d %s", c.q, code, body)
		}
	}
}
