package meta_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"relance/meta"
	"relance/meta/sandbox"
)

const (
	mkToken   = "user-token"
	mkAccount = "act_1001"
	mkPage    = "104000000000001"
)

// mkUSD is an amount of US cents.
func mkUSD(cents int64) meta.Money { return meta.Money{Minor: cents, Currency: "USD"} }

// mkChain creates campaign → ad set → creative → ad, all ACTIVE, and returns their ids.
func mkChain(t *testing.T, p pair, message string) (camp, set, creative, ad string) {
	t.Helper()
	ctx := context.Background()
	var err error
	if camp, err = p.C.CreateCampaign(ctx, mkToken, mkAccount, meta.CampaignSpec{Name: "Spring",
		Objective: meta.ObjectiveEngagement, Status: meta.AdStatusActive}); err != nil {
		t.Fatal(err)
	}
	if set, err = p.C.CreateAdSet(ctx, mkToken, mkAccount, meta.AdSetSpec{CampaignID: camp, Name: "Inbox",
		PageID: mkPage, DailyBudget: mkUSD(2000), Countries: []string{"FR"},
		MessengerPositions: []string{meta.PositionMessengerHome}, Status: meta.AdStatusActive}); err != nil {
		t.Fatal(err)
	}
	if creative, err = p.C.CreateCreative(ctx, mkToken, mkAccount, meta.CreativeSpec{Name: "Chat", PageID: mkPage,
		Message: message, Ref: "camp=spring", WelcomeMessage: &meta.WelcomeMessage{Greeting: "Hi! How can we help?",
			IceBreakers: []meta.IceBreaker{{Question: "What are your prices?", Payload: "PRICES"}}}}); err != nil {
		t.Fatal(err)
	}
	if ad, err = p.C.CreateAd(ctx, mkToken, mkAccount, "Ad 1", set, creative, meta.AdStatusActive); err != nil {
		t.Fatal(err)
	}
	return camp, set, creative, ad
}

// mkEffective reads an ad's effective_status.
func mkEffective(t *testing.T, p pair, id string) string {
	t.Helper()
	ad, err := p.C.Ad(context.Background(), mkToken, id)
	if err != nil {
		t.Fatal(err)
	}
	return ad.EffectiveStatus
}

