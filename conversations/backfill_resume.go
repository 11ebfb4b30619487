package conversations

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ResumeAbandoned finishes the backfills nobody runs any more, in every agency: queued or running with a
// lapsed lease, because their instance stopped or crashed. Each is claimed as Start does (so two instances
// never run one job) and run from its cursor, one after the other. Failed jobs are left for a person to
// restart. It returns how many jobs it ran; a job's own failure is in its row, not in the error.
func (r *Backfiller) ResumeAbandoned(ctx context.Context) (int, error) {
	now := time.Now
	if r.Now != nil {
		now = r.Now
	}
	var jobs []struct{ TenantID, BrandID, PageID string }
	err := r.db.R.WithContext(ctx).Raw("SELECT tenant_id, brand_id, page_id FROM backfills WHERE status IN (?, ?) AND lease_until < ? "+
		"ORDER BY started_at LIMIT 100", BackfillQueued, BackfillRunning, now().UnixMilli()).Scan(&jobs).Error
	if err != nil {
		return 0, fmt.Errorf("conversations: abandoned backfills: %w", err)
	}
	ran := 0
	for _, j := range jobs {
		job, err := r.Jobs(j.TenantID).Start(ctx, j.BrandID, j.PageID)
		if errors.Is(err, ErrBackfillRunning) {
			continue // another instance took it first
		}
		if err != nil {
			return ran, err
		}
		ran++
		if _, err := r.Run(ctx, job); err != nil {
			if ctx.Err() != nil {
				return ran, ctx.Err()
			}
			r.log.Warn("resumed backfill ended with an error", "job", job.ID, "page", job.PageID, "err", err)
		}
	}
	return ran, nil
}
