// Package loadgen posts signed, realistic webhook deliveries to a running relance over HTTP and measures
// throughput and acknowledgement latency. The benchmarks and `relance loadgen` use it.
package loadgen

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

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
	// Events is how many events to send in all; Batch how many per delivery.
	Events, Batch int
	// Concurrency is how many deliveries are in flight at once.
	Concurrency int
	// Rate caps events per second (0: as fast as the target answers).
	Rate int
	// Seed varies the message ids, so that runs do not deduplicate each other.
	Seed string
}

// Report is what a run measured.
type Report struct {
	Events     int
	Failed     int
	Elapsed    time.Duration
	EventsPerS float64
	P50, P99   time.Duration
	Deliveries int
}

// String is the one-line summary `relance loadgen` prints.
func (r Report) String() string {
	return fmt.Sprintf("%d events in %d deliveries (%d failed) in %v: %.0f events/s, ack p50 %v, p99 %v",
		r.Events, r.Deliveries, r.Failed, r.Elapsed.Round(time.Millisecond), r.EventsPerS, r.P50.Round(10*time.Microsecond), r.P99.Round(10*time.Microsecond))
}

var texts = []string{
	"Hi! How much is the spring menu?", "Bonjour, vous livrez à Lyon demain ?", "My number is +1 415 555 0199",
	"Écrivez-moi à client@example.com", "Is the 49.90 EUR offer still valid tomorrow at 10am?", "Merci beaucoup !",
	"Can I book a table for 4 on Friday at 8pm?", "ok", "J'ai payé 35,50 € mais pas de facture",
}

// Body builds one delivery of n events (messages, with a referral and an echo now and then).
func Body(page string, seed string, k, n int) []byte {
	var b strings.Builder
	b.WriteString(`{"object":"page","entry":[{"id":"` + page + `","time":` + fmt.Sprint(time.Now().UnixMilli()) + `,"messaging":[`)
	now := time.Now().UnixMilli()
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		psid := fmt.Sprintf("76%012d", (k*n+i)%200000)
		mid := fmt.Sprintf("m_load_%s_%d_%d", seed, k, i)
		switch i % 10 {
		case 7:
			fmt.Fprintf(&b, `{"sender":{"id":"%s"},"recipient":{"id":"%s"},"timestamp":%d,"message":{"mid":"%s","is_echo":true,"app_id":"263902037430900","text":"Hi, this is Camille: yes!"}}`,
				page, psid, now, mid)
		case 3:
			fmt.Fprintf(&b, `{"sender":{"id":"%s"},"recipient":{"id":"%s"},"timestamp":%d,"message":{"mid":"%s","text":%q},"referral":{"source":"ADS","type":"OPEN_THREAD","ad_id":"23850000000000001","ref":"camp=load-var=a"}}`,
				psid, page, now, mid, texts[(k+i)%len(texts)])
		default:
			fmt.Fprintf(&b, `{"sender":{"id":"%s"},"recipient":{"id":"%s"},"timestamp":%d,"message":{"mid":"%s","text":%q}}`,
				psid, page, now, mid, texts[(k+i)%len(texts)])
		}
	}
	b.WriteString(`]}]}`)
	return []byte(b.String())
}

// Run sends the deliveries and measures each acknowledgement.
func Run(ctx context.Context, o Options) (Report, error) {
	if o.Batch <= 0 || o.Concurrency <= 0 || o.Events <= 0 || len(o.Pages) == 0 {
		return Report{}, fmt.Errorf("loadgen: events, batch, concurrency and pages must be set")
	}
	deliveries := (o.Events + o.Batch - 1) / o.Batch
	bodies := make([][]byte, deliveries)
	for k := range bodies {
		bodies[k] = Body(o.Pages[k%len(o.Pages)], o.Seed, k, o.Batch)
	}
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: o.Concurrency * 2}}
	lat := make([]time.Duration, deliveries)
	var next, failed atomic.Int64
	var interval time.Duration
	if o.Rate > 0 {
		interval = time.Duration(float64(time.Second) * float64(o.Batch) / float64(o.Rate))
	}
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < o.Concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				k := int(next.Add(1)) - 1
				if k >= deliveries {
					return
				}
				if interval > 0 { // open-loop pacing: delivery k leaves at start + k·interval
					if d := time.Until(start.Add(time.Duration(k) * interval)); d > 0 {
						time.Sleep(d)
					}
				}
				req, _ := http.NewRequestWithContext(ctx, http.MethodPost, o.URL, bytes.NewReader(bodies[k]))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("X-Hub-Signature-256", conversations.Sign(bodies[k], o.Secret))
				t0 := time.Now()
				resp, err := client.Do(req)
				lat[k] = time.Since(t0)
				if err != nil || resp.StatusCode != http.StatusOK {
					failed.Add(1)
				}
				if resp != nil {
					resp.Body.Close()
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	sorted := append([]time.Duration(nil), lat...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	r := Report{Events: deliveries * o.Batch, Deliveries: deliveries, Failed: int(failed.Load()), Elapsed: elapsed,
		P50: sorted[len(sorted)/2], P99: sorted[len(sorted)*99/100]}
	r.EventsPerS = float64(r.Events-r.Failed*o.Batch) / elapsed.Seconds()
	return r, nil
}
