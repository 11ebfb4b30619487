package conversations_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"relance/conversations"
	"relance/database"
	"relance/internal/fixtures"
	"relance/internal/testdb"
	"relance/meta/sandbox"
	"relance/tenancy"
)

const (
	fixturePage = "104000000000001"
	ourApp      = "555000000000001"
)

// fixtureToken is the fixture Page's token as the sandbox of the backfill tests (app secret "s") issues it.
var fixtureToken = sandbox.PageToken("s", fixturePage)

// env is a database with one agency, one brand and the fixtures' Page connected, and a running ingester.
type env struct {
	db     *database.DB
	store  *tenancy.Store
	in     *conversations.Ingester
	tenant tenancy.Tenant
	brand  tenancy.Brand
	reader *conversations.Reader
}

func newEnv(t testing.TB) *env {
	t.Helper()
	// The package's tests run the deferred fold (what serve runs), folding only when a test asks (e.fold):
	// each test that reads aggregates after ingesting thereby checks that folding gives what it expects.
	return newEnvFolding(t, time.Hour)
}

// newEnvFolding is newEnv with the ingester's fold interval (0: contacts updated in the ingesting commit).
func newEnvFolding(t testing.TB, foldEvery time.Duration) *env {
	t.Helper()
	ctx := context.Background()
	v, _ := tenancy.NewVault([]byte("0123456789abcdef0123456789abcdef"))
	db := testdb.Open(t)
	st, err := tenancy.NewStore(ctx, db, v)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{db: db, store: st}
	e.tenant, _ = st.CreateTenant(ctx, "Agency", "agency")
	name, cur, tz := "Maison", "EUR", "Europe/Paris"
	e.brand, err = st.Tenant(e.tenant.ID).CreateBrand(ctx, tenancy.BrandInput{Name: &name, Currency: &cur, Timezone: &tz})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Tenant(e.tenant.ID).ConnectPage(ctx, e.brand.ID, tenancy.PageInput{PageID: fixturePage, Name: "Maison FR",
		AccessToken: fixtureToken}); err != nil {
		t.Fatal(err)
	}
	e.in = conversations.NewIngester(db, v, prometheus.NewRegistry(), slog.New(slog.NewTextHandler(io.Discard, nil)), 5000)
	e.in.FoldEvery(foldEvery)
	runCtx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); e.in.Run(runCtx) }()
	t.Cleanup(func() { cancel(); wg.Wait() })
	e.reader = conversations.NewReader(db, e.tenant.ID, e.brand.ID, ourApp)
	return e
}

