package conversations_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"relance/conversations"
)

// TestTextSearchFoldsCaseBeyondASCII: "café" finds "CAFÉ" (SQLite's LOWER folds ASCII only), the same on both
// databases, also for messages stored before text_fold existed once FillTextFold has run.
func TestTextSearchFoldsCaseBeyondASCII(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	msg := func(psid, mid, text string) string {
		return `{"sender":{"id":"` + psid + `"},"recipient":{"id":"` + fixturePage + `"},"timestamp":1764064800000,"message":{"mid":"` + mid + `","text":"` + text + `"}}`
	}
	e.ingest(t, []byte(`{"object":"page","entry":[{"id":"`+fixturePage+`","time":1764064800000,"messaging":[`+
		msg("7420", "m_f1", "UN CAFÉ CRÈME SVP")+`,`+msg("7421", "m_f2", "Grüße aus der STRASSE")+`,`+msg("7422", "m_f3", "cafe sans accent")+`]}]}`))
	// A message written before the column existed: text_fold is NULL until FillTextFold.
	if err := e.db.W.Exec(`INSERT INTO messages (tenant_id, brand_id, page_id, psid, mid, direction, sender, text, sent_at)
		VALUES (?, ?, ?, '7421', 'm_old', 'in', 'user', 'ÉTÉ À PARIS', 1)`, e.tenant.ID, e.brand.ID, fixturePage).Error; err != nil {
		t.Fatal(err)
	}
	find := func(q string) []string {
		t.Helper()
		p, err := e.reader.Contacts(ctx, "meta-current", conversations.Filter{Text: q}, "", 50)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, c := range p.Contacts {
			out = append(out, c.PSID)
		}
		return out
	}
	for q, want := range map[string]string{"café": "7420", "Café Crème": "7420", "crème": "7420", "straße": "7421",
		"GRÜSSE": "7421", "cafe ": "7422"} {
		if got := find(q); len(got) != 1 || got[0] != want {
			t.Errorf("q=%q found %v, want [%s]", q, got, want)
		}
	}
	conversations.FillTextFold(ctx, e.db, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if got := find("été à"); len(got) != 1 || got[0] != "7421" {
		t.Errorf("an older message after FillTextFold: %v", got)
	}
	var n int64
	e.db.R.Raw("SELECT COUNT(*) FROM messages WHERE text_fold IS NULL").Scan(&n)
	if n != 0 {
		t.Errorf("%d messages left unfilled", n)
	}
}
