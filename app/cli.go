package app

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"relance/conversations"
	"relance/tenancy"
)

// cmdMigrate applies migrations, or lists them with "status".
func cmdMigrate(ctx context.Context, sub string, args []string, out io.Writer) error {
	fs, path, sets := newFlags("migrate")
	if err := parse(fs, args); err != nil {
		return err
	}
	if sub != "" && sub != "status" {
		return fmt.Errorf("%w: migrate takes no argument or \"status\"", errUsage)
	}
	cfg, err := LoadConfig(*path, env, *sets)
	if err != nil {
		return err
	}
	if sub == "status" {
		db, err := openOnly(cfg)
		if err != nil {
			return err
		}
		defer db.Close()
		list, err := db.Status(ctx)
		if err != nil {
			return err
		}
		for _, m := range list {
			state := "pending"
			if m.Applied {
				state = "applied " + m.AppliedAt
			}
			fmt.Fprintf(out, "%05d  %-40s %s\n", m.Version, m.Name, state)
		}
		return nil
	}
	db, err := openOnly(cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	n, err := db.Migrate(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "applied %d migration(s); the database is current\n", n)
	return nil
}

// startForTenant starts like start and finds the agency a command acts on.
func startForTenant(ctx context.Context, path string, sets []string, slug string) (*runtime, tenancy.Tenant, error) {
	r, err := start(ctx, path, sets)
	if err != nil {
		return nil, tenancy.Tenant{}, err
	}
	t, err := r.store.TenantBySlug(ctx, slug)
	if err != nil {
		r.close()
		return nil, tenancy.Tenant{}, fmt.Errorf("no agency with slug %q", slug)
	}
	return r, t, nil
}

// required checks that the named flags are set.
func required(cmd string, flags map[string]string) error {
	for k, v := range flags {
		if strings.TrimSpace(v) == "" {
			return fmt.Errorf("%w: %s needs --%s", errUsage, cmd, k)
		}
	}
	return nil
}

// cmdTenantCreate creates an agency and prints its id.
func cmdTenantCreate(ctx context.Context, args []string, out io.Writer) error {
	fs, path, sets := newFlags("tenant create")
	name := fs.String("name", "", "agency name")
	slug := fs.String("slug", "", "short unique name (letters, digits, dashes)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := required("tenant create", map[string]string{"name": *name, "slug": *slug}); err != nil {
		return err
	}
	r, err := start(ctx, *path, *sets)
	if err != nil {
		return err
	}
	defer r.close()
	t, err := r.store.CreateTenant(cliContext(ctx), *name, *slug)
	if err != nil {
		return cliError(err)
	}
	fmt.Fprintln(out, t.ID)
	return nil
}

// cmdUserCreate creates a user with a role; the password comes from stdin, or a one-time one is printed.
func cmdUserCreate(ctx context.Context, args []string, stdin io.Reader, out io.Writer) error {
	fs, path, sets := newFlags("user create")
	slug := fs.String("tenant", "", "agency slug")
	email := fs.String("email", "", "e-mail address (the login)")
	name := fs.String("name", "", "display name")
	role := fs.String("role", "", "one of "+strings.Join(append(append([]string{}, tenancy.TenantRoles...), tenancy.BrandRoles...), ", "))
	brand := fs.String("brand", "", "brand id or name, for brand roles")
	fromStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := required("user create", map[string]string{"tenant": *slug, "email": *email, "role": *role}); err != nil {
		return err
	}
	nu := tenancy.NewUser{Email: *email, Name: *name, Role: *role}
	if *fromStdin {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("app: read password: %w", err)
		}
		nu.Password = strings.TrimRight(line, "\r\n")
	} else {
		nu.Password, nu.MustChangePassword = tenancy.GeneratePassword(), true
	}
	r, t, err := startForTenant(ctx, *path, *sets, *slug)
	if err != nil {
		return err
	}
	defer r.close()
	ts := r.store.Tenant(t.ID)
	if *brand != "" {
		b, err := findBrand(ctx, ts, *brand)
		if err != nil {
			return err
		}
		nu.BrandID = b.ID
	}
	u, err := ts.CreateUser(cliContext(ctx), nu)
	if err != nil {
		return cliError(err)
	}
	fmt.Fprintln(out, u.ID)
	if !*fromStdin {
		fmt.Fprintf(out, "one-time password (to change at first login): %s\n", nu.Password)
	}
	return nil
}

// findBrand finds a brand by id or exact name.
func findBrand(ctx context.Context, ts *tenancy.TenantStore, ref string) (tenancy.Brand, error) {
	if b, err := ts.Brand(ctx, ref); err == nil {
		return b, nil
	}
	cur := tenancy.Cursor{Limit: 200}
	for {
		rows, next, err := ts.Brands(ctx, tenancy.Visible{All: true}, cur)
		if err != nil {
			return tenancy.Brand{}, err
		}
		for _, b := range rows {
			if b.Name == ref {
				return b, nil
			}
		}
		if next == "" {
			return tenancy.Brand{}, fmt.Errorf("no brand %q in this agency", ref)
		}
		cur.After = next
	}
}

