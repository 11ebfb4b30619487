package app

import (
	"encoding"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"relance/conversations"
	"relance/database"
	"relance/scheduler"
	"relance/tenancy"
)

// Config is every setting relance reads; config.example.toml documents each key with its default.
type Config struct {
	HTTP      HTTPConfig      `toml:"http"`
	Database  DatabaseConfig  `toml:"database"`
	Security  SecurityConfig  `toml:"security"`
	Meta      MetaConfig      `toml:"meta"`
	Scheduler SchedulerConfig `toml:"scheduler"`
	Log       LogConfig       `toml:"log"`
	Defaults  DefaultsConfig  `toml:"defaults"`
	Ingest    IngestConfig    `toml:"ingest"`
	Audiences AudiencesConfig `toml:"audiences"`
	Metrics   MetricsConfig   `toml:"metrics"`
}

// AudiencesConfig tunes audience snapshots.
type AudiencesConfig struct {
	// KeepSnapshots is how many snapshots of each audience survive pruning.
	KeepSnapshots int `toml:"keep_snapshots"`
	// MinRefreshInterval is the shortest gap allowed between two slots of a refresh_cron.
	MinRefreshInterval Duration `toml:"min_refresh_interval"`
}

// MetricsConfig says where /metrics is served: never in the open on the main listener.
type MetricsConfig struct {
	// Listen is a separate address serving only /metrics (e.g. 127.0.0.1:9464); empty: none.
	Listen string `toml:"listen"`
	// Token, when set, is the bearer token /metrics asks for, on the main listener and on Listen.
	Token string `toml:"token"`
}

// FoldAuto is ingest.fold_interval "auto" (the default): FoldFor picks by database.
const FoldAuto = time.Duration(-1)

// FoldDuration is a Duration that may also be "auto" (FoldAuto).
type FoldDuration struct{ Duration }

// UnmarshalText parses "auto", "1s", "0s".
func (d *FoldDuration) UnmarshalText(b []byte) error {
	if string(b) == "auto" {
		d.Duration.Duration = FoldAuto
		return nil
	}
	return d.Duration.UnmarshalText(b)
}

// MarshalText writes "auto" or the duration.
func (d FoldDuration) MarshalText() ([]byte, error) {
	if d.Duration.Duration == FoldAuto {
		return []byte("auto"), nil
	}
	return d.Duration.MarshalText()
}

// FoldFor is the fold interval in force on a database dialect. "auto" folds a second after the commit on
// PostgreSQL, where its writers otherwise wait for each other's contact rows (1.4–2× the throughput in the
// README's A/B), and in the commit on SQLite, where the fold shares the one writer and lengthened the tail.
// Attribution reads the deltas still queued, so it gives the same conversations either way.
func (c IngestConfig) FoldFor(dialect string) time.Duration {
	if c.FoldInterval.Duration.Duration != FoldAuto {
		return c.FoldInterval.Duration.Duration
	}
	if dialect == database.Postgres {
		return time.Second
	}
	return 0
}

// IngestConfig tunes webhook ingestion.
type IngestConfig struct {
	NLPThreshold float64 `toml:"nlp_threshold"`
	MaxBatch     int     `toml:"max_batch"`
	// UnroutedRetention is how long entries kept aside for Pages nobody connected (and deliveries the
	// database refused) are kept before they are deleted.
	UnroutedRetention Duration `toml:"unrouted_retention"`
	// FoldInterval is how often contact aggregates are folded from the events stored since (0: in the commit
	// that stores them, which costs the webhook several times more writing). "auto" (FoldAuto) picks by
	// database: see FoldFor.
	FoldInterval FoldDuration `toml:"fold_interval"`
	// Attribution derives conversations and touches in each ingest batch; off only to measure its cost.
	Attribution bool `toml:"attribution"`
}

// HTTPConfig is the listener and its limits.
type HTTPConfig struct {
	Addr            string   `toml:"addr"`
	PublicURL       string   `toml:"public_url"`
	BodyLimit       int      `toml:"body_limit"`
	ShutdownTimeout Duration `toml:"shutdown_timeout"`
	// PprofAddr, when set, serves Go's profiler (/debug/pprof/) on its own listener; off by default.
	PprofAddr string `toml:"pprof_addr"`
	// TrustedProxies are the proxies (addresses or CIDR ranges) whose ProxyHeader names the client.
	TrustedProxies []string `toml:"trusted_proxies"`
	// ProxyHeader is X-Forwarded-For or X-Real-IP.
	ProxyHeader string `toml:"proxy_header"`
}

