package conversations

import (
	"context"
	"fmt"
	"sync"

	"relance/database"
)

// route is where a Page's events belong.
type route struct {
	TenantID string
	BrandID  string
}

// pageRoutes caches Page → brand. A miss asks the database (a Page connected on another instance is found at
// once). Disconnecting a Page moves the epoch in page_route_epoch in the same transaction; every lookup reads
// it (one single-row read per batch) and empties the cache when it moved, so that no instance, this one or
// another, routes a webhook to a Page after its disconnection committed. Re-validating each cached Page
// instead would cost the same query as having no cache; a time-to-live left a disconnected Page routed for
// up to its length.
type pageRoutes struct {
	db    *database.DB
	mu    sync.RWMutex
	m     map[string]route
	epoch int64
}

func newPageRoutes(db *database.DB) *pageRoutes {
	return &pageRoutes{db: db, m: map[string]route{}}
}

// lookup resolves every Page id, returning the routes found; unknown Pages are absent from the map.
func (p *pageRoutes) lookup(ctx context.Context, pageIDs []string) (map[string]route, error) {
	out := make(map[string]route, len(pageIDs))
	var epoch int64
	if err := p.db.R.WithContext(ctx).Raw("SELECT epoch FROM page_route_epoch WHERE id = 1").Row().Scan(&epoch); err != nil {
		return nil, fmt.Errorf("conversations: page route epoch: %w", err)
	}
	p.mu.Lock()
	if epoch > p.epoch {
		// Read before the misses below: a Page disconnected after this read is dropped at the next batch.
		p.m, p.epoch = map[string]route{}, epoch
	}
	p.mu.Unlock()
	var missing []string
	p.mu.RLock()
	for _, id := range pageIDs {
		if r, ok := p.m[id]; ok {
			out[id] = r
		} else {
			missing = append(missing, id)
		}
	}
	p.mu.RUnlock()
	if len(missing) == 0 {
		return out, nil
	}
	var rows []struct {
		PageID, TenantID, BrandID string
	}
	if err := p.db.R.WithContext(ctx).Raw("SELECT page_id, tenant_id, brand_id FROM pages WHERE page_id IN ?", missing).
		Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("conversations: page routes: %w", err)
	}
	p.mu.Lock()
	for _, r := range rows {
		out[r.PageID] = route{TenantID: r.TenantID, BrandID: r.BrandID}
		if p.epoch == epoch { // a concurrent lookup saw a newer epoch: these rows may predate it
			p.m[r.PageID] = out[r.PageID]
		}
	}
	p.mu.Unlock()
	return out, nil
}

// Forget drops a Page from the cache (after it was disconnected or moved).
func (p *pageRoutes) Forget(pageID string) {
	p.mu.Lock()
	delete(p.m, pageID)
	p.mu.Unlock()
}
