package scheduler

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Missed says what happens to slots that fell while no instance ran (the process was down, or the database).
type Missed string

// The Missed policies.
const (
	// MissedSkip records missed slots as skipped and runs none of them: a slot runs on time or never.
	// "On time" allows Options.Grace of lateness.
	MissedSkip Missed = "skip"
	// MissedLatest runs the most recent missed slot and records the older ones as skipped (the default):
	// right for jobs whose latest run supersedes the others, like an audience refresh.
	MissedLatest Missed = "latest"
	// MissedAll runs every missed slot, oldest first, up to Options.MaxMissed of the most recent.
	MissedAll Missed = "all"
)

// ErrBadMissed reports a Missed policy that is none of skip, latest or all.
var ErrBadMissed = errors.New("scheduler: missed policy must be skip, latest or all")

// ParseMissed reads a Missed policy from configuration ("" is the default, latest).
func ParseMissed(s string) (Missed, error) {
	switch m := Missed(s); m {
	case "":
		return MissedLatest, nil
	case MissedSkip, MissedLatest, MissedAll:
		return m, nil
	}
	return "", fmt.Errorf("%w: %q", ErrBadMissed, s)
}

// Options tune a Scheduler; the zero value is usable.
type Options struct {
	// Instance names this process in claims and history (default: host name and a random suffix). Each
	// running instance needs its own.
	Instance string
	// Missed is the default missed-slot policy (default MissedLatest).
	Missed Missed
	// MaxMissed caps how many past slots of a job one tick looks at (default 100): older ones are neither
	// run nor recorded.
	MaxMissed int
	// Grace is how late a slot may start and still count as on time under MissedSkip (default 1 minute).
	Grace time.Duration
	// Lease is how long a claim holds without renewal (default 2 minutes); a running handler renews it
	// every third of it. An instance that dies holds its slot for at most this long.
	Lease time.Duration
	// MaxAttempts caps takeovers of a slot whose instances keep dying (default 3); then it is failed.
	MaxAttempts int
	// ReloadEvery is how often the sources are reloaded and all jobs ticked, which catches slots the
	// timer missed and takes over lapsed leases (default 30 seconds).
	ReloadEvery time.Duration
	// KeepFor is how long run history is kept (default 90 days; negative keeps it forever).
	KeepFor time.Duration
	// Concurrency caps the handlers one tick runs at once (default 4).
	Concurrency int
	// Now is the clock of the timer and the background loop (default time.Now).
	Now func() time.Time
	// Logger receives the scheduler's logs (nil discards them).
	Logger *slog.Logger
	// Registerer, if set, receives the scheduler's metrics.
	Registerer prometheus.Registerer
}

// withDefaults fills the zero fields of o.
func (o Options) withDefaults() (Options, error) {
	if o.Instance == "" {
		host, _ := os.Hostname()
		b := make([]byte, 3)
		_, _ = rand.Read(b)
		o.Instance = host + "-" + hex.EncodeToString(b)
	}
	m, err := ParseMissed(string(o.Missed))
	if err != nil {
		return o, err
	}
	o.Missed = m
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.Grace, time.Minute)
	def(&o.Lease, 2*time.Minute)
	def(&o.ReloadEvery, 30*time.Second)
	if o.KeepFor == 0 {
		o.KeepFor = 90 * 24 * time.Hour
	}
	if o.MaxMissed <= 0 {
		o.MaxMissed = 100
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 3
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 4
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o, nil
}