// Proxies parses trusted_proxies: an address stands for itself, a CIDR range for its addresses.
func (h HTTPConfig) Proxies() ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, v := range h.TrustedProxies {
		if p, err := netip.ParsePrefix(v); err == nil {
			out = append(out, p.Masked())
			continue
		}
		ip, err := netip.ParseAddr(v)
		if err != nil {
			return nil, fmt.Errorf("%q is neither an IP address nor a CIDR range such as 10.0.0.0/8", v)
		}
		out = append(out, netip.PrefixFrom(ip.Unmap(), ip.Unmap().BitLen()))
	}
	return out, nil
}

// DatabaseConfig names the store.
type DatabaseConfig struct {
	URL       string `toml:"url"`
	ReadConns int    `toml:"read_conns"`
}

// SecurityConfig holds the master key and the session and login limits.
type SecurityConfig struct {
	SecretKey        string   `toml:"secret_key"`
	SessionIdle      Duration `toml:"session_idle"`
	SessionAbsolute  Duration `toml:"session_absolute"`
	LoginMaxPerEmail int      `toml:"login_max_per_email"`
	LoginMaxPerIP    int      `toml:"login_max_per_ip"`
	LoginWindow      Duration `toml:"login_window"`
	PolicyReload     Duration `toml:"policy_reload"`
}

// MetaConfig is how relance reaches Meta (or the sandbox).
type MetaConfig struct {
	GraphURL    string `toml:"graph_url"`
	APIVersion  string `toml:"api_version"`
	AppID       string `toml:"app_id"`
	AppSecret   string `toml:"app_secret"`
	VerifyToken string `toml:"verify_token"`
	Policy      string `toml:"policy"`
	// SendRate caps Send API calls per second per Page in this process (Meta allows 300).
	SendRate int `toml:"send_rate"`
	// SandboxSeed makes the sandbox's simulation reproducible.
	SandboxSeed string `toml:"sandbox_seed"`
	// SandboxFailRate is the share of sandbox calls answered with a transient error, to exercise retries.
	SandboxFailRate float64 `toml:"sandbox_fail_rate"`
	// SandboxReplyRate is the share of messages the sandbox's simulated people answer.
	SandboxReplyRate float64 `toml:"sandbox_reply_rate"`
	// SandboxStart, if set (RFC 3339), starts the simulated clock there and stops it following the wall
	// clock: it then moves only through POST /_sandbox/advance (tests, replays of a period).
	SandboxStart string `toml:"sandbox_start"`
	// ProfileRefreshAge is how long a person's name and picture (User Profile API) are trusted before
	// relance asks Meta again.
	ProfileRefreshAge Duration `toml:"profile_refresh_age"`
}

// SchedulerConfig turns the in-process scheduler on or off and says what to do with missed slots.
type SchedulerConfig struct {
	Enabled bool `toml:"enabled"`
	// Missed is what happens to slots that fell while no instance ran: skip, latest or all.
	Missed string `toml:"missed"`
	// Reload is how often an instance rereads the schedules others may have changed.
	Reload Duration `toml:"reload"`
}

// LogConfig is the logger's level and format.
type LogConfig struct {
	Level  string `toml:"level"`
	Format string `toml:"format"`
}

// DefaultsConfig pre-fills new brands.
type DefaultsConfig struct {
	Currency string `toml:"currency"`
	Timezone string `toml:"timezone"`
}

// Duration is a time.Duration written as "30m" in TOML, the environment and flags.
type Duration struct{ time.Duration }

// UnmarshalText parses "90s", "12h".
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("not a duration like 30s or 12h")
	}
	d.Duration = v
	return nil
}

