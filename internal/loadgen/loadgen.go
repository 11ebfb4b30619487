// Package loadgen posts signed, realistic webhook deliveries to a running relance over HTTP and measures
// throughput and acknowledgement latency. The benchmarks and the ingestbench command use it.
package loadgen

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"

	"relance/conversations"
)

// Options describe a run.
type Options struct {
	// URL is the webhook endpoint, e.g. http://127.0.0.1:8080/webhooks/messenger.
	URL string
	// Secret signs the bodies (meta.app_secret of the target).
	Secret string
	// Pages are the Page ids the deliveries are for (connected to a brand of the target).
	Pages []string
	// Events is how many events to send in all.
	Events int
	// Batch is the events per delivery; when MaxBatch > Batch each delivery draws its size uniformly in
	// [Batch, MaxBatch] (Meta batches what it has, so sizes vary).
	Batch, MaxBatch int
	// Senders is how many distinct people (PSIDs) write; 0 means 200,000.
	Senders int
	// Concurrency is how many deliveries are in flight at once.
	Concurrency int
	// Rate caps events per second (0: as fast as the target answers). Pacing is open-loop: a slow answer
	// does not delay the next departure, so latency under a fixed offered load is measured honestly.
	Rate int
	// Seed varies the message ids and texts, so that runs do not deduplicate each other.
	Seed string
	// Started, if set, is called once the bodies are built, just before the first delivery leaves
	// (profilers start there).
	Started func()
}

// Report is what a run measured.
type Report struct {
	Events, Deliveries, Failed int
	Elapsed                    time.Duration
	EventsPerS, DeliveriesPerS float64
	P50, P95, P99, Max         time.Duration
}

// String is the one-line summary of a run.
func (r Report) String() string {
	return fmt.Sprintf("%d events in %d deliveries (%d failed) in %v: %.0f events/s, %.0f deliveries/s, ack p50 %v, p95 %v, p99 %v",
		r.Events, r.Deliveries, r.Failed, r.Elapsed.Round(time.Millisecond), r.EventsPerS, r.DeliveriesPerS,
		ms(r.P50), ms(r.P95), ms(r.P99))
}

func ms(d time.Duration) time.Duration { return d.Round(10 * time.Microsecond) }

// delivery is one prepared request: built and signed before the clock starts, so that the generator's own
// work does not count against the target.
type delivery struct {
	body   []byte
	sig    string
	events int
}

// Run sends the deliveries and measures each acknowledgement.
func Run(ctx context.Context, o Options) (Report, error) {
	if o.Batch <= 0 || o.Concurrency <= 0 || o.Events <= 0 || len(o.Pages) == 0 {
		return Report{}, fmt.Errorf("loadgen: events, batch, concurrency and pages must be set")
	}
	ds := prepare(o)
	client := &fasthttp.Client{MaxConnsPerHost: o.Concurrency * 2, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second}
	lat := make([]time.Duration, len(ds))
	var next, failed, failedEvents atomic.Int64
	// departure[k] is when delivery k leaves in paced mode: after the events before it, at Rate.
	var departure []time.Duration
	if o.Rate > 0 {
		departure = make([]time.Duration, len(ds))
		sent := 0
		for k, d := range ds {
			departure[k] = time.Duration(float64(time.Second) * float64(sent) / float64(o.Rate))
			sent += d.events
		}
	}
	if o.Started != nil {
		o.Started()
	}
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < o.Concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
			defer fasthttp.ReleaseRequest(req)
			defer fasthttp.ReleaseResponse(resp)
			for ctx.Err() == nil {
				k := int(next.Add(1)) - 1
				if k >= len(ds) {
					return
				}
				t0 := time.Now()
				if departure != nil {
					at := start.Add(departure[k])
					if d := time.Until(at); d > 0 {
						time.Sleep(d)
					}
					t0 = at // latency counts from the scheduled departure: queueing in the generator is the target's lag
				}
				req.Reset()
				req.SetRequestURI(o.URL)
				req.Header.SetMethod(fasthttp.MethodPost)
				req.Header.SetContentType("application/json")
				req.Header.Set("X-Hub-Signature-256", ds[k].sig)
				req.SetBodyRaw(ds[k].body)
				err := client.Do(req, resp)
				lat[k] = time.Since(t0)
				if err != nil || resp.StatusCode() != fasthttp.StatusOK {
					failed.Add(1)
					failedEvents.Add(int64(ds[k].events))
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	n := min(int(next.Load()), len(ds))
	if n == 0 {
		return Report{}, fmt.Errorf("loadgen: nothing sent: %w", ctx.Err())
	}
	events := 0
	for _, d := range ds[:n] {
		events += d.events
	}
	sorted := slices.Clone(lat[:n])
	slices.Sort(sorted)
	pct := func(p int) time.Duration { return sorted[min(len(sorted)-1, len(sorted)*p/100)] }
	r := Report{Events: events, Deliveries: n, Failed: int(failed.Load()), Elapsed: elapsed,
		P50: pct(50), P95: pct(95), P99: pct(99), Max: sorted[len(sorted)-1]}
	r.EventsPerS = float64(events-int(failedEvents.Load())) / elapsed.Seconds()
	r.DeliveriesPerS = float64(n-r.Failed) / elapsed.Seconds()
	return r, nil
}

// prepare builds and signs every delivery of the run.
func prepare(o Options) []delivery {
	senders := o.Senders
	if senders <= 0 {
		senders = 200_000
	}
	g := newGen(o.Seed, senders)
	var ds []delivery
	for k, left := 0, o.Events; left > 0; k++ {
		n := o.Batch
		if o.MaxBatch > o.Batch {
			n += g.r.IntN(o.MaxBatch - o.Batch + 1)
		}
		n = min(n, left)
		body := g.body(o.Pages[k%len(o.Pages)], k, n)
		ds = append(ds, delivery{body: body, sig: conversations.Sign(body, o.Secret), events: n})
		left -= n
	}
	return ds
}

// Bodies builds the deliveries' bodies of o, unsigned (in-process benchmarks submit them to the ingester).
func Bodies(o Options) [][]byte {
	ds := prepare(o)
	out := make([][]byte, len(ds))
	for k, d := range ds {
		out[k] = d.body
	}
	return out
}

// Body builds one delivery of n events with the default mix (the in-process benchmarks use it).
func Body(page string, seed string, k, n int) []byte {
	return newGen(seed+fmt.Sprint(k), 200_000).body(page, k, n)
}

// seedOf turns a seed string into the generator's state, so that a seed always gives the same load.
func seedOf(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * 1099511628211
	}
	return h
}

// gen draws deliveries: who writes, what they write, and which kind of event it is.
type gen struct {
	r       *rand.Rand
	seed    string
	senders int
	buf     []byte
}

func newGen(seed string, senders int) *gen {
	h := seedOf(seed)
	return &gen{r: rand.New(rand.NewPCG(h, h^0x9e3779b97f4a7c15)), seed: seed, senders: senders}
}
