package conversations

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"relance/database"
	"relance/meta"
	"relance/tenancy"
)

// ProfileGraph is what the profile cache needs of Meta: the User Profile API (meta.Client).
type ProfileGraph interface {
	Profile(ctx context.Context, psid, pageToken string) (meta.UserProfile, error)
}

// ProfileOptions tune the profile cache; zero values take the defaults.
type ProfileOptions struct {
	// RefreshAge is how long a fetched profile is trusted (meta.profile_refresh_age, default 7 days).
	RefreshAge time.Duration
	// Queue is how many contacts may wait for their profile (default 1024); more are dropped, and asked
	// for again the next time a screen shows them.
	Queue int
	// Pace is the shortest gap between two calls to Meta (default 50 ms, 20 calls a second).
	Pace time.Duration
	// RetryAfter is when a call that failed for a passing reason (a transient error, a throttle, a token
	// to renew) may be made again (default 1 h).
	RetryAfter time.Duration
	// Now is the clock (tests replace it).
	Now func() time.Time
}

// DefaultProfileRefreshAge is how long a profile is trusted when the configuration says nothing.
const DefaultProfileRefreshAge = 7 * 24 * time.Hour

// ProfileKey names one contact of one brand.
type ProfileKey struct{ TenantID, BrandID, ContactID string }

// Profiles is the cache of people's names and pictures on their contacts. Screens ask for the contacts
// they show (Want) and never wait: a worker (Run) asks Meta in the background, one call at a time, at most
// once per contact per refresh age, even with several instances running the worker.
type Profiles struct {
	db     *database.DB
	graph  ProfileGraph
	store  *tenancy.Store
	log    *slog.Logger
	o      ProfileOptions
	queue  chan ProfileKey
	mu     sync.Mutex
	queued map[string]bool // contact ids waiting in the queue or being fetched
}

// NewProfiles builds the cache; store opens the Page tokens the calls need.
func NewProfiles(db *database.DB, graph ProfileGraph, store *tenancy.Store, log *slog.Logger, o ProfileOptions) *Profiles {
	if o.RefreshAge <= 0 {
		o.RefreshAge = DefaultProfileRefreshAge
	}
	if o.Queue <= 0 {
		o.Queue = 1024
	}
	if o.Pace <= 0 {
		o.Pace = 50 * time.Millisecond
	}
	if o.RetryAfter <= 0 {
		o.RetryAfter = time.Hour
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Profiles{db: db, graph: graph, store: store, log: log, o: o, queue: make(chan ProfileKey, o.Queue),
		queued: map[string]bool{}}
}

// Due says whether a profile fetched at fetched (nil: never) should be asked for again.
func (p *Profiles) Due(fetched *time.Time) bool {
	return fetched == nil || p.o.Now().Sub(*fetched) >= p.o.RefreshAge
}

// Want queues, without waiting, the contacts of a brand whose profile is due. A nil cache wants nothing
// (a server without Meta).
func (p *Profiles) Want(tenantID, brandID string, cs ...Contact) {
	if p == nil {
		return
	}
	for _, c := range cs {
		if p.Due(c.ProfileFetchedAt) {
			p.enqueue(ProfileKey{TenantID: tenantID, BrandID: brandID, ContactID: c.ID})
		}
	}
}

// enqueue adds a contact unless it already waits; it reports false when the queue is full.
func (p *Profiles) enqueue(k ProfileKey) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.queued[k.ContactID] {
		return true
	}
	select {
	case p.queue <- k:
		p.queued[k.ContactID] = true
		return true
	default:
		return false
	}
}

// Run fetches queued profiles until ctx ends, and every minute queues the contacts active in the last day
// that were never asked about (new people, whether or not a screen showed them yet).
func (p *Profiles) Run(ctx context.Context) {
	sweep := time.NewTicker(time.Minute)
	defer sweep.Stop()
	pace := time.NewTicker(p.o.Pace)
	defer pace.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-sweep.C:
			if _, err := p.QueueNew(ctx, p.o.Now().Add(-24*time.Hour), 100); err != nil && ctx.Err() == nil {
				p.log.Warn("profile sweep failed", "err", err)
			}
		case k := <-p.queue:
			called, err := p.fetch(ctx, k)
			if err != nil && ctx.Err() == nil {
				p.log.Warn("profile fetch failed", "contact", k.ContactID, "err", err)
			}
			p.mu.Lock()
			delete(p.queued, k.ContactID)
			p.mu.Unlock()
			if !called {
				continue
			}
			select {
			case <-ctx.Done():
				return
			case <-pace.C:
			}
		}
	}
}