// MarshalText prints the duration.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// Defaults returns the configuration used when nothing is set.
func Defaults() Config {
	return Config{
		HTTP: HTTPConfig{Addr: "127.0.0.1:8080", BodyLimit: 4 << 20, ShutdownTimeout: Duration{20 * time.Second},
			TrustedProxies: []string{}, ProxyHeader: "X-Forwarded-For"},
		Database: DatabaseConfig{URL: "sqlite://data/relance.db", ReadConns: 0},
		Security: SecurityConfig{SessionIdle: Duration{12 * time.Hour}, SessionAbsolute: Duration{7 * 24 * time.Hour}, LoginMaxPerEmail: 10, LoginMaxPerIP: 100, LoginWindow: Duration{15 * time.Minute}, PolicyReload: Duration{time.Second}},
		Meta: MetaConfig{GraphURL: "sandbox", APIVersion: "v25.0", Policy: tenancy.PolicyMetaCurrent,
			SendRate: 300, SandboxSeed: "relance", SandboxReplyRate: 0.15,
			ProfileRefreshAge: Duration{conversations.DefaultProfileRefreshAge}},
		Scheduler: SchedulerConfig{Enabled: true, Missed: "latest", Reload: Duration{30 * time.Second}},
		Log:       LogConfig{Level: "info", Format: "text"},
		Defaults:  DefaultsConfig{Currency: "EUR", Timezone: "Europe/Paris"},
		Ingest: IngestConfig{NLPThreshold: 0.8, MaxBatch: 5000, UnroutedRetention: Duration{conversations.DefaultRetention},
			FoldInterval: FoldDuration{Duration{FoldAuto}}, Attribution: true},
		Audiences: AudiencesConfig{KeepSnapshots: 20, MinRefreshInterval: Duration{time.Hour}},
	}
}

// ConfigError names the key at fault; it is printed as one line and the start stops.
type ConfigError struct {
	Key    string
	Reason string
}

func (e *ConfigError) Error() string { return "config: " + e.Key + ": " + e.Reason }

// field is one leaf setting, reached by reflection so that file, environment and flags share one list.
type field struct {
	key string // "http.addr"
	v   reflect.Value
}

// fields lists every key of c in declaration order.
func (c *Config) fields() []field {
	var out []field
	root := reflect.ValueOf(c).Elem()
	for i := 0; i < root.NumField(); i++ {
		sec := root.Type().Field(i).Tag.Get("toml")
		sv := root.Field(i)
		for j := 0; j < sv.NumField(); j++ {
			out = append(out, field{key: sec + "." + sv.Type().Field(j).Tag.Get("toml"), v: sv.Field(j)})
		}
	}
	return out
}

// set parses s into the field.
func (f field) set(s string) error {
	if u, ok := f.v.Addr().Interface().(encoding.TextUnmarshaler); ok {
		return u.UnmarshalText([]byte(s))
	}
	switch f.v.Kind() {
	case reflect.String:
		f.v.SetString(s)
	case reflect.Int:
		n, err := strconv.Atoi(s)
		if err != nil {
			return errors.New("not a whole number")
		}
		f.v.SetInt(int64(n))
	case reflect.Float64:
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return errors.New("not a number")
		}
		f.v.SetFloat(v)
	case reflect.Slice:
		// A list in the environment or a flag is comma-separated.
		list := []string{}
		for _, x := range strings.Split(s, ",") {
			if x = strings.TrimSpace(x); x != "" {
				list = append(list, x)
			}
		}
		f.v.Set(reflect.ValueOf(list))
	case reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return errors.New("not true or false")
		}
		f.v.SetBool(b)
	}
	return nil
}

// envName is RELANCE_<SECTION>_<KEY>.
func envName(key string) string {
	return "RELANCE_" + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}

// LoadConfig builds the configuration: defaults < file < environment < flags. path is --config; when empty,
// relance.toml is read if it exists. overrides are --set key=value flags.
func LoadConfig(path string, env func(string) (string, bool), overrides []string) (Config, error) {
	c := Defaults()
	explicit := path != ""
	if path == "" {
		path = "relance.toml"
	}
	if raw, err := os.ReadFile(path); err == nil {
		md, err := toml.Decode(string(raw), &c)
		if err != nil {
			return c, fileError(path, string(raw), err)
		}
		if und := md.Undecoded(); len(und) > 0 {
			return c, &ConfigError{Key: und[0].String(), Reason: "unknown key"}
		}
	} else if explicit || !errors.Is(err, os.ErrNotExist) {
		return c, &ConfigError{Key: "--config", Reason: err.Error()}
	}
	fields := c.fields()
	for _, f := range fields {
		if s, ok := env(envName(f.key)); ok {
			if err := f.set(s); err != nil {
				return c, &ConfigError{Key: envName(f.key), Reason: err.Error()}
			}
		}
	}
	for _, o := range overrides {
		k, v, ok := strings.Cut(o, "=")
		if !ok {
			return c, &ConfigError{Key: o, Reason: "--set wants key=value"}
		}
		var found bool
		for _, f := range fields {
			if f.key == k {
				found = true
				if err := f.set(v); err != nil {
					return c, &ConfigError{Key: k, Reason: err.Error()}
				}
			}
		}
		if !found {
			return c, &ConfigError{Key: k, Reason: "unknown key"}
		}
	}
	return c, c.Validate()
}

