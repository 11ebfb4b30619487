package meta

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
)

// ErrConfig means the client was built without what every call needs.
var ErrConfig = errors.New("meta: client needs a base URL, an API version and an app secret")

// Options configure a Client.
type Options struct {
	// BaseURL is https://graph.facebook.com, or the sandbox's URL.
	BaseURL string
	// Version is the Graph API version put in every path (v25.0): unversioned Marketing API calls fail.
	Version string
	// AppSecret signs every call with appsecret_proof.
	AppSecret string
	// HTTP is the transport (default: 30 s timeout).
	HTTP *http.Client
	// Retries is how many times a transient or throttled call is retried (default 4).
	Retries int
	// BaseBackoff is the first retry's wait before jitter (default 500 ms), doubled each time up to MaxBackoff.
	BaseBackoff, MaxBackoff time.Duration
	// SendRate caps Send API calls per second per Page (default 300; negative turns pacing off).
	SendRate int
	// SlowAbove is the usage percentage (X-App-Usage, X-Page-Usage …) above which calls are spaced out before
	// Meta throttles (default 80).
	SlowAbove int
	// Clock replaces the wall clock in tests.
	Clock Clock
	// OnUsage, if set, receives every response's usage headers (metrics).
	OnUsage func(Usage)
}

// Client calls the Graph API. It is safe for concurrent use; pacing is shared by all its goroutines.
type Client struct {
	o      Options
	base   *url.URL
	pacer  *Pacer
	usage  atomic.Int64 // the latest highest usage percentage seen
	regain atomic.Int64 // unix nanos before which calls wait (Meta said when access comes back)
	jitter func() float64
}

// New builds a client.
func New(o Options) (*Client, error) {
	if o.BaseURL == "" || o.Version == "" || o.AppSecret == "" {
		return nil, ErrConfig
	}
	u, err := url.Parse(strings.TrimRight(o.BaseURL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("meta: base URL %q: %w", o.BaseURL, ErrConfig)
	}
	if o.HTTP == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		// A send slot calls a batch of 64 sends at once: keep their connections rather than the default 2,
		// or each call past the second opens (and TLS-handshakes) a new one.
		tr.MaxIdleConnsPerHost = 64
		o.HTTP = &http.Client{Timeout: 30 * time.Second, Transport: tr}
	}
	if o.Retries == 0 {
		o.Retries = 4
	}
	if o.BaseBackoff == 0 {
		o.BaseBackoff = 500 * time.Millisecond
	}
	if o.MaxBackoff == 0 {
		o.MaxBackoff = 60 * time.Second
	}
	if o.SendRate == 0 {
		o.SendRate = 300
	}
	if o.SlowAbove == 0 {
		o.SlowAbove = 80
	}
	if o.Clock == nil {
		o.Clock = realClock{}
	}
	return &Client{o: o, base: u, pacer: NewPacer(o.SendRate, o.Clock), jitter: rand.Float64}, nil
}

// AppSecretProof is hex(HMAC-SHA256(app secret, access token)), sent with every server call (reference §3).
func AppSecretProof(appSecret, token string) string {
	m := hmac.New(sha256.New, []byte(appSecret))
	m.Write([]byte(token))
	return hex.EncodeToString(m.Sum(nil))
}

// request is one Graph API call.
type request struct {
	method string
	path   string // without the version: "104000000000001/messages"
	token  string
	query  url.Values // never credentials: those travel in the header and the body
	body   any        // sent as JSON
	pace   string     // Page id to pace Send API calls by, or ""
	next   string     // a paging.next URL to follow as given, instead of path and query (GET only)
	// once marks a call that must not be repeated blindly (a message send): an answer lost on the way is
	// returned as it is, since the message may have gone; Meta's own refusals are still retried.
	once bool
}

// call performs r with retries and decodes the answer into out. Its error is scrubbed of credentials: every
// exported method returns what call returns.
func (c *Client) call(ctx context.Context, r request, out any) error {
	return scrub(c.try(ctx, r, out), r.token, AppSecretProof(c.o.AppSecret, r.token))
}

// try is call before scrubbing.
func (c *Client) try(ctx context.Context, r request, out any) error {
	var body []byte
	if r.body != nil {
		var err error
		if body, err = json.Marshal(r.body); err != nil {
			return fmt.Errorf("meta: encode %s: %w", r.path, err)
		}
	}
	var last error
	for attempt := 0; attempt <= c.o.Retries; attempt++ {
		if attempt > 0 {
			if err := c.o.Clock.Sleep(ctx, c.backoff(attempt, last)); err != nil {
				return errors.Join(last, err)
			}
		}
		if err := c.waitTurn(ctx, r.pace); err != nil {
			return err
		}
		err := c.once(ctx, r, body, out)
		if err == nil || !IsRetryable(err) || (r.once && IsLostAnswer(err)) {
			return err
		}
		last = err
	}
	return last
}

