package campaigns

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"relance/scheduler"
	"relance/tenancy"
)

// countingLogger counts the statements a session runs.
type countingLogger struct {
	logger.Interface
	n *atomic.Int32
}

func (l countingLogger) LogMode(logger.LogLevel) logger.Interface { return l }

func (l countingLogger) Trace(ctx context.Context, begin time.Time, fc func() (string, int64), err error) {
	l.n.Add(1)
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

func ptr(t time.Time) *time.Time { return &t }

// TestOccurrencesInTheBrandZone lists send slots, ads windows and a flight: slots follow the cron in the
// brand's zone across the change to summer time, inside the flight only; a window already open at the start
// of the range is listed and marked now; windows end with the flight.
func TestOccurrencesInTheBrandZone(t *testing.T) {
	sm := Campaign{Kind: KindSponsoredMessage, StartsAt: ptr(utc("2026-03-03T08:00:00Z")), EndsAt: ptr(utc("2026-04-01T00:00:00Z")),
		Schedule: Schedule{SendCron: "0 11 * * MON,THU", Timezone: "Europe/Paris"}}
	got := Occurrences(sm, utc("2026-03-02T10:00:00Z"), utc("2026-05-01T00:00:00Z"), 100, scheduler.Next)
	// Thursdays and Mondays from 5 March to 30 March: 11:00 in Paris is 10:00 UTC, then 09:00 UTC from 29 March.
	want := []string{"2026-03-05T10:00:00Z", "2026-03-09T10:00:00Z", "2026-03-12T10:00:00Z", "2026-03-16T10:00:00Z",
		"2026-03-19T10:00:00Z", "2026-03-23T10:00:00Z", "2026-03-26T10:00:00Z", "2026-03-30T09:00:00Z"}
	if len(got) != len(want) {
		t.Fatalf("slots %v, want %v", got, want)
	}
	for i, w := range want {
		if !got[i].Start.Equal(utc(w)) || got[i].What != OccurSlot || got[i].End != nil {
			t.Errorf("slot %d = %+v, want %s", i, got[i], w)
		}
	}
	if got := Occurrences(sm, utc("2026-03-02T10:00:00Z"), utc("2026-05-01T00:00:00Z"), 3, scheduler.Next); len(got) != 3 {
		t.Errorf("limit 3 gave %d slots", len(got))
	}

	ads := Campaign{Kind: KindMessengerHome, StartsAt: ptr(utc("2026-03-03T00:00:00Z")), EndsAt: ptr(utc("2026-03-13T20:00:00Z")),
		Schedule: Schedule{Active: []Window{{Cron: "0 18 * * FRI", Minutes: 360}}, Timezone: "Europe/Paris"}}
	got = Occurrences(ads, utc("2026-03-06T20:00:00Z"), utc("2026-03-20T00:00:00Z"), 10, scheduler.Next)
	if len(got) != 2 {
		t.Fatalf("windows %+v", got)
	}
	if w := got[0]; w.What != OccurWindow || !w.Start.Equal(utc("2026-03-06T17:00:00Z")) || !w.End.Equal(utc("2026-03-06T23:00:00Z")) || !w.Now {
		t.Errorf("the open window is %+v", w)
	}
	if w := got[1]; !w.Start.Equal(utc("2026-03-13T17:00:00Z")) || !w.End.Equal(utc("2026-03-13T20:00:00Z")) || w.Now {
		t.Errorf("the last window is %+v, want it cut at the end of the flight", w)
	}

	ads.Schedule.Active = nil
	got = Occurrences(ads, utc("2026-03-01T00:00:00Z"), utc("2026-03-08T00:00:00Z"), 10, scheduler.Next)
	if len(got) != 1 || got[0].What != OccurFlight || !got[0].Start.Equal(*ads.StartsAt) || !got[0].End.Equal(*ads.EndsAt) || got[0].Now {
		t.Errorf("flight %+v", got)
	}
	if got := Occurrences(ads, utc("2026-03-14T00:00:00Z"), utc("2026-03-20T00:00:00Z"), 10, scheduler.Next); len(got) != 0 {
		t.Errorf("after the flight: %+v", got)
	}
}

// TestActivitiesCountSendsAndSpend runs a slot in the sandbox: the campaign's activity counts its sends by
// status, its spend is zero because only free messages went, its next slot is the cron's; a draft ads
// campaign plans nothing and has no spend, and a running ads campaign's spend is unknown rather than made up.
func TestActivitiesCountSendsAndSpend(t *testing.T) {
	f := newSendFixture(t, 3)
	ctx := context.Background()
	if _, err := f.st.RunSlot(ctx, f.campaign.ID, f.now, f.options(t, "a", nil)); err != nil {
		t.Fatal(err)
	}
	ads := `{"name":"Home","kind":"messenger_home","page_id":"` + testPage + `","ad_account_id":"2300000000001","objective":"OUTCOME_ENGAGEMENT",
		"budget":{"period":"lifetime","amount":"300"},"starts_at":"2026-03-03T00:00:00Z","ends_at":"2026-03-13T00:00:00Z",
		"variants":[{"key":"A","weight":100,"creative":{"text":"Come chat","welcome":{"greeting":"Hi!","ice_breakers":[{"question":"Menu?","payload":"MENU"}]}}}]}`
	draft, err := f.st.Create(ctxAs("m"), input(t, ads))
	if err != nil {
		t.Fatal(err)
	}
	live, err := f.st.Create(ctxAs("m"), input(t, merge(t, ads, `{"name":"Home live"}`)))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.st.db.W.Exec(`UPDATE campaigns SET state = ? WHERE id = ?`, StateRunning, live.ID).Error; err != nil {
		t.Fatal(err)
	}
	list, _, err := f.st.List(ctx, Filter{}, tenancy.Cursor{})
	if err != nil {
		t.Fatal(err)
	}
	acts, err := Activities(ctx, f.st.db, f.st.tenant, list, f.now, f.st.opts)
	if err != nil {
		t.Fatal(err)
	}
	// One statement for the whole page, however many campaigns it holds.
	var n atomic.Int32
	counted := *f.st.db
	counted.R = f.st.db.R.Session(&gorm.Session{Logger: countingLogger{Interface: logger.Discard, n: &n}})
	if _, err := Activities(ctx, &counted, f.st.tenant, list, f.now, f.st.opts); err != nil || n.Load() != 1 {
		t.Errorf("the activity of %d campaigns ran %d statements (%v), want 1", len(list), n.Load(), err)
	}
	a := acts[f.campaign.ID]
	if a.Sends.Total != 5 || a.Sends.Messaged != 3 || a.Sends.Counts[SendSent] != 3 || a.Sends.Counts[SendSkipped] != 1 || a.Sends.Counts[SendQueued] != 1 {
		t.Errorf("sends %+v", a.Sends)
	}
	if a.Spend == nil || a.Spend.Amount != "0.00" || a.Spend.Currency != "EUR" {
		t.Errorf("spend of free messages %+v (%s)", a.Spend, a.SpendNote)
	}
	// The fixture's campaign starts on 3 March 09:00 Paris and sends Mondays and Thursdays at 11:00.
	if a.Next == nil || a.Next.What != OccurSlot || !a.Next.Start.Equal(utc("2026-03-05T10:00:00Z")) {
		t.Errorf("next %+v", a.Next)
	}
	if d := acts[draft.ID]; d.Next != nil || d.Spend != nil || d.Sends.Total != 0 || d.SpendNote != spendNone {
		t.Errorf("draft ads campaign %+v", d)
	}
	if l := acts[live.ID]; l.Spend != nil || l.SpendNote != spendUnknown || l.Next == nil || l.Next.What != OccurFlight {
		t.Errorf("running ads campaign %+v", l)
	}
}

// TestCalendarScopeAndRange: the calendar holds only the brands passed in, caps a campaign sending every
// minute, and names the field of a range it refuses.
func TestCalendarScopeAndRange(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	c, err := e.st.Create(ctxAs("m"), input(t, merge(t, e.sponsored(), `{"schedule":{"send_cron":"* * * * *"}}`)))
	if err != nil {
		t.Fatal(err)
	}
	if err := e.st.db.W.Exec(`UPDATE campaigns SET state = ? WHERE id = ?`, StateRunning, c.ID).Error; err != nil {
		t.Fatal(err)
	}
	name, cur, tz := "Other", "USD", "America/New_York"
	other, err := e.ts.CreateBrand(ctx, tenancy.BrandInput{Name: &name, Currency: &cur, Timezone: &tz})
	if err != nil {
		t.Fatal(err)
	}
	from, to := utc("2026-03-04T00:00:00Z"), utc("2026-03-11T00:00:00Z")
	page, err := CalendarOf(ctx, e.st.db, e.st.tenant, []tenancy.Brand{e.brand}, from, to, e.st.opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Data) != CalendarPerCampaign || len(page.Truncated) != 1 || page.Truncated[0] != c.ID {
		t.Errorf("a campaign sending every minute: %d entries, truncated %v", len(page.Data), page.Truncated)
	}
	if e0 := page.Data[0]; !e0.Start.Equal(from) || e0.Timezone != "Europe/Paris" || e0.CampaignID != c.ID || e0.Name != "Spring menu" {
		t.Errorf("first entry %+v", e0)
	}
	page, err = CalendarOf(ctx, e.st.db, e.st.tenant, []tenancy.Brand{other}, from, to, e.st.opts)
	if err != nil || len(page.Data) != 0 {
		t.Errorf("another brand's calendar: %d entries, %v", len(page.Data), err)
	}
	if _, err := CalendarOf(ctx, e.st.db, e.st.tenant, []tenancy.Brand{e.brand}, to, from, e.st.opts); fieldsOf(err)["to"] == "" {
		t.Errorf("a range ending before it starts: %v", err)
	}
	if _, err := CalendarOf(ctx, e.st.db, e.st.tenant, []tenancy.Brand{e.brand}, from, from.Add(CalendarMaxRange+time.Hour), e.st.opts); fieldsOf(err)["to"] == "" {
		t.Errorf("a range too long: %v", err)
	}
}