// fileError reports a file that could not be decoded: a value that does not fit its key (a bad duration) names
// that key; a syntax error names the file.
func fileError(path, raw string, err error) error {
	var pe toml.ParseError
	if !errors.As(err, &pe) {
		return &ConfigError{Key: path, Reason: err.Error()}
	}
	if _, synErr := toml.Decode(raw, new(map[string]any)); synErr == nil && pe.LastKey != "" {
		return &ConfigError{Key: pe.LastKey, Reason: fmt.Sprintf("%s line %d: %s", path, pe.Position.Line, pe.Message)}
	}
	return &ConfigError{Key: path, Reason: fmt.Sprintf("line %d: %s", pe.Position.Line, pe.Message)}
}

// addFlags registers --config and --set on fs; each command calls it.
func addFlags(fs *flag.FlagSet, path *string, sets *multiFlag) {
	fs.StringVar(path, "config", "", "configuration file (default relance.toml if present)")
	fs.Var(sets, "set", "override a key, e.g. --set http.addr=127.0.0.1:9000 (repeatable)")
}

// multiFlag collects a repeatable flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

var apiVersionRe = regexp.MustCompile(`^v[0-9]+\.[0-9]+$`)

// Validate checks every key and returns the first problem.
func (c Config) Validate() error {
	bad := func(k, r string) error { return &ConfigError{Key: k, Reason: r} }
	if _, _, err := net.SplitHostPort(c.HTTP.Addr); err != nil {
		return bad("http.addr", "must be host:port, e.g. 127.0.0.1:8080")
	}
	if c.HTTP.PublicURL != "" {
		u, err := url.Parse(c.HTTP.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return bad("http.public_url", "must be an absolute http(s) URL")
		}
	}
	if c.HTTP.BodyLimit < 1<<20 {
		return bad("http.body_limit", "must be at least 1048576 bytes (Meta sends webhook bodies over 300 KB)")
	}
	if c.HTTP.ShutdownTimeout.Duration <= 0 {
		return bad("http.shutdown_timeout", "must be positive")
	}
	if _, err := c.HTTP.Proxies(); err != nil {
		return bad("http.trusted_proxies", err.Error())
	}
	if c.HTTP.ProxyHeader != "X-Forwarded-For" && c.HTTP.ProxyHeader != "X-Real-IP" {
		return bad("http.proxy_header", "must be X-Forwarded-For or X-Real-IP")
	}
	if c.HTTP.PprofAddr != "" {
		if _, _, err := net.SplitHostPort(c.HTTP.PprofAddr); err != nil {
			return bad("http.pprof_addr", "must be empty (off) or host:port, e.g. 127.0.0.1:6060")
		}
	}
	switch {
	case strings.HasPrefix(c.Database.URL, "sqlite://") && len(c.Database.URL) > len("sqlite://"):
	case strings.HasPrefix(c.Database.URL, "postgres://"), strings.HasPrefix(c.Database.URL, "postgresql://"):
		if _, err := url.Parse(c.Database.URL); err != nil {
			return bad("database.url", "is not a valid URL")
		}
	default:
		return bad("database.url", "must be sqlite://PATH or postgres://USER@HOST/DB")
	}
	if c.Database.ReadConns < 0 {
		return bad("database.read_conns", "must not be negative")
	}
	if c.Security.SecretKey != "" && len(c.Security.SecretKey) < 32 {
		return bad("security.secret_key", "must be at least 32 characters")
	}
	for k, d := range map[string]Duration{"security.session_idle": c.Security.SessionIdle,
		"security.session_absolute": c.Security.SessionAbsolute, "security.login_window": c.Security.LoginWindow,
		"security.policy_reload": c.Security.PolicyReload, "meta.profile_refresh_age": c.Meta.ProfileRefreshAge} {
		if d.Duration <= 0 {
			return bad(k, "must be positive")
		}
	}
	if c.Security.LoginMaxPerEmail < 1 {
		return bad("security.login_max_per_email", "must be at least 1")
	}
	if c.Security.LoginMaxPerIP < 1 {
		return bad("security.login_max_per_ip", "must be at least 1")
	}
	if c.Meta.GraphURL != "sandbox" {
		u, err := url.Parse(c.Meta.GraphURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return bad("meta.graph_url", `must be "sandbox" or an http(s) URL such as https://graph.facebook.com`)
		}
	}
	if !apiVersionRe.MatchString(c.Meta.APIVersion) {
		return bad("meta.api_version", "must look like v25.0")
	}
	if c.Meta.SendRate < 1 || c.Meta.SendRate > 300 {
		return bad("meta.send_rate", "must be between 1 and 300 calls per second (Meta's limit per Page)")
	}
	if c.Meta.SandboxFailRate < 0 || c.Meta.SandboxFailRate > 1 {
		return bad("meta.sandbox_fail_rate", "must be between 0 and 1")
	}
	if c.Meta.SandboxReplyRate < 0 || c.Meta.SandboxReplyRate > 1 {
		return bad("meta.sandbox_reply_rate", "must be between 0 and 1")
	}
	if c.Meta.SandboxStart != "" {
		if _, err := time.Parse(time.RFC3339, c.Meta.SandboxStart); err != nil {
			return bad("meta.sandbox_start", "must be an RFC 3339 time such as 2026-03-02T00:00:00Z, or empty")
		}
	}
	if c.Meta.Policy != tenancy.PolicyMetaCurrent && c.Meta.Policy != tenancy.PolicyMeta2017 {
		return bad("meta.policy", "must be meta-current or meta-2017")
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		return bad("log.level", "must be debug, info, warn or error")
	}
	if c.Log.Format != "text" && c.Log.Format != "json" {
		return bad("log.format", "must be text or json")
	}
	if c.Ingest.NLPThreshold < 0 || c.Ingest.NLPThreshold > 1 {
		return bad("ingest.nlp_threshold", "must be between 0 and 1")
	}
	if c.Ingest.MaxBatch < 1 || c.Ingest.MaxBatch > 100000 {
		return bad("ingest.max_batch", "must be between 1 and 100000")
	}
	if c.Ingest.UnroutedRetention.Duration < time.Hour {
		return bad("ingest.unrouted_retention", "must be at least 1h (e.g. 720h for 30 days)")
	}
	if c.Ingest.FoldInterval.Duration.Duration != FoldAuto && (c.Ingest.FoldInterval.Duration.Duration < 0 || c.Ingest.FoldInterval.Duration.Duration > time.Minute) {
		return bad("ingest.fold_interval", "must be between 0 and 1m")
	}
	if _, err := scheduler.ParseMissed(c.Scheduler.Missed); err != nil {
		return bad("scheduler.missed", "must be skip, latest or all")
	}
	if c.Scheduler.Reload.Duration < time.Second {
		return bad("scheduler.reload", "must be at least 1s")
	}
	if c.Audiences.KeepSnapshots < 1 || c.Audiences.KeepSnapshots > 1000 {
		return bad("audiences.keep_snapshots", "must be between 1 and 1000")
	}
	if d := c.Audiences.MinRefreshInterval.Duration; d < time.Minute || d%time.Minute != 0 {
		return bad("audiences.min_refresh_interval", "must be a whole number of minutes, at least 1m")
	}
	if c.Metrics.Listen != "" {
		if _, _, err := net.SplitHostPort(c.Metrics.Listen); err != nil {
			return bad("metrics.listen", "must be host:port, e.g. 127.0.0.1:9464")
		}
		if c.Metrics.Listen == c.HTTP.Addr {
			return bad("metrics.listen", "must differ from http.addr: metrics are not served on the main listener without a token")
		}
	}
	if t := c.Metrics.Token; t != "" && (len(t) < 16 || strings.ContainsAny(t, " \t\r\n")) {
		return bad("metrics.token", "must be at least 16 characters, without spaces")
	}
	if !tenancy.ValidCurrency(c.Defaults.Currency) {
		return bad("defaults.currency", "must be an ISO 4217 code such as EUR")
	}
	if !tenancy.ValidTimezone(c.Defaults.Timezone) {
		return bad("defaults.timezone", "must be an IANA time zone such as Europe/Paris")
	}
	return nil
}

// EffectiveAppID is meta.app_id, or the sandbox's app id when relance talks to the sandbox without one.
func (c Config) EffectiveAppID() string {
	if c.Meta.AppID == "" && c.Meta.GraphURL == "sandbox" {
		return conversations.SandboxAppID
	}
	return c.Meta.AppID
}
