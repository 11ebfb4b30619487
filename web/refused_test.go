package web_test

import (
	"net/http"
	"strings"
	"testing"

	"relance/database"
)

// TestRefusedDeliveryAnswersItsOwnError: a delivery the database refuses (here a trigger stands for a value
// it cannot store) gets a 500 that says so, without the database's words, and is kept for inspection; the
// next delivery is stored as usual.
func TestRefusedDeliveryAnswersItsOwnError(t *testing.T) {
	f := newFixture(t)
	db := f.store.DB()
	stmts := []string{`CREATE TRIGGER poison BEFORE INSERT ON messages WHEN NEW.text = 'poison' BEGIN SELECT RAISE(ABORT, 'poisoned value'); END`}
	if db.Dialect == database.Postgres {
		stmts = []string{`CREATE FUNCTION poison() RETURNS trigger AS $$ BEGIN IF NEW.text = 'poison' THEN
			RAISE EXCEPTION 'poisoned value'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`,
			`CREATE TRIGGER poison BEFORE INSERT ON messages FOR EACH ROW EXECUTE FUNCTION poison()`}
	}
	for _, q := range stmts {
		if err := db.W.Exec(q).Error; err != nil {
			t.Fatal(err)
		}
	}
	delivery := func(mid, text string) []byte {
		return []byte(`{"object":"page","entry":[{"id":"` + f.page.PageID + `","time":1764064800000,"messaging":[{"sender":{"id":"7460"},` +
			`"recipient":{"id":"` + f.page.PageID + `"},"timestamp":1764064800000,"message":{"mid":"` + mid + `","text":"` + text + `"}}]}]}`)
	}
	status, body := f.postWebhook(delivery("m_poison", "poison"), "")
	if status != http.StatusInternalServerError || !strings.Contains(body, "kept for inspection") || strings.Contains(body, "poisoned value") {
		t.Errorf("refused delivery: %d %s", status, body)
	}
	if status, body := f.postWebhook(delivery("m_fine", "fine"), ""); status != http.StatusOK {
		t.Errorf("next delivery: %d %s", status, body)
	}
	var n int64
	db.R.Raw("SELECT COUNT(*) FROM failed_entries WHERE body LIKE '%m_poison%'").Scan(&n)
	if n != 1 {
		t.Errorf("%d failed entries kept", n)
	}
}
