package meta_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"relance/meta"
	"relance/meta/sandbox"
)

// pgFollow reads a Graph list with a plain HTTP client, following paging.next as given (credentials added
// per request, as any Graph client does: the token in the header, the proof as a parameter), and checks
// every link: absolute, on the server that answered, the first request's whole query repeated with a new
// cursor, no credential in it. It returns every item and the raw pages.
func pgFollow(t *testing.T, p pair, token, first string) (items []map[string]any, pages []map[string]any) {
	t.Helper()
	firstURL, err := url.Parse(p.URL + first)
	if err != nil {
		t.Fatal(err)
	}
	want := firstURL.Query()
	next := firstURL.String()
	seenCursors := map[string]bool{}
	for hops := 0; next != ""; hops++ {
		if hops > 50 {
			t.Fatalf("%s: more than 50 pages", first)
		}
		page := pgGet(t, token, next)
		pages = append(pages, page)
		for _, it := range page["data"].([]any) {
			items = append(items, it.(map[string]any))
		}
		paging, _ := page["paging"].(map[string]any)
		next, _ = paging["next"].(string)
		if next == "" {
			break
		}
		pgCheckLink(t, p, next, firstURL.Path, want, seenCursors)
	}
	return items, pages
}

// pgCheckLink checks one next link against the first request's path and query.
func pgCheckLink(t *testing.T, p pair, next, path string, want url.Values, seen map[string]bool) {
	t.Helper()
	u, err := url.Parse(next)
	if err != nil || !u.IsAbs() || u.Scheme+"://"+u.Host != p.URL || u.Path != path {
		t.Fatalf("next %q is not an absolute link to %s%s", next, p.URL, path)
	}
	got := u.Query()
	if got.Has("access_token") || got.Has("appsecret_proof") {
		t.Fatalf("next %q carries a credential", next)
	}
	for k, v := range want {
		if k == "after" {
			continue
		}
		if strings.Join(got[k], "\x00") != strings.Join(v, "\x00") {
			t.Fatalf("next %q dropped or changed %s=%v", next, k, v)
		}
	}
	after := got.Get("after")
	if after == "" || seen[after] {
		t.Fatalf("next %q has no new cursor", next)
	}
	seen[after] = true
}

