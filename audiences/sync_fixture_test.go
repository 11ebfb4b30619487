package audiences

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"relance/database"
	"relance/internal/testdb"
	"relance/meta"
	"relance/meta/sandbox"
	"relance/tenancy"
)

// syncSecret is the app secret the sync tests' sandbox and clients share.
const syncSecret = "sync-test-secret"

// syncAccount is the ad account of the sync tests' audiences, as tenancy and the audience API store it.
const syncAccount = "act_1000000000001"

// syncFixture is a brand whose audiences sync to a sandbox playing Meta, on one simulated clock shared by
// the syncers, the Meta clients and the sandbox's usage windows, so that no test waits on the wall clock.
type syncFixture struct {
	db     *database.DB
	tenant string
	brand  tenancy.Brand
	store  *Store
	sb     *sandbox.Sandbox
	url    string
	clock  *syncClock
	token  string // what the Token dependency answers; tests change it
}

func newSyncFixture(t *testing.T, so sandbox.Options) *syncFixture {
	t.Helper()
	ctx := context.Background()
	db := testdb.Open(t)
	v, _ := tenancy.NewVault([]byte("0123456789abcdef0123456789abcdef"))
	ts, err := tenancy.NewStore(ctx, db, v)
	if err != nil {
		t.Fatal(err)
	}
	tn, err := ts.CreateTenant(ctx, "Agency", "agency")
	if err != nil {
		t.Fatal(err)
	}
	name, cur, tz := "Maison", "EUR", "Europe/Paris"
	brand, err := ts.Tenant(tn.ID).CreateBrand(ctx, tenancy.BrandInput{Name: &name, Currency: &cur, Timezone: &tz})
	if err != nil {
		t.Fatal(err)
	}
	clock := &syncClock{now: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)}
	so.AppSecret, so.Start, so.Now = syncSecret, clock.Now(), clock.Now
	sb, err := sandbox.New(so)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	f := &syncFixture{db: db, tenant: tn.ID, brand: brand, sb: sb, url: srv.URL, clock: clock, token: "EAAB-sync-token"}
	f.store = NewStore(db, tn.ID, brand, Options{Keep: 1, Now: clock.Now,
		AdAccount: func(context.Context, string) error { return nil }})
	return f
}

// instance is one relance instance: its own Meta client, over the wire given (nil: straight to the sandbox).
func (f *syncFixture) instance(t *testing.T, w *syncWire) *Syncer {
	t.Helper()
	if w == nil {
		w = &syncWire{}
	}
	w.next = http.DefaultTransport
	c, err := meta.New(meta.Options{BaseURL: f.url, Version: "v25.0", AppSecret: syncSecret, SendRate: -1, Retries: 3,
		Clock: syncInstant{f.clock}, HTTP: &http.Client{Transport: w}})
	if err != nil {
		t.Fatal(err)
	}
	return NewSyncer(f.db, c, SyncOptions{Now: f.clock.Now, Token: func(_ context.Context, tenantID, brandID, accountID string) (string, error) {
		if tenantID != f.tenant || brandID != f.brand.ID || !strings.HasPrefix(accountID, "act_") {
			return "", fmt.Errorf("token asked for %s/%s/%s: %w", tenantID, brandID, accountID, tenancy.ErrNotFound)
		}
		return f.token, nil
	}})
}

func (f *syncFixture) exec(t *testing.T, q string, args ...any) {
	t.Helper()
	if err := f.db.W.Exec(q, args...).Error; err != nil {
		t.Fatalf("%v\n%s", err, q)
	}
}

// audience writes a manual audience on the fixture's ad account, without snapshots.
func (f *syncFixture) audience(t *testing.T, name string) string {
	t.Helper()
	id := tenancy.NewID()
	f.exec(t, "INSERT INTO audiences (id, tenant_id, brand_id, name, kind, ad_account_id, created_at, updated_at) VALUES (?, ?, ?, ?, 'manual', ?, 1, 1)",
		id, f.tenant, f.brand.ID, name, syncAccount)
	return id
}

// snapshot writes the audience's next snapshot with these members and prunes the older ones, as retention
// with Keep 1 does: the sync may never rely on an older snapshot.
func (f *syncFixture) snapshot(t *testing.T, audienceID string, members []sandbox.Member) string {
	t.Helper()
	f.exec(t, "UPDATE audiences SET last_seq = last_seq + 1 WHERE id = ?", audienceID)
	var seq int64
	if err := f.db.W.Raw("SELECT last_seq FROM audiences WHERE id = ?", audienceID).Scan(&seq).Error; err != nil {
		t.Fatal(err)
	}
	id := tenancy.NewID()
	f.exec(t, "INSERT INTO audience_snapshots (id, tenant_id, brand_id, audience_id, seq, rule_version, cause, size, built_at) VALUES (?, ?, ?, ?, ?, 1, 'import', ?, 1)",
		id, f.tenant, f.brand.ID, audienceID, seq, len(members))
	for start := 0; start < len(members); start += 1000 {
		part := members[start:min(start+1000, len(members))]
		args := make([]any, 0, 3*len(part))
		for _, m := range part {
			args = append(args, id, m.PageID, m.PSID)
		}
		f.exec(t, "INSERT INTO audience_members (snapshot_id, page_id, psid) VALUES "+strings.TrimSuffix(strings.Repeat("(?, ?, ?), ", len(part)), ", "), args...)
	}
	if err := f.store.prune(context.Background(), audienceID, seq); err != nil {
		t.Fatal(err)
	}
	return id
}

