package app

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"testing"
)

// TestPprofListener serves the profiler on its own address when http.pprof_addr is set.
func TestPprofListener(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr, err := servePprof(ctx, "127.0.0.1:0", slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get("http://" + addr.String() + "/debug/pprof/cmdline")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /debug/pprof/cmdline = %d, want 200", resp.StatusCode)
	}
}

// TestPprofOffByDefault keeps the profiler off unless configured, and checks the address's shape.
func TestPprofOffByDefault(t *testing.T) {
	if Defaults().HTTP.PprofAddr != "" {
		t.Fatal("http.pprof_addr must default to empty (off)")
	}
	cfg := Defaults()
	cfg.HTTP.PprofAddr = "6060"
	var ce *ConfigError
	if err := cfg.Validate(); !errors.As(err, &ce) || ce.Key != "http.pprof_addr" {
		t.Fatalf("Validate(pprof_addr=6060) = %v, want a ConfigError on http.pprof_addr", err)
	}
}
