package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"time"

	"relance/meta/sandbox"
)

// cmdSandbox runs the Meta sandbox alone, over real HTTP, so that a relance pointed at it
// (meta.graph_url = "http://HOST:PORT") talks to it exactly as it would to graph.facebook.com.
func cmdSandbox(ctx context.Context, args []string, stdout io.Writer) error {
	fs, path, sets := newFlags("sandbox")
	addr := fs.String("addr", "127.0.0.1:8090", "address the sandbox listens on")
	hook := fs.String("webhook-url", "", "relance's webhook endpoint (default: http.public_url or http.addr + /webhooks/messenger)")
	follow := fs.Bool("follow", true, "keep the simulated clock on the wall clock (off when meta.sandbox_start is set)")
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := LoadConfig(*path, env, *sets)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("app: sandbox: listen on %s: %w", *addr, err)
	}
	return RunSandbox(ctx, cfg, ln, *hook, *follow, stdout)
}

// cmdSandboxPageToken prints the token the sandbox of this configuration issues for a Page. Connecting a Page
// needs Meta to confirm the token is the Page's own; against the sandbox, this is that token.
func cmdSandboxPageToken(args []string, stdout io.Writer) error {
	fs, path, sets := newFlags("sandbox page-token")
	page := fs.String("page", "", "the numeric Page ID")
	if err := parse(fs, args); err != nil {
		return err
	}
	if !pageIDRe.MatchString(*page) {
		return fmt.Errorf("%w: sandbox page-token: --page must be a numeric Page ID", errUsage)
	}
	cfg, err := LoadConfig(*path, env, *sets)
	if err != nil {
		return err
	}
	key, err := secretKey(cfg)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, sandbox.PageToken(appSecret(cfg, key), *page))
	return nil
}

// pageIDRe is a Meta Page ID.
var pageIDRe = regexp.MustCompile(`^[0-9]{5,25}$`)

// RunSandbox serves the sandbox on ln until ctx ends. It opens relance's database only to learn the ad
// accounts' currencies, as Meta knows them, and derives the app secret as serve does, so that both
// processes agree on signatures with nothing but the shared configuration.
func RunSandbox(ctx context.Context, cfg Config, ln net.Listener, webhookURL string, follow bool, out io.Writer) error {
	if webhookURL == "" {
		base := strings.TrimRight(cfg.HTTP.PublicURL, "/")
		if base == "" {
			base = "http://" + cfg.HTTP.Addr
		}
		webhookURL = base + "/webhooks/messenger"
	}
	r, err := startWith(ctx, cfg, io.Discard)
	if err != nil {
		ln.Close()
		return err
	}
	defer r.close()
	sb, err := newSandbox(cfg, r.key, webhookURL, r, nil) // relance's contacts lag by up to ingest.fold_interval here
	if err != nil {
		ln.Close()
		return err
	}
	loops, stop := context.WithCancel(context.Background())
	defer stop()
	go sb.Run(loops)
	if follow && cfg.Meta.SandboxStart == "" {
		go sb.Follow(loops, 30*time.Second)
	}
	srv := &http.Server{Handler: sb, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	fmt.Fprintf(out, "relance sandbox: Graph API at http://%s (version %s), webhooks to %s\n", ln.Addr(), cfg.Meta.APIVersion, webhookURL)
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("app: sandbox shutdown: %w", err)
	}
	return nil
}
