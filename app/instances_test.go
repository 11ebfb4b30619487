package app

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"relance/internal/testdb"
	"relance/tenancy"
)

// instance is one `relance serve` started by a test.
type instance struct {
	url  string
	out  bytes.Buffer
	log  testdb.Buffer
	done chan error
}

// startInstances starts n servers on one database at the same moment and waits until all serve.
func startInstances(t *testing.T, ctx context.Context, cfg Config, n int) []*instance {
	t.Helper()
	out := make([]*instance, n)
	gate := make(chan struct{})
	readies := make([]chan struct{}, n)
	for i := range out {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		in := &instance{url: "http://" + ln.Addr().String(), done: make(chan error, 1)}
		out[i], readies[i] = in, make(chan struct{})
		go func(ready chan struct{}) {
			<-gate
			in.done <- Serve(ctx, cfg, ServeOptions{Listener: ln, Out: &in.out, Log: &in.log, Ready: ready})
		}(readies[i])
	}
	close(gate)
	for i, r := range readies {
		select {
		case <-r:
		case err := <-out[i].done:
			t.Fatalf("instance %d stopped: %v\n%s", i, err, out[i].log.String())
		case <-time.After(60 * time.Second):
			t.Fatalf("instance %d did not start", i)
		}
	}
	return out
}

var otpLine = regexp.MustCompile(`as (\S+) with the one-time password (\S+)`)

