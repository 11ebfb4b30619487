package audiences

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"relance/conversations"
)

// MemberPage is a page of a snapshot's members, in (Page, PSID) order.
type MemberPage struct {
	Members []conversations.ContactReach
	Next    string
}

// Members lists the members of one of the audience's snapshots (the latest when snapshotID is empty), with
// each contact's reachability now. The cursor is the last (Page, PSID) seen, so pages stay stable while the
// snapshot does not change, which is always.
func (s *Store) Members(ctx context.Context, audienceID, snapshotID, cursor string, limit int) (MemberPage, error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	snap, err := s.resolveSnapshot(ctx, audienceID, snapshotID)
	if err != nil {
		return MemberPage{}, err
	}
	q := s.db.R.WithContext(ctx).Table("audience_members").Select("page_id, psid").Where("snapshot_id = ?", snap.ID)
	if cursor != "" {
		page, psid, err := decodeMemberCursor(cursor)
		if err != nil {
			return MemberPage{}, err
		}
		q = q.Where("(page_id > ? OR (page_id = ? AND psid > ?))", page, page, psid)
	}
	var keys []contactKeyRow
	if err := q.Order("page_id, psid").Limit(limit + 1).Scan(&keys).Error; err != nil {
		return MemberPage{}, fmt.Errorf("audiences: members: %w", err)
	}
	var out MemberPage
	if len(keys) > limit {
		keys = keys[:limit]
		last := keys[limit-1]
		out.Next = base64.RawURLEncoding.EncodeToString([]byte(last.PageID + "|" + last.Psid))
	}
	out.Members, err = s.contactsByKeys(ctx, keys, s.opts.Now())
	if err != nil {
		return MemberPage{}, fmt.Errorf("audiences: members: %w", err)
	}
	return out, nil
}

// contactKeyRow is a contact's Page and PSID.
type contactKeyRow struct{ PageID, Psid string }

// contactsByKeys loads the brand's contacts with these keys, in the keys' order, with their reachability at
// now. Members are contacts of the brand (a build selects contacts; an import refuses other PSIDs).
func (s *Store) contactsByKeys(ctx context.Context, keys []contactKeyRow, now time.Time) ([]conversations.ContactReach, error) {
	out := []conversations.ContactReach{}
	if len(keys) == 0 {
		return out, nil
	}
	// Ids first, by seeks on the (tenant, brand, Page, PSID) index: given the pairs as one OR, SQLite would
	// rather walk the listing's activity order over the whole brand (2.5 s at a million contacts).
	pages, psids, want := []string{}, make([]string, 0, len(keys)), make(map[string]bool, len(keys))
	for _, k := range keys {
		if !contains(pages, k.PageID) {
			pages = append(pages, k.PageID)
		}
		psids = append(psids, k.Psid)
		want[k.PageID+"|"+k.Psid] = true
	}
	var found []struct{ ID, PageID, Psid string }
	if err := s.q(ctx, "contacts").Select("id, page_id, psid").Where("page_id IN ? AND psid IN ?", pages, psids).Scan(&found).Error; err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(keys))
	for _, f := range found {
		if want[f.PageID+"|"+f.Psid] {
			ids = append(ids, f.ID)
		}
	}
	if len(ids) == 0 {
		return out, nil
	}
	rd := conversations.NewReader(s.db, s.tenant, s.brand.ID, s.opts.AppID)
	page, err := rd.Contacts(ctx, s.brand.Policy, conversations.Filter{Now: now,
		Match: &conversations.Match{Where: "contacts.id IN ?", Args: []any{ids}}}, "", len(ids))
	if err != nil {
		return nil, err
	}
	byKey := make(map[string]conversations.ContactReach, len(page.Contacts))
	for _, c := range page.Contacts {
		byKey[c.PageID+"|"+c.PSID] = c
	}
	for _, k := range keys {
		if c, ok := byKey[k.PageID+"|"+k.Psid]; ok {
			out = append(out, c)
		}
	}
	return out, nil
}

// resolveSnapshot finds the audience's snapshot by id, or its latest.
func (s *Store) resolveSnapshot(ctx context.Context, audienceID, snapshotID string) (Snapshot, error) {
	if _, err := s.row(ctx, audienceID); err != nil {
		return Snapshot{}, err
	}
	if snapshotID == "" {
		return s.LatestSnapshot(ctx, audienceID)
	}
	return s.Snapshot(ctx, audienceID, snapshotID)
}

func decodeMemberCursor(c string) (string, string, error) {
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err == nil {
		if page, psid, ok := strings.Cut(string(raw), "|"); ok && page != "" && psid != "" {
			return page, psid, nil
		}
	}
	return "", "", &conversations.ErrBadFilter{Field: "cursor", Reason: "is not a cursor this API returned"}
}

// ExportColumns is the header of a members export: facts and reachability, never message text.
var ExportColumns = []string{"page_id", "psid", "first_seen_at", "last_inbound_at", "inbound_count", "reachability", "reachability_expires_at"}

// Export calls row for each member of a snapshot (the latest when snapshotID is empty) in (Page, PSID)
// order, as CSV fields with times in the brand's zone; it reads a page at a time, so memory stays constant.
func (s *Store) Export(ctx context.Context, audienceID, snapshotID string, row func([]string) error) error {
	snap, err := s.resolveSnapshot(ctx, audienceID, snapshotID)
	if err != nil {
		return err
	}
	loc, err := time.LoadLocation(s.brand.Timezone)
	if err != nil {
		loc = time.UTC
	}
	stamp := func(t *time.Time) string {
		if t == nil || t.IsZero() {
			return ""
		}
		return t.In(loc).Format(time.RFC3339)
	}
	cursor := ""
	for {
		p, err := s.Members(ctx, audienceID, snap.ID, cursor, 200)
		if err != nil {
			return err
		}
		for _, m := range p.Members {
			first := m.FirstSeenAt
			exp := m.Reachability.ExpiresAt
			if err := row([]string{m.PageID, m.PSID, stamp(&first), stamp(m.LastInboundAt), fmt.Sprint(m.InboundCount),
				m.Reachability.Class, stamp(&exp)}); err != nil {
				return err
			}
		}
		if p.Next == "" {
			return nil
		}
		cursor = p.Next
	}
}
