package app

import (
	"context"
	"fmt"
	"time"

	"relance/audiences"
	"relance/campaigns"
	"relance/scheduler"
	"relance/tenancy"
)

// demoCampaign is a campaign every demo brand gets, left in the state its actions lead to. cron is the send
// slots of a sponsored message ("" takes the weekly default); past puts the flight a month back.
type demoCampaign struct {
	name, kind, ref string
	actions         []string
	cron, audience  string
	past            bool
}

// demoRegulars is the demo audience of people whose free window is open now: the running demo campaign
// sends to it every minute, so that a newcomer sees messages go, get delivered, read and answered at once.
const demoRegulars = "Wrote in the last day"

// demoCampaigns cover the three kinds and every state a newcomer should see: a running sponsored message
// that sends every minute (the frequency cap, one a day, keeps it from messaging anyone twice), scheduled
// campaigns of both families, one waiting for approval, a draft, a paused one, a completed one and an
// archived one. The ads kinds are not launched here: launching creates their objects in the Meta sandbox.
var demoCampaigns = []demoCampaign{
	{name: "Today's regulars", kind: campaigns.KindSponsoredMessage, ref: "camp=regulars", cron: "* * * * *", audience: demoRegulars,
		actions: []string{campaigns.ActSubmit, campaigns.ActApprove, campaigns.ActLaunch}},
	{name: "Spring menu · weekly reminder", kind: campaigns.KindSponsoredMessage, ref: "camp=spring:weekly",
		actions: []string{campaigns.ActSubmit, campaigns.ActApprove}},
	{name: "Spring menu · feed ads", kind: campaigns.KindClickToMessenger, ref: "camp=spring:feed",
		actions: []string{campaigns.ActSubmit, campaigns.ActApprove}},
	{name: "Inbox reminder", kind: campaigns.KindMessengerHome, ref: "camp=inbox", actions: []string{campaigns.ActSubmit}},
	{name: "Summer terrace", kind: campaigns.KindClickToMessenger, ref: "camp=terrace"},
	{name: "Weekend brunch", kind: campaigns.KindSponsoredMessage, ref: "camp=brunch", cron: "0 10 * * SAT",
		actions: []string{campaigns.ActSubmit, campaigns.ActApprove, campaigns.ActLaunch, campaigns.ActPause}},
	{name: "Valentine's dinner", kind: campaigns.KindSponsoredMessage, ref: "camp=valentine", past: true,
		actions: []string{campaigns.ActSubmit, campaigns.ActApprove, campaigns.ActLaunch, campaigns.ActComplete}},
	{name: "Winter sale", kind: campaigns.KindSponsoredMessage, ref: "camp=winter", actions: []string{campaigns.ActArchive}},
}

// demoPastStart and demoPastEnd are the flight of the demo's completed campaign, in days before now.
const (
	demoPastStart = 60
	demoPastEnd   = 30
)

// demoQuiet switches the demo brands' quiet hours off (from = to): the running demo campaign must move
// whatever the hour in Paris, Jakarta or Bangkok when someone tries the demo. The brand settings screen shows
// and changes them.
var demoQuiet = tenancy.QuietHours{From: "00:00", To: "00:00"}

// seedDemoCampaigns creates the demo campaigns of each brand, with budgets of twenty times Meta's daily
// minimum in the brand's currency, sending to the brand's demo audiences.
func seedDemoCampaigns(ctx context.Context, r *runtime, tenantID string, brandIDs []string) error {
	ts := r.store.Tenant(tenantID)
	now := time.Now().UTC()
	for _, id := range brandIDs {
		q := demoQuiet
		b, err := ts.UpdateBrand(ctx, id, tenancy.BrandInput{Settings: &tenancy.SettingsInput{QuietHours: &q}})
		if err != nil {
			return fmt.Errorf("app: demo campaigns: settings: %w", err)
		}
		pages, err := ts.Pages(ctx, id)
		if err != nil || len(pages) == 0 {
			return fmt.Errorf("app: demo campaigns: pages of %s: %v", b.Name, err)
		}
		accts, err := ts.AdAccounts(ctx, id)
		if err != nil || len(accts) == 0 {
			return fmt.Errorf("app: demo campaigns: ad accounts of %s: %v", b.Name, err)
		}
		auds, err := r.audienceStore(tenantID, b).List(ctx)
		if err != nil || len(auds) < 3 {
			return fmt.Errorf("app: demo campaigns: audiences of %s: %v", b.Name, err)
		}
		// A campaign of the past is written, approved and completed at the times it would have been, so its
		// timeline reads true: the store's clock is set before each step.
		clock := now
		st := campaigns.NewStore(r.db, tenantID, b, campaigns.Options{NextRun: scheduler.Next, Now: func() time.Time { return clock }})
		for _, d := range demoCampaigns {
			clock = now
			if d.past {
				clock = now.AddDate(0, 0, -demoPastStart-2)
			}
			in := demoCampaignInput(d, b, pages[0].PageID, accts[0].AccountID, auds, now)
			c, err := st.Create(ctx, in)
			if err != nil {
				return fmt.Errorf("app: demo campaign %s: %w", d.name, err)
			}
			for _, a := range d.actions {
				switch {
				case d.past && a == campaigns.ActComplete:
					clock = now.AddDate(0, 0, -demoPastEnd)
				case d.past:
					clock = clock.Add(time.Hour)
				}
				if _, err := st.Act(ctx, c.ID, a, campaigns.ActInput{}); err != nil {
					return fmt.Errorf("app: demo campaign %s: %s: %w", d.name, a, err)
				}
			}
		}
	}
	return nil
}

