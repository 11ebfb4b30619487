package conversations_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"relance/conversations"
	"relance/meta"
)

// profileClock is a clock tests move by hand.
type profileClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *profileClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *profileClock) add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// addContacts inserts n contacts of the fixture Page that the sandbox knows, and returns their ids.
func (b *backfillEnv) addContacts(t *testing.T, n int) (ids, psids []string) {
	t.Helper()
	now := b.sb.Now().UnixMilli()
	for i := 0; i < n; i++ {
		id, psid := fmt.Sprintf("00000000-0000-4000-8000-%012d", i+1), fmt.Sprintf("73000000000000%02d", i)
		if err := b.db.W.Exec(`INSERT INTO contacts (id, tenant_id, brand_id, page_id, psid, first_seen_at, last_inbound_at,
			last_interaction_at, inbound_count, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?)`,
			id, b.tenant.ID, b.brand.ID, fixturePage, psid, now, now, now+int64(i), now).Error; err != nil {
			t.Fatal(err)
		}
		b.sb.RegisterThread(fixturePage, psid, "FR", b.sb.Now(), "")
		ids, psids = append(ids, id), append(psids, psid)
	}
	return ids, psids
}

// TestProfilesAskMetaOncePerRefreshAge is the acceptance test of the profile cache: however often and
// however concurrently contacts are asked for, the sandbox answers one User Profile call per contact per
// refresh age; the names are stored, listed and searchable.
func TestProfilesAskMetaOncePerRefreshAge(t *testing.T) {
	b := newBackfillEnv(t)
	ids, psids := b.addContacts(t, 3)
	clock := &profileClock{now: time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)}
	p := conversations.NewProfiles(b.db, b.graph, b.store, nil, conversations.ProfileOptions{RefreshAge: 7 * 24 * time.Hour,
		Pace: time.Millisecond, Now: clock.Now})
	ctx := context.Background()
	calls := func() (n int) {
		for _, psid := range psids {
			n += b.sb.ProfileCalls(fixturePage, psid)
		}
		return n
	}

	// Eight workers (as if eight instances) fetch every contact five times at once.
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := 0; r < 5; r++ {
				for _, id := range ids {
					if err := p.Fetch(ctx, conversations.ProfileKey{TenantID: b.tenant.ID, BrandID: b.brand.ID, ContactID: id}); err != nil {
						t.Error(err)
					}
				}
			}
		}()
	}
	wg.Wait()
	for _, psid := range psids {
		if n := b.sb.ProfileCalls(fixturePage, psid); n != 1 {
			t.Fatalf("%s: %d profile calls, want 1", psid, n)
		}
	}

	page, err := b.reader.Contacts(ctx, b.brand.Policy, conversations.Filter{}, "", 10)
	if err != nil || len(page.Contacts) != 3 {
		t.Fatalf("contacts: %d %v", len(page.Contacts), err)
	}
	c := page.Contacts[0].Contact
	first, last := b.sb.PersonName(c.PSID)
	if c.Name == nil || *c.Name != first+" "+last || *c.FirstName != first || *c.LastName != last ||
		c.ProfilePicURL == nil || !strings.HasPrefix(*c.ProfilePicURL, "data:image/svg+xml") || c.ProfileFetchedAt == nil {
		t.Fatalf("contact %+v, want %s %s with a picture", c, first, last)
	}
	// Search by name: any part, any case, accents folded.
	found, err := b.reader.Contacts(ctx, b.brand.Policy, conversations.Filter{Name: strings.ToUpper(last[:3])}, "", 10)
	if err != nil || len(found.Contacts) == 0 {
		t.Fatalf("name search %q: %d contacts, %v", last[:3], len(found.Contacts), err)
	}
	for _, f := range found.Contacts {
		if !strings.Contains(strings.ToLower(*f.Name), strings.ToLower(last[:3])) {
			t.Errorf("name search %q found %s", last[:3], *f.Name)
		}
	}
	if n, more, err := b.reader.Count(ctx, b.brand.Policy, conversations.Filter{Name: "zzz-nobody"}, 10); err != nil || n != 0 || more {
		t.Errorf("count of an unknown name: %d %v %v", n, more, err)
	}
	if n, more, err := b.reader.Count(ctx, b.brand.Policy, conversations.Filter{}, 2); err != nil || n != 2 || !more {
		t.Errorf("count up to 2 of 3: %d %v %v", n, more, err)
	}
	if n, more, err := b.reader.Count(ctx, b.brand.Policy, conversations.Filter{}, 3); err != nil || n != 3 || more {
		t.Errorf("count up to 3 of 3: %d %v %v", n, more, err)
	}

	// The worker, asked for every contact ten times within the refresh age, calls nobody again.
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { p.Run(runCtx); close(done) }()
	clock.add(6 * 24 * time.Hour)
	for r := 0; r < 10; r++ {
		p.Want(b.tenant.ID, b.brand.ID, contactsOf(page)...)
		for _, id := range ids {
			_ = p.Fetch(ctx, conversations.ProfileKey{TenantID: b.tenant.ID, BrandID: b.brand.ID, ContactID: id})
		}
	}
	if n := calls(); n != 3 {
		t.Fatalf("%d profile calls within the refresh age, want 3", n)
	}
	// Past the refresh age, once more each, through the worker.
	clock.add(24*time.Hour + time.Minute)
	for r := 0; r < 10; r++ {
		p.Want(b.tenant.ID, b.brand.ID, contactsOf(page)...)
	}
	deadline := time.Now().Add(10 * time.Second)
	for calls() < 6 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	stop()
	<-done
	if n := calls(); n != 6 {
		t.Fatalf("%d profile calls after the refresh age, want 6", n)
	}
}

