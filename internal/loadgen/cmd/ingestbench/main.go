// Command ingestbench measures webhook ingestion from outside: it builds relance, starts the binary with
// `serve` on a fresh database (a temporary SQLite file, and/or a new PostgreSQL database), connects the
// load's Pages, posts signed deliveries over HTTP and prints a results table for the README.
//
//	go run ./internal/loadgen/cmd/ingestbench -db sqlite,postgres
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"relance/database"
	"relance/internal/loadgen"
)

const (
	secret = "ingestbench-app-secret"
	key    = "ingestbench-secret-key-0123456789abcdefgh"
	page   = "104000000000777"
)

// workload is one measured run against the server.
type workload struct {
	name, desc string
	opts       loadgen.Options
	figure     func(loadgen.Report) string
}

type settings struct {
	dbs, pgURL, bin, profile, only string
	attribution                    string
	events, rateEvents, single     int
	rate, senders, concurrency     int
	sets                           multi
}

type multi []string

func (m *multi) String() string     { return strings.Join(*m, " ") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }

func main() {
	var s settings
	flag.StringVar(&s.dbs, "db", "sqlite,postgres", "databases to run on: sqlite, postgres or both (comma-separated)")
	flag.StringVar(&s.pgURL, "pg", envOr("RELANCE_TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"),
		"PostgreSQL server on which a fresh database is created and dropped")
	flag.StringVar(&s.bin, "bin", "", "relance binary to run (default: go build the module into a temporary directory)")
	flag.StringVar(&s.profile, "profile", "", "directory to save a CPU profile of the server for each workload")
	flag.StringVar(&s.only, "workloads", "mixed,rate,single", "workloads to run: mixed, rate, single")
	flag.IntVar(&s.events, "events", 300_000, "events of the mixed workload")
	flag.IntVar(&s.rateEvents, "rate-events", 75_000, "events of the fixed-rate workload")
	flag.IntVar(&s.single, "single", 40_000, "deliveries of the single-event workload")
	flag.IntVar(&s.rate, "rate", 5000, "events per second offered by the fixed-rate workload")
	flag.IntVar(&s.senders, "senders", 20_000, "distinct senders (PSIDs)")
	flag.IntVar(&s.concurrency, "c", 16, "deliveries in flight (mixed and single workloads)")
	flag.StringVar(&s.attribution, "attribution", "on", "attribution in each ingest batch: on, off, or both (each database twice, on then off, to measure its cost)")
	flag.Var(&s.sets, "set", "extra --set key=value passed to relance serve (repeatable)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, s); err != nil {
		fmt.Fprintln(os.Stderr, "ingestbench:", err)
		os.Exit(1)
	}
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func run(ctx context.Context, s settings) error {
	tmp, err := os.MkdirTemp("", "ingestbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	bin := s.bin
	if bin == "" {
		bin = filepath.Join(tmp, "relance")
		fmt.Fprintln(os.Stderr, "building relance…")
		cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, ".")
		cmd.Dir, cmd.Stdout, cmd.Stderr = moduleRoot(), os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("go build: %w", err)
		}
	}
	load0 := loadAvg()
	var rows [][4]string
	modes := map[string][]bool{"on": {true}, "off": {false}, "both": {true, false}}[s.attribution]
	if modes == nil {
		return fmt.Errorf("-attribution %q: want on, off or both", s.attribution)
	}
	for _, db := range strings.Split(s.dbs, ",") {
		var byMode [][][4]string
		for _, attr := range modes {
			r, err := runOn(ctx, s, strings.TrimSpace(db), bin, tmp, attr, len(modes) > 1)
			if err != nil {
				return fmt.Errorf("%s: %w", db, err)
			}
			rows = append(rows, r...)
			byMode = append(byMode, r)
		}
		if len(byMode) == 2 {
			overhead(byMode[0], byMode[1])
		}
	}
	machine := fmt.Sprintf("%d cores %s, %s/%s, %s, load %s → %s", runtime.NumCPU(), cpuModel(), runtime.GOOS, runtime.GOARCH,
		runtime.Version(), load0, loadAvg())
	fmt.Println()
	fmt.Println("| figure | workload | database |")
	fmt.Println("|---|---|---|")
	for _, r := range rows {
		fmt.Printf("| %s | %s | %s |\n", r[0], r[1], r[2])
	}
	fmt.Printf("\nMachine: %s. Command: `go run ./internal/loadgen/cmd/ingestbench -db %s`.\n", machine, s.dbs)
	return nil
}

