package meta_test

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"relance/meta"
	"relance/meta/sandbox"
)

// BenchmarkSend measures the Send API path of the client through the in-process sandbox, pacing off:
// building and signing the request, the sandbox's checks, the echo it queues, decoding the answer. It
// is the client's own cost per send; the real Meta adds the network and allows 300 sends/s per Page.
func BenchmarkSend(b *testing.B) {
	sb, err := sandbox.New(sandbox.Options{AppSecret: testSecret, AppID: "555000000000001"})
	if err != nil {
		b.Fatal(err)
	}
	const people = 1000
	for i := range people {
		sb.RegisterThread(testPage, strconv.Itoa(7100000000100000+i), "US", sb.Now(), "")
	}
	c, err := meta.New(meta.Options{BaseURL: "http://sandbox.invalid", Version: "v25.0", AppSecret: testSecret,
		SendRate: -1, HTTP: &http.Client{Transport: sb.Transport()}})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_, err := c.Send(ctx, meta.Message{PageID: testPage, Token: pageToken, Recipient: strconv.Itoa(7100000000100000 + i%people),
			MessagingType: meta.MessagingResponse, Text: "Your order is on its way", Metadata: "send:" + strconv.Itoa(i)})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sends/s")
}

// stampWire records when each Send API call leaves, then passes it to the sandbox.
type stampWire struct {
	next  http.RoundTripper
	mu    sync.Mutex
	times []time.Time
}

func (w *stampWire) RoundTrip(r *http.Request) (*http.Response, error) {
	w.mu.Lock()
	w.times = append(w.times, time.Now())
	w.mu.Unlock()
	return w.next.RoundTrip(r)
}

// BenchmarkPacedSend measures per-Page pacing on the wall clock (a short real run, not a simulated one):
// 64 goroutines, as a slot's batch, send 3 seconds' worth of messages to one Page at Meta's 300 calls/s
// through the in-process sandbox, and the rate at which calls left (calls after the first over the time
// from the first to the last) is compared with the configured one. It reports the achieved rate and its
// deviation in percent.
func BenchmarkPacedSend(b *testing.B) {
	const rate, workers = 300, 64
	sb, err := sandbox.New(sandbox.Options{AppSecret: testSecret, AppID: "555000000000001"})
	if err != nil {
		b.Fatal(err)
	}
	const people = 1000
	for i := range people {
		sb.RegisterThread(testPage, strconv.Itoa(7100000000100000+i), "US", sb.Now(), "")
	}
	wire := &stampWire{next: sb.Transport()}
	c, err := meta.New(meta.Options{BaseURL: "http://sandbox.invalid", Version: "v25.0", AppSecret: testSecret,
		SendRate: rate, HTTP: &http.Client{Transport: wire}})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	calls := 3 * rate
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		wire.times = wire.times[:0]
		next := make(chan int)
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for k := range next {
					_, err := c.Send(ctx, meta.Message{PageID: testPage, Token: pageToken, Recipient: strconv.Itoa(7100000000100000 + k%people),
						MessagingType: meta.MessagingResponse, Text: "Your order is on its way"})
					if err != nil {
						b.Error(err)
					}
				}
			})
		}
		for k := range calls {
			next <- k
		}
		close(next)
		wg.Wait()
	}
	b.StopTimer()
	ts := slices.SortedFunc(slices.Values(wire.times), time.Time.Compare)
	got := float64(len(ts)-1) / ts[len(ts)-1].Sub(ts[0]).Seconds()
	b.ReportMetric(got, "calls/s")
	b.ReportMetric(100*(got-rate)/rate, "deviation-%")
}
