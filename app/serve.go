package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"relance/attribution"
	"relance/conversations"
	"relance/meta"
	"relance/meta/sandbox"
	"relance/tenancy"
	"relance/web"
)

// cmdServe runs the server until SIGINT or SIGTERM.
func cmdServe(ctx context.Context, args []string, stdout io.Writer) error {
	fs, path, sets := newFlags("serve")
	demo := fs.Bool("demo", false, "seed a demo agency and run against the Meta sandbox")
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := LoadConfig(*path, env, *sets)
	if err != nil {
		return err
	}
	return Serve(ctx, cfg, ServeOptions{Demo: *demo, Out: stdout, Log: os.Stderr})
}

// ServeOptions adjust Serve for the command line and for tests.
type ServeOptions struct {
	// Demo seeds the demo agency before serving.
	Demo bool
	// Listener, if set, is used instead of listening on http.addr (tests pass one on port 0).
	Listener net.Listener
	// Out receives the login lines; Log receives the logs.
	Out, Log io.Writer
	// Ready, if set, is closed once the server accepts connections.
	Ready chan<- struct{}
	// Started, if set, receives relance's Graph client and the in-process sandbox (nil when meta.graph_url
	// is a URL) before the server accepts connections: tests drive the simulation through it.
	Started func(*meta.Client, *sandbox.Sandbox)
}

