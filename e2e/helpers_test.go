package e2e_test

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"relance/app"
	"relance/internal/testdb"
	"relance/meta"
	"relance/meta/sandbox"
)

// chromiumPath finds the browser: $RELANCE_CHROMIUM, then the usual Debian and Chrome locations.
func chromiumPath() string {
	if p := os.Getenv("RELANCE_CHROMIUM"); p != "" {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

var oneTimePassword = regexp.MustCompile(`Log in at (\S+)/login as admin@relance\.local with the one-time password (\S+)`)

// e2eAppSecret is the Meta app secret of the servers the browser tests start (meta.graph_url = "sandbox").
const e2eAppSecret = "e2e-browser-app-secret"

// relance is one server started in-process for a test.
type relance struct {
	URL           string // http://127.0.0.1:port
	AdminPassword string // the bootstrap one-time password
	// Sandbox is the in-process Meta sandbox (register the people of its Facebook Login dialog there).
	Sandbox *sandbox.Sandbox
	// DBURL is the server's database, for tests that seed figures no screen writes (the spend ledger).
	DBURL string
}

// startRelance runs app.Serve on a fresh database and a loopback port; the server stops when the test ends.
// opts adjust the serve options (withDemo seeds the demo agency).
func startRelance(t *testing.T, opts ...func(*app.ServeOptions)) relance {
	t.Helper()
	cfg := app.Defaults()
	if os.Getenv(testdb.EnvURL) != "" {
		cfg.Database.URL = testdb.URL(t)
		cfg.Security.SecretKey = "e2e-browser-test-secret-key-0123456789abcdef"
	} else {
		cfg.Database.URL = "sqlite://" + filepath.Join(t.TempDir(), "relance.db")
	}
	cfg.HTTP.ShutdownTimeout.Duration = 5 * time.Second
	// The in-process sandbox plays Meta with this app secret: sandbox.PageToken(e2eAppSecret, id) is the token
	// it confirms as a Page's own when the browser connects the Page.
	cfg.Meta.AppSecret = e2eAppSecret

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	var out, logs testdb.Buffer
	ready := make(chan struct{})
	var sb *sandbox.Sandbox // set before ready is closed
	served := make(chan error, 1)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		o := app.ServeOptions{Listener: ln, Out: &out, Log: &logs, Ready: ready,
			Started: func(_ *meta.Client, s *sandbox.Sandbox) { sb = s }}
		for _, opt := range opts {
			opt(&o)
		}
		served <- app.Serve(ctx, cfg, o)
	}()
	// Registered after testdb.URL's cleanup, so it runs before the database is dropped.
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-served:
			if err != nil {
				t.Errorf("app.Serve returned %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Errorf("app.Serve did not return 15 s after its context ended")
		}
		if t.Failed() {
			t.Logf("server log:\n%s", logs.String())
		}
	})
	select {
	case <-ready:
	case err := <-served:
		t.Fatalf("app.Serve: %v\nlog:\n%s", err, logs.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("relance did not become ready in 30 s\nlog:\n%s", logs.String())
	}
	m := oneTimePassword.FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no bootstrap login line in the output:\n%s", out.String())
	}
	return relance{URL: m[1], AdminPassword: m[2], Sandbox: sb, DBURL: cfg.Database.URL}
}

// newBrowser starts a headless Chromium with its own profile, offline but for 127.0.0.1. The returned
// context ends after timeout; the browser is closed when the test ends.
func newBrowser(t *testing.T, execPath string, timeout time.Duration) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(execPath),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-proxy-server", true),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	tctx, cancelTimeout := context.WithTimeout(actx, timeout)
	bctx, cancelBrowser := chromedp.NewContext(tctx)
	t.Cleanup(func() {
		cancelBrowser()
		cancelTimeout()
		cancelAlloc()
	})
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start %s: %v", execPath, err)
	}
	return bctx
}

// screenshotDir, when RELANCE_E2E_SCREENSHOTS names a directory, receives full-page screenshots.
func screenshotDir() string { return strings.TrimSpace(os.Getenv("RELANCE_E2E_SCREENSHOTS")) }

// requireChromium returns the Chromium to drive, or skips the test with how to install it; under
// RELANCE_REQUIRE_BROWSER (as in .ci/run) a missing Chromium fails the test instead.
func requireChromium(t *testing.T) string {
	t.Helper()
	chrome := chromiumPath()
	if chrome == "" {
		const msg = "browser tests need Chromium: apt-get install -y chromium (or set RELANCE_CHROMIUM to its path)"
		if os.Getenv("RELANCE_REQUIRE_BROWSER") != "" {
			t.Fatal(msg + "; RELANCE_REQUIRE_BROWSER is set, so this fails instead of skipping")
		}
		t.Skip(msg)
	}
	return chrome
}
