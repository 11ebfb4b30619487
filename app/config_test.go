package app

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
)

const examplePath = "../config.example.toml"

// noEnv is an empty environment.
func noEnv(string) (string, bool) { return "", false }

// envOf is an environment holding only m.
func envOf(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

// writeConfig writes body to a file in a fresh temporary directory and returns its path.
func writeConfig(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "relance.toml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDefaultsAreValid(t *testing.T) {
	if err := Defaults().Validate(); err != nil {
		t.Fatalf("Defaults().Validate() = %v", err)
	}
}

// TestExampleConfigIsDefaults keeps config.example.toml true: loaded unchanged it gives exactly Defaults().
func TestExampleConfigIsDefaults(t *testing.T) {
	got, err := LoadConfig(examplePath, noEnv, nil)
	if err != nil {
		t.Fatalf("LoadConfig(%s) = %v", examplePath, err)
	}
	if want := Defaults(); !reflect.DeepEqual(got, want) {
		t.Errorf("config.example.toml differs from Defaults():\n got %+v\nwant %+v", got, want)
	}
}

var exampleKeyRe = regexp.MustCompile(`^(# )?([a-z_]+) = `)

// TestExampleConfigDocumentsEveryKey checks that every key of Config is in config.example.toml, set or
// commented out, under its section and with its environment variable; and that uncommenting every
// commented-out key still gives Defaults(), so the values shown for those keys are the defaults too.
func TestExampleConfigDocumentsEveryKey(t *testing.T) {
	raw, err := os.ReadFile(examplePath)
	if err != nil {
		t.Fatal(err)
	}
	text := string(raw)
	var c Config
	known := map[string]bool{}
	for _, f := range c.fields() {
		known[f.key] = true
	}
	seen := map[string]bool{}
	section := ""
	lines := strings.Split(text, "\n")
	for i, line := range lines {
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			section = strings.Trim(line, "[]")
			continue
		}
		m := exampleKeyRe.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		key := section + "." + m[2]
		if !known[key] {
			t.Errorf("config.example.toml line %d: %s is not a key of Config", i+1, key)
			continue
		}
		if seen[key] {
			t.Errorf("config.example.toml line %d: %s appears twice", i+1, key)
		}
		seen[key] = true
		if m[1] != "" {
			lines[i] = strings.TrimPrefix(line, "# ")
		}
	}
	for _, f := range c.fields() {
		if !seen[f.key] {
			t.Errorf("config.example.toml does not document %s", f.key)
		}
		if !strings.Contains(text, "Env: "+envName(f.key)+".") {
			t.Errorf("config.example.toml does not name the environment variable %s", envName(f.key))
		}
	}

	uncommented := writeConfig(t, strings.Join(lines, "\n"))
	got, err := LoadConfig(uncommented, noEnv, nil)
	if err != nil {
		t.Fatalf("config.example.toml with every key uncommented: %v", err)
	}
	if want := Defaults(); !reflect.DeepEqual(got, want) {
		t.Errorf("config.example.toml with every key uncommented differs from Defaults():\n got %+v\nwant %+v", got, want)
	}
}

func TestEnvName(t *testing.T) {
	for key, want := range map[string]string{
		"http.addr":                    "RELANCE_HTTP_ADDR",
		"database.url":                 "RELANCE_DATABASE_URL",
		"meta.app_secret":              "RELANCE_META_APP_SECRET",
		"security.login_max_per_email": "RELANCE_SECURITY_LOGIN_MAX_PER_EMAIL",
	} {
		if got := envName(key); got != want {
			t.Errorf("envName(%q) = %q, want %q", key, got, want)
		}
	}
}

