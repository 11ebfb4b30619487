package app

import (
	"context"
	"time"

	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"github.com/prometheus/client_golang/prometheus"
	"io"
	"strings"

	"relance/conversations"
	"relance/tenancy"
)

// Demo agency: a known slug and a documented password so that `serve --demo` is ready to click through.
// It runs against the Meta sandbox (meta.graph_url = "sandbox"), never against real Pages.
const (
	demoSlug     = "demo"
	demoPassword = "relance-demo"
	// demoContacts is how many contacts each demo brand gets with `serve --demo`.
	demoContacts = 300
)

// demoBrands are the demo agency's brands, each with a Page and an ad account in the sandbox's ID ranges.
var demoBrands = []struct {
	name, currency, tz, policy, pageID, pageName, account string
}{
	{"Maison Lumière", "EUR", "Europe/Paris", tenancy.PolicyMetaCurrent, "104000000000001", "Maison Lumière FR", "act_230000000000001"},
	{"Kopi Nusantara", "IDR", "Asia/Jakarta", tenancy.PolicyMetaCurrent, "104000000000002", "Kopi Nusantara", "act_230000000000002"},
	{"Bangkok Bikes", "THB", "Asia/Bangkok", tenancy.PolicyMeta2017, "104000000000003", "Bangkok Bikes TH", "act_230000000000003"},
}

// demoRoles are the demo users, one per role; brand roles are on the first brand.
var demoRoles = []string{tenancy.RoleAgencyAdmin, tenancy.RoleCampaignManager, tenancy.RoleAnalyst, tenancy.RoleFinance,
	tenancy.RoleBrandAdmin, tenancy.RoleBrandViewer}

// seedDemo creates the demo agency with its brands and one user per role, unless it exists, and prints
// the logins.
func seedDemo(ctx context.Context, r *runtime, publicURL string, out io.Writer) error {
	ctx = tenancy.WithActor(ctx, tenancy.Actor{Label: "demo"})
	t, err := r.store.TenantBySlug(ctx, demoSlug)
	if errors.Is(err, tenancy.ErrNotFound) {
		t, err = r.store.CreateTenant(ctx, "Demo Agency", demoSlug)
		if err == nil {
			err = seedDemoTenant(ctx, r.store.Tenant(t.ID), true, "")
			if err == nil {
				err = seedConversations(ctx, r, t.ID, demoContacts)
			}
		}
	}
	if err != nil {
		return fmt.Errorf("app: demo: %w", err)
	}
	fmt.Fprintf(out, "relance: demo agency ready at %s/login — users (password %q):\n", publicURL, demoPassword)
	for _, role := range demoRoles {
		fmt.Fprintf(out, "  %-17s %s\n", role, demoEmail(role))
	}
	return nil
}

func demoEmail(role string) string {
	return strings.ReplaceAll(role, "_", "-") + "@demo.relance.local"
}

// seedDemoTenant adds the demo brands, Pages and ad accounts to a tenant, and the demo users when asked.
// Page and ad account IDs must be unique across agencies: the demo agency gets the IDs of the shared webhook
// fixtures; any other agency gets IDs derived from idSeed.
func seedDemoTenant(ctx context.Context, ts *tenancy.TenantStore, users bool, idSeed string) error {
	var first string
	for i, d := range demoBrands {
		name, cur, tz, pol := d.name, d.currency, d.tz, d.policy
		b, err := ts.CreateBrand(ctx, tenancy.BrandInput{Name: &name, Currency: &cur, Timezone: &tz, Policy: &pol})
		if err != nil {
			return err
		}
		if i == 0 {
			first = b.ID
		}
		pageID, account := d.pageID, d.account
		if idSeed != "" {
			pageID, account = derivedID("1049", idSeed, i), "act_"+derivedID("2309", idSeed, i)
		}
		token := "SANDBOX-PAGE-TOKEN-" + pageID
		if _, err := ts.ConnectPage(ctx, b.ID, tenancy.PageInput{PageID: pageID, Name: d.pageName, AccessToken: token}); err != nil {
			return err
		}
		if _, err := ts.AddAdAccount(ctx, b.ID, tenancy.AdAccountInput{AccountID: account, Name: d.name + " ads"}); err != nil {
			return err
		}
	}
	if !users {
		return nil
	}
	for _, role := range demoRoles {
		nu := tenancy.NewUser{Email: demoEmail(role), Name: "Demo " + strings.ReplaceAll(role, "_", " "), Password: demoPassword, Role: role}
		if tenancy.IsBrandRole(role) {
			nu.BrandID = first
		}
		if _, err := ts.CreateUser(ctx, nu); err != nil {
			return err
		}
	}
	return nil
}

// derivedID makes a 15-digit Meta-like ID from a prefix, a seed and an index, stable for the same inputs.
func derivedID(prefix, seed string, i int) string {
	h := sha256.Sum256([]byte(seed))
	n := binary.BigEndian.Uint64(h[:8])%1_000_000_0 + uint64(i)
	return fmt.Sprintf("%s%011d", prefix, n)
}

// seedConversations writes synthetic conversations for every brand of the tenant through a temporary
// ingester: the same parsing and writing as real webhooks, so the demo shows what production would.
func seedConversations(ctx context.Context, r *runtime, tenantID string, perBrand int) error {
	if perBrand <= 0 {
		return nil
	}
	ts := r.store.Tenant(tenantID)
	brands, _, err := ts.Brands(ctx, tenancy.Visible{All: true}, tenancy.Cursor{Limit: 200})
	if err != nil {
		return err
	}
	in := conversations.NewIngester(r.db, r.store.Vault(), prometheus.NewRegistry(), r.log, r.cfg.Ingest.MaxBatch)
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { in.Run(runCtx); close(done) }()
	defer func() { stop(); <-done }()
	o := conversations.ParseOptions{AppID: r.cfg.EffectiveAppID(), NLPThreshold: r.cfg.Ingest.NLPThreshold}
	for i, b := range brands {
		pages, err := ts.Pages(ctx, b.ID)
		if err != nil || len(pages) == 0 {
			continue
		}
		ids := make([]string, len(pages))
		for j, p := range pages {
			ids[j] = p.PageID
		}
		gen := conversations.NewSynthetic(ids, o.AppID, time.Now().UTC(), uint64(i+1), 7100000000100000+int64(i)*10_000_000)
		if _, err := in.Feed(ctx, gen, perBrand, o); err != nil {
			return fmt.Errorf("app: demo conversations for %s: %w", b.Name, err)
		}
	}
	return nil
}
