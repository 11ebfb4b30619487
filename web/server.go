// Package web is relance's HTTP face: the server-rendered UI, the JSON API, probes and metrics. It is the only
// package that knows Fiber; handlers load, check, build the view and render, and leave the rules to the domain.
package web

import (
	"context"
	"embed"
	"errors"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/template/html/v2"
	"github.com/prometheus/client_golang/prometheus"

	"relance/audiences"
	"relance/conversations"
	"relance/database"
	"relance/meta"
	"relance/scheduler"
	"relance/tenancy"
)

//go:embed templates static
var assets embed.FS

// Deps is what the web layer needs from the rest of relance.
type Deps struct {
	Store    *tenancy.Store
	DB       *database.DB
	Log      *slog.Logger
	Registry *prometheus.Registry
	Sessions tenancy.SessionPolicy
	Login    tenancy.LoginLimits
	// CSRFKey signs the login form's token (sessions carry their own).
	CSRFKey []byte
	// TrustedProxies are the addresses (http.trusted_proxies) whose ProxyHeader (X-Forwarded-For or X-Real-IP,
	// http.proxy_header) names the client; from any other peer the header is ignored.
	TrustedProxies []netip.Prefix
	ProxyHeader    string
	// PublicURL (http.public_url) prefixes the links relance hands out (password resets); empty: the request's.
	PublicURL string
	// SecureCookies marks cookies Secure (behind TLS).
	SecureCookies bool
	BodyLimit     int
	// Ingest stores webhook events; Webhook is the Meta app they are checked against.
	Ingest  *conversations.Ingester
	Webhook WebhookConfig
	// DefaultCurrency and DefaultTimezone pre-fill the new-brand form; DefaultPolicy (meta.policy) is the
	// messaging policy of a new brand when none is chosen.
	DefaultCurrency string
	DefaultTimezone string
	DefaultPolicy   string
	// Graph calls Meta (history backfills); nil means the server runs without it and backfills are refused.
	Graph *meta.Client
	// AudienceKeep is how many snapshots of each audience retention keeps (audiences.keep_snapshots).
	AudienceKeep int
	// MinRefreshInterval is the shortest gap allowed between two slots of an audience's refresh_cron
	// (audiences.min_refresh_interval); zero means the default, one hour.
	MinRefreshInterval time.Duration
	// MetricsToken, when set, is the bearer token /metrics asks for (metrics.token); unset, /metrics on this
	// listener answers 404 and metrics are only served on metrics.listen, if that is set.
	MetricsToken string
	// Scheduler runs audience refreshes; the server reloads it when a refresh schedule changes and shows
	// its run history. nil: schedules are saved and run by another instance.
	Scheduler *scheduler.Scheduler
	// Syncer keeps Meta custom audiences equal to audiences' latest snapshots; nil: sync is refused.
	Syncer *audiences.Syncer
	// LoginDialogURL is the base of Facebook Login's dialog (<base>/dialog/oauth): https://www.facebook.com/<version>
	// at Meta, the sandbox's otherwise; "" turns Facebook Login off (pasting a Page token still works).
	LoginDialogURL string
	// SandboxDialog, when the sandbox runs in this process, is served under /sandbox/ so that the browser
	// reaches its Login dialog (LoginDialogURL is then <public_url>/sandbox).
	SandboxDialog http.Handler
	// Profiles fetches people's names and pictures in the background for the contacts screens show; nil:
	// contacts keep their PSIDs only.
	Profiles *conversations.Profiles
}

// Server holds the Fiber app and the route table it was built from.
type Server struct {
	Deps
	app        *fiber.App
	routes     []route
	rules      map[string]Rule
	metrics    *httpMetrics
	openAPIDoc map[string]any
	backfill   *conversations.Backfiller
	jobs       *jobs
}

// New builds the server and registers every route with its access rule.
func New(d Deps) (*Server, error) {
	views, err := fs.Sub(assets, "templates")
	if err != nil {
		return nil, err
	}
	engine := html.NewFileSystem(http.FS(views), ".html")
	engine.AddFuncMap(templateFuncs())
	if err := engine.Load(); err != nil {
		return nil, err
	}
	s := &Server{Deps: d, metrics: newHTTPMetrics(d.Registry), jobs: newJobs(d.Log)}
	if d.Graph != nil {
		s.backfill = conversations.NewBackfiller(d.DB, d.Ingest, d.Graph, d.Store, d.Log)
	}
	s.app = fiber.New(fiber.Config{
		Immutable:             true,
		DisableStartupMessage: true,
		BodyLimit:             d.BodyLimit,
		ReadTimeout:           30 * time.Second,
		WriteTimeout:          60 * time.Second,
		IdleTimeout:           120 * time.Second,
		Views:                 engine,
		ErrorHandler:          s.handleError,
		ProxyHeader:           "",
	})
	s.app.Use(s.requestID, s.observe, s.recoverPanics, s.securityHeaders, s.refuseEncodedBodies, s.authenticate)
	s.app.Hooks().OnRoute(s.refuseUnruledRoute)
	s.routes = s.routeTable()
	s.rules = make(map[string]Rule, len(s.routes))
	for _, r := range s.routes {
		s.rules[r.Method+" "+r.Path] = r.Rule
	}
	s.openAPIDoc = s.openAPI()
	for _, r := range s.routes {
		s.app.Add(r.Method, r.Path, s.authorize(r), r.Handler)
	}
	return s, nil
}

// App returns the Fiber app (tests drive it with app.Test).
func (s *Server) App() *fiber.App { return s.app }

// Shutdown stops accepting connections and waits for in-flight requests until ctx ends, then stops the
// background jobs the server started (a backfill goes back to queued, resumable from its cursor).
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.app.ShutdownWithContext(ctx)
	s.jobs.stop(ctx)
	return err
}

// Serve serves on an existing listener until Shutdown.
func (s *Server) Serve(ln net.Listener) error {
	err := s.app.Listener(ln)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}
