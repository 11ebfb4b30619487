package web_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// syncBuffer is a log sink the server's goroutines may write to while a test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestOversizedBody: a body over http.body_limit is a 413 that states the limit, is logged and is counted
// in the metrics. Before, fasthttp's refusal never reached the middleware: no log line, no metric, and the
// message was only "Request Entity Too Large".
func TestOversizedBody(t *testing.T) {
	f := newFixture(t)
	// fasthttp refuses the body before any handler, which app.Test cannot show: use a socket.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = f.srv.Serve(ln) }()
	defer f.srv.Shutdown(context.Background())
	for _, path := range []string{"/api/v1/brands", "/webhooks/messenger"} {
		// The headers announce a body over the limit; the server answers before reading it.
		conn, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: relance\r\nContent-Type: application/json\r\n"+
			"Authorization: Bearer %s\r\nContent-Length: %d\r\n\r\n", path, f.tokens[admin], 2<<20)
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		conn.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(body), "1048576 bytes (1 MiB)") ||
			!strings.Contains(string(body), `"payload_too_large"`) {
			t.Errorf("%s: %d %s, want 413 stating the limit", path, resp.StatusCode, trim(string(body)))
		}
		if logs := f.logs.String(); !strings.Contains(logs, "path="+path+" status=413") {
			t.Errorf("%s: no log line for the 413:\n%s", path, trim(logs))
		}
	}
	_, metrics := f.scrape(fixtureMetricsToken)
	if !strings.Contains(metrics, `relance_http_refused_total{status="413"} 2`) ||
		!strings.Contains(metrics, `relance_http_requests_total{method="POST",route="unmatched",status="413"} 2`) {
		t.Errorf("the 413s are not counted:\n%s", grepLines(metrics, "413"))
	}
}

// grepLines keeps the lines of s that contain sub.
func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