// demoCampaignInput is one demo campaign for a brand: A/B variants, the ads kinds with a welcome message.
func demoCampaignInput(d demoCampaign, b tenancy.Brand, pageID, account string, auds []audiences.Audience, now time.Time) campaigns.Input {
	name, kind, ref, page := d.name, d.kind, d.ref, pageID
	daily := campaigns.FormatAmount(20*campaigns.MinDailyBudget(b.Currency), b.Currency)
	ends := now.AddDate(0, 0, 28).Format(time.RFC3339)
	in := campaigns.Input{Name: &name, Kind: &kind, Ref: &ref, PageID: &page, EndsAt: &ends,
		Budget: &campaigns.BudgetInput{Period: campaigns.PeriodDaily, Amount: daily}}
	if d.past {
		starts, ended := now.AddDate(0, 0, -demoPastStart).Format(time.RFC3339), now.AddDate(0, 0, -demoPastEnd).Format(time.RFC3339)
		in.StartsAt, in.EndsAt = &starts, &ended
	}
	byName := map[string]string{}
	for _, a := range auds {
		byName[a.Name] = a.ID
	}
	holdout := 10
	in.HoldoutPercent = &holdout
	variants := []campaigns.Variant{
		{Key: "A", Weight: 50, Creative: campaigns.Creative{Text: "Our spring menu is here: asparagus, morels and the first strawberries.",
			QuickReplies: []campaigns.QuickReply{{Title: "Book a table", Payload: "BOOK"}, {Title: "See the menu", Payload: "MENU"}}}},
		{Key: "B", Weight: 50, Creative: campaigns.Creative{Text: "Spring is on the menu. Shall we keep you a table this week?",
			Buttons: []campaigns.Button{{Type: "postback", Title: "Book a table", Payload: "BOOK"}}}},
	}
	if campaigns.IsAds(kind) {
		obj := "OUTCOME_ENGAGEMENT"
		in.Objective, in.AdAccountID = &obj, &account
		for i := range variants {
			variants[i].Creative.Buttons = nil
			variants[i].Creative.Welcome = &campaigns.Welcome{Greeting: "Hello! What can we do for you?",
				IceBreakers: []campaigns.IceBreaker{{Question: "What is on the menu?", Payload: "MENU|" + ref},
					{Question: "Can I book a table?", Payload: "BOOK|" + ref}}}
		}
		in.Schedule = &campaigns.ScheduleInput{Active: []campaigns.Window{{Cron: "0 11 * * *", Minutes: 180}, {Cron: "0 18 * * *", Minutes: 240}}}
		in.Audiences = &campaigns.Audiences{Exclude: []string{byName["Engaged, gone quiet"]}}
	} else {
		cron := d.cron
		if cron == "" {
			cron = "0 11 * * MON,THU"
		}
		in.Schedule = &campaigns.ScheduleInput{SendCron: cron}
		in.Audiences = &campaigns.Audiences{Include: []string{byName["Spring campaign, no free window"], byName["Price askers, last 30 days"]},
			Exclude: []string{byName["Engaged, gone quiet"]}}
		if d.audience != "" {
			in.Audiences = &campaigns.Audiences{Include: []string{byName[d.audience]}, Exclude: []string{}}
		}
	}
	in.Variants = &variants
	return in
}
