package e2e_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"relance/conversations"
	"relance/database"
)

// TestCrashKeepsAcknowledgedEvents runs relance as a real process under webhook load, kills it with SIGKILL
// in the middle, restarts it on the same database, and checks that every event that got a 200 is stored.
func TestCrashKeepsAcknowledgedEvents(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills a real relance process")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "relance")
	build := exec.Command("go", "build", "-o", bin, "..")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	const secret, page = "crash-test-app-secret", "104000000000321"
	dbURL := "sqlite://" + filepath.Join(dir, "relance.db")
	env := append(os.Environ(), "RELANCE_META_APP_SECRET="+secret, "RELANCE_DATABASE_URL="+dbURL,
		"RELANCE_SECURITY_SECRET_KEY=crash-test-secret-key-0123456789abcdef", "RELANCE_LOG_LEVEL=warn")
	if os.Getenv("RELANCE_TEST_DATABASE_URL") != "" {
		t.Log("the crash test runs on SQLite: the embedded store is the one a crash can corrupt")
	}
	for i, c := range [][]string{{"tenant", "create", "--name", "Crash", "--slug", "crash"}} {
		cmd := exec.Command(bin, c...)
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("setup %d: %v\n%s", i, err, out)
		}
	}
	connectPage(t, dbURL, page)

	addr := freeAddr(t)
	start := func() *exec.Cmd {
		cmd := exec.Command(bin, "serve", "--set", "http.addr="+addr)
		cmd.Env = env
		var logs bytes.Buffer
		cmd.Stdout, cmd.Stderr = &logs, &logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		waitReady(t, "http://"+addr+"/readyz", &logs)
		return cmd
	}
	srv := start()

	var mu sync.Mutex
	var acked []string
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			client := &http.Client{Timeout: 5 * time.Second}
			for i := 0; ctx.Err() == nil && i < 100000; i++ {
				var mids []string
				var items []string
				for k := 0; k < 20; k++ {
					mid := fmt.Sprintf("m_crash_%d_%d_%d", w, i, k)
					mids = append(mids, mid)
					items = append(items, fmt.Sprintf(`{"sender":{"id":"73%05d"},"recipient":{"id":"%s"},"timestamp":%d,"message":{"mid":"%s","text":"order %d please"}}`,
						(w*1000+i)%50000, page, time.Now().UnixMilli(), mid, i))
				}
				body := []byte(`{"object":"page","entry":[{"id":"` + page + `","time":1,"messaging":[` + strings.Join(items, ",") + `]}]}`)
				req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/webhooks/messenger", bytes.NewReader(body))
				req.Header.Set("X-Hub-Signature-256", conversations.Sign(body, secret))
				resp, err := client.Do(req)
				if err != nil {
					continue
				}
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					mu.Lock()
					acked = append(acked, mids...)
					mu.Unlock()
				}
			}
		}(w)
	}
	// Kill once a good amount is acknowledged, without waiting on any clock but the load's own progress.
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 4000 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := srv.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = srv.Wait()
	stop()
	wg.Wait()

	srv = start() // recovery: the WAL is replayed, migrations are current
	defer func() { _ = srv.Process.Signal(syscall.SIGTERM); _ = srv.Wait() }()
	db, err := database.Open(dbURL, database.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	stored := map[string]bool{}
	var mids []string
	if err := db.R.Raw("SELECT mid FROM messages").Scan(&mids).Error; err != nil {
		t.Fatal(err)
	}
	for _, m := range mids {
		stored[m] = true
	}
	missing := 0
	for _, m := range acked {
		if !stored[m] {
			missing++
		}
	}
	t.Logf("acknowledged %d events before SIGKILL, %d stored after restart", len(acked), len(mids))
	if missing > 0 {
		t.Fatalf("%d acknowledged events are missing after the crash", missing)
	}
}

// connectPage connects a Page to a new brand of the crash agency, as the CLI user would through the UI.
func connectPage(t *testing.T, dbURL, page string) {
	t.Helper()
	db, err := database.Open(dbURL, database.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var tenantID string
	db.R.Raw("SELECT id FROM tenants WHERE slug = 'crash'").Scan(&tenantID)
	now := time.Now().UTC()
	brandID, pageRow := "01900000-0000-7000-8000-0000000000b1", "01900000-0000-7000-8000-0000000000f1"
	if err := db.W.Exec(`INSERT INTO brands (id, tenant_id, name, currency, timezone, policy, created_at, updated_at)
		VALUES (?, ?, 'Crash brand', 'EUR', 'UTC', 'meta-current', ?, ?)`, brandID, tenantID, now, now).Error; err != nil {
		t.Fatal(err)
	}
	if err := db.W.Exec(`INSERT INTO pages (id, tenant_id, brand_id, page_id, name, access_token_enc, created_at)
		VALUES (?, ?, ?, ?, 'Crash Page', 'v1:unused', ?)`, pageRow, tenantID, brandID, page, now).Error; err != nil {
		t.Fatal(err)
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func waitReady(t *testing.T, url string, logs *bytes.Buffer) {
	t.Helper()
	for i := 0; i < 600; i++ {
		if r, err := http.Get(url); err == nil {
			r.Body.Close()
			if r.StatusCode == 200 {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("relance did not become ready:\n%s", logs.String())
}