// fixture reads a webhook sample of internal/fixtures.
func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := fixtures.Messenger(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (e *env) ingest(t testing.TB, body []byte) conversations.Result {
	t.Helper()
	entries, err := conversations.Parse(body, conversations.ParseOptions{AppID: ourApp, NLPThreshold: 0.8})
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.in.Submit(context.Background(), entries)
	if err != nil {
		t.Fatal(err)
	}
	e.fold(t)
	return res
}

// fold brings the contacts up to date with what was ingested (see Ingester.Fold).
func (e *env) fold(t testing.TB) {
	t.Helper()
	if err := e.in.Fold(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// contactID finds a contact by PSID.
func (e *env) contactID(t testing.TB, psid string) string {
	t.Helper()
	e.fold(t)
	var id string
	e.db.R.Raw("SELECT id FROM contacts WHERE tenant_id = ? AND brand_id = ? AND psid = ?", e.tenant.ID, e.brand.ID, psid).Scan(&id)
	if id == "" {
		t.Fatalf("no contact for %s", psid)
	}
	return id
}

func TestBatchOfAThousandIsStoredWholeAndOnce(t *testing.T) {
	e := newEnv(t)
	var items []string
	for i := 0; i < 1000; i++ {
		items = append(items, fmt.Sprintf(`{"sender":{"id":"71000000%08d"},"recipient":{"id":"%s"},"timestamp":%d,"message":{"mid":"m_batch_%d","text":"hello %d"}}`,
			i%50, fixturePage, 1764064800000+int64(i), i, i))
	}
	body := []byte(`{"object":"page","entry":[{"id":"` + fixturePage + `","time":1764064801000,"messaging":[` + strings.Join(items, ",") + `]}]}`)
	if res := e.ingest(t, body); res.Stored != 1000 || res.Duplicates != 0 {
		t.Fatalf("first delivery: %+v", res)
	}
	if res := e.ingest(t, body); res.Stored != 0 || res.Duplicates != 1000 {
		t.Fatalf("retry: %+v", res)
	}
	var msgs, contacts, inbound int64
	e.db.R.Raw("SELECT COUNT(*) FROM messages").Scan(&msgs)
	e.db.R.Raw("SELECT COUNT(*) FROM contacts").Scan(&contacts)
	e.db.R.Raw("SELECT SUM(inbound_count) FROM contacts").Scan(&inbound)
	if msgs != 1000 || contacts != 50 || inbound != 1000 {
		t.Fatalf("messages %d, contacts %d, inbound sum %d; want 1000, 50, 1000", msgs, contacts, inbound)
	}
}

func TestConcurrentSubmissionsAreGroupCommitted(t *testing.T) {
	e := newEnv(t)
	var wg sync.WaitGroup
	for w := 0; w < 20; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 25; i++ {
				body := fmt.Sprintf(`{"object":"page","entry":[{"id":"%s","time":1,"messaging":[{"sender":{"id":"72%d"},"recipient":{"id":"%s"},"timestamp":%d,"message":{"mid":"m_%d_%d","text":"x"}}]}]}`,
					fixturePage, w, fixturePage, 1764064800000+int64(i), w, i)
				e.ingest(t, []byte(body))
			}
		}(w)
	}
	wg.Wait()
	var n int64
	e.db.R.Raw("SELECT SUM(inbound_count) FROM contacts").Scan(&n)
	if n != 500 {
		t.Fatalf("inbound sum %d, want 500", n)
	}
}

func TestUnconnectedPageIsKeptAside(t *testing.T) {
	e := newEnv(t)
	body := []byte(`{"object":"page","entry":[{"id":"104000000000999","time":1764064800000,"messaging":[{"sender":{"id":"7300"},"recipient":{"id":"104000000000999"},"timestamp":1764064800000,"message":{"mid":"m_orphan","text":"hi"}}]}]}`)
	if res := e.ingest(t, body); res.Unrouted != 1 || res.Stored != 0 {
		t.Fatalf("%+v", res)
	}
	var raw string
	e.db.R.Raw("SELECT body FROM unrouted_entries WHERE page_id = ?", "104000000000999").Scan(&raw)
	if !strings.Contains(raw, "m_orphan") {
		t.Fatalf("unrouted body = %q", raw)
	}
}

func TestKeptAsideEntriesAreReplayedOnceThePageIsConnected(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const page = "104000000000888"
	body := []byte(`{"object":"page","entry":[{"id":"` + page + `","time":1764064800000,"messaging":[{"sender":{"id":"7301"},"recipient":{"id":"` + page + `"},"timestamp":1764064800000,"message":{"mid":"m_later","text":"anyone there?"}}]}]}`)
	e.ingest(t, body)
	o := conversations.ParseOptions{AppID: ourApp, NLPThreshold: 0.8}
	if n, err := e.in.Replay(ctx, o); err != nil || n != 0 {
		t.Fatalf("replay before connecting: %d %v", n, err)
	}
	if _, err := e.store.Tenant(e.tenant.ID).ConnectPage(ctx, e.brand.ID, tenancy.PageInput{PageID: page, Name: "Later",
		AccessToken: "EAAB-later-page-token"}); err != nil {
		t.Fatal(err)
	}
	if n, err := e.in.Replay(ctx, o); err != nil || n != 1 {
		t.Fatalf("replay: %d %v", n, err)
	}
	if n, _ := e.in.Replay(ctx, o); n != 0 {
		t.Fatalf("second replay replayed %d", n)
	}
	var text string
	e.db.R.Raw("SELECT text FROM messages WHERE mid = 'm_later'").Scan(&text)
	if text != "anyone there?" {
		t.Fatalf("replayed message text = %q", text)
	}
	e.contactID(t, "7301")
}
