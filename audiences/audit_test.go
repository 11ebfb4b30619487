package audiences

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"relance/meta/sandbox"
	"relance/tenancy"
)

// TestBuildAndSyncAreAudited: a build and a sync each leave an entry in the agency's audit log, with the actor
// of the context. Before, neither did.
func TestBuildAndSyncAreAudited(t *testing.T) {
	f := newSyncFixture(t, sandbox.Options{})
	ctx := tenancy.WithActor(context.Background(), tenancy.Actor{UserID: "u-1", Label: "admin@example.com"})
	for _, m := range syncMembers(syncPages, 0, 3) {
		f.exec(t, "INSERT INTO contacts (id, tenant_id, brand_id, page_id, psid, first_seen_at, last_inbound_at, inbound_count, updated_at) "+
			"VALUES (?, ?, ?, ?, ?, 1, 1, 1, 1)", tenancy.NewID(), f.tenant, f.brand.ID, m.PageID, m.PSID)
	}
	name, acct := "Audited", syncAccount
	a, err := f.store.Create(ctx, Input{Name: &name, Rule: json.RawMessage(`{"field":"inbound_count","op":"gte","value":1}`), AdAccountID: &acct})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.Build(ctx, a.ID, CauseManual); err != nil {
		t.Fatal(err)
	}
	if _, err := f.instance(t, nil).Sync(ctx, f.tenant, f.brand, a.ID); err != nil {
		t.Fatal(err)
	}
	var rows []struct{ Action, Actor, Summary string }
	if err := f.db.R.Raw("SELECT action, actor, summary FROM audit_log WHERE tenant_id = ? AND object_id = ? ORDER BY created_at, id",
		f.tenant, a.ID).Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rows {
		got = append(got, r.Action)
		if r.Actor != "admin@example.com" {
			t.Errorf("%s by %q, want the context's actor", r.Action, r.Actor)
		}
	}
	if strings.Join(got, ",") != "audience.create,audience.build,audience.sync" {
		t.Errorf("audit of the audience: %v", rows)
	}
}