// cmdTokenCreate creates an API token for a user and prints it once.
func cmdTokenCreate(ctx context.Context, args []string, out io.Writer) error {
	fs, path, sets := newFlags("token create")
	slug := fs.String("tenant", "", "agency slug")
	email := fs.String("email", "", "the user's e-mail")
	name := fs.String("name", "", "what the token is for")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := required("token create", map[string]string{"tenant": *slug, "email": *email, "name": *name}); err != nil {
		return err
	}
	r, t, err := startForTenant(ctx, *path, *sets, *slug)
	if err != nil {
		return err
	}
	defer r.close()
	ts := r.store.Tenant(t.ID)
	u, err := ts.UserByEmail(ctx, *email)
	if err != nil {
		return fmt.Errorf("no user %q in agency %q", *email, *slug)
	}
	_, secret, err := ts.CreateToken(cliContext(ctx), u.ID, *name)
	if err != nil {
		return cliError(err)
	}
	fmt.Fprintln(out, secret)
	return nil
}

// cmdDemoSeed adds the demo brands to an agency, with synthetic conversations for some or all of them.
func cmdDemoSeed(ctx context.Context, args []string, out io.Writer) error {
	fs, path, sets := newFlags("demo seed")
	slug := fs.String("tenant", "", "agency slug")
	contacts := fs.Int("contacts", 200, "synthetic contacts (with their conversations) per brand")
	messages := fs.Int("messages", 0, "messages per brand in all, the contacts' and the Page's (default: about 6 per contact)")
	brands := fs.Int("brands", len(demoBrands), "how many of the demo brands get conversations")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := required("demo seed", map[string]string{"tenant": *slug}); err != nil {
		return err
	}
	if err := checkSeedFlags(*contacts, *messages, *brands); err != nil {
		return err
	}
	r, t, err := startForTenant(ctx, *path, *sets, *slug)
	if err != nil {
		return err
	}
	defer r.close()
	ids, err := seedDemoTenant(tenancy.WithActor(ctx, tenancy.Actor{Label: "demo"}), r.store.Tenant(t.ID), appSecret(r.cfg, r.key), false, t.ID)
	if err != nil {
		return cliError(err)
	}
	st, err := seedConversations(ctx, r, t.ID, ids, seedPlan{contacts: *contacts, messages: *messages, brands: *brands, progress: out})
	if err != nil {
		return err
	}
	// The planner's statistics, so that the first queries on a large seed are planned for its real sizes.
	if err := r.db.Optimize(ctx); err != nil {
		return err
	}
	fmt.Fprintf(out, "seeded %d demo brands into %s; conversations for %d: %d contacts, %d messages, %d events (%d contacts blocked the Page) in %v\n",
		len(ids), t.Slug, st.brands, st.contacts, st.messages, st.events, st.blocked, st.took.Round(time.Millisecond))
	return nil
}

// checkSeedFlags validates demo seed's numbers, naming the flag at fault.
func checkSeedFlags(contacts, messages, brands int) error {
	const maxContacts = 10_000_000 // the PSID range of one demo brand
	switch {
	case contacts < 0 || contacts > maxContacts:
		return fmt.Errorf("%w: demo seed: --contacts must be between 0 and %d", errUsage, maxContacts)
	case messages < 0:
		return fmt.Errorf("%w: demo seed: --messages must not be negative", errUsage)
	case messages > 0 && contacts == 0:
		return fmt.Errorf("%w: demo seed: --messages needs --contacts above 0", errUsage)
	case messages > 0 && messages < contacts:
		return fmt.Errorf("%w: demo seed: --messages must be at least --contacts (%d): every contact writes once", errUsage, contacts)
	case messages > 0 && messages/conversations.SyntheticMaxMessages >= contacts:
		return fmt.Errorf("%w: demo seed: --messages allows at most %d per contact", errUsage, conversations.SyntheticMaxMessages)
	case brands < 1 || brands > len(demoBrands):
		return fmt.Errorf("%w: demo seed: --brands must be between 1 and %d", errUsage, len(demoBrands))
	}
	return nil
}

// cliFlag names the flag that sets a store field, so that errors speak the command line's language.
var cliFlag = map[string]string{"brand_id": "--brand"}

// cliError prints validation errors as "--flag reason" parts, in a stable order.
func cliError(err error) error {
	var v *tenancy.ValidationError
	if !errors.As(err, &v) {
		return err
	}
	parts := make([]string, 0, len(v.Fields))
	for k, m := range v.Fields {
		flag := cliFlag[k]
		if flag == "" {
			flag = "--" + k
		}
		parts = append(parts, flag+" "+m)
	}
	sort.Strings(parts)
	return errors.New(strings.Join(parts, "; "))
}