// pgGet is one signed GET of an absolute URL, decoded.
func pgGet(t *testing.T, token, rawURL string) map[string]any {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("appsecret_proof", meta.AppSecretProof(testSecret, token))
	u.RawQuery = q.Encode()
	req, _ := http.NewRequest(http.MethodGet, u.String(), nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if resp.StatusCode != http.StatusOK || json.Unmarshal(raw, &out) != nil {
		t.Fatalf("GET %s: %d %s", rawURL, resp.StatusCode, raw)
	}
	return out
}

// TestSandboxListsPageWithAbsoluteNext follows next on every list the sandbox answers: an account's ads,
// Insights (synchronous and a report run's rows), a Page's conversations with their nested messages, and a
// conversation's messages. Each must hand out every item exactly once.
func TestSandboxListsPageWithAbsoluteNext(t *testing.T) {
	p := newPair(t, sandbox.Options{Seed: "insights", ReplyRate: 1})
	ads := insSetup(t, p) // two running ads over three days
	ctx := context.Background()

	t.Run("ads", func(t *testing.T) {
		items, _ := pgFollow(t, p, insToken, "/v25.0/"+insAccount+"/ads?fields=id,name&effective_status="+
			url.QueryEscape(`["ACTIVE","PENDING_REVIEW"]`)+"&limit=1")
		if len(items) != len(ads) || items[0]["name"] == nil {
			t.Fatalf("ads: %v", items)
		}
	})
	t.Run("insights", func(t *testing.T) {
		q := "/v25.0/" + insAccount + "/insights?level=ad&time_increment=1&fields=ad_id,spend&limit=2&time_range=" +
			url.QueryEscape(`{"since":"2026-03-01","until":"2026-03-06"}`)
		items, pages := pgFollow(t, p, insToken, q)
		if len(items) < 5 || len(pages) < 3 {
			t.Fatalf("%d rows in %d pages", len(items), len(pages))
		}
		seen := map[string]bool{}
		for _, it := range items {
			key := it["ad_id"].(string) + it["date_start"].(string)
			if seen[key] {
				t.Fatalf("row %s twice", key)
			}
			seen[key] = true
		}
	})
	t.Run("report rows", func(t *testing.T) {
		run, err := p.C.StartInsightsReport(ctx, insToken, insAccount, meta.InsightsQuery{Level: meta.LevelAd,
			Since: "2026-03-01", Until: "2026-03-06"})
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 3; i++ {
			if _, err := p.C.ReportStatus(ctx, insToken, run); err != nil {
				t.Fatal(err)
			}
		}
		items, pages := pgFollow(t, p, insToken, "/v25.0/"+run+"/insights?limit=2&fields=ad_id,spend")
		if len(items) < 5 || len(pages) < 3 {
			t.Fatalf("%d rows in %d pages", len(items), len(pages))
		}
	})

	// Five threads of three or more messages each: two sends and the person's replies (ReplyRate 1).
	page := "104000000000055"
	pageToken := "EAABpagingPageToken0123456789"
	p.S.RegisterPage(page, "Paging Page", pageToken)
	now := p.S.Now()
	for i := 0; i < 5; i++ {
		psid := audPSIDs(400+i, 1)[0]
		p.S.RegisterThread(page, psid, "US", now, "")
		for _, text := range []string{"Hello", "Our offer"} {
			if _, err := p.C.Send(ctx, meta.Message{PageID: page, Token: pageToken, Recipient: psid,
				MessagingType: meta.MessagingResponse, Text: text}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := p.S.Advance(ctx, time.Hour); err != nil {
		t.Fatal(err)
	}
	t.Run("conversations and their nested messages", func(t *testing.T) {
		fields := "participants,updated_time,messages.limit(2){id,created_time,message}"
		convs, _ := pgFollow(t, p, pageToken, "/v25.0/"+page+"/conversations?platform=messenger&limit=2&fields="+url.QueryEscape(fields))
		if len(convs) != 5 {
			t.Fatalf("%d conversations", len(convs))
		}
		for _, c := range convs {
			msgs := c["messages"].(map[string]any)
			got := len(msgs["data"].([]any))
			next, _ := msgs["paging"].(map[string]any)["next"].(string)
			u, _ := url.Parse(next)
			if u == nil || u.Scheme+"://"+u.Host != p.URL || u.Path != "/v25.0/"+c["id"].(string)+"/messages" ||
				u.Query().Get("fields") != "id,created_time,message" || u.Query().Get("limit") != "2" {
				t.Fatalf("nested next %q", next)
			}
			for next != "" {
				pg := pgGet(t, pageToken, next)
				got += len(pg["data"].([]any))
				next, _ = pg["paging"].(map[string]any)["next"].(string)
			}
			all := pgGet(t, pageToken, p.URL+"/v25.0/"+c["id"].(string)+"/messages?limit=100")
			if want := len(all["data"].([]any)); got != want || got < 3 {
				t.Fatalf("conversation %s: %d messages through nested next, %d in one page", c["id"], got, want)
			}
		}
		all := pgGet(t, pageToken, p.URL+"/v25.0/"+convs[0]["id"].(string)+"/messages?limit=100")
		msgs, _ := pgFollow(t, p, pageToken, "/v25.0/"+convs[0]["id"].(string)+"/messages?fields=id,message&limit=1")
		if len(msgs) != len(all["data"].([]any)) {
			t.Fatalf("%d messages one by one, %d in one page", len(msgs), len(all["data"].([]any)))
		}
	})
}

// TestSandboxReadsBackWholeSpecs: an ad set's targeting and a creative's object_story_spec come back with
// every key that was accepted, modelled by the sandbox or not, numbers intact (reference §3).
func TestSandboxReadsBackWholeSpecs(t *testing.T) {
	p := newPair(t, sandbox.Options{})
	ctx := context.Background()
	camp, err := p.C.CreateCampaign(ctx, mkToken, mkAccount, meta.CampaignSpec{Name: "c",
		Objective: meta.ObjectiveEngagement, Status: meta.AdStatusPaused})
	if err != nil {
		t.Fatal(err)
	}
	targeting := `{"geo_locations":{"countries":["FR"],"location_types":["home"]},"age_min":21,"age_max":55,` +
		`"publisher_platforms":["facebook","messenger"],"facebook_positions":["feed","marketplace"],` +
		`"messenger_positions":["messenger_home"],"device_platforms":["mobile"],"locales":[9,1003],` +
		`"flexible_spec":[{"interests":[{"id":"6003139266461","name":"Cooking"}]}],"targeting_automation":{"advantage_audience":0}}`
	set := mkID(t, p, "/v25.0/"+mkAccount+"/adsets", map[string]any{"name": "s", "campaign_id": camp,
		"destination_type": "MESSENGER", "optimization_goal": "CONVERSATIONS", "billing_event": "IMPRESSIONS",
		"daily_budget": 2000, "promoted_object": map[string]string{"page_id": mkPage}, "status": "PAUSED",
		"targeting": json.RawMessage(targeting)})
	_, raw, _ := mkRaw(t, p, "GET", "/v25.0/"+set+"?fields=targeting", nil)
	var read struct {
		Targeting json.RawMessage `json:"targeting"`
	}
	if err := json.Unmarshal(raw, &read); err != nil {
		t.Fatal(err)
	}
	pgSameJSON(t, "targeting", read.Targeting, targeting)
	got, err := p.C.AdSet(ctx, mkToken, set, "USD")
	if err != nil || len(got.MessengerPositions) != 1 {
		t.Fatalf("ad set %+v, %v", got, err)
	}
	pgSameJSON(t, "client's AdSet.Targeting", got.Targeting, targeting)

	spec := `{"page_id":104000000000001,"instagram_user_id":"17841400000000001","link_data":{"message":"Hi",` +
		`"link":"https://fb.com/messenger_doc/","image_hash":"a1b2c3","name":"Spring","attachment_style":"link",` +
		`"call_to_action":{"type":"MESSAGE_PAGE","value":{"app_destination":"MESSENGER"}}}}`
	cr := mkID(t, p, "/v25.0/"+mkAccount+"/adcreatives", map[string]any{"name": "cr", "object_story_spec": json.RawMessage(spec)})
	_, raw, _ = mkRaw(t, p, "GET", "/v25.0/"+cr+"?fields=object_story_spec", nil)
	var readCr struct {
		Spec json.RawMessage `json:"object_story_spec"`
	}
	if err := json.Unmarshal(raw, &readCr); err != nil {
		t.Fatal(err)
	}
	pgSameJSON(t, "object_story_spec", readCr.Spec, spec)
	if !strings.Contains(string(readCr.Spec), "104000000000001") {
		t.Fatalf("the Page id lost digits: %s", readCr.Spec)
	}
}

// pgSameJSON compares two JSON texts by value (key order and spacing aside).
func pgSameJSON(t *testing.T, what string, got json.RawMessage, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("%s: %v in %s", what, err, got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatal(err)
	}
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(w)
	if string(gb) != string(wb) {
		t.Fatalf("%s read back as\n%s\nwant\n%s", what, gb, wb)
	}
}
