package attribution

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"gorm.io/gorm"

	"relance/conversations"
	"relance/tenancy"
)

const (
	psid1 = "7300000000000001"
	psid2 = "7300000000000002"
)

// feed observes events for the env's brand, each slice in a transaction of its own (a batch).
func (e *env) feed(t *testing.T, tr *Tracker, batches ...[]*conversations.Event) {
	t.Helper()
	for _, b := range batches {
		obs := make([]conversations.Observed, len(b))
		for i, ev := range b {
			if ev.PageID == "" {
				ev.PageID = testPage
			}
			obs[i] = conversations.Observed{TenantID: e.tenant, BrandID: e.brand.ID, Event: ev}
		}
		err := e.db.W.Transaction(func(tx *gorm.DB) error {
			if err := tr.Observer()(context.Background(), tx, obs); err != nil {
				return err
			}
			// As the ingester does after observing: the contact's latest user event moves on.
			for _, ev := range b {
				if err := tx.Exec(`UPDATE contacts SET last_interaction_at = CASE WHEN last_interaction_at > ? THEN last_interaction_at ELSE ? END
					WHERE page_id = ? AND psid = ?`, ev.At, ev.At, ev.PageID, ev.PSID).Error; err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func msg(psid string, at time.Time) *conversations.Event {
	return &conversations.Event{Kind: conversations.KindMessage, PSID: psid, At: at.UnixMilli(), MID: fmt.Sprintf("m.%s.%d", psid, at.UnixMilli())}
}

// convs lists a contact's conversations as "kind@hours after t0".
func (e *env) convs(t *testing.T, psid string) []string {
	t.Helper()
	var rows []struct {
		Kind      string
		StartedAt int64
	}
	if err := e.db.R.Raw("SELECT kind, started_at FROM attr_conversations WHERE tenant_id = ? AND page_id = ? AND psid = ? ORDER BY started_at",
		e.tenant, testPage, psid).Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rows {
		out = append(out, fmt.Sprintf("%s@%g", r.Kind, time.UnixMilli(r.StartedAt).Sub(t0).Hours()))
	}
	return out
}

func hours(h float64) time.Time { return t0.Add(time.Duration(h * float64(time.Hour))) }

func TestConversationBoundaries(t *testing.T) {
	cases := []struct {
		name  string
		gap   int // brand setting, 0 = default 24 h
		at    []float64
		split bool // one batch per message
		want  []string
	}{
		{"the first message ever", 0, []float64{0}, false, []string{"new@0"}},
		{"within the gap", 0, []float64{0, 5, 23.9}, false, []string{"new@0"}},
		{"a gap measured from the last message", 0, []float64{0, 20, 40}, false, []string{"new@0"}},
		{"exactly the gap", 0, []float64{0, 24}, false, []string{"new@0", "returning@24"}},
		{"after the gap", 0, []float64{0, 30, 31, 80}, false, []string{"new@0", "returning@30", "returning@80"}},
		{"batch by batch alike", 0, []float64{0, 30, 31, 80}, true, []string{"new@0", "returning@30", "returning@80"}},
		{"out of order in a batch", 0, []float64{80, 0, 31, 30}, false, []string{"new@0", "returning@30", "returning@80"}},
		{"the brand's gap", 2, []float64{0, 1.5, 4}, false, []string{"new@0", "returning@4"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, false)
			if c.gap > 0 {
				e.setHours(t, c.gap, 0)
			}
			tr := NewTracker(e.db)
			var batches [][]*conversations.Event
			var one []*conversations.Event
			for _, h := range c.at {
				if c.split {
					batches = append(batches, []*conversations.Event{msg(psid1, hours(h))})
				} else {
					one = append(one, msg(psid1, hours(h)))
				}
			}
			if !c.split {
				batches = [][]*conversations.Event{one}
			}
			e.feed(t, tr, batches...)
			if got := e.convs(t, psid1); !slices.Equal(got, c.want) {
				t.Errorf("%v, want %v", got, c.want)
			}
		})
	}
}

// setHours sets the brand's conversation gap and reply window (0 leaves one as it is).
func (e *env) setHours(t *testing.T, gap, reply int) {
	t.Helper()
	s := e.brand.Settings
	if gap > 0 {
		s.ConversationGap = &gap
	}
	if reply > 0 {
		s.ReplyWindow = &reply
	}
	v, _ := s.Value()
	if err := e.db.W.Exec("UPDATE brands SET settings = ? WHERE id = ?", v, e.brand.ID).Error; err != nil {
		t.Fatal(err)
	}
}

// campaign inserts a campaign of the env's brand with a ref ("" for none) and labelled link slugs.
func (e *env) campaign(t *testing.T, id, ref string, slugs ...string) {
	t.Helper()
	now := t0.UnixMilli()
	if err := e.db.W.Exec(`INSERT INTO campaigns (id, tenant_id, brand_id, name, kind, state, page_id, currency, ref, created_at, updated_at)
		VALUES (?, ?, ?, ?, 'sponsored_message', 'completed', ?, 'EUR', ?, ?, ?)`, id, e.tenant, e.brand.ID, "Campaign "+id, testPage, ref, now, now).Error; err != nil {
		t.Fatal(err)
	}
	for _, s := range slugs {
		if err := e.db.W.Exec(`INSERT INTO campaign_links (id, tenant_id, brand_id, campaign_id, label, slug, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			id+"-"+s, e.tenant, e.brand.ID, id, strings.ToUpper(s), s, now).Error; err != nil {
			t.Fatal(err)
		}
	}
}

// send inserts a campaign send to psid at a time, with a status.
func (e *env) send(t *testing.T, id, campaign, variant, psid, status string, at time.Time) {
	t.Helper()
	if err := e.db.W.Exec(`INSERT INTO campaign_sends (id, tenant_id, brand_id, campaign_id, run_id, slot, contact_id, page_id, psid, variant,
		route, status, sent_at, updated_at) VALUES (?, ?, ?, ?, 'run', ?, ?, ?, ?, ?, 'standard', ?, ?, ?)`, id, e.tenant, e.brand.ID, campaign,
		at.UnixMilli(), psid, testPage, psid, variant, status, at.UnixMilli(), at.UnixMilli()).Error; err != nil {
		t.Fatal(err)
	}
}

// touches lists a contact's touches as "type:campaign/variant[:extra]@hours".
func (e *env) touches(t *testing.T, psid string) []string {
	t.Helper()
	var rows []touchRecord
	if err := e.db.R.Raw(`SELECT id, conversation_at, type, campaign_id, variant, ad_id, ad_name, ref, link, send_id, at FROM attr_touches
		WHERE tenant_id = ? AND page_id = ? AND psid = ? ORDER BY at, type`, e.tenant, testPage, psid).Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rows {
		s := r.Type + ":" + r.CampaignID + "/" + r.Variant
		if r.Link != "" {
			s += ":" + r.Link
		}
		if r.AdName != "" {
			s += ":" + r.AdName
		}
		out = append(out, fmt.Sprintf("%s@%g", s, time.UnixMilli(r.At).Sub(t0).Hours()))
	}
	return out
}

// fakeAds knows the ads relance launched: ad id → campaign and variant.
type fakeAds map[string]AdOwner

func (f fakeAds) AdOwners(_ context.Context, _ *gorm.DB, _ string, ids []string) (map[string]AdOwner, error) {
	out := map[string]AdOwner{}
	for _, id := range ids {
		if o, ok := f[id]; ok {
			out[id] = o
		}
	}
	return out, nil
}

func referral(kind, psid string, at time.Time, r conversations.Referral) *conversations.Event {
	e := &conversations.Event{Kind: kind, PSID: psid, At: at.UnixMilli(), Referral: &r}
	if kind == conversations.KindMessage {
		e.MID = "m.ref"
	}
	return e
}

func TestTouchTypes(t *testing.T) {
	adCtx := json.RawMessage(`{"ad_title":"Winter sale","photo_url":"https://example.test/p.jpg"}`)
	cases := []struct {
		name   string
		events []*conversations.Event
		want   []string
	}{
		{"an ad relance launched", []*conversations.Event{
			referral(conversations.KindReferral, psid1, hours(0), conversations.Referral{Source: "ADS", AdID: "6001", AdsContext: adCtx}),
			msg(psid1, hours(0))}, []string{"ad_referral:camp-a/B:Winter sale@0"}},
		{"an outside ad, named", []*conversations.Event{
			referral(conversations.KindPostback, psid1, hours(0), conversations.Referral{Source: "ADS", AdID: "9999", AdsContext: adCtx})},
			[]string{"ad_referral:/:Winter sale@0"}},
		{"an outside ad whose ref names a campaign", []*conversations.Event{
			referral(conversations.KindReferral, psid1, hours(0), conversations.Referral{Source: "ADS", AdID: "9998", Ref: "summer"})},
			[]string{"ad_referral:camp-a/@0"}},
		{"a campaign's m.me link", []*conversations.Event{
			referral(conversations.KindReferral, psid1, hours(0), conversations.Referral{Source: "SHORTLINK", Ref: "summer"})},
			[]string{"ref_link:camp-a/@0"}},
		{"a campaign without ref, by its id", []*conversations.Event{
			referral(conversations.KindReferral, psid1, hours(0), conversations.Referral{Source: "SHORTLINK", Ref: "camp-b"})},
			[]string{"ref_link:camp-b/@0"}},
		{"a labelled link", []*conversations.Event{
			referral(conversations.KindReferral, psid1, hours(0), conversations.Referral{Source: "SHORTLINK", Ref: "summer.poster"})},
			[]string{"ref_link:camp-a/:POSTER@0"}},
		{"a referral riding beside an existing thread's message", []*conversations.Event{
			msg(psid1, hours(-100)), referral(conversations.KindReferral, psid1, hours(0), conversations.Referral{Source: "SHORTLINK", Ref: "summer"}),
			msg(psid1, hours(0))}, []string{"ref_link:camp-a/@0"}},
		{"an unknown ref is no touch", []*conversations.Event{
			referral(conversations.KindReferral, psid1, hours(0), conversations.Referral{Source: "SHORTLINK", Ref: "winter.nope"})}, nil},
		{"an ice breaker payload", []*conversations.Event{
			{Kind: conversations.KindPostback, PSID: psid1, At: hours(0).UnixMilli(), Payload: "ICE_1|ref=summer"}},
			[]string{"payload:camp-a/@0"}},
		{"a quick reply payload that is a link's ref", []*conversations.Event{
			{Kind: conversations.KindMessage, PSID: psid1, At: hours(0).UnixMilli(), MID: "m.qr", QuickReply: "summer.poster"}},
			[]string{"payload:camp-a/:POSTER@0"}},
		{"a payload without a ref", []*conversations.Event{
			{Kind: conversations.KindPostback, PSID: psid1, At: hours(0).UnixMilli(), Payload: "GET_STARTED"}}, nil},
		{"a reply within the window of a delivered send", []*conversations.Event{msg(psid2, hours(71))}, []string{"send_reply:camp-a/B@71"}},
		{"a reply after the window", []*conversations.Event{msg(psid2, hours(73))}, nil},
		{"a reply to a failed send", []*conversations.Event{msg(psid1, hours(1))}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, false)
			e.campaign(t, "camp-a", "summer", "poster")
			e.campaign(t, "camp-b", "")
			e.send(t, "send-2", "camp-a", "B", psid2, "read", hours(0))
			e.send(t, "send-1", "camp-b", "A", psid1, "failed", hours(0))
			tr := NewTracker(e.db)
			tr.Ads = fakeAds{"6001": {CampaignID: "camp-a", Variant: "B"}}
			e.feed(t, tr, c.events)
			psid := c.events[0].PSID
			if got := e.touches(t, psid); !slices.Equal(got, c.want) {
				t.Errorf("%v, want %v", got, c.want)
			}
		})
	}
}

func TestTouchesBelongToTheirOwnConversation(t *testing.T) {
	e := newEnv(t, false)
	e.campaign(t, "camp-a", "summer")
	tr := NewTracker(e.db)
	e.feed(t, tr, []*conversations.Event{
		referral(conversations.KindReferral, psid1, hours(0), conversations.Referral{Source: "SHORTLINK", Ref: "summer"}), msg(psid1, hours(0)),
		msg(psid1, hours(1))}, []*conversations.Event{msg(psid1, hours(50))})
	var rows []struct {
		Kind  string
		Count int
	}
	e.db.R.Raw(`SELECT c.kind, COUNT(t.id) AS count FROM attr_conversations c LEFT JOIN attr_touches t ON t.page_id = c.page_id
		AND t.psid = c.psid AND t.conversation_at = c.started_at WHERE c.psid = ? GROUP BY c.kind, c.started_at ORDER BY c.started_at`, psid1).Scan(&rows)
	if fmt.Sprint(rows) != "[{new 1} {returning 0}]" {
		t.Errorf("the returning conversation has no touch of its own, so is unattributed: %v", rows)
	}
	// The same referral again (a retried delivery that slipped past dedup) makes no second touch.
	e.feed(t, tr, []*conversations.Event{referral(conversations.KindReferral, psid1, hours(50), conversations.Referral{Source: "SHORTLINK", Ref: "summer"}),
		referral(conversations.KindReferral, psid1, hours(51), conversations.Referral{Source: "SHORTLINK", Ref: "summer"})})
	if got := e.touches(t, psid1); len(got) != 2 {
		t.Errorf("touches: %v", got)
	}
}

func TestRebuildGivesWhatIngestGave(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, false)
	e.campaign(t, "camp-a", "summer", "poster")
	e.send(t, "send-2", "camp-a", "B", psid2, "delivered", hours(0))
	v, _ := tenancy.NewVault([]byte("0123456789abcdef0123456789abcdef"))
	ts, err := tenancy.NewStore(ctx, e.db, v)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ts.Tenant(e.tenant).ConnectPage(ctx, e.brand.ID, tenancy.PageInput{PageID: testPage, Name: "Page", AccessToken: "EAAB-test-page-token"}); err != nil {
		t.Fatal(err)
	}
	in := conversations.NewIngester(e.db, v, prometheus.NewRegistry(), slog.New(slog.NewTextHandler(io.Discard, nil)), 100)
	in.Observe(NewTracker(e.db).Observer())
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { in.Run(runCtx); close(done) }()
	defer func() { cancel(); <-done }()
	body := func(items ...string) []byte {
		return []byte(`{"object":"page","entry":[{"id":"` + testPage + `","time":1,"messaging":[` + strings.Join(items, ",") + `]}]}`)
	}
	item := func(psid string, h float64, rest string) string {
		return fmt.Sprintf(`{"sender":{"id":"%s"},"recipient":{"id":"%s"},"timestamp":%d,%s}`, psid, testPage, hours(h).UnixMilli(), rest)
	}
	deliveries := [][]byte{
		body(item(psid1, 0, `"message":{"mid":"m1","text":"hi"},"referral":{"source":"SHORTLINK","type":"OPEN_THREAD","ref":"summer.poster"}`)),
		body(item(psid1, 2, `"message":{"mid":"m2","text":"and?"}`), item(psid2, 5, `"message":{"mid":"m3","text":"yes please"}`)),
		body(item(psid1, 40, `"postback":{"title":"Go","payload":"ref=summer","mid":"p1"}`)),
		body(item(psid1, 90, `"referral":{"source":"ADS","type":"OPEN_THREAD","ad_id":"777","ads_context_data":{"ad_title":"Outside"}}`)),
	}
	for _, d := range deliveries {
		entries, err := conversations.Parse(d, conversations.ParseOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := in.Submit(ctx, entries); err != nil {
			t.Fatal(err)
		}
	}
	before := [][]string{e.convs(t, psid1), e.touches(t, psid1), e.convs(t, psid2), e.touches(t, psid2)}
	want := "[[new@0 returning@40 returning@90] [ref_link:camp-a/:POSTER@0 payload:camp-a/@40 ad_referral:/:Outside@90] [new@5] [send_reply:camp-a/B@5]]"
	if fmt.Sprint(before) != want {
		t.Fatalf("ingested: %v\nwant %v", before, want)
	}
	if _, _, err := e.st.Create(ctx, ConversionInput{ExternalID: "o-1", PageID: testPage, PSID: psid1, Type: "purchase",
		Value: &Value{Amount: "10.01", Currency: "EUR"}, OccurredAt: hours(41).Format(time.RFC3339)}); err != nil {
		t.Fatal(err)
	}
	rollups := fmt.Sprint(e.days(t), e.credits(t, "linear", 28), e.credits(t, "last_touch", 1))
	if want := "[2026-11-01 camp-a///POSTER 1/1/0 2026-11-01 camp-a/B// 1/1/1 2026-11-03 camp-a/// 1/0/0 2026-11-05 //777/ 1/0/0] " +
		"[camp-a/ 50 500 camp-a/ 50 501] [camp-a/ 100 1001]"; rollups != want {
		t.Errorf("rollups: %s\nwant %s", rollups, want)
	}
	sum, err := NewTracker(e.db).Rebuild(ctx, e.tenant, e.brand.ID)
	if err != nil || sum.Conversations != 4 || sum.Touches != 4 {
		t.Fatalf("rebuild: %+v %v", sum, err)
	}
	after := [][]string{e.convs(t, psid1), e.touches(t, psid1), e.convs(t, psid2), e.touches(t, psid2)}
	if fmt.Sprint(after) != want {
		t.Errorf("rebuilt: %v\nwant %v", after, want)
	}
	if got := fmt.Sprint(e.days(t), e.credits(t, "linear", 28), e.credits(t, "last_touch", 1)); got != rollups {
		t.Errorf("rebuilt rollups: %s\nwant %s", got, rollups)
	}
}
