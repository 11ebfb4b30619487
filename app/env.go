package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"gorm.io/gorm/logger"

	"relance/database"
	"relance/tenancy"
)

// runtime is what every command shares once started: configuration, logger, database and store.
type runtime struct {
	// migrated is how many migrations this start applied (statistics may be stale after them).
	migrated int
	cfg      Config
	log      *slog.Logger
	db       *database.DB
	store    *tenancy.Store
	key      []byte
}

// close releases the database.
func (r *runtime) close() {
	if r.db != nil {
		_ = r.db.Close()
	}
}

// newFlags makes a command's flag set with --config and --set.
func newFlags(name string) (*flag.FlagSet, *string, *multiFlag) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	path, sets := new(string), new(multiFlag)
	addFlags(fs, path, sets)
	return fs, path, sets
}

// parse parses flags, turning a flag error into a usage error that names it.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %s %v", errUsage, fs.Name(), err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: %s: unexpected argument %q", errUsage, fs.Name(), fs.Arg(0))
	}
	return nil
}

// start loads the configuration, opens and migrates the database and loads the store.
func start(ctx context.Context, path string, sets []string) (*runtime, error) {
	cfg, err := LoadConfig(path, env, sets)
	if err != nil {
		return nil, err
	}
	return startWith(ctx, cfg, os.Stderr)
}

// startWith is start for a configuration already built (tests use it).
func startWith(ctx context.Context, cfg Config, logOut io.Writer) (*runtime, error) {
	r := &runtime{cfg: cfg, log: newLogger(cfg.Log, logOut)}
	key, err := secretKey(cfg)
	if err != nil {
		return nil, err
	}
	r.key = key
	db, err := database.Open(cfg.Database.URL, database.Options{ReadConns: cfg.Database.ReadConns,
		Logger: logger.New(slogWriter{r.log}, logger.Config{SlowThreshold: 500e6, LogLevel: logger.Warn, IgnoreRecordNotFoundError: true, ParameterizedQueries: true})})
	if err != nil {
		return nil, err
	}
	r.db = db
	n, err := db.Migrate(ctx)
	r.migrated = n
	if err != nil {
		r.close()
		return nil, err
	}
	if n > 0 {
		r.log.Info("migrations applied", "count", n, "dialect", db.Dialect)
	}
	vault, err := tenancy.NewVault(key)
	if err != nil {
		r.close()
		return nil, err
	}
	if r.store, err = tenancy.NewStore(ctx, db, vault); err != nil {
		r.close()
		return nil, err
	}
	return r, nil
}

// secretKey returns security.secret_key, or on SQLite the key kept beside the database file (made with mode
// 0600 on first start). PostgreSQL deployments run several instances, which must share one key: it is required.
func secretKey(cfg Config) ([]byte, error) {
	if cfg.Security.SecretKey != "" {
		return []byte(cfg.Security.SecretKey), nil
	}
	path, ok := strings.CutPrefix(cfg.Database.URL, "sqlite://")
	if !ok {
		return nil, &ConfigError{Key: "security.secret_key", Reason: "is required with PostgreSQL so that every instance shares it (set RELANCE_SECURITY_SECRET_KEY)"}
	}
	file := filepath.Join(filepath.Dir(path), "secret.key")
	if b, err := os.ReadFile(file); err == nil {
		k := strings.TrimSpace(string(b))
		if len(k) < 32 {
			return nil, &ConfigError{Key: "security.secret_key", Reason: file + " holds fewer than 32 characters"}
		}
		return []byte(k), nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("app: read %s: %w", file, err)
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o750); err != nil {
		return nil, fmt.Errorf("app: create %s: %w", filepath.Dir(file), err)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return nil, fmt.Errorf("app: secret key: %w", err)
	}
	k := hex.EncodeToString(raw)
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("app: write %s: %w", file, err)
	}
	defer f.Close()
	if _, err := f.WriteString(k + "\n"); err != nil {
		return nil, fmt.Errorf("app: write %s: %w", file, err)
	}
	return []byte(k), nil
}

// newLogger builds the slog logger from log.level and log.format.
func newLogger(c LogConfig, out io.Writer) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(c.Level))
	opts := &slog.HandlerOptions{Level: lvl}
	if c.Format == "json" {
		return slog.New(slog.NewJSONHandler(out, opts))
	}
	return slog.New(slog.NewTextHandler(out, opts))
}

// slogWriter lets GORM's logger write through slog.
type slogWriter struct{ l *slog.Logger }

// Printf logs GORM's message at warning level.
func (w slogWriter) Printf(format string, args ...any) {
	w.l.Warn("database", "msg", fmt.Sprintf(format, args...))
}

// cliContext marks changes made from the command line in the audit log.
func cliContext(ctx context.Context) context.Context {
	return tenancy.WithActor(ctx, tenancy.Actor{Label: "cli"})
}

// openOnly opens the database without migrating it (migrate status reports what is pending).
func openOnly(cfg Config) (*database.DB, error) {
	return database.Open(cfg.Database.URL, database.Options{ReadConns: cfg.Database.ReadConns})
}
