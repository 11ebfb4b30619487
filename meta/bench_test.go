package meta_test

import (
	"context"
	"net/http"
	"strconv"
	"testing"

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
