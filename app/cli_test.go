package app

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/uuid"

	"relance/meta/sandbox"
)

// isolate runs the test in a fresh working directory (no relance.toml) with no RELANCE_* variable set,
// whatever the developer's environment holds; both are restored afterwards.
func isolate(t *testing.T) {
	t.Helper()
	t.Chdir(t.TempDir())
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "RELANCE_") {
			t.Setenv(k, "") // records the value to restore
			if err := os.Unsetenv(k); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// cli runs commands against one SQLite database in a temporary directory.
type cli struct {
	t  *testing.T
	db string
}

func newCLI(t *testing.T) *cli {
	isolate(t)
	return &cli{t: t, db: "sqlite://" + filepath.Join(t.TempDir(), "r.db")}
}

// run runs a command with --set database.url=... appended and returns what it printed.
func (c *cli) run(stdin string, args ...string) (string, error) {
	c.t.Helper()
	args = append(append([]string{}, args...), "--set", "database.url="+c.db)
	var out bytes.Buffer
	err := run(context.Background(), args, strings.NewReader(stdin), &out)
	return out.String(), err
}

// ok runs a command that must succeed.
func (c *cli) ok(stdin string, args ...string) string {
	c.t.Helper()
	out, err := c.run(stdin, args...)
	if err != nil {
		c.t.Fatalf("relance %s: %v", strings.Join(args, " "), err)
	}
	return out
}

// wantID checks that out is one line holding an id.
func wantID(t *testing.T, what, out string) string {
	t.Helper()
	id := strings.TrimSuffix(out, "\n")
	if _, err := uuid.Parse(id); err != nil || strings.Contains(id, "\n") {
		t.Fatalf("%s printed %q, want one id", what, out)
	}
	return id
}

func TestCLI(t *testing.T) {
	c := newCLI(t)

	t.Run("migrate", func(t *testing.T) {
		out := c.ok("", "migrate")
		if !strings.HasPrefix(out, "applied ") || !strings.Contains(out, "current") {
			t.Errorf("migrate printed %q", out)
		}
		if dir := filepath.Dir(strings.TrimPrefix(c.db, "sqlite://")); !fileExists(filepath.Join(dir, "r.db")) {
			t.Errorf("migrate did not create the database file in %s", dir)
		}
		if out := c.ok("", "migrate"); !strings.HasPrefix(out, "applied 0 migration(s)") {
			t.Errorf("second migrate printed %q, want nothing applied", out)
		}
	})

	t.Run("migrate status", func(t *testing.T) {
		out := c.ok("", "migrate", "status")
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if len(lines) == 0 || !strings.HasPrefix(lines[0], "00001 ") || !strings.Contains(lines[0], "applied") {
			t.Fatalf("migrate status printed %q, want 00001 applied first", out)
		}
		for _, l := range lines {
			if !strings.Contains(l, "applied") {
				t.Errorf("after migrate, %q is not applied", l)
			}
		}
	})

	t.Run("tenant create", func(t *testing.T) {
		wantID(t, "tenant create", c.ok("", "tenant", "create", "--name", "Acme Agency", "--slug", "acme"))
		_, err := c.run("", "tenant", "create", "--name", "Acme Again", "--slug", "acme")
		if err == nil {
			t.Fatal("tenant create with a used slug succeeded")
		}
		if errors.Is(err, errUsage) {
			t.Errorf("duplicate slug is a usage error: %v", err)
		}
		_, err = c.run("", "tenant", "create", "--name", "Bad", "--slug", "Not A Slug!")
		if err == nil || !strings.Contains(err.Error(), "--slug") {
			t.Errorf("tenant create with a bad slug = %v, want an error naming --slug", err)
		}
	})

	t.Run("user create", func(t *testing.T) {
		wantID(t, "user create", c.ok("correct horse battery\n", "user", "create", "--tenant", "acme",
			"--email", "a@example.com", "--role", "agency_admin", "--password-stdin"))

		_, err := c.run("correct horse battery\n", "user", "create", "--tenant", "acme",
			"--email", "v@example.com", "--role", "brand_viewer", "--password-stdin")
		if err == nil || !strings.Contains(err.Error(), "brand") {
			t.Errorf("brand role without --brand = %v, want an error mentioning brand", err)
		}

		_, err = c.run("correct horse battery\n", "user", "create", "--tenant", "acme",
			"--email", "r@example.com", "--role", "overlord", "--password-stdin")
		if err == nil || !strings.Contains(err.Error(), "role") {
			t.Errorf("unknown role = %v, want an error mentioning role", err)
		}

		_, err = c.run("short\n", "user", "create", "--tenant", "acme",
			"--email", "s@example.com", "--role", "analyst", "--password-stdin")
		if err == nil || !strings.Contains(err.Error(), "password") {
			t.Errorf("short password = %v, want an error mentioning password", err)
		}

		_, err = c.run("correct horse battery\n", "user", "create", "--tenant", "nobody",
			"--email", "n@example.com", "--role", "analyst", "--password-stdin")
		if err == nil || !strings.Contains(err.Error(), "nobody") {
			t.Errorf("unknown agency = %v, want an error naming it", err)
		}

		out := c.ok("", "user", "create", "--tenant", "acme", "--email", "b@example.com", "--role", "analyst", "--name", "Bea")
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		if len(lines) != 2 {
			t.Fatalf("user create without --password-stdin printed %q, want an id and a password line", out)
		}
		wantID(t, "user create", lines[0]+"\n")
		pw, ok := strings.CutPrefix(lines[1], "one-time password (to change at first login): ")
		if !ok || len(pw) < 10 {
			t.Errorf("one-time password line = %q", lines[1])
		}

		_, err = c.run("", "user", "create", "--tenant", "acme", "--email", "b@example.com", "--role", "analyst")
		if err == nil || !strings.Contains(err.Error(), "email") {
			t.Errorf("duplicate e-mail = %v, want an error mentioning email", err)
		}
	})

	t.Run("token create", func(t *testing.T) {
		out := c.ok("", "token", "create", "--tenant", "acme", "--email", "a@example.com", "--name", "ci")
		tok := strings.TrimSuffix(out, "\n")
		if !strings.HasPrefix(tok, "rlc_") || strings.ContainsAny(tok, " \n") {
			t.Errorf("token create printed %q, want one rlc_ token", out)
		}
		if again := c.ok("", "token", "create", "--tenant", "acme", "--email", "a@example.com", "--name", "ci2"); again == out {
			t.Error("two tokens are equal")
		}
		_, err := c.run("", "token", "create", "--tenant", "acme", "--email", "ghost@example.com", "--name", "ci")
		if err == nil || !strings.Contains(err.Error(), "ghost@example.com") {
			t.Errorf("token for an unknown user = %v, want an error naming the user", err)
		}
	})

	t.Run("demo seed", func(t *testing.T) {
		out := c.ok("", "demo", "seed", "--tenant", "acme")
		if !strings.HasPrefix(out, "seeded ") || !strings.Contains(out, "acme") {
			t.Errorf("demo seed printed %q", out)
		}
		// The seeded brands can be named with --brand.
		wantID(t, "user create --brand", c.ok("correct horse battery\n", "user", "create", "--tenant", "acme",
			"--email", "v@example.com", "--role", "brand_viewer", "--brand", demoBrands[0].name, "--password-stdin"))
		_, err := c.run("correct horse battery\n", "user", "create", "--tenant", "acme",
			"--email", "w@example.com", "--role", "brand_admin", "--brand", "No Such Brand", "--password-stdin")
		if err == nil || !strings.Contains(err.Error(), "No Such Brand") {
			t.Errorf("unknown brand = %v, want an error naming it", err)
		}
		// A second agency gets its own Page and ad account IDs, so seeding it does not conflict.
		wantID(t, "tenant create", c.ok("", "tenant", "create", "--name", "Beta", "--slug", "beta"))
		if out := c.ok("", "demo", "seed", "--tenant", "beta"); !strings.HasPrefix(out, "seeded ") {
			t.Errorf("demo seed beta printed %q", out)
		}
		if _, err := c.run("", "demo", "seed", "--tenant", "nobody"); err == nil {
			t.Error("demo seed of an unknown agency succeeded")
		}
	})
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// TestCLIKeyBesideDatabase: on SQLite without security.secret_key, the key is generated beside the database
// with mode 0600 and reused.
func TestCLIKeyBesideDatabase(t *testing.T) {
	c := newCLI(t)
	wantID(t, "tenant create", c.ok("", "tenant", "create", "--name", "Acme Agency", "--slug", "acme"))
	keyFile := filepath.Join(filepath.Dir(strings.TrimPrefix(c.db, "sqlite://")), "secret.key")
	st, err := os.Stat(keyFile)
	if err != nil {
		t.Fatalf("no secret key beside the database: %v", err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("%s has mode %v, want 0600", keyFile, st.Mode().Perm())
	}
	before, _ := os.ReadFile(keyFile)
	if len(strings.TrimSpace(string(before))) < 32 {
		t.Errorf("secret key %q is shorter than 32 characters", before)
	}
	wantID(t, "tenant create", c.ok("", "tenant", "create", "--name", "Beta", "--slug", "beta"))
	if after, _ := os.ReadFile(keyFile); !bytes.Equal(before, after) {
		t.Error("the secret key changed between commands")
	}
}

// TestCLIUsage: unknown commands, missing or unknown flags and stray arguments are usage errors, found before
// the database is touched.
func TestCLIUsage(t *testing.T) {
	c := newCLI(t)
	tests := []struct {
		name string
		args []string
	}{
		{"unknown command", []string{"frobnicate"}},
		{"unknown subcommand", []string{"tenant", "delete", "--slug", "acme"}},
		{"tenant without subcommand", []string{"tenant", "--name", "Acme"}},
		{"migrate unknown subcommand", []string{"migrate", "down"}},
		{"tenant create without --slug", []string{"tenant", "create", "--name", "Acme"}},
		{"tenant create without --name", []string{"tenant", "create", "--slug", "acme"}},
		{"user create without --role", []string{"user", "create", "--tenant", "acme", "--email", "a@example.com"}},
		{"user create without --tenant", []string{"user", "create", "--email", "a@example.com", "--role", "analyst"}},
		{"token create without --name", []string{"token", "create", "--tenant", "acme", "--email", "a@example.com"}},
		{"demo seed without --tenant", []string{"demo", "seed"}},
		{"blank required flag", []string{"demo", "seed", "--tenant", "  "}},
		{"unknown flag", []string{"migrate", "--verbose"}},
		{"stray argument", []string{"tenant", "create", "--name", "Acme", "--slug", "acme", "extra"}},
		{"serve unknown flag", []string{"serve", "--port", "80"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := c.run("", tt.args...)
			if !errors.Is(err, errUsage) {
				t.Errorf("relance %s = %v, want a usage error", strings.Join(tt.args, " "), err)
			}
			if out != "" {
				t.Errorf("printed %q", out)
			}
		})
	}
	if fileExists(strings.TrimPrefix(c.db, "sqlite://")) {
		t.Error("a usage error created the database")
	}
}

func TestCLIHelp(t *testing.T) {
	isolate(t)
	var out bytes.Buffer
	if err := run(context.Background(), []string{"help"}, strings.NewReader(""), &out); err != nil {
		t.Fatalf("help: %v", err)
	}
	for _, cmd := range []string{"serve", "migrate status", "tenant create", "user create", "token create", "demo seed", "RELANCE_"} {
		if !strings.Contains(out.String(), cmd) {
			t.Errorf("usage does not mention %q", cmd)
		}
	}
	for _, args := range [][]string{{"--help"}, {"-h"}, {"user", "create", "-h"}} {
		if err := run(context.Background(), args, strings.NewReader(""), &out); !errors.Is(err, flag.ErrHelp) {
			t.Errorf("relance %s = %v, want flag.ErrHelp", strings.Join(args, " "), err)
		}
	}
}

// TestCLIConfigError: commands stop on a configuration error before opening the database.
func TestCLIConfigError(t *testing.T) {
	c := newCLI(t)
	for _, args := range [][]string{
		{"migrate", "--set", "log.level=loud"},
		{"migrate", "status", "--set", "nope.key=1"},
		{"tenant", "create", "--name", "Acme", "--slug", "acme", "--config", "missing.toml"},
		{"serve", "--set", "http.addr=nowhere"},
	} {
		_, err := c.run("", args...)
		var ce *ConfigError
		if !errors.As(err, &ce) {
			t.Errorf("relance %s = %v, want a ConfigError", strings.Join(args, " "), err)
		}
	}
	t.Setenv("RELANCE_LOG_FORMAT", "xml")
	_, err := c.run("", "migrate")
	var ce *ConfigError
	if !errors.As(err, &ce) || ce.Key != "log.format" {
		t.Errorf("migrate with RELANCE_LOG_FORMAT=xml = %v, want a ConfigError for log.format", err)
	}
	if fileExists(strings.TrimPrefix(c.db, "sqlite://")) {
		t.Error("a configuration error created the database")
	}
}

// TestMainExitCodes: 2 for configuration and usage errors, 0 for help.
func TestMainExitCodes(t *testing.T) {
	isolate(t)
	tests := []struct {
		args []string
		want int
	}{
		{[]string{"relance", "--set", "log.level=loud"}, 2},
		{[]string{"relance", "migrate", "--config", "missing.toml"}, 2},
		{[]string{"relance", "frobnicate"}, 2},
		{[]string{"relance", "tenant", "create", "--name", "Acme"}, 2},
	}
	for _, tt := range tests {
		if got := Main(tt.args); got != tt.want {
			t.Errorf("Main(%q) = %d, want %d", tt.args, got, tt.want)
		}
	}
	if fileExists("data") {
		t.Error("Main created the default data directory")
	}
}

// TestSandboxPageToken prints the token the configuration's sandbox issues for a Page, the one it confirms
// as the Page's own, and refuses a Page ID that is not one.
func TestSandboxPageToken(t *testing.T) {
	c := newCLI(t)
	out := strings.TrimSpace(c.ok("", "sandbox", "page-token", "--page", "104000000000321", "--set", "meta.app_secret=cli-secret"))
	if out != sandbox.PageToken("cli-secret", "104000000000321") {
		t.Fatalf("page-token printed %q", out)
	}
	if _, err := c.run("", "sandbox", "page-token", "--page", "abc"); !errors.Is(err, errUsage) {
		t.Fatalf("a non-numeric Page ID: %v", err)
	}
}
