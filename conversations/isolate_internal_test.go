package conversations

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"relance/database"
	"relance/internal/testdb"
	"relance/tenancy"
)

const isoPage = "104000000000321"

// poisonedIngester is an ingester (not running: the test hands it batches) over a database that refuses any
// message whose text is "poison", as PostgreSQL refuses a value it cannot store.
func poisonedIngester(t *testing.T) (*Ingester, *database.DB) {
	t.Helper()
	ctx := context.Background()
	v, _ := tenancy.NewVault([]byte("0123456789abcdef0123456789abcdef"))
	db := testdb.Open(t)
	st, err := tenancy.NewStore(ctx, db, v)
	if err != nil {
		t.Fatal(err)
	}
	tn, _ := st.CreateTenant(ctx, "Agency", "agency")
	name, cur, tz := "Maison", "EUR", "Europe/Paris"
	b, err := st.Tenant(tn.ID).CreateBrand(ctx, tenancy.BrandInput{Name: &name, Currency: &cur, Timezone: &tz})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Tenant(tn.ID).ConnectPage(ctx, b.ID, tenancy.PageInput{PageID: isoPage, Name: "P", AccessToken: "EAAB-isolation-page-token"}); err != nil {
		t.Fatal(err)
	}
	stmts := []string{`CREATE TRIGGER poison BEFORE INSERT ON messages WHEN NEW.text = 'poison' BEGIN SELECT RAISE(ABORT, 'poisoned value'); END`}
	if db.Dialect == database.Postgres {
		stmts = []string{`CREATE FUNCTION poison() RETURNS trigger AS $$ BEGIN IF NEW.text = 'poison' THEN
			RAISE EXCEPTION 'poisoned value' USING ERRCODE = '22023'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`,
			`CREATE TRIGGER poison BEFORE INSERT ON messages FOR EACH ROW EXECUTE FUNCTION poison()`}
	}
	for _, q := range stmts {
		if err := db.W.Exec(q).Error; err != nil {
			t.Fatal(err)
		}
	}
	in := NewIngester(db, v, prometheus.NewRegistry(), slog.New(slog.NewTextHandler(io.Discard, nil)), 5000)
	return in, db
}

func isoDelivery(t *testing.T, i int, text string) *submission {
	t.Helper()
	body := fmt.Sprintf(`{"object":"page","entry":[{"id":"%s","time":1764064800000,"messaging":[{"sender":{"id":"75%02d"},"recipient":{"id":"%s"},"timestamp":%d,"message":{"mid":"m_iso_%d","text":"%s"}}]}]}`,
		isoPage, i, isoPage, 1764064800000+int64(i), i, text)
	entries, err := Parse([]byte(body), ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return &submission{entries: entries, done: make(chan submitResult, 1)}
}

// TestOneRefusedDeliveryNeverFailsItsBatchMates: a batch whose transaction the database refuses is split
// until the delivery at fault stands alone: the others are stored and answered, it alone gets ErrRefused and
// is kept in failed_entries (once, however often Meta retries it).
func TestOneRefusedDeliveryNeverFailsItsBatchMates(t *testing.T) {
	in, db := poisonedIngester(t)
	var batch []*submission
	for i := 0; i < 7; i++ {
		text := "fine"
		if i == 4 {
			text = "poison"
		}
		batch = append(batch, isoDelivery(t, i, text))
	}
	in.writeBatch(batch)
	for i, s := range batch {
		r := <-s.done
		switch {
		case i == 4:
			var re *RefusedError
			if !errors.Is(r.err, ErrRefused) || !errors.As(r.err, &re) || re.Kept != 1 {
				t.Errorf("the poisoned delivery: %+v %v", r.res, r.err)
			}
		case r.err != nil || r.res.Stored != 1:
			t.Errorf("delivery %d: %+v %v", i, r.res, r.err)
		}
	}
	var n int64
	db.R.Raw("SELECT COUNT(*) FROM messages").Scan(&n)
	if n != 6 {
		t.Errorf("%d messages stored, want 6", n)
	}
	again := isoDelivery(t, 4, "poison")
	in.writeBatch([]*submission{again})
	if r := <-again.done; !errors.Is(r.err, ErrRefused) {
		t.Errorf("retry: %v", r.err)
	}
	var rows []struct {
		Body     string
		Error    string
		Attempts int64
	}
	db.R.Raw("SELECT body, error, attempts FROM failed_entries").Scan(&rows)
	if len(rows) != 1 || !strings.Contains(rows[0].Body, "m_iso_4") || !strings.Contains(rows[0].Error, "poisoned value") || rows[0].Attempts != 2 {
		t.Errorf("failed entries: %+v", rows)
	}
}

// TestImportReportsTheLineTheDatabaseRefuses: an import batch the database refuses is written line by line;
// the refused line is listed, the others are imported.
func TestImportReportsTheLineTheDatabaseRefuses(t *testing.T) {
	in, db := poisonedIngester(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { in.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	var lines []string
	for i, text := range []string{"one", "poison", "three"} {
		lines = append(lines, fmt.Sprintf(`{"page_id":"%s","psid":"76%02d","sent_at":%d,"text":"%s"}`, isoPage, i, 1764064800000+int64(i), text))
	}
	res, err := in.Import(ctx, strings.NewReader(strings.Join(lines, "\n")), "jsonl", map[string]bool{isoPage: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Imported != 2 || len(res.Errors) != 1 || res.Errors[0].Line != 2 {
		t.Fatalf("import: %+v", res)
	}
	var n int64
	db.R.Raw("SELECT COUNT(*) FROM failed_entries").Scan(&n)
	if n != 0 {
		t.Errorf("an import line was kept as a failed webhook entry")
	}
}