// runOn starts relance on a fresh database of the given kind and runs the workloads against it.
func runOn(ctx context.Context, s settings, kind, bin, tmp string, attr, sayAttr bool) ([][4]string, error) {
	run := fmt.Sprintf("%s-attribution-%t", kind, attr) // each run its own database file and log
	var url, label string
	switch kind {
	case "sqlite":
		url, label = "sqlite://"+filepath.Join(tmp, run, "relance.db"), "SQLite"
	case "postgres":
		u, drop, err := freshPG(ctx, s.pgURL)
		if err != nil {
			return nil, err
		}
		defer drop()
		url, label = u, "PostgreSQL"
	default:
		return nil, fmt.Errorf("unknown database %q (want sqlite or postgres)", kind)
	}
	if err := loadgen.Prepare(ctx, url, key, []string{page}); err != nil {
		return nil, err
	}
	addr, pprofAddr := freeAddr(), freeAddr()
	args := []string{"serve", "--set", "http.addr=" + addr, "--set", "database.url=" + url, "--set", "security.secret_key=" + key,
		// The default log level: each delivery is logged, as in production.
		"--set", "meta.app_secret=" + secret, "--set", "scheduler.enabled=false",
		// A fixed sandbox clock: its simulated people would otherwise post to the webhook during the run.
		"--set", "meta.sandbox_start=2026-01-01T00:00:00Z", "--set", "http.pprof_addr=" + pprofAddr}
	for _, kv := range s.sets {
		args = append(args, "--set", kv)
	}
	args = append(args, "--set", fmt.Sprintf("ingest.attribution=%t", attr))
	if sayAttr {
		label += map[bool]string{true: ", attribution on", false: ", attribution off"}[attr]
	}
	logPath := filepath.Join(tmp, run+".log")
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	srv := exec.Command(bin, args...)
	srv.Stdout, srv.Stderr = logf, logf
	if err := srv.Start(); err != nil {
		return nil, err
	}
	defer func() {
		_ = srv.Process.Signal(syscall.SIGTERM)
		_ = srv.Wait()
	}()
	base := "http://" + addr
	if err := waitReady(ctx, base+"/readyz", srv); err != nil {
		tail, _ := os.ReadFile(logPath)
		return nil, fmt.Errorf("%w\n%s", err, tail)
	}
	fmt.Fprintf(os.Stderr, "%s: relance %s serving on %s (pprof on %s)\n", label, bin, addr, pprofAddr)
	hook := base + "/webhooks/messenger"
	common := loadgen.Options{URL: hook, Secret: secret, Pages: []string{page}, Senders: s.senders}
	// A short warm-up fills the page-route cache and the connection pools.
	warm := common
	warm.Events, warm.Batch, warm.MaxBatch, warm.Concurrency, warm.Seed = 5000, 1, 50, s.concurrency, "warm-"+kind
	if _, err := loadgen.Run(ctx, warm); err != nil {
		return nil, err
	}
	var out [][4]string
	for _, w := range workloads(s, common, kind) {
		if !strings.Contains(","+s.only+",", ","+w.name+",") {
			continue
		}
		var prof chan error
		var cpu0 time.Duration
		var wrote0 int64
		w.opts.Started = func() {
			cpu0, wrote0 = cpuTime(srv.Process.Pid), written(srv.Process.Pid)
			if s.profile != "" {
				prof = profile(ctx, pprofAddr, filepath.Join(s.profile, run+"-"+w.name+".pprof"))
			}
		}
		r, err := loadgen.Run(ctx, w.opts)
		if err != nil {
			return nil, err
		}
		cpu, wrote := cpuTime(srv.Process.Pid)-cpu0, written(srv.Process.Pid)-wrote0
		if prof != nil {
			if err := <-prof; err != nil {
				fmt.Fprintln(os.Stderr, "profile:", err)
			}
		}
		// CPU per event is what a busy machine changes least: compare it, not the rates, between noisy runs.
		// Bytes written (write syscalls: SQLite's log and checkpoints, logs) tell the write amplification.
		fmt.Fprintf(os.Stderr, "%s %s: %s; server CPU %v = %.1f µs/event, %.1f µs/delivery; wrote %.1f KB/event\n", label, w.name, r,
			cpu.Round(time.Millisecond), float64(cpu.Microseconds())/float64(r.Events), float64(cpu.Microseconds())/float64(r.Deliveries),
			float64(wrote)/1024/float64(r.Events))
		if r.Failed > 0 {
			tail, _ := os.ReadFile(logPath)
			return nil, fmt.Errorf("%s: %d deliveries failed; server log:\n%s", w.name, r.Failed, lastLines(string(tail), 20))
		}
		out = append(out, [4]string{w.figure(r), w.desc, label, fmt.Sprintf("%g %g", r.EventsPerS, float64(cpu.Microseconds())/float64(r.Events))})
	}
	return out, nil
}