// QueueNew queues up to limit contacts active since since whose profile was never asked for, the most
// recently active first, and returns how many it queued. The demo queues its contacts with it at start.
func (p *Profiles) QueueNew(ctx context.Context, since time.Time, limit int) (int, error) {
	var keys []struct{ TenantID, BrandID, ID string }
	if err := p.db.R.WithContext(ctx).Raw(`SELECT tenant_id, brand_id, id FROM contacts
		WHERE profile_fetched_at = 0 AND last_interaction_at >= ? ORDER BY last_interaction_at DESC LIMIT ?`,
		since.UnixMilli(), limit).Scan(&keys).Error; err != nil {
		return 0, fmt.Errorf("conversations: profiles due: %w", err)
	}
	n := 0
	for _, k := range keys {
		if !p.enqueue(ProfileKey{TenantID: k.TenantID, BrandID: k.BrandID, ContactID: k.ID}) {
			break
		}
		n++
	}
	return n, nil
}

// Fetch asks Meta for one contact's profile if it is due, and stores the answer. The contact is claimed
// first (its profile_fetched_at moved to now by whoever changes it from the value read), so that two
// workers never both call Meta for it.
func (p *Profiles) Fetch(ctx context.Context, k ProfileKey) error {
	_, err := p.fetch(ctx, k)
	return err
}

// fetch is Fetch, saying whether Meta was called (only calls are paced).
func (p *Profiles) fetch(ctx context.Context, k ProfileKey) (called bool, err error) {
	var row struct {
		PageID, Psid     string
		ProfileFetchedAt int64
	}
	err = p.db.R.WithContext(ctx).Raw(`SELECT page_id, psid, profile_fetched_at FROM contacts
		WHERE tenant_id = ? AND brand_id = ? AND id = ?`, k.TenantID, k.BrandID, k.ContactID).Scan(&row).Error
	if err != nil {
		return false, fmt.Errorf("conversations: profile: %w", err)
	}
	if row.PageID == "" || !p.Due(ms(row.ProfileFetchedAt)) {
		return false, nil
	}
	now := p.o.Now().UnixMilli()
	claim := p.db.W.WithContext(ctx).Exec(`UPDATE contacts SET profile_fetched_at = ?
		WHERE tenant_id = ? AND brand_id = ? AND id = ? AND profile_fetched_at = ?`,
		now, k.TenantID, k.BrandID, k.ContactID, row.ProfileFetchedAt)
	if claim.Error != nil {
		return false, fmt.Errorf("conversations: profile claim: %w", claim.Error)
	}
	if claim.RowsAffected != 1 {
		return false, nil
	}
	token, err := p.store.Tenant(k.TenantID).PageToken(ctx, row.PageID)
	if err != nil {
		// The Page is gone from the brand, or its token cannot be opened: nothing to ask with until the
		// next refresh.
		return false, fmt.Errorf("conversations: profile token: %w", err)
	}
	prof, err := p.graph.Profile(ctx, row.Psid, token)
	if err != nil {
		if passing(err) {
			// Due again after RetryAfter rather than after the whole refresh age.
			retry := now - p.o.RefreshAge.Milliseconds() + p.o.RetryAfter.Milliseconds()
			p.db.W.WithContext(context.WithoutCancel(ctx)).Exec(`UPDATE contacts SET profile_fetched_at = ?
				WHERE tenant_id = ? AND brand_id = ? AND id = ? AND profile_fetched_at = ?`,
				max(min(retry, now), 1), k.TenantID, k.BrandID, k.ContactID, now)
		}
		return true, fmt.Errorf("conversations: profile: %w", err)
	}
	name := prof.Name()
	if err := p.db.W.WithContext(ctx).Exec(`UPDATE contacts SET name = ?, name_fold = ?, first_name = ?, last_name = ?,
		profile_pic_url = ? WHERE tenant_id = ? AND brand_id = ? AND id = ?`, name, FoldName(name), prof.FirstName,
		prof.LastName, profilePic(prof.ProfilePic), k.TenantID, k.BrandID, k.ContactID).Error; err != nil {
		return true, fmt.Errorf("conversations: profile save: %w", err)
	}
	return true, nil
}

// passing says whether a failed call may succeed later without anything changing on relance's side.
func passing(err error) bool {
	switch meta.ClassOf(err) {
	case meta.ClassTransient, meta.ClassThrottled, meta.ClassTokenInvalid:
		return true
	}
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || meta.IsLostAnswer(err)
}

// profilePic keeps a picture address only if it is one a page can show safely: https, or an image data URI.
func profilePic(u string) string {
	if len(u) > 8192 {
		return ""
	}
	for _, prefix := range []string{"https://", "data:image/png;base64,", "data:image/jpeg;base64,", "data:image/svg+xml;base64,"} {
		if len(u) > len(prefix) && u[:len(prefix)] == prefix {
			return u
		}
	}
	return ""
}

// FoldName is the form in which name search compares names: FoldText without accents, since people type
// "lea" for "Léa".
func FoldName(s string) string {
	d := norm.NFD.String(FoldText(s))
	var b strings.Builder
	b.Grow(len(d))
	for _, r := range d {
		if !unicode.Is(unicode.Mn, r) {
			b.WriteRune(r)
		}
	}
	return norm.NFC.String(b.String())
}

// namePattern is the LIKE pattern (ESCAPE '\') matching folded names that contain s.
func namePattern(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(FoldName(s)) + "%"
}