func TestMarketingRoundTrip(t *testing.T) {
	p := newPair(t, sandbox.Options{})
	ctx := context.Background()
	start := p.S.Now()
	campID, setID, crID, adID := mkChain(t, p, "Chat with us")

	camp, err := p.C.Campaign(ctx, mkToken, campID)
	if err != nil {
		t.Fatal(err)
	}
	if camp.ID != campID || camp.Name != "Spring" || camp.Objective != meta.ObjectiveEngagement ||
		camp.BuyingType != "AUCTION" || camp.Status != "ACTIVE" || camp.EffectiveStatus != "ACTIVE" ||
		camp.AccountID != "1001" || len(camp.SpecialAdCategories) != 0 || !camp.Created.Equal(start) {
		t.Fatalf("campaign = %+v", camp)
	}
	set, err := p.C.AdSet(ctx, mkToken, setID, "USD")
	if err != nil {
		t.Fatal(err)
	}
	if set.DailyBudget != mkUSD(2000) || set.LifetimeBudget != (meta.Money{}) || set.PageID != mkPage ||
		set.CampaignID != campID || set.DestinationType != "MESSENGER" || set.OptimizationGoal != "CONVERSATIONS" ||
		set.BillingEvent != "IMPRESSIONS" || !slices.Equal(set.PublisherPlatforms, []string{"messenger"}) ||
		!slices.Equal(set.MessengerPositions, []string{"messenger_home"}) || !set.Start.Equal(start) ||
		!set.End.IsZero() || set.EffectiveStatus != "ACTIVE" {
		t.Fatalf("ad set = %+v", set)
	}
	ad, err := p.C.Ad(ctx, mkToken, adID)
	if err != nil {
		t.Fatal(err)
	}
	if ad.AdSetID != setID || ad.CampaignID != campID || ad.CreativeID != crID || ad.Name != "Ad 1" ||
		ad.Status != "ACTIVE" || ad.EffectiveStatus != "PENDING_REVIEW" {
		t.Fatalf("ad = %+v", ad)
	}
	if err := p.S.Advance(ctx, 15*time.Minute); err != nil {
		t.Fatal(err)
	}
	if got := mkEffective(t, p, adID); got != "ACTIVE" {
		t.Fatalf("after review: %s", got)
	}

	steps := []struct {
		id, status, want string
	}{
		{campID, meta.AdStatusPaused, "CAMPAIGN_PAUSED"},
		{campID, meta.AdStatusActive, "ACTIVE"},
		{setID, meta.AdStatusPaused, "ADSET_PAUSED"},
		{setID, meta.AdStatusActive, "ACTIVE"},
		{adID, meta.AdStatusPaused, "PAUSED"},
		{adID, meta.AdStatusActive, "ACTIVE"},
	}
	for _, st := range steps {
		if err := p.C.SetStatus(ctx, mkToken, st.id, st.status); err != nil {
			t.Fatal(err)
		}
		if got := mkEffective(t, p, adID); got != st.want {
			t.Fatalf("%s → %s: ad effective_status %s, want %s", st.id, st.status, got, st.want)
		}
	}
	if err := p.C.SetStatus(ctx, mkToken, campID, meta.AdStatusPaused); err != nil {
		t.Fatal(err)
	}
	if set, err = p.C.AdSet(ctx, mkToken, setID, "USD"); err != nil || set.EffectiveStatus != "CAMPAIGN_PAUSED" || set.Status != "ACTIVE" {
		t.Fatalf("ad set under a paused campaign: %+v %v", set, err)
	}

	// Deleted is final: Meta refuses to bring a deleted ad back.
	if err := p.C.SetStatus(ctx, mkToken, adID, meta.AdStatusDeleted); err != nil {
		t.Fatal(err)
	}
	err = p.C.SetStatus(ctx, mkToken, adID, meta.AdStatusActive)
	if meta.ClassOf(err) != meta.ClassInvalidParameter {
		t.Fatalf("reactivating a deleted ad: %v", err)
	}
}

func TestMarketingDisapprovedHook(t *testing.T) {
	p := newPair(t, sandbox.Options{})
	_, _, _, adID := mkChain(t, p, "Summer sale DISAPPROVE")
	if got := mkEffective(t, p, adID); got != "DISAPPROVED" {
		t.Fatalf("effective_status %s, want DISAPPROVED", got)
	}
}

func TestMarketingDaypartedAdSet(t *testing.T) {
	p := newPair(t, sandbox.Options{})
	ctx := context.Background()
	campID, _, _, _ := mkChain(t, p, "Chat with us")
	start := p.S.Now().Add(time.Hour)
	sched := []meta.ScheduleBlock{{StartMinute: 540, EndMinute: 1080, Days: []int{1, 2, 3, 4, 5}, TimezoneType: "ADVERTISER"}}
	id, err := p.C.CreateAdSet(ctx, mkToken, mkAccount, meta.AdSetSpec{CampaignID: campID, Name: "Office hours",
		PageID: mkPage, Countries: []string{"US"}, LifetimeBudget: mkUSD(70000), Start: start, End: start.Add(7 * 24 * time.Hour), Schedule: sched})
	if err != nil {
		t.Fatal(err)
	}
	set, err := p.C.AdSet(ctx, mkToken, id, "USD")
	if err != nil {
		t.Fatal(err)
	}
	if set.LifetimeBudget != mkUSD(70000) || set.DailyBudget != (meta.Money{}) || !set.Start.Equal(start) ||
		!set.End.Equal(start.Add(7*24*time.Hour)) || len(set.Schedule) != 1 || set.Schedule[0].StartMinute != 540 ||
		!slices.Equal(set.Schedule[0].Days, sched[0].Days) || set.Status != "PAUSED" {
		t.Fatalf("ad set = %+v", set)
	}
	// Client-side checks refuse what Meta would, without a call.
	_, err = p.C.CreateAdSet(ctx, mkToken, mkAccount, meta.AdSetSpec{CampaignID: campID, Name: "x", PageID: mkPage,
		DailyBudget: mkUSD(2000), LifetimeBudget: mkUSD(9000)})
	if !errors.Is(err, meta.ErrInvalidAdObject) {
		t.Fatalf("both budgets: %v", err)
	}
}