// TestInstancesShareOnePostgres starts two instances against one empty PostgreSQL database at the same
// moment: migrations and bootstrap run once, a session made on one is valid on the other, and a role revoked
// through one is enforced by the other within 5 seconds.
func TestInstancesShareOnePostgres(t *testing.T) {
	if !testdb.Postgres() {
		t.Skip("needs PostgreSQL: set " + testdb.EnvURL)
	}
	cfg := Defaults()
	cfg.Database.URL = testdb.URL(t)
	cfg.Security.SecretKey = "shared-secret-key-for-both-instances-0001"
	cfg.Log.Level = "info"
	ctx, cancel := context.WithCancel(context.Background())
	ins := startInstances(t, ctx, cfg, 2)
	defer func() {
		cancel()
		for _, in := range ins {
			if err := <-in.done; err != nil {
				t.Errorf("shutdown: %v", err)
			}
		}
	}()

	var migrated, bootstrapped int
	var email, otp string
	for _, in := range ins {
		migrated += strings.Count(in.log.String(), "migrations applied")
		if m := otpLine.FindStringSubmatch(in.out.String()); m != nil {
			bootstrapped++
			email, otp = m[1], m[2]
		}
	}
	if migrated != 1 || bootstrapped != 1 {
		t.Fatalf("migrations applied by %d instances, bootstrap by %d; want 1 and 1", migrated, bootstrapped)
	}

	// A session made on instance 0 is valid on instance 1.
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	login(t, client, ins[0].url, email, otp)
	csrf := formToken(t, client, ins[1].url+"/account/password")
	resp := postForm(t, client, ins[1].url+"/account/password", url.Values{"_csrf": {csrf}, "current_password": {otp},
		"new_password": {"a brand new password"}, "confirm_password": {"a brand new password"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("password change on instance 1 with instance 0's session: %d", resp.StatusCode)
	}
	if r := get(t, client, ins[0].url+"/"); r.StatusCode != http.StatusOK {
		t.Fatalf("dashboard on instance 0 after the change on 1: %d", r.StatusCode)
	}

	// A role revoked through instance 0 is enforced by instance 1 within 5 seconds.
	st := openStore(t, cfg)
	tn, err := st.TenantBySlug(ctx, bootstrapSlug)
	if err != nil {
		t.Fatal(err)
	}
	ts := st.Tenant(tn.ID)
	adminUser, _ := ts.UserByEmail(ctx, email)
	_, adminTok, err := ts.CreateToken(ctx, adminUser.ID, "test")
	if err != nil {
		t.Fatal(err)
	}
	analyst, err := ts.CreateUser(ctx, tenancy.NewUser{Email: "analyst@example.com", Password: "correct horse battery", Role: tenancy.RoleAnalyst})
	if err != nil {
		t.Fatal(err)
	}
	_, analystTok, err := ts.CreateToken(ctx, analyst.ID, "test")
	if err != nil {
		t.Fatal(err)
	}
	waitStatus(t, ins[1].url+"/api/v1/brands", analystTok, http.StatusOK, 5*time.Second)
	req, _ := http.NewRequest(http.MethodDelete, ins[0].url+"/api/v1/users/"+analyst.ID+"/roles?role=analyst", nil)
	req.Header.Set("Authorization", "Bearer "+adminTok)
	r, err := http.DefaultClient.Do(req)
	if err != nil || r.StatusCode != http.StatusNoContent {
		t.Fatalf("revoke on instance 0: %v %v", r, err)
	}
	revoked := time.Now()
	waitStatus(t, ins[1].url+"/api/v1/brands", analystTok, http.StatusForbidden, 5*time.Second)
	t.Logf("revocation enforced by the other instance after %v", time.Since(revoked).Round(time.Millisecond))
}

// openStore opens the instances' database from the test, as a third process would.
func openStore(t *testing.T, cfg Config) *tenancy.Store {
	t.Helper()
	r, err := startWith(context.Background(), cfg, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.close)
	return r.store
}

// waitStatus polls url with the token until it answers want, failing after limit.
func waitStatus(t *testing.T, url, token string, want int, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		r, err := http.DefaultClient.Do(req)
		if err == nil {
			r.Body.Close()
			if r.StatusCode == want {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not answer %d within %v (last: %v %v)", url, want, limit, r, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

func get(t *testing.T, c *http.Client, u string) *http.Response {
	t.Helper()
	r, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Body.Close() })
	return r
}

// formToken reads the CSRF token of the form on a page.
func formToken(t *testing.T, c *http.Client, u string) string {
	t.Helper()
	r := get(t, c, u)
	b, _ := io.ReadAll(r.Body)
	m := csrfField.FindSubmatch(b)
	if m == nil {
		t.Fatalf("%s (%d) has no CSRF token", u, r.StatusCode)
	}
	return string(m[1])
}

func postForm(t *testing.T, c *http.Client, u string, v url.Values) *http.Response {
	t.Helper()
	r, err := c.PostForm(u, v)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Body.Close() })
	return r
}

// login logs in through the form.
func login(t *testing.T, c *http.Client, base, email, password string) {
	t.Helper()
	tok := formToken(t, c, base+"/login")
	r := postForm(t, c, base+"/login", url.Values{"_csrf": {tok}, "email": {email}, "password": {password}})
	if r.StatusCode != http.StatusSeeOther {
		b, _ := io.ReadAll(r.Body)
		t.Fatalf("login: %d %s", r.StatusCode, b)
	}
}

// TestServeBootstrapsAndShutsDown runs one instance on SQLite: the login line, /readyz, a clean stop.
func TestServeBootstrapsAndShutsDown(t *testing.T) {
	cfg := Defaults()
	cfg.Database.URL = "sqlite://" + t.TempDir() + "/relance.db"
	ctx, cancel := context.WithCancel(context.Background())
	in := startInstances(t, ctx, cfg, 1)[0]
	if !otpLine.MatchString(in.out.String()) {
		t.Errorf("no login line in %q", in.out.String())
	}
	r, err := http.Get(in.url + "/readyz")
	if err != nil || r.StatusCode != http.StatusOK {
		t.Fatalf("/readyz: %v %v", r, err)
	}
	var body map[string]string
	_ = json.NewDecoder(r.Body).Decode(&body)
	r.Body.Close()
	if body["status"] != "ready" {
		t.Errorf("/readyz body %v", body)
	}
	cancel()
	select {
	case err := <-in.done:
		if err != nil {
			t.Errorf("Serve returned %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Serve did not stop")
	}
}