// waitTurn applies pacing and the slow-down Meta asked for (estimated_time_to_regain_access).
func (c *Client) waitTurn(ctx context.Context, page string) error {
	if until := c.regain.Load(); until > 0 {
		if d := time.Unix(0, until).Sub(c.o.Clock.Now()); d > 0 {
			if err := c.o.Clock.Sleep(ctx, d); err != nil {
				return err
			}
		}
	}
	if page != "" {
		return c.pacer.Wait(ctx, page)
	}
	return ctx.Err()
}

// backoff is exponential with full jitter, at least what Meta said to wait, and longer when usage is high.
func (c *Client) backoff(attempt int, last error) time.Duration {
	d := c.o.BaseBackoff << (attempt - 1)
	if d > c.o.MaxBackoff || d <= 0 {
		d = c.o.MaxBackoff
	}
	d = time.Duration(float64(d) * (0.5 + c.jitter()/2))
	var me *Error
	if errors.As(last, &me) && me.RetryAfter > d {
		d = me.RetryAfter
	}
	return d
}

// once sends the request a single time.
//
// Credentials never go into the URL, which Go's transport errors print and proxies log: the access token
// travels in the Authorization header (Meta accepts "Bearer"), and appsecret_proof in the body of a POST.
// A GET or DELETE has no body, so its proof goes in the query: the proof is an HMAC of the token, useless
// without it and revealing neither the token nor the app secret, and scrub still removes it from errors.
func (c *Client) once(ctx context.Context, r request, body []byte, out any) error {
	u, err := c.target(r)
	if err != nil {
		return err
	}
	proof := AppSecretProof(c.o.AppSecret, r.token)
	var rd io.Reader
	contentType := ""
	switch {
	case r.method == http.MethodPost && body != nil:
		rd, contentType = bytes.NewReader(withProof(body, proof)), "application/json"
	case r.method == http.MethodPost:
		rd, contentType = strings.NewReader(url.Values{"appsecret_proof": {proof}}.Encode()), "application/x-www-form-urlencoded"
	default:
		q := u.Query()
		q.Set("appsecret_proof", proof)
		u.RawQuery = q.Encode()
		if body != nil {
			rd, contentType = bytes.NewReader(body), "application/json"
		}
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u.String(), rd)
	if err != nil {
		return fmt.Errorf("meta: %s %s: %w", r.method, r.path, err)
	}
	req.Header.Set("Authorization", "Bearer "+r.token)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.o.HTTP.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		// A connection that failed before any answer is worth retrying, like Meta's transient codes. The
		// transport's text names the URL: it is redacted here already, not only at the boundary.
		return &Error{Message: redactWith(err.Error(), r.token, proof), IsTransient: true, HTTPStatus: 0, Lost: true}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return &Error{Message: "reading the answer: " + redactWith(err.Error(), r.token, proof), IsTransient: true,
			HTTPStatus: resp.StatusCode, Lost: true}
	}
	c.observeUsage(resp.Header)
	if resp.StatusCode >= 300 {
		return ParseError(resp.StatusCode, raw, resp.Header)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("meta: decode %s: %w", r.path, err)
	}
	return nil
}

// observeUsage remembers how close to its limits Meta says relance is, and slows down near them.
func (c *Client) observeUsage(h http.Header) {
	u := ParseUsage(h)
	if c.o.OnUsage != nil {
		c.o.OnUsage(u)
	}
	pct := u.Max()
	c.usage.Store(int64(pct))
	switch regain := u.RegainAfter(); {
	case regain > 0:
		c.regain.Store(c.o.Clock.Now().Add(regain).UnixNano())
	case pct >= c.o.SlowAbove:
		// Spread the remaining budget: the closer to 100 %, the longer the pause before the next call.
		pause := time.Duration(pct-c.o.SlowAbove+1) * 50 * time.Millisecond
		c.regain.Store(c.o.Clock.Now().Add(pause).UnixNano())
	default:
		c.regain.Store(0)
	}
}

// Usage returns the highest usage percentage of the latest answer.
func (c *Client) Usage() int { return int(c.usage.Load()) }
