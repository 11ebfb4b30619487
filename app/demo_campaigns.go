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

// demoCampaign is a campaign every demo brand gets, left in the state its actions lead to.
type demoCampaign struct {
	name, kind, ref string
	actions         []string
}

// demoCampaigns cover the three kinds and the states a newcomer should see: running, waiting for approval,
// a draft, and an archived one.
var demoCampaigns = []demoCampaign{
	{"Spring menu · weekly reminder", campaigns.KindSponsoredMessage, "camp=spring:weekly",
		[]string{campaigns.ActSubmit, campaigns.ActApprove, campaigns.ActLaunch}},
	{"Spring menu · feed ads", campaigns.KindClickToMessenger, "camp=spring:feed", []string{campaigns.ActSubmit}},
	{"Inbox reminder", campaigns.KindMessengerHome, "camp=inbox", nil},
	{"Winter sale", campaigns.KindSponsoredMessage, "camp=winter", []string{campaigns.ActArchive}},
}

// seedDemoCampaigns creates the demo campaigns of each brand, with budgets of twenty times Meta's daily
// minimum in the brand's currency, sending to the brand's demo audiences.
func seedDemoCampaigns(ctx context.Context, r *runtime, tenantID string, brandIDs []string) error {
	ts := r.store.Tenant(tenantID)
	now := time.Now().UTC()
	for _, id := range brandIDs {
		b, err := ts.Brand(ctx, id)
		if err != nil {
			return err
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
		st := campaigns.NewStore(r.db, tenantID, b, campaigns.Options{NextRun: scheduler.Next})
		for _, d := range demoCampaigns {
			in := demoCampaignInput(d, b, pages[0].PageID, accts[0].AccountID, auds, now)
			c, err := st.Create(ctx, in)
			if err != nil {
				return fmt.Errorf("app: demo campaign %s: %w", d.name, err)
			}
			for _, a := range d.actions {
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
		in.Schedule = &campaigns.ScheduleInput{SendCron: "0 11 * * MON,THU"}
		in.Audiences = &campaigns.Audiences{Include: []string{byName["Spring campaign, no free window"], byName["Price askers, last 30 days"]},
			Exclude: []string{byName["Engaged, gone quiet"]}}
	}
	in.Variants = &variants
	return in
}
