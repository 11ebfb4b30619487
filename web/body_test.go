package web_test

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"

	"relance/conversations"
)

// bomb compresses n MiB of zeros: a few hundred bytes to a few dozen KB that inflate to n MiB.
func bomb(t *testing.T, encoding string, n int) []byte {
	t.Helper()
	var buf bytes.Buffer
	var w io.WriteCloser
	switch encoding {
	case "gzip":
		w, _ = gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	case "deflate":
		w, _ = flate.NewWriter(&buf, flate.BestSpeed)
	case "br":
		w = brotli.NewWriterLevel(&buf, brotli.BestSpeed)
	}
	zero := make([]byte, 1<<20)
	for i := 0; i < n; i++ {
		if _, err := w.Write(zero); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestCompressedBodyBomb sends compressed bombs to the webhook, the JSON API and an upload form: each is
// refused with 415 before anything inflates it, so the request allocates far less than the bomb's size.
// Before, Fiber's c.Body() inflated gzip, br and deflate without a limit (and before the signature check).
func TestCompressedBodyBomb(t *testing.T) {
	f := newFixture(t)
	const inflated = 64 // MiB
	bombs := map[string][]byte{}
	for _, enc := range []string{"gzip", "br", "deflate"} {
		bombs[enc] = bomb(t, enc, inflated)
	}
	admSecret, csrf := f.session(f.users[admin])
	cases := []struct {
		name, encoding string
		req            func(body []byte) *http.Request
	}{
		{"webhook gzip", "gzip", f.webhookRequest},
		{"webhook br", "br", f.webhookRequest},
		{"webhook deflate", "deflate", f.webhookRequest},
		{"webhook gzip, upper case", "GZIP", f.webhookRequest},
		{"webhook gzip then identity", "gzip, identity", f.webhookRequest},
		{"api json gzip", "gzip", func(body []byte) *http.Request {
			req := httptest.NewRequest("POST", "/api/v1/brands", bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+f.tokens[admin])
			req.Header.Set("Content-Type", "application/json")
			return req
		}},
		{"api import br", "br", func(body []byte) *http.Request {
			req := httptest.NewRequest("POST", "/api/v1/brands/"+f.a1.ID+"/conversations/import?format=csv", bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+f.tokens[admin])
			req.Header.Set("Content-Type", "text/csv")
			return req
		}},
		{"login form deflate", "deflate", func(body []byte) *http.Request {
			req := httptest.NewRequest("POST", "/login", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return req
		}},
		{"upload form gzip", "gzip", func([]byte) *http.Request {
			var form bytes.Buffer
			mw := multipart.NewWriter(&form)
			_ = mw.WriteField("_csrf", csrf)
			fw, _ := mw.CreateFormFile("file", "history.csv")
			_, _ = fw.Write(bytes.Repeat([]byte("0"), 16<<20))
			_ = mw.Close()
			var gz bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&gz, gzip.BestSpeed)
			_, _ = zw.Write(form.Bytes())
			_ = zw.Close()
			req := httptest.NewRequest("POST", "/brands/"+f.a1.ID+"/conversations/import", &gz)
			req.Header.Set("Content-Type", mw.FormDataContentType())
			req.AddCookie(&http.Cookie{Name: "relance_session", Value: admSecret})
			return req
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			enc := strings.ToLower(strings.Split(tc.encoding, ",")[0])
			req := tc.req(bombs[enc])
			req.Header.Set("Content-Encoding", tc.encoding)
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			resp, err := f.srv.App().Test(req, -1)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			runtime.ReadMemStats(&after)
			if resp.StatusCode != http.StatusUnsupportedMediaType || !strings.Contains(string(body), "uncompressed") {
				t.Errorf("status %d %s, want 415 asking for an uncompressed body", resp.StatusCode, trim(string(body)))
			}
			// The inflated bomb is 64 MiB; the request itself (and the 16 MiB form, compressed) stays far below.
			if got := after.TotalAlloc - before.TotalAlloc; got > 16<<20 {
				t.Errorf("the request allocated %d MiB: the body was inflated", got>>20)
			}
		})
	}
	// An uncompressed delivery, or one that says "identity", still goes through.
	body := readFixture(t, "message_text_nlpv2.json")
	req := f.webhookRequest(body)
	req.Header.Set("Content-Encoding", "identity")
	resp, err := f.srv.App().Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Errorf("identity delivery: %d", resp.StatusCode)
	}
}

// webhookRequest is a delivery to relance's own app, signed over body as sent.
func (f *fixture) webhookRequest(body []byte) *http.Request {
	req := httptest.NewRequest(http.MethodPost, "/webhooks/messenger", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Hub-Signature-256", conversations.Sign(body, fixtureSecret))
	return req
}