// Serve runs the web UI, API and background loops until ctx ends, then shuts down gracefully: it stops
// accepting, lets in-flight requests finish (up to http.shutdown_timeout) and closes the database.
func Serve(ctx context.Context, cfg Config, o ServeOptions) error {
	if o.Out == nil {
		o.Out = io.Discard
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	r, err := startWith(ctx, cfg, o.Log)
	if err != nil {
		return err
	}
	defer r.close()
	publicURL := cfg.HTTP.PublicURL
	ln := o.Listener
	if ln == nil {
		if ln, err = net.Listen("tcp", cfg.HTTP.Addr); err != nil {
			return fmt.Errorf("app: listen on %s: %w", cfg.HTTP.Addr, err)
		}
	}
	if publicURL == "" {
		publicURL = "http://" + ln.Addr().String()
	}
	if err := bootstrap(ctx, r, publicURL, o.Out); err != nil {
		ln.Close()
		return err
	}
	if o.Demo {
		if err := seedDemo(ctx, r, publicURL, o.Out); err != nil {
			ln.Close()
			return err
		}
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	ingest := conversations.NewIngester(r.db, r.store.Vault(), reg, r.log, cfg.Ingest.MaxBatch)
	ingest.KeepAsideFor(cfg.Ingest.UnroutedRetention.Duration)
	fold := cfg.Ingest.FoldFor(r.db.Dialect)
	ingest.FoldEvery(fold)
	if cfg.Ingest.Attribution {
		ingest.Observe(attribution.NewTracker(r.db).Observer()) // conversations and touches, in each batch's transaction
	} else {
		r.log.Warn("ingest.attribution is off: conversations and touches are not derived until `relance attribution rebuild`")
	}
	var sb *sandbox.Sandbox
	if cfg.Meta.GraphURL == "sandbox" {
		// The sandbox posts its simulated conversations to this very server, as Meta would.
		if sb, err = newSandbox(cfg, r.key, "http://"+ln.Addr().String()+"/webhooks/messenger", r, ingest); err != nil {
			ln.Close()
			return err
		}
	}
	graph, err := newMetaClient(cfg, r.key, sb, reg)
	if err != nil {
		ln.Close()
		return err
	}
	syncer := newSyncer(r, graph)
	var backfiller *conversations.Backfiller
	if graph != nil {
		backfiller = conversations.NewBackfiller(r.db, ingest, graph, r.store, r.log)
	}
	var profiles *conversations.Profiles
	if graph != nil {
		profiles = conversations.NewProfiles(r.db, graph, r.store, r.log,
			conversations.ProfileOptions{RefreshAge: cfg.Meta.ProfileRefreshAge.Duration})
	}
	sched, err := newScheduler(r, reg, syncer, backfiller)
	if err == nil {
		err = registerSends(sched, r, graph)
	}
	if err == nil {
		err = registerSpend(sched, r, graph)
	}
	if err == nil {
		err = registerCAPI(sched, r, graph)
	}
	if err == nil {
		err = registerAds(sched, r, graph)
	}
	if err == nil {
		err = registerExports(sched, r)
	}
	if err == nil {
		err = registerRules(sched, r)
	}
	if err != nil {
		ln.Close()
		return err
	}
	proxies, _ := cfg.HTTP.Proxies() // checked by Validate
	srv, err := web.New(web.Deps{
		Store: r.store, DB: r.db, Log: r.log, Registry: reg,
		Sessions:        tenancy.SessionPolicy{Idle: cfg.Security.SessionIdle.Duration, Absolute: cfg.Security.SessionAbsolute.Duration},
		Login:           tenancy.LoginLimits{PerEmail: cfg.Security.LoginMaxPerEmail, PerIP: cfg.Security.LoginMaxPerIP, Window: cfg.Security.LoginWindow.Duration},
		CSRFKey:         mustDerive(r.key, "relance login csrf v1"),
		SecureCookies:   strings.HasPrefix(publicURL, "https://"),
		TrustedProxies:  proxies,
		ProxyHeader:     cfg.HTTP.ProxyHeader,
		PublicURL:       publicURL,
		BodyLimit:       cfg.HTTP.BodyLimit,
		DefaultCurrency: cfg.Defaults.Currency, DefaultTimezone: cfg.Defaults.Timezone,
		DefaultPolicy:      cfg.Meta.Policy,
		Graph:              graph,
		Ingest:             ingest,
		AudienceKeep:       cfg.Audiences.KeepSnapshots,
		MinRefreshInterval: cfg.Audiences.MinRefreshInterval.Duration,
		MetricsToken:       cfg.Metrics.Token,
		Scheduler:          sched,
		Syncer:             syncer,
		LoginDialogURL:     loginDialogURL(cfg, publicURL),
		SandboxDialog:      sandboxDialog(sb),
		Profiles:           profiles,
		Webhook: web.WebhookConfig{AppID: cfg.EffectiveAppID(), AppSecret: appSecret(cfg, r.key), VerifyToken: cfg.Meta.VerifyToken,
			NLPThreshold: cfg.Ingest.NLPThreshold},
	})
	if err != nil {
		ln.Close()
		return err
	}
	loops, stopLoops := context.WithCancel(context.Background())
	defer stopLoops()
	if cfg.HTTP.PprofAddr != "" {
		addr, err := servePprof(loops, cfg.HTTP.PprofAddr, r.log)
		if err != nil {
			ln.Close()
			return err
		}
		r.log.Info("profiler listening", "addr", addr.String())
	}
	go r.store.Authz().Watch(loops, cfg.Security.PolicyReload.Duration, r.log)
	go purgeSessions(loops, r)
	go r.db.OptimizeEvery(loops, 24*time.Hour, r.migrated > 0 || r.db.StatsMissing(ctx), r.log)
	// The ingester stops after the server: requests still in flight at shutdown get their commit.
	ingestCtx, stopIngest := context.WithCancel(context.Background())
	ingestDone := make(chan struct{})
	go func() { ingest.Run(ingestCtx); close(ingestDone) }()
	go ingest.ReplayLoop(loops, 5*time.Second, conversations.ParseOptions{AppID: cfg.EffectiveAppID(), NLPThreshold: cfg.Ingest.NLPThreshold})
	go conversations.FillTextFold(loops, r.db, r.log) // messages stored before text_fold existed
	go ingest.PurgeLoop(loops, time.Minute)
	defer func() { stopIngest(); <-ingestDone }()
	if sb != nil {
		go sb.Run(loops)
		if cfg.Meta.SandboxStart == "" {
			go sb.Follow(loops, 30*time.Second)
		}
	}
	if o.Demo && sb != nil && backfiller != nil {
		if job, err := demoBackfill(ctx, r, sb, backfiller); err != nil {
			r.log.Warn("demo backfill", "err", err)
		} else {
			r.log.Info("demo backfill", "page", job.PageID, "status", job.Status, "threads", job.Threads, "imported", job.Imported)
		}
	}
	if o.Demo && sb != nil && graph != nil {
		// Before the scheduler starts: its spend pull must find the ads' history in the sandbox.
		if err := demoSpend(ctx, r, sb, graph); err != nil {
			r.log.Warn("demo spend", "err", err)
		}
	}
	if profiles != nil {
		go profiles.Run(loops)
		if o.Demo {
			queueDemoProfiles(ctx, r, profiles)
		}
	}
	if cfg.Scheduler.Enabled {
		sched.Start()
		defer func() {
			sctx, cancel := context.WithTimeout(context.Background(), cfg.HTTP.ShutdownTimeout.Duration)
			defer cancel()
			if err := sched.Stop(sctx); err != nil {
				r.log.Warn("scheduler stop", "err", err)
			}
		}()
	}
	if o.Started != nil {
		o.Started(graph, sb)
	}

	stopMetrics, err := serveMetrics(cfg, srv, r.log)
	if err != nil {
		ln.Close()
		return err
	}
	defer stopMetrics()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	r.log.Info("relance listening", "addr", ln.Addr().String(), "url", publicURL, "database", r.db.Dialect)
	if o.Ready != nil {
		close(o.Ready)
	}
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	r.log.Info("shutting down", "grace", cfg.HTTP.ShutdownTimeout.Duration.String())
	sctx, cancel := context.WithTimeout(context.Background(), cfg.HTTP.ShutdownTimeout.Duration)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("app: shutdown: %w", err)
	}
	stopLoops()
	return <-served
}

// serveMetrics serves /metrics alone on metrics.listen, when set, so that Prometheus scrapes a private address
// rather than the public listener. The returned func stops it.
func serveMetrics(cfg Config, srv *web.Server, log *slog.Logger) (func(), error) {
	if cfg.Metrics.Listen == "" {
		return func() {}, nil
	}
	ln, err := net.Listen("tcp", cfg.Metrics.Listen)
	if err != nil {
		return nil, fmt.Errorf("app: listen on metrics.listen %s: %w", cfg.Metrics.Listen, err)
	}
	hs := &http.Server{Handler: srv.MetricsHandler(), ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second}
	go func() {
		if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics listener stopped", "err", err)
		}
	}()
	log.Info("metrics listening", "addr", ln.Addr().String(), "token", cfg.Metrics.Token != "")
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = hs.Shutdown(ctx)
	}, nil
}

// purgeSessions deletes dead sessions every ten minutes.
func purgeSessions(ctx context.Context, r *runtime) {
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	p := tenancy.SessionPolicy{Idle: r.cfg.Security.SessionIdle.Duration, Absolute: r.cfg.Security.SessionAbsolute.Duration}
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := r.store.PurgeSessions(ctx, p); err != nil && ctx.Err() == nil {
				r.log.Warn("session purge failed", "err", err)
			}
			if _, err := r.store.PurgeRateLimits(ctx); err != nil && ctx.Err() == nil {
				r.log.Warn("rate limit purge failed", "err", err)
			}
		}
	}
}

func mustDerive(master []byte, purpose string) []byte {
	k, err := tenancy.DeriveKey(master, purpose)
	if err != nil {
		panic(err)
	}
	return k
}
