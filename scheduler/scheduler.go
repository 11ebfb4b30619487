package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/robfig/cron/v3"

	"relance/database"
)

// ErrTakenOver is the cause of a handler's context ending when another instance took its slot over
// (this instance could not renew its lease in time, e.g. it lost the database).
var ErrTakenOver = errors.New("scheduler: slot taken over by another instance")

// Handler runs one slot of one job; an error (or a panic) records the run as failed. It should return
// when ctx ends: at shutdown the slot is then given back to another instance.
type Handler func(ctx context.Context, key string, slot time.Time) error

// Entry is one job of a kind, as its Source lists it.
type Entry struct {
	// Key names the job within its kind (e.g. an audience id).
	Key string
	// Spec is the cron spec (see Validate); TZ is the IANA zone it is read in ("" is UTC).
	Spec, TZ string
	// Since is when the schedule took effect (the job's creation or the last change of its spec or zone):
	// no slot before it is run or counted as missed. Zero means when this instance first loaded the entry,
	// so a job that never ran loses the slots that fell while no instance was up.
	Since time.Time
}

// Source lists the current jobs of a kind; the scheduler calls it on every reload.
type Source func(ctx context.Context) ([]Entry, error)

// Kind is one sort of job: where its jobs come from and what runs them.
type Kind struct {
	// Name identifies the kind in the database and the metrics (e.g. "audience_refresh"); keep it stable.
	Name    string
	Source  Source
	Handler Handler
	// Missed overrides Options.Missed for this kind.
	Missed Missed
}

// Scheduler runs the jobs of its registered kinds exactly once per slot across instances.
type Scheduler struct {
	db   *database.DB
	o    Options
	log  *slog.Logger
	m    *metrics
	cron *cron.Cron

	mu    sync.Mutex
	kinds map[string]Kind
	jobs  map[jobID]*job

	reloadMu  sync.Mutex
	pruned    time.Time
	busy      atomic.Bool
	startOnce sync.Once
	stopOnce  sync.Once
	quit      chan struct{}
	base      context.Context
	cancel    context.CancelFunc
	wg        sync.WaitGroup
}

// jobID identifies a job.
type jobID struct{ kind, key string }

// job is a loaded entry with its parsed schedule and its timer.
type job struct {
	kind   Kind
	entry  Entry
	since  time.Time
	sched  schedule
	timer  cron.EntryID
	cursor atomic.Int64 // a slot (epoch ms) known claimed: nothing at or before it is due again
	// next is the first slot after some value the cursor held (epoch ms; MaxInt64 when none): never later
	// than the first slot after the cursor, so a tick may skip a job whose next is after now without
	// computing its schedule.
	next atomic.Int64
}

// setCursor starts the job's cursor at t.
func (j *job) setCursor(t time.Time) {
	j.cursor.Store(t.UnixMilli())
	j.next.Store(nextMS(j.sched, t))
}

// advance moves the job's cursor forward to t.
func (j *job) advance(t time.Time) {
	ms := t.UnixMilli()
	for {
		cur := j.cursor.Load()
		if ms <= cur {
			return
		}
		if j.cursor.CompareAndSwap(cur, ms) {
			// A concurrent advance may store its next after this one: it is then an earlier slot, which
			// only makes a tick look at the job once more.
			j.next.Store(nextMS(j.sched, t))
			return
		}
	}
}

// nextMS is the first slot of sched after t in epoch ms, MaxInt64 when there is none.
func nextMS(sched schedule, t time.Time) int64 {
	n := sched.Next(t)
	if n.IsZero() {
		return math.MaxInt64
	}
	return n.UnixMilli()
}

// New builds a scheduler on db. Nothing runs before Register, Reload and Start (or Tick).
func New(db *database.DB, o Options) (*Scheduler, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	m, err := newMetrics(o.Registerer)
	if err != nil {
		return nil, err
	}
	base, cancel := context.WithCancel(context.Background())
	s := &Scheduler{db: db, o: o, log: o.Logger.With("instance", o.Instance), m: m, kinds: map[string]Kind{},
		jobs: map[jobID]*job{}, quit: make(chan struct{}), base: base, cancel: cancel}
	// The timer's zone only sets the clock it reads: each schedule carries its own zone. Recover is a last
	// resort; handlers' panics are already recovered and recorded as failed runs.
	s.cron = cron.New(cron.WithLocation(time.UTC), cron.WithLogger(cronLogger{s.log}),
		cron.WithChain(cron.Recover(cronLogger{s.log})))
	return s, nil
}

// Instance returns the name this scheduler claims slots under.
func (s *Scheduler) Instance() string { return s.o.Instance }

// Register adds a kind of job; its jobs are loaded on the next Reload.
func (s *Scheduler) Register(k Kind) error {
	if k.Name == "" || k.Source == nil || k.Handler == nil {
		return fmt.Errorf("scheduler: register %q: a kind needs a name, a source and a handler", k.Name)
	}
	m, err := ParseMissed(string(k.Missed))
	if err != nil {
		return fmt.Errorf("scheduler: register %q: %w", k.Name, err)
	}
	if k.Missed == "" {
		m = s.o.Missed
	}
	k.Missed = m
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.kinds[k.Name]; dup {
		return fmt.Errorf("scheduler: register %q: kind already registered", k.Name)
	}
	s.kinds[k.Name] = k
	return nil
}

// Reload asks every kind's source for its jobs and updates the timers: new jobs are added, removed ones
// dropped, changed ones rescheduled. Call it after a job's spec changes; other instances see the change
// on their next periodic reload. A source that fails keeps its kind's jobs as they were; an entry with a
// bad spec or zone is logged and left out, so that one bad row does not stop the others.
func (s *Scheduler) Reload(ctx context.Context) error {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	s.mu.Lock()
	kinds := make([]Kind, 0, len(s.kinds))
	for _, k := range s.kinds {
		kinds = append(kinds, k)
	}
	s.mu.Unlock()

	var errs []error
	fresh := map[jobID]*job{}
	failed := map[string]bool{}
	for _, k := range kinds {
		entries, err := k.Source(ctx)
		if err != nil {
			failed[k.Name] = true
			errs = append(errs, fmt.Errorf("scheduler: reload %s: %w", k.Name, err))
			continue
		}
		for _, e := range entries {
			sched, err := compile(e.Spec, e.TZ)
			if err != nil {
				s.log.Warn("scheduler: job left out", "kind", k.Name, "key", e.Key, "err", err)
				continue
			}
			fresh[jobID{k.Name, e.Key}] = &job{kind: k, entry: e, sched: sched, since: e.Since}
		}
	}

	now := s.o.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, old := range s.jobs {
		if _, ok := fresh[id]; !ok && !failed[id.kind] {
			s.cron.Remove(old.timer)
			delete(s.jobs, id)
		}
	}
	for id, j := range fresh {
		old, ok := s.jobs[id]
		if ok && old.entry.Spec == j.entry.Spec && old.entry.TZ == j.entry.TZ && old.entry.Since.Equal(j.entry.Since) {
			continue
		}
		if ok {
			s.cron.Remove(old.timer)
		}
		if j.since.IsZero() {
			j.since = now
		}
		j.setCursor(j.since)
		j.timer = s.cron.Schedule(j.sched, cron.FuncJob(func() { s.fire(j) }))
		s.jobs[id] = j
	}
	return errors.Join(errs...)
}

// snapshot returns the loaded jobs.
func (s *Scheduler) snapshot() map[jobID]*job {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[jobID]*job, len(s.jobs))
	for id, j := range s.jobs {
		out[id] = j
	}
	return out
}
