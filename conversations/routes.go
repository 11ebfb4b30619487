package conversations

import (
	"context"
	"fmt"
	"sync"
	"time"

	"relance/database"
)

// route is where a Page's events belong.
type route struct {
	TenantID string
	BrandID  string
	loaded   time.Time
}

// routeTTL bounds how long a Page stays routed to a brand after it was disconnected on another instance.
const routeTTL = 30 * time.Second

// pageRoutes caches Page → brand. A miss asks the database (a Page connected on another instance is found at
// once); entries expire after routeTTL, and Forget drops one at once on this instance.
type pageRoutes struct {
	db *database.DB
	mu sync.RWMutex
	m  map[string]route
}

func newPageRoutes(db *database.DB) *pageRoutes {
	return &pageRoutes{db: db, m: map[string]route{}}
}

// lookup resolves every Page id, returning the routes found; unknown Pages are absent from the map.
func (p *pageRoutes) lookup(ctx context.Context, pageIDs []string) (map[string]route, error) {
	out := make(map[string]route, len(pageIDs))
	var missing []string
	p.mu.RLock()
	for _, id := range pageIDs {
		if r, ok := p.m[id]; ok && time.Since(r.loaded) < routeTTL {
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
		p.m[r.PageID] = route{TenantID: r.TenantID, BrandID: r.BrandID, loaded: time.Now()}
		out[r.PageID] = p.m[r.PageID]
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
