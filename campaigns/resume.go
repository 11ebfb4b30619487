package campaigns

import (
	"context"
	"fmt"
	"time"
)

// Resume carries on a run the sweep found due: a run still routing ClaimLease after it started most likely
// lost its instance while writing the send rows, so the slot is routed again (the rows already written
// stay, ON CONFLICT DO NOTHING keeps one per contact, then delivery follows); any other run is delivered.
func (s *Store) Resume(ctx context.Context, runID string, ro RunOptions) error {
	var run runRow
	if err := s.db.R.WithContext(ctx).Where("id = ? AND tenant_id = ? AND brand_id = ?", runID, s.tenant, s.brand.ID).Take(&run).Error; err != nil {
		return fmt.Errorf("campaigns: resume: %w", err)
	}
	if run.Status != RunRouting {
		return s.Deliver(ctx, runID, ro)
	}
	// Routed again from the audiences' latest snapshots, the ones the first attempt most likely built: a
	// router that is only slow (no heartbeat tells it from a dead one) then writes the same rows, and no
	// audience is rebuilt twice for one slot.
	ro.Build = nil
	ro.Cause = run.Cause
	if ro.Cause == "manual" {
		ro.Cause = "schedule" // a rerun finds the run instead of refusing the slot as already run
	}
	_, err := s.RunSlot(ctx, run.CampaignID, time.UnixMilli(run.Slot).UTC(), ro)
	return err
}
