package audiences

import (
	"context"
	"testing"

	"relance/conversations"
)

// TestTextContainsFoldsCaseBeyondASCII: a "text contains café" rule finds the person who wrote "CAFÉ", on
// SQLite as on PostgreSQL.
func TestTextContainsFoldsCaseBeyondASCII(t *testing.T) {
	e := newStoreEnv(t, 2)
	for i, text := range []string{"UN CAFÉ SVP", "un thé"} {
		e.exec(`INSERT INTO messages (tenant_id, brand_id, page_id, psid, mid, direction, sender, text, sent_at, text_fold)
			VALUES (?, ?, ?, ?, ?, 'in', 'user', ?, 1, ?)`, e.tenant, e.brand.ID, storePage, []string{"73000000", "73000001"}[i],
			[]string{"m1", "m2"}[i], text, conversations.FoldText(text))
	}
	for value, want := range map[string]int64{"café": 1, "CAFÉ": 1, "Thé": 1, "cafe": 0} {
		p, err := e.st.Preview(context.Background(), []byte(`{"field":"text","op":"contains","value":"`+value+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		if p.Count != want {
			t.Errorf("text contains %q: %d, want %d", value, p.Count, want)
		}
	}
}