func TestMarketingAccountAds(t *testing.T) {
	p := newPair(t, sandbox.Options{})
	ctx := context.Background()
	_, setID, crID, first := mkChain(t, p, "Chat with us")
	var ids = []string{first}
	for _, name := range []string{"Ad 2", "Ad 3", "Ad 4"} {
		id, err := p.C.CreateAd(ctx, mkToken, mkAccount, name, setID, crID, meta.AdStatusPaused)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := p.C.SetStatus(ctx, mkToken, ids[3], meta.AdStatusDeleted); err != nil {
		t.Fatal(err)
	}
	page, err := p.C.AccountAds(ctx, mkToken, mkAccount, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Data) != 3 || page.After != "" || page.Data[0].ID != ids[2] || page.Data[2].ID != ids[0] ||
		page.Data[0].EffectiveStatus != "PAUSED" || page.Data[2].EffectiveStatus != "PENDING_REVIEW" {
		t.Fatalf("ads = %+v", page)
	}
	// A first page of one, then the client continues from its cursor.
	status, raw, _ := mkRaw(t, p, "GET", "/v25.0/"+mkAccount+"/ads?limit=1&fields=id,effective_status", nil)
	var first1 struct {
		Data   []map[string]string `json:"data"`
		Paging meta.Paging         `json:"paging"`
	}
	if err := json.Unmarshal(raw, &first1); err != nil || status != 200 || len(first1.Data) != 1 || first1.Paging.Next == "" {
		t.Fatalf("first page: %d %s", status, raw)
	}
	if len(first1.Data[0]) != 2 || first1.Data[0]["effective_status"] != "PAUSED" {
		t.Fatalf("only the asked fields plus id: %v", first1.Data[0])
	}
	rest, err := p.C.AccountAds(ctx, mkToken, mkAccount, first1.Paging.Cursors.After)
	if err != nil {
		t.Fatal(err)
	}
	if len(rest.Data) != 2 || rest.Data[0].ID != ids[1] || rest.Data[1].ID != ids[0] {
		t.Fatalf("rest = %+v", rest)
	}
}

func TestMarketingMinimumBudgets(t *testing.T) {
	p := newPair(t, sandbox.Options{})
	ctx := context.Background()
	cases := []struct {
		cur        string
		below, min int64 // ISO minor units
		shown      string
	}{
		{"USD", 99, 100, "1.00 USD"},
		{"JPY", 149, 150, "150 JPY"},
		{"BHD", 390, 400, "0.400 BHD"},
	}
	for _, tc := range cases {
		t.Run(tc.cur, func(t *testing.T) {
			acct := "act_" + tc.cur
			p.S.RegisterAccount(sandbox.Account{ID: acct, Currency: tc.cur})
			camp, err := p.C.CreateCampaign(ctx, mkToken, acct, meta.CampaignSpec{Name: "c", Objective: meta.ObjectiveMessages})
			if err != nil {
				t.Fatal(err)
			}
			spec := meta.AdSetSpec{CampaignID: camp, Name: "s", PageID: mkPage, Countries: []string{"US"},
				DailyBudget: meta.Money{Minor: tc.below, Currency: tc.cur}}
			_, err = p.C.CreateAdSet(ctx, mkToken, acct, spec)
			var me *meta.Error
			if !errors.As(err, &me) || me.Code != 100 || me.Subcode != 1885272 || !strings.Contains(me.UserMsg, tc.shown) ||
				me.UserTitle == "" || !strings.Contains(me.Message, "daily_budget") || meta.ClassOf(err) != meta.ClassInvalidParameter {
				t.Fatalf("below the minimum: %#v", err)
			}
			spec.DailyBudget.Minor = tc.min
			id, err := p.C.CreateAdSet(ctx, mkToken, acct, spec)
			if err != nil {
				t.Fatal(err)
			}
			set, err := p.C.AdSet(ctx, mkToken, id, tc.cur)
			if err != nil || set.DailyBudget != spec.DailyBudget {
				t.Fatalf("read back %+v, %v", set.DailyBudget, err)
			}
		})
	}
	// A lifetime budget must cover the daily floor for each day of the flight.
	camp, err := p.C.CreateCampaign(ctx, mkToken, mkAccount, meta.CampaignSpec{Name: "c", Objective: meta.ObjectiveMessages})
	if err != nil {
		t.Fatal(err)
	}
	start := p.S.Now()
	_, err = p.C.CreateAdSet(ctx, mkToken, mkAccount, meta.AdSetSpec{CampaignID: camp, Name: "s", PageID: mkPage,
		Countries: []string{"US"}, LifetimeBudget: mkUSD(699), Start: start, End: start.Add(7 * 24 * time.Hour)})
	var me *meta.Error
	if !errors.As(err, &me) || me.Subcode != 1885272 || !strings.Contains(me.UserMsg, "7.00 USD") {
		t.Fatalf("lifetime below 7 days of the floor: %v", err)
	}
}

// mkRaw calls the sandbox directly with a JSON body (nil for none), signed as the client signs.
func mkRaw(t *testing.T, p pair, method, path string, body any) (int, []byte, http.Header) {
	t.Helper()
	u, err := url.Parse(p.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("access_token", mkToken)
	q.Set("appsecret_proof", meta.AppSecretProof(testSecret, mkToken))
	u.RawQuery = q.Encode()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, u.String(), rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, raw, resp.Header
}

// mkID creates an object with a raw call and returns its id.
func mkID(t *testing.T, p pair, path string, body map[string]any) string {
	t.Helper()
	status, raw, _ := mkRaw(t, p, "POST", path, body)
	var out struct {
		ID string `json:"id"`
	}
	if status != 200 || json.Unmarshal(raw, &out) != nil || out.ID == "" {
		t.Fatalf("POST %s: %d %s", path, status, raw)
	}
	return out.ID
}

// TestMarketingFormBodies creates objects the way Meta's curl examples do, with form fields whose values
// are JSON text: the sandbox must read them like JSON bodies.
func TestMarketingFormBodies(t *testing.T) {
	p := newPair(t, sandbox.Options{})
	post := func(edge string, v url.Values) string {
		t.Helper()
		v.Set("access_token", mkToken)
		v.Set("appsecret_proof", meta.AppSecretProof(testSecret, mkToken))
		resp, err := http.PostForm(p.URL+"/v25.0/"+mkAccount+"/"+edge, v)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out struct {
			ID string `json:"id"`
		}
		raw, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || json.Unmarshal(raw, &out) != nil || out.ID == "" {
			t.Fatalf("POST %s: %d %s", edge, resp.StatusCode, raw)
		}
		return out.ID
	}
	camp := post("campaigns", url.Values{"name": {"c"}, "objective": {"MESSAGES"}, "special_ad_categories": {"[]"},
		"status": {"PAUSED"}})
	set := post("adsets", url.Values{"name": {"s"}, "campaign_id": {camp}, "destination_type": {"MESSENGER"},
		"optimization_goal": {"CONVERSATIONS"}, "billing_event": {"IMPRESSIONS"}, "daily_budget": {"2000"},
		"promoted_object": {`{"page_id":"` + mkPage + `"}`}, "status": {"PAUSED"},
		"targeting": {`{"geo_locations":{"countries":["FR"]},"publisher_platforms":["messenger"],"messenger_positions":["messenger_home"]}`}})
	got, err := p.C.AdSet(context.Background(), mkToken, set, "USD")
	if err != nil || got.DailyBudget != mkUSD(2000) || got.PageID != mkPage || got.MessengerPositions[0] != "messenger_home" {
		t.Fatalf("ad set %+v, %v", got, err)
	}
}