// workloads are the README's three figures: throughput of realistic deliveries, latency at a fixed offered
// load, and single-event deliveries.
func workloads(s settings, common loadgen.Options, kind string) []workload {
	mixed := common
	mixed.Events, mixed.Batch, mixed.MaxBatch, mixed.Concurrency, mixed.Seed = s.events, 1, 50, s.concurrency, "mixed-"+kind
	rate := common
	rate.Events, rate.Batch, rate.MaxBatch, rate.Concurrency, rate.Rate, rate.Seed = s.rateEvents, 1, 50, 256, s.rate, "rate-"+kind
	single := common
	single.Events, single.Batch, single.MaxBatch, single.Concurrency, single.Seed = s.single, 1, 1, s.concurrency, "single-"+kind
	lat := func(r loadgen.Report) string {
		return fmt.Sprintf("p50 %s, p95 %s, p99 %s", msf(r.P50), msf(r.P95), msf(r.P99))
	}
	return []workload{
		{name: "mixed", opts: mixed,
			desc: fmt.Sprintf("deliveries of 1–50 events (uniform), %d in flight, %s senders, as fast as acknowledged", s.concurrency, thousands(s.senders)),
			figure: func(r loadgen.Report) string {
				return fmt.Sprintf("**%s events/s** (%s deliveries/s), %s", thousands(int(r.EventsPerS)), thousands(int(r.DeliveriesPerS)), lat(r))
			}},
		{name: "rate", opts: rate,
			desc: fmt.Sprintf("the same deliveries offered at a fixed %s events/s (open loop)", thousands(s.rate)),
			figure: func(r loadgen.Report) string {
				return fmt.Sprintf("**p99 %s** (p50 %s, p95 %s) at %s events/s", msf(r.P99), msf(r.P50), msf(r.P95), thousands(int(r.EventsPerS)))
			}},
		{name: "single", opts: single,
			desc: fmt.Sprintf("deliveries of one event, %d in flight", s.concurrency),
			figure: func(r loadgen.Report) string {
				return fmt.Sprintf("**%s deliveries/s**, %s", thousands(int(r.DeliveriesPerS)), lat(r))
			}},
	}
}

// overhead prints what attribution costs per workload: throughput and server CPU per event with it (on) and
// without it (off), from the fourth column runOn leaves in its rows.
func overhead(on, off [][4]string) {
	for i := range min(len(on), len(off)) {
		var rOn, cOn, rOff, cOff float64
		fmt.Sscan(on[i][3], &rOn, &cOn)
		fmt.Sscan(off[i][3], &rOff, &cOff)
		fmt.Fprintf(os.Stderr, "attribution cost, %s, %s: %.0f events/s with it, %.0f without (%.1f %% fewer); server CPU %.1f µs/event with it, %.1f without (%+.1f %%)\n",
			on[i][2], on[i][1], rOn, rOff, 100*(1-rOn/rOff), cOn, cOff, 100*(cOn/cOff-1))
	}
}

func msf(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// profile fetches a CPU profile of the server while the workload runs (up to 30 s).
func profile(ctx context.Context, addr, path string) chan error {
	done := make(chan error, 1)
	go func() {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			done <- err
			return
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/debug/pprof/profile?seconds=8", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			done <- err
			return
		}
		defer resp.Body.Close()
		f, err := os.Create(path)
		if err != nil {
			done <- err
			return
		}
		_, err = io.Copy(f, resp.Body)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		fmt.Fprintln(os.Stderr, "profile saved to", path)
		done <- err
	}()
	return done
}

// freshPG creates a new database on the server at admin and returns its URL and a function dropping it.
func freshPG(ctx context.Context, admin string) (string, func(), error) {
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	name := "relance_bench_" + hex.EncodeToString(b)
	db, err := database.Open(admin, database.Options{ReadConns: 2})
	if err != nil {
		return "", nil, err
	}
	if err := db.W.WithContext(ctx).Exec("CREATE DATABASE " + name).Error; err != nil {
		db.Close()
		return "", nil, fmt.Errorf("create database: %w", err)
	}
	u := admin
	if i := strings.LastIndex(u, "/"); i >= 0 {
		rest := ""
		if q := strings.IndexByte(u[i:], '?'); q >= 0 {
			rest = u[i+q:]
		}
		u = u[:i+1] + name + rest
	}
	return u, func() {
		_ = db.W.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)").Error
		db.Close()
	}, nil
}

func waitReady(ctx context.Context, url string, srv *exec.Cmd) error {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if srv.ProcessState != nil {
			return fmt.Errorf("relance exited")
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("relance not ready after 60 s")
}

// cpuTime is the user and system CPU the process used so far (Linux; 0 elsewhere).
func cpuTime(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:]) // the command name may hold spaces
	var ticks int64
	for _, i := range []int{11, 12} { // utime, stime (fields 14 and 15 of proc(5))
		var v int64
		fmt.Sscan(f[i], &v)
		ticks += v
	}
	return time.Duration(ticks) * time.Second / 100 // USER_HZ is 100 on Linux
}

// written is the bytes the process passed to write syscalls so far (wchar of /proc/PID/io; 0 elsewhere).
func written(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/io", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "wchar: "); ok {
			var n int64
			fmt.Sscan(v, &n)
			return n
		}
	}
	return 0
}

func freeAddr() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func moduleRoot() string {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "."
	}
	return filepath.Dir(strings.TrimSpace(string(out)))
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	return f[0]
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

func lastLines(s string, n int) string {
	l := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(l[max(0, len(l)-n):], "\n")
}