// contactsOf is the contacts of a listing, as screens pass them to Want (fetched times as listed then).
func contactsOf(p conversations.Page) []conversations.Contact {
	out := make([]conversations.Contact, 0, len(p.Contacts))
	for _, c := range p.Contacts {
		out = append(out, c.Contact)
	}
	return out
}

// failingGraph answers every profile read with one error.
type failingGraph struct{ err error }

func (f failingGraph) Profile(context.Context, string, string) (meta.UserProfile, error) {
	return meta.UserProfile{}, f.err
}

// TestProfilesRetryPassingFailuresSooner: a transient error makes the contact due again after RetryAfter,
// a refusal (the person cannot be read) only after the refresh age; neither is shown as an error, the name
// stays null.
func TestProfilesRetryPassingFailuresSooner(t *testing.T) {
	b := newBackfillEnv(t)
	ids, _ := b.addContacts(t, 1)
	clock := &profileClock{now: time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)}
	key := conversations.ProfileKey{TenantID: b.tenant.ID, BrandID: b.brand.ID, ContactID: ids[0]}
	fetched := func() *time.Time {
		th, err := b.reader.Thread(context.Background(), ids[0], 1)
		if err != nil {
			t.Fatal(err)
		}
		if th.Name != nil {
			t.Fatalf("a failed fetch stored the name %q", *th.Name)
		}
		return th.ProfileFetchedAt
	}
	for _, tc := range []struct {
		name string
		err  error
		due  time.Duration
	}{
		{"transient", &meta.Error{Code: 2, IsTransient: true, HTTPStatus: 500}, time.Hour},
		{"refused", &meta.Error{Code: 100, Subcode: 33, HTTPStatus: 400}, 7 * 24 * time.Hour},
	} {
		p := conversations.NewProfiles(b.db, failingGraph{tc.err}, b.store, nil, conversations.ProfileOptions{Now: clock.Now})
		if err := p.Fetch(context.Background(), key); err == nil {
			t.Fatalf("%s: no error", tc.name)
		}
		at := fetched()
		if at == nil {
			t.Fatalf("%s: profile_fetched_at not set", tc.name)
		}
		if p.Due(at) {
			t.Errorf("%s: due at once", tc.name)
		}
		clock.add(tc.due)
		if !p.Due(fetched()) {
			t.Errorf("%s: not due after %s", tc.name, tc.due)
		}
	}
}