// TestConfigPrecedence: defaults < file < environment < --set flags.
func TestConfigPrecedence(t *testing.T) {
	file := "[http]\naddr = \"127.0.0.1:7001\"\n"
	tests := []struct {
		name string
		file string
		env  map[string]string
		sets []string
		want string
	}{
		{name: "default", want: "127.0.0.1:8080"},
		{name: "file over default", file: file, want: "127.0.0.1:7001"},
		{name: "env over default", env: map[string]string{"RELANCE_HTTP_ADDR": "127.0.0.1:7002"}, want: "127.0.0.1:7002"},
		{name: "env over file", file: file, env: map[string]string{"RELANCE_HTTP_ADDR": "127.0.0.1:7002"}, want: "127.0.0.1:7002"},
		{name: "set over file", file: file, sets: []string{"http.addr=127.0.0.1:7003"}, want: "127.0.0.1:7003"},
		{name: "set over env and file", file: file, env: map[string]string{"RELANCE_HTTP_ADDR": "127.0.0.1:7002"},
			sets: []string{"http.addr=127.0.0.1:7003"}, want: "127.0.0.1:7003"},
		{name: "last set wins", sets: []string{"http.addr=127.0.0.1:7003", "http.addr=127.0.0.1:7004"}, want: "127.0.0.1:7004"},
		{name: "other env names do not apply", file: file, env: map[string]string{"RELANCE_HTTP_ADDRESS": "127.0.0.1:7002", "HTTP_ADDR": "127.0.0.1:7002"},
			want: "127.0.0.1:7001"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := LoadConfig(writeConfig(t, tt.file), envOf(tt.env), tt.sets)
			if err != nil {
				t.Fatalf("LoadConfig: %v", err)
			}
			if c.HTTP.Addr != tt.want {
				t.Errorf("http.addr = %q, want %q", c.HTTP.Addr, tt.want)
			}
		})
	}
}

// TestConfigValueTypes sets keys of every type from the file, the environment and flags.
func TestConfigValueTypes(t *testing.T) {
	file := `[http]
public_url = "https://relance.example.com"
shutdown_timeout = "5s"

[security]
secret_key = "0123456789abcdef0123456789abcdef"
login_window = "1h30m"

[meta]
graph_url = "https://graph.facebook.com"
policy = "meta-2017"
`
	env := map[string]string{
		"RELANCE_HTTP_BODY_LIMIT":       "2097152",
		"RELANCE_SECURITY_SESSION_IDLE": "30m",
		"RELANCE_SCHEDULER_ENABLED":     "false",
		"RELANCE_META_APP_SECRET":       "shh",
		"RELANCE_DEFAULTS_TIMEZONE":     "Asia/Jakarta",
	}
	sets := []string{"log.format=json", "log.level=debug", "database.read_conns=4", "defaults.currency=IDR",
		"database.url=postgres://relance@db.internal/relance", "meta.api_version=v24.0"}
	got, err := LoadConfig(writeConfig(t, file), envOf(env), sets)
	if err != nil {
		t.Fatalf("LoadConfig: %v", err)
	}
	want := Defaults()
	want.HTTP.PublicURL = "https://relance.example.com"
	want.HTTP.ShutdownTimeout = Duration{5 * time.Second}
	want.HTTP.BodyLimit = 2 << 20
	want.Security.SecretKey = "0123456789abcdef0123456789abcdef"
	want.Security.LoginWindow = Duration{90 * time.Minute}
	want.Security.SessionIdle = Duration{30 * time.Minute}
	want.Meta.GraphURL = "https://graph.facebook.com"
	want.Meta.Policy = "meta-2017"
	want.Meta.AppSecret = "shh"
	want.Meta.APIVersion = "v24.0"
	want.Scheduler.Enabled = false
	want.Log = LogConfig{Level: "debug", Format: "json"}
	want.Database = DatabaseConfig{URL: "postgres://relance@db.internal/relance", ReadConns: 4}
	want.Defaults = DefaultsConfig{Currency: "IDR", Timezone: "Asia/Jakarta"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("LoadConfig:\n got %+v\nwant %+v", got, want)
	}
}

