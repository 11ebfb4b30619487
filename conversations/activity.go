package conversations

import (
	"context"
	"encoding/json"
	"fmt"

	"gorm.io/gorm"
)

// ContactKey names a contact by its unique key: agency, brand, Page and PSID.
type ContactKey struct{ TenantID, BrandID, PageID, PSID string }

// lastInteractionsChunk bounds the contacts one LastInteractions statement reads.
const lastInteractionsChunk = 2000

// LastInteractions returns, per contact, the time (epoch ms) of its latest user event (message, postback,
// referral, opt-in) stored before the batch being written in tx: the contact's last_interaction_at, or a
// later one still queued in contact_fold_queue when aggregates are folded after the commit
// (ingest.fold_interval). A contact without any is absent. Each chunk is one statement, so that on
// PostgreSQL, where a fold may commit meanwhile, it reads the contact and its queued rows in one snapshot
// (a fold moves a delta from the queue to the contact atomically). An observer calls it before the batch's
// own contact writes, which it must not see.
func LastInteractions(ctx context.Context, tx *gorm.DB, keys []ContactKey) (map[ContactKey]int64, error) {
	// A batch holds few Pages: the PSIDs are grouped by Page, so that SQLite reads them as plain strings.
	type scope struct{ tenant, brand, page string }
	psids := map[scope][]string{}
	var scopes []scope
	for _, k := range keys {
		s := scope{k.TenantID, k.BrandID, k.PageID}
		if psids[s] == nil {
			scopes = append(scopes, s)
		}
		psids[s] = append(psids[s], k.PSID)
	}
	out := make(map[ContactKey]int64, len(keys))
	pg := tx.Dialector.Name() == "postgres"
	for _, s := range scopes {
		all := psids[s]
		for len(all) > 0 {
			part := all[:min(len(all), lastInteractionsChunk)]
			all = all[len(part):]
			var rows []struct {
				PSID string `gorm:"column:psid"`
				Last int64
			}
			var q *gorm.DB
			if pg {
				q = tx.WithContext(ctx).Raw(`SELECT psid, last_interaction_at AS last FROM contacts
					WHERE tenant_id = ? AND brand_id = ? AND page_id = ? AND psid IN ? AND last_interaction_at > 0
					UNION ALL SELECT psid, last_interaction_at FROM contact_fold_queue
					WHERE psid IN ? AND page_id = ? AND brand_id = ? AND last_interaction_at > 0`,
					s.tenant, s.brand, s.page, part, part, s.page, s.brand)
			} else {
				// The PSIDs as one JSON parameter (the driver binds parameters in quadratic time), each looked
				// up by key in both tables.
				doc, err := json.Marshal(part)
				if err != nil {
					return nil, fmt.Errorf("conversations: last interactions: %w", err)
				}
				q = tx.WithContext(ctx).Raw(`SELECT j.value AS psid, max(
					COALESCE((SELECT c.last_interaction_at FROM contacts c WHERE c.tenant_id = ? AND c.brand_id = ?
						AND c.page_id = ? AND c.psid = j.value), 0),
					COALESCE((SELECT MAX(f.last_interaction_at) FROM contact_fold_queue f WHERE f.psid = j.value
						AND f.page_id = ? AND f.brand_id = ? AND f.last_interaction_at > 0), 0)) AS last
					FROM json_each(?) j`, s.tenant, s.brand, s.page, s.page, s.brand, string(doc))
			}
			if err := q.Scan(&rows).Error; err != nil {
				return nil, fmt.Errorf("conversations: last interactions: %w", err)
			}
			for _, r := range rows {
				if r.Last <= 0 {
					continue
				}
				k := ContactKey{s.tenant, s.brand, s.page, r.PSID}
				out[k] = max(out[k], r.Last)
			}
		}
	}
	return out, nil
}
