package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"relance/conversations"
	"relance/meta/sandbox"
	"relance/tenancy"
)

// The demo's history backfill. Maison Lumière's Page had conversations before the restaurant connected it to
// relance: the sandbox (Meta) holds them, relance does not. At every start the sandbox is given those older
// threads (the same ones each time, dated before the demo agency was created), and the first start runs a
// backfill of the Page through the Conversations API, so that the brand screen shows a finished backfill and
// the conversation list holds people whose history predates everything else.
const (
	// demoHistoryBrand is the index in demoBrands of the brand whose Page has older history.
	demoHistoryBrand = 0
	// demoHistoryThreads is how many older threads the sandbox holds for it.
	demoHistoryThreads = 40
	// demoHistoryPSIDBase starts the older threads' PSIDs, apart from the live contacts' (seedConversations).
	demoHistoryPSIDBase = 7100000000900000
	// demoHistoryGap is how long before the demo agency's creation the older threads end: before the live
	// contacts' latest activity (within 60 days) and spread over demoHistoryDays.
	demoHistoryGap  = 61 * 24 * time.Hour
	demoHistoryDays = 300
)

// demoBackfill gives the sandbox the demo Page's older threads and, unless the Page was backfilled already,
// backfills it now with bf. The ingester bf writes through must be running.
func demoBackfill(ctx context.Context, r *runtime, sb *sandbox.Sandbox, bf *conversations.Backfiller) (conversations.Backfill, error) {
	ctx = tenancy.WithActor(ctx, tenancy.Actor{Label: "demo"})
	t, err := r.store.TenantBySlug(ctx, demoSlug)
	if err != nil {
		return conversations.Backfill{}, fmt.Errorf("app: demo backfill: %w", err)
	}
	ts := r.store.Tenant(t.ID)
	brand, page, err := demoHistoryPage(ctx, ts)
	if err != nil {
		return conversations.Backfill{}, fmt.Errorf("app: demo backfill: %w", err)
	}
	pageID := page.PageID
	gen := conversations.NewSynthetic([]string{pageID}, r.cfg.EffectiveAppID(), t.CreatedAt.Add(-demoHistoryGap), 0x4157, demoHistoryPSIDBase)
	gen.Voice, gen.Days = demoBrands[demoHistoryBrand].voice, demoHistoryDays
	for i := range demoHistoryThreads {
		psid, msgs := gen.History(i)
		out := make([]sandbox.ThreadMessage, len(msgs))
		for k, m := range msgs {
			out[k] = sandbox.ThreadMessage{ID: m.MID, At: m.At, FromPage: m.FromPage, Text: m.Text}
		}
		sb.SeedThread(pageID, psid, out)
	}
	jobs := bf.Jobs(t.ID)
	if last, err := jobs.Latest(ctx, brand.ID, pageID); err == nil {
		return last, nil // backfilled at an earlier start, or by someone since: leave it as it is
	} else if !errors.Is(err, conversations.ErrNotFound) {
		return conversations.Backfill{}, err
	}
	job, err := jobs.Start(ctx, brand.ID, pageID)
	if err != nil {
		return job, err
	}
	if err := ts.Record(ctx, tenancy.AuditEntry{BrandID: brand.ID, Action: tenancy.ActionBackfillStart, ObjectType: "page",
		ObjectID: page.ID, Summary: fmt.Sprintf("%s (Page %s), the demo's older history", page.Name, pageID)}); err != nil {
		return job, err
	}
	return bf.Run(ctx, job)
}

// demoHistoryPage finds the brand with older history and its Page.
func demoHistoryPage(ctx context.Context, ts *tenancy.TenantStore) (tenancy.Brand, tenancy.Page, error) {
	brands, _, err := ts.Brands(ctx, tenancy.Visible{All: true}, tenancy.Cursor{})
	if err != nil {
		return tenancy.Brand{}, tenancy.Page{}, err
	}
	for _, b := range brands {
		if b.Name != demoBrands[demoHistoryBrand].name {
			continue
		}
		pages, err := ts.Pages(ctx, b.ID)
		if err != nil {
			return b, tenancy.Page{}, err
		}
		if len(pages) == 0 {
			return b, tenancy.Page{}, fmt.Errorf("%s has no Page: %w", b.Name, tenancy.ErrNotFound)
		}
		return b, pages[0], nil
	}
	return tenancy.Brand{}, tenancy.Page{}, fmt.Errorf("brand %s: %w", demoBrands[demoHistoryBrand].name, tenancy.ErrNotFound)
}