// TestConfigErrors: every invalid setting stops with a ConfigError naming the key ("FILE" stands for the
// configuration file's path, named when the file itself cannot be read).
func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		file string
		env  map[string]string
		sets []string
		key  string
	}{
		{name: "unknown key in file", file: "[http]\nadress = \"x\"\n", key: "http.adress"},
		{name: "unknown section in file", file: "[htp]\naddr = \"127.0.0.1:1\"\n", key: "htp"},
		{name: "TOML syntax error", file: "[http]\naddr = \n", key: "FILE"},
		{name: "bad duration in file", file: "[security]\nsession_idle = \"soon\"\n", key: "security.session_idle"},
		{name: "number for a duration in file", file: "[http]\nshutdown_timeout = 20\n", key: "http.shutdown_timeout"},
		{name: "http.addr without port", sets: []string{"http.addr=localhost"}, key: "http.addr"},
		{name: "http.addr from file", file: "[http]\naddr = \"8080\"\n", key: "http.addr"},
		{name: "http.public_url not a URL", sets: []string{"http.public_url=relance.example.com"}, key: "http.public_url"},
		{name: "http.public_url not http", sets: []string{"http.public_url=ftp://relance.example.com"}, key: "http.public_url"},
		{name: "http.trusted_proxies not an address", sets: []string{"http.trusted_proxies=10.0.0.0/8,proxy.local"}, key: "http.trusted_proxies"},
		{name: "http.proxy_header other", sets: []string{"http.proxy_header=Forwarded"}, key: "http.proxy_header"},
		{name: "http.body_limit below 1 MiB", file: "[http]\nbody_limit = 1048575\n", key: "http.body_limit"},
		{name: "http.shutdown_timeout zero", sets: []string{"http.shutdown_timeout=0s"}, key: "http.shutdown_timeout"},
		{name: "database.url mysql", sets: []string{"database.url=mysql://x"}, key: "database.url"},
		{name: "database.url empty sqlite path", sets: []string{"database.url=sqlite://"}, key: "database.url"},
		{name: "database.read_conns negative", sets: []string{"database.read_conns=-1"}, key: "database.read_conns"},
		{name: "security.secret_key too short", env: map[string]string{"RELANCE_SECURITY_SECRET_KEY": "0123456789abcdef0123456789abcde"},
			key: "security.secret_key"},
		{name: "security.session_absolute negative", sets: []string{"security.session_absolute=-1h"}, key: "security.session_absolute"},
		{name: "security.login_max_per_email zero", sets: []string{"security.login_max_per_email=0"}, key: "security.login_max_per_email"},
		{name: "security.login_max_per_ip zero", sets: []string{"security.login_max_per_ip=0"}, key: "security.login_max_per_ip"},
		{name: "meta.graph_url ftp", sets: []string{"meta.graph_url=ftp://x"}, key: "meta.graph_url"},
		{name: "meta.api_version without v", sets: []string{"meta.api_version=25"}, key: "meta.api_version"},
		{name: "meta.policy unknown", sets: []string{"meta.policy=meta-1999"}, key: "meta.policy"},
		{name: "log.level loud", sets: []string{"log.level=loud"}, key: "log.level"},
		{name: "ingest.unrouted_retention below an hour", sets: []string{"ingest.unrouted_retention=5m"}, key: "ingest.unrouted_retention"},
		{name: "log.format xml", file: "[log]\nformat = \"xml\"\n", key: "log.format"},
		{name: "defaults.timezone", sets: []string{"defaults.timezone=Mars/Olympus"}, key: "defaults.timezone"},
		{name: "defaults.timezone Local", sets: []string{"defaults.timezone=Local"}, key: "defaults.timezone"},
		{name: "defaults.currency", sets: []string{"defaults.currency=EURO"}, key: "defaults.currency"},
		{name: "bad duration in env", env: map[string]string{"RELANCE_SECURITY_SESSION_IDLE": "soon"}, key: "RELANCE_SECURITY_SESSION_IDLE"},
		{name: "bad number in env", env: map[string]string{"RELANCE_HTTP_BODY_LIMIT": "4MB"}, key: "RELANCE_HTTP_BODY_LIMIT"},
		{name: "bad bool in env", env: map[string]string{"RELANCE_SCHEDULER_ENABLED": "sometimes"}, key: "RELANCE_SCHEDULER_ENABLED"},
		{name: "invalid value from env names the key", env: map[string]string{"RELANCE_LOG_LEVEL": "loud"}, key: "log.level"},
		{name: "--set unknown key", sets: []string{"http.adress=x"}, key: "http.adress"},
		{name: "--set without =", sets: []string{"log.level"}, key: "log.level"},
		{name: "--set bad duration", sets: []string{"security.login_window=soon"}, key: "security.login_window"},
		{name: "--set bad number", sets: []string{"http.body_limit=big"}, key: "http.body_limit"},
		{name: "audiences.min_refresh_interval below a minute", sets: []string{"audiences.min_refresh_interval=30s"}, key: "audiences.min_refresh_interval"},
		{name: "audiences.min_refresh_interval not whole minutes", sets: []string{"audiences.min_refresh_interval=90s"}, key: "audiences.min_refresh_interval"},
		{name: "metrics.listen without port", sets: []string{"metrics.listen=localhost"}, key: "metrics.listen"},
		{name: "metrics.listen on http.addr", file: "[http]\naddr = \"127.0.0.1:8080\"\n[metrics]\nlisten = \"127.0.0.1:8080\"\n", key: "metrics.listen"},
		{name: "metrics.token short", env: map[string]string{"RELANCE_METRICS_TOKEN": "short"}, key: "metrics.token"},
		{name: "metrics.token with a space", sets: []string{"metrics.token=0123456789 abcdefgh"}, key: "metrics.token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeConfig(t, tt.file)
			_, err := LoadConfig(path, envOf(tt.env), tt.sets)
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("LoadConfig = %v, want a *ConfigError", err)
			}
			want := tt.key
			if want == "FILE" {
				want = path
			}
			if ce.Key != want {
				t.Errorf("ConfigError.Key = %q, want %q (error: %v)", ce.Key, want, err)
			}
			if ce.Reason == "" || !strings.HasPrefix(err.Error(), "config: "+want+": ") {
				t.Errorf("error %q should read \"config: %s: <reason>\"", err, want)
			}
		})
	}
}

