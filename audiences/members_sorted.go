package audiences

import (
	"context"
	"fmt"

	"relance/conversations"
)

// MembersByInbound lists the members of one of the audience's snapshots (the latest when snapshotID is
// empty) by their last message, most recent first, as the audience page shows them. The cursor is the
// contact listing's.
func (s *Store) MembersByInbound(ctx context.Context, audienceID, snapshotID, cursor string, limit int) (MemberPage, error) {
	snap, err := s.resolveSnapshot(ctx, audienceID, snapshotID)
	if err != nil {
		return MemberPage{}, err
	}
	rd := conversations.NewReader(s.db, s.tenant, s.brand.ID, s.opts.AppID)
	// Driven by the snapshot's members (an audience is a small part of a brand), joined to their contacts.
	match := &conversations.Match{Where: "contacts.id IN (SELECT c.id FROM audience_members m JOIN contacts c ON " +
		"c.tenant_id = ? AND c.brand_id = ? AND c.page_id = m.page_id AND c.psid = m.psid WHERE m.snapshot_id = ?)",
		Args: []any{s.tenant, s.brand.ID, snap.ID}}
	page, err := rd.Contacts(ctx, s.brand.Policy, conversations.Filter{Now: s.opts.Now(), ByInbound: true, Match: match}, cursor, limit)
	if err != nil {
		return MemberPage{}, fmt.Errorf("audiences: members by last message: %w", err)
	}
	return MemberPage{Members: page.Contacts, Next: page.Next}, nil
}