// latestMembers reads the audience's latest snapshot from the database, in the sandbox's order.
func (f *syncFixture) latestMembers(t *testing.T, audienceID string) []sandbox.Member {
	t.Helper()
	rows, err := f.db.R.Raw("SELECT m.page_id, m.psid FROM audience_members m JOIN audience_snapshots s ON s.id = m.snapshot_id "+
		"WHERE s.audience_id = ? AND s.seq = (SELECT last_seq FROM audiences WHERE id = ?) ORDER BY m.page_id, m.psid", audienceID, audienceID).Rows()
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := []sandbox.Member{}
	for rows.Next() {
		var m sandbox.Member
		if err := rows.Scan(&m.PageID, &m.PSID); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

// assertMetaHolds checks that the sandbox's custom audience holds exactly the audience's latest snapshot.
func (f *syncFixture) assertMetaHolds(t *testing.T, st SyncStatus) {
	t.Helper()
	if st.MetaAudienceID == "" {
		t.Fatalf("no custom audience: %+v", st)
	}
	got, want := f.sb.AudienceMembers(st.MetaAudienceID), f.latestMembers(t, st.AudienceID)
	if len(got) != len(want) {
		t.Fatalf("Meta holds %d people, the latest snapshot %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("member %d: Meta holds %+v, the snapshot %+v", i, got[i], want[i])
		}
	}
}

// syncMembers makes n members per Page, PSIDs from a base so that sets can overlap or not.
func syncMembers(pages []string, base, n int) []sandbox.Member {
	var out []sandbox.Member
	for _, p := range pages {
		for i := 0; i < n; i++ {
			out = append(out, sandbox.Member{PageID: p, PSID: fmt.Sprintf("7%s%08d", p[len(p)-1:], base+i)})
		}
	}
	return out
}

// syncClock is the tests' simulated wall clock.
type syncClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *syncClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *syncClock) Advance(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.now = c.now.Add(d) }

// syncInstant is a Meta client's clock: it reads the simulated time, and its waits (backoff, slow-down
// near usage limits) pass at once without moving it, so a retry never lands in the sandbox's next hour.
type syncInstant struct{ c *syncClock }

func (i syncInstant) Now() time.Time { return i.c.Now() }

func (syncInstant) Sleep(ctx context.Context, _ time.Duration) error { return ctx.Err() }

// errWire is the network failure tests inject.
var errWire = errors.New("connection reset by peer (simulated)")

// syncUpload is one /users call that reached the sandbox.
type syncUpload struct {
	Method, Page, Session string
	Rows, Seq             int
	Last                  bool
	Status                int
}

// syncWire is a Meta client's transport that records the upload calls the sandbox answered and lets a test
// step into each (hook, given the 1-based number of the upload call and a function that forwards it).
type syncWire struct {
	next    http.RoundTripper
	hook    func(n int, forward func() (*http.Response, error)) (*http.Response, error)
	mu      sync.Mutex
	n       int
	uploads []syncUpload
	calls   int
}

func (w *syncWire) RoundTrip(req *http.Request) (*http.Response, error) {
	w.mu.Lock()
	w.calls++
	w.mu.Unlock()
	if !strings.HasSuffix(req.URL.Path, "/users") {
		return w.next.RoundTrip(req)
	}
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return nil, err
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	var in struct {
		Payload struct {
			PageIDs []string   `json:"page_ids"`
			Data    [][]string `json:"data"`
		} `json:"payload"`
		Session struct {
			ID   json.Number `json:"session_id"`
			Seq  int         `json:"batch_seq"`
			Last bool        `json:"last_batch_flag"`
		} `json:"session"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, err
	}
	forward := func() (*http.Response, error) {
		resp, err := w.next.RoundTrip(req)
		if err != nil {
			return nil, err
		}
		u := syncUpload{Method: req.Method, Session: in.Session.ID.String(), Rows: len(in.Payload.Data), Seq: in.Session.Seq,
			Last: in.Session.Last, Status: resp.StatusCode}
		if len(in.Payload.PageIDs) == 1 {
			u.Page = in.Payload.PageIDs[0]
		}
		w.mu.Lock()
		w.uploads = append(w.uploads, u)
		w.mu.Unlock()
		return resp, nil
	}
	w.mu.Lock()
	w.n++
	n := w.n
	w.mu.Unlock()
	if w.hook != nil {
		return w.hook(n, forward)
	}
	return forward()
}

// sent sums the rows of the calls the sandbox accepted, by method (POST adds, DELETE removes).
func (w *syncWire) sent() (added, removed int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, u := range w.uploads {
		switch {
		case u.Status != http.StatusOK:
		case u.Method == http.MethodPost:
			added += u.Rows
		case u.Method == http.MethodDelete:
			removed += u.Rows
		}
	}
	return added, removed
}

// checkBatches fails on a call over Meta's limit of rows, on sessions whose batches do not count 1, 2, …
// (a retry repeats one), and, when complete, on sessions whose last batch was not flagged.
func (w *syncWire) checkBatches(t *testing.T, complete bool) {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	next := map[string]int{}
	closed := map[string]bool{}
	for _, u := range w.uploads {
		if u.Rows > meta.MaxUsersPerCall || u.Rows == 0 {
			t.Fatalf("a call sent %d rows (limit %d)", u.Rows, meta.MaxUsersPerCall)
		}
		key := u.Method + " " + u.Session
		if u.Session == "" || u.Page == "" {
			t.Fatalf("an upload without a session or a Page: %+v", u)
		}
		if u.Seq != next[key]+1 && u.Seq != next[key] {
			t.Fatalf("session %s: batch %d after %d", key, u.Seq, next[key])
		}
		next[key] = u.Seq
		closed[key] = closed[key] || u.Last
	}
	for key, c := range closed {
		if !c && complete {
			t.Fatalf("session %s never sent its last batch", key)
		}
	}
}