// TestConfigTypeMismatchNamesKey: a value of the wrong TOML type is reported against the file, with the key
// in the message.
func TestConfigTypeMismatchNamesKey(t *testing.T) {
	_, err := LoadConfig(writeConfig(t, "[http]\nbody_limit = \"big\"\n"), noEnv, nil)
	var ce *ConfigError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "http.body_limit") {
		t.Fatalf("LoadConfig = %v, want a ConfigError mentioning http.body_limit", err)
	}
}

// TestConfigFile: an explicit --config must exist; the default relance.toml is optional but read when present.
func TestConfigFile(t *testing.T) {
	t.Chdir(t.TempDir())

	c, err := LoadConfig("", noEnv, nil)
	if err != nil {
		t.Fatalf("LoadConfig without relance.toml = %v, want defaults", err)
	}
	if !reflect.DeepEqual(c, Defaults()) {
		t.Errorf("LoadConfig without relance.toml = %+v, want Defaults()", c)
	}

	_, err = LoadConfig("missing.toml", noEnv, nil)
	var ce *ConfigError
	if !errors.As(err, &ce) || ce.Key != "--config" {
		t.Fatalf("LoadConfig(missing.toml) = %v, want a ConfigError for --config", err)
	}

	if err := os.WriteFile("relance.toml", []byte("[log]\nlevel = \"debug\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err = LoadConfig("", noEnv, nil)
	if err != nil {
		t.Fatalf("LoadConfig with relance.toml = %v", err)
	}
	if c.Log.Level != "debug" {
		t.Errorf("relance.toml was not read: log.level = %q", c.Log.Level)
	}

	if err := os.WriteFile("relance.toml", []byte("[log]\nlevel = \"loud\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadConfig("", noEnv, nil); !errors.As(err, &ce) || ce.Key != "log.level" {
		t.Errorf("LoadConfig with an invalid relance.toml = %v, want a ConfigError for log.level", err)
	}
}

func TestDurationText(t *testing.T) {
	var d Duration
	if err := d.UnmarshalText([]byte("1h30m")); err != nil || d.Duration != 90*time.Minute {
		t.Fatalf("UnmarshalText(1h30m) = %v, %v", d, err)
	}
	if b, _ := d.MarshalText(); string(b) != "1h30m0s" {
		t.Errorf("MarshalText = %q", b)
	}
	if err := d.UnmarshalText([]byte("soon")); err == nil {
		t.Error("UnmarshalText(soon) succeeded")
	}
}

// TestFoldForPicksByDatabase: "auto" folds after the commit on PostgreSQL and in it on SQLite; a set interval,
// "0s" included, is kept on both.
func TestFoldForPicksByDatabase(t *testing.T) {
	c := Defaults().Ingest
	if got := c.FoldFor("postgres"); got != time.Second {
		t.Errorf("auto on PostgreSQL: %v, want 1s", got)
	}
	if got := c.FoldFor("sqlite"); got != 0 {
		t.Errorf("auto on SQLite: %v, want 0s", got)
	}
	for _, d := range []time.Duration{0, 250 * time.Millisecond} {
		c.FoldInterval = FoldDuration{Duration{d}}
		if a, b := c.FoldFor("postgres"), c.FoldFor("sqlite"); a != d || b != d {
			t.Errorf("set to %v: %v on PostgreSQL, %v on SQLite", d, a, b)
		}
	}
}
