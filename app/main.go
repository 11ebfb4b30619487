// Package app is relance's composition root: it reads the configuration, opens and migrates the database,
// wires the domain packages to the web layer, and runs the commands of DESIGN §5.
package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// usage lists the commands.
const usage = `relance: Messenger marketing for agencies

Usage: relance [command] [flags]

Commands:
  serve [--demo]                    web UI, API, webhooks and scheduler (the default command)
  migrate                           apply pending database migrations
  migrate status                    list migrations and whether they ran
  tenant create --name N --slug S   create an agency, print its id
  user create --tenant S --email E --role R [--brand B] [--name N] [--password-stdin]
                                    create a user (brand roles need --brand: id or name)
  token create --tenant S --email E --name N
                                    create an API token for that user, print it once
  demo seed --tenant S [--contacts N] [--messages N] [--brands K]
                                    add demo brands, Pages, ad accounts and N contacts per brand
  sandbox [--addr HOST:PORT] [--webhook-url URL] [--follow=false]
                                    run the Meta sandbox alone; point relance at it with
                                    --set meta.graph_url=http://HOST:PORT
  sandbox page-token --page ID      print the token the sandbox of this configuration issues for a
                                    Page: the Page's own token to paste in "Connect a Page"
  fx import FILE                    store the ECB's reference rates (eurofxref-hist.csv; - reads
                                    standard input) for every agency's conversions
  attribution rebuild --tenant S [--brand B]
                                    derive conversations and touches again from stored messages

Every command reads --config FILE (default relance.toml if present), RELANCE_<SECTION>_<KEY>
environment variables, and --set section.key=value flags, in that order of precedence.
`

// env is the process environment, as LoadConfig reads it.
func env(k string) (string, bool) { return os.LookupEnv(k) }

// Main runs the command named by args and returns the exit code.
func Main(args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, args[1:], os.Stdin, os.Stdout)
	var ce *ConfigError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprint(os.Stdout, usage)
		return 0
	case errors.As(err, &ce):
		fmt.Fprintln(os.Stderr, "relance:", ce.Error())
		return 2
	case errors.Is(err, errUsage):
		fmt.Fprintln(os.Stderr, "relance:", err)
		fmt.Fprint(os.Stderr, usage)
		return 2
	default:
		fmt.Fprintln(os.Stderr, "relance:", err)
		return 1
	}
}

var errUsage = errors.New("usage")

// run dispatches to a command.
func run(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	sub := func() (string, []string) {
		if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
			return args[0], args[1:]
		}
		return "", args
	}
	switch cmd {
	case "serve":
		return cmdServe(ctx, args, stdout)
	case "migrate":
		s, rest := sub()
		return cmdMigrate(ctx, s, rest, stdout)
	case "tenant":
		if s, rest := sub(); s == "create" {
			return cmdTenantCreate(ctx, rest, stdout)
		}
	case "user":
		if s, rest := sub(); s == "create" {
			return cmdUserCreate(ctx, rest, stdin, stdout)
		}
	case "token":
		if s, rest := sub(); s == "create" {
			return cmdTokenCreate(ctx, rest, stdout)
		}
	case "demo":
		if s, rest := sub(); s == "seed" {
			return cmdDemoSeed(ctx, rest, stdout)
		}
	case "sandbox":
		if s, rest := sub(); s == "page-token" {
			return cmdSandboxPageToken(rest, stdout)
		}
		return cmdSandbox(ctx, args, stdout)
	case "fx":
		if s, rest := sub(); s == "import" {
			return cmdFXImport(ctx, rest, stdin, stdout)
		}
	case "attribution":
		if s, rest := sub(); s == "rebuild" {
			return cmdAttributionRebuild(ctx, rest, stdout)
		}
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	return fmt.Errorf("%w: unknown command %q", errUsage, cmd)
}
