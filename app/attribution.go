package app

import (
	"context"
	"fmt"
	"io"
	"time"

	"relance/attribution"
)

// cmdAttributionRebuild derives an agency's (or one brand's) conversations and touches again from the stored
// history, and the report rollups with them (report_days, report_credits), replacing what the incremental
// path wrote (after a change of conversation_gap, or events that
// arrived late and out of order). Run it while the brand is quiet: events stored meanwhile may be counted in
// a conversation the rebuild replaces.
func cmdAttributionRebuild(ctx context.Context, args []string, out io.Writer) error {
	fs, path, sets := newFlags("attribution rebuild")
	slug := fs.String("tenant", "", "agency slug")
	brand := fs.String("brand", "", "brand id or name (default: every brand of the agency)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := required("attribution rebuild", map[string]string{"tenant": *slug}); err != nil {
		return err
	}
	r, t, err := startForTenant(ctx, *path, *sets, *slug)
	if err != nil {
		return err
	}
	defer r.close()
	brandID := ""
	if *brand != "" {
		b, err := findBrand(ctx, r.store.Tenant(t.ID), *brand)
		if err != nil {
			return err
		}
		brandID = b.ID
	}
	start := time.Now()
	sum, err := attribution.NewTracker(r.db).Rebuild(ctx, t.ID, brandID)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "rebuilt attribution of %d contacts from %d events: %d conversations, %d touches, report credit of %d conversions in %v\n",
		sum.Contacts, sum.Events, sum.Conversations, sum.Touches, sum.Conversions, time.Since(start).Round(time.Millisecond))
	return nil
}
