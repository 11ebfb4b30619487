package meta_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"testing"

	"relance/meta"
	"relance/meta/sandbox"
)

const (
	audToken = "sys-user-token"
	audAcct  = "act_1001"
	audPage  = "104000000000001"
)

// audPSIDs returns n distinct PSIDs starting at from.
func audPSIDs(from, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = strconv.Itoa(7300000000000000 + from + i)
	}
	return out
}

// audMembers lists the PSIDs of an audience's members of audPage.
func audMembers(s *sandbox.Sandbox, id string) map[string]bool {
	out := map[string]bool{}
	for _, m := range s.AudienceMembers(id) {
		if m.PageID == audPage {
			out[m.PSID] = true
		}
	}
	return out
}

func TestAudienceRoundTrip(t *testing.T) {
	p := newPair(t, sandbox.Options{})
	ctx := context.Background()
	id, err := p.C.CreateCustomAudience(ctx, audToken, audAcct, "Relance: no reply 7d", "PSIDs of threads without a reply")
	if err != nil {
		t.Fatal(err)
	}
	a, err := p.C.Audience(ctx, audToken, id)
	if err != nil || a.ID != id || a.Name != "Relance: no reply 7d" || a.OperationStatus.Code != 200 || a.Flagged() ||
		a.LowerBound != 0 || a.UpperBound != 0 {
		t.Fatalf("read: %+v %v", a, err)
	}
	r, err := p.C.AddUsers(ctx, audToken, id, meta.UsersBatch{PageID: audPage, Rows: append(audPSIDs(0, 3), "not-a-psid")})
	if err != nil || r.AudienceID != id || r.Received != 4 || r.Invalid != 1 || r.InvalidSamples["not-a-psid"] == "" {
		t.Fatalf("add: %+v %v", r, err)
	}
	if got := audMembers(p.S, id); len(got) != 3 {
		t.Fatalf("members after add: %v", got)
	}
	if _, err := p.C.RemoveUsers(ctx, audToken, id, meta.UsersBatch{PageID: audPage, Rows: audPSIDs(1, 1)}); err != nil {
		t.Fatal(err)
	}
	got := audMembers(p.S, id)
	if len(got) != 2 || got[audPSIDs(1, 1)[0]] {
		t.Fatalf("members after remove: %v", got)
	}
	a, err = p.C.Audience(ctx, audToken, id)
	if err != nil || a.LowerBound != 0 || a.UpperBound != 1000 || a.DeliveryStatus.Code == 200 {
		t.Fatalf("small audience: %+v %v", a, err)
	}
	// Hashed emails are accepted too.
	if r, err := p.C.AddUsers(ctx, audToken, id, meta.UsersBatch{Schema: meta.SchemaEmailSHA256,
		Rows: []string{meta.HashEmail(" Lea@Example.com "), "abc"}}); err != nil || r.Invalid != 1 {
		t.Fatalf("hashed: %+v %v", r, err)
	}
	if err := p.C.DeleteAudience(ctx, audToken, id); err != nil {
		t.Fatal(err)
	}
	var me *meta.Error
	if _, err := p.C.Audience(ctx, audToken, id); !errors.As(err, &me) || me.Code != 100 || me.Subcode != 33 {
		t.Fatalf("deleted audience read: %v", err)
	}
	if _, err := p.C.AddUsers(ctx, audToken, id, meta.UsersBatch{PageID: audPage, Rows: audPSIDs(0, 1)}); !errors.As(err, &me) || me.Subcode != 33 {
		t.Fatalf("upload to a deleted audience: %v", err)
	}
}

// audRawUpload posts a /users body to the sandbox directly, past the client's own checks.
func audRawUpload(t *testing.T, p pair, method, id string, body any) (int, map[string]any) {
	t.Helper()
	raw, _ := json.Marshal(body)
	u := fmt.Sprintf("%s/v25.0/%s/users?access_token=%s&appsecret_proof=%s", p.URL, id, audToken, meta.AppSecretProof(testSecret, audToken))
	req, _ := http.NewRequest(method, u, bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func audRows(ids []string) [][]string {
	out := make([][]string, len(ids))
	for i, id := range ids {
		out[i] = []string{id}
	}
	return out
}

func TestAudienceUploadLimits(t *testing.T) {
	p := newPair(t, sandbox.Options{})
	ctx := context.Background()
	id, err := p.C.CreateCustomAudience(ctx, audToken, audAcct, "Limits", "")
	if err != nil {
		t.Fatal(err)
	}
	big := audPSIDs(0, meta.MaxUsersPerCall+1)
	if _, err := p.C.AddUsers(ctx, audToken, id, meta.UsersBatch{PageID: audPage, Rows: big}); !errors.Is(err, meta.ErrInvalidUpload) {
		t.Fatalf("client let 10,001 rows through: %v", err)
	}
	payload := map[string]any{"schema": []string{"PAGEUID"}, "is_raw": true, "page_ids": []string{audPage}, "data": audRows(big)}
	status, out := audRawUpload(t, p, "POST", id, map[string]any{"payload": payload})
	e, _ := out["error"].(map[string]any)
	if status != 400 || e["code"] != float64(100) {
		t.Fatalf("sandbox answer to 10,001 rows: %d %v", status, e)
	}
	if n := len(p.S.AudienceMembers(id)); n != 0 {
		t.Fatalf("%d members applied from a refused call", n)
	}
	// Exactly 10,000 is fine.
	if r, err := p.C.AddUsers(ctx, audToken, id, meta.UsersBatch{PageID: audPage, Rows: big[:meta.MaxUsersPerCall]}); err != nil || r.Received != 10000 {
		t.Fatalf("10,000 rows: %+v %v", r, err)
	}
	a, err := p.C.Audience(ctx, audToken, id)
	if err != nil || a.LowerBound != 10000 || a.UpperBound != 11000 {
		t.Fatalf("counts: %+v %v", a, err)
	}
	for name, pl := range map[string]map[string]any{
		"no page_ids": {"schema": []string{"PAGEUID"}, "is_raw": true, "data": audRows(audPSIDs(0, 1))},
		"two columns": {"schema": []string{"PAGEUID"}, "page_ids": []string{audPage}, "data": [][]string{{"1", "2"}}},
		"bad schema":  {"schema": []string{"MADID"}, "data": audRows(audPSIDs(0, 1))},
	} {
		status, out := audRawUpload(t, p, "POST", id, map[string]any{"payload": pl})
		if e, _ := out["error"].(map[string]any); status != 400 || e["code"] != float64(100) {
			t.Errorf("%s: %d %v", name, status, out)
		}
	}
	sess := map[string]any{"payload": map[string]any{"schema": "PAGEUID", "page_ids": []string{audPage}, "data": audRows(audPSIDs(0, 1))},
		"session": map[string]any{"batch_seq": 1}}
	if status, _ := audRawUpload(t, p, "POST", id, sess); status != 400 {
		t.Errorf("session without session_id: %d", status)
	}
	sess["session"] = map[string]any{"session_id": 9, "batch_seq": 0}
	if status, _ := audRawUpload(t, p, "POST", id, sess); status != 400 {
		t.Errorf("batch_seq 0: %d", status)
	}
}

func TestAudienceSessionResume(t *testing.T) {
	p := newPair(t, sandbox.Options{})
	ctx := context.Background()
	id, err := p.C.CreateCustomAudience(ctx, audToken, audAcct, "Resume", "")
	if err != nil {
		t.Fatal(err)
	}
	all := audPSIDs(0, 25)
	up := meta.UserUpload{PageID: audPage, PSIDs: all, SessionID: 42, BatchSize: 10}
	crash := errors.New("crash")
	var acked []int
	last, err := p.C.UploadUsers(ctx, audToken, id, up, func(seq int, r meta.UploadResult) error {
		acked = append(acked, seq)
		if seq == 2 {
			return crash // batch 2 reached Meta but the process died before persisting it
		}
		return nil
	})
	if !errors.Is(err, crash) || last != 2 || len(acked) != 2 {
		t.Fatalf("first run: last %d acked %v err %v", last, acked, err)
	}
	// Meanwhile someone left: removed from the audience. A resent batch 2 must not bring them back.
	gone := all[15]
	if _, err := p.C.RemoveUsers(ctx, audToken, id, meta.UsersBatch{PageID: audPage, Rows: []string{gone}}); err != nil {
		t.Fatal(err)
	}
	up.StartBatch = 2 // resume from the last persisted batch (1) + 1
	acked = nil
	last, err = p.C.UploadUsers(ctx, audToken, id, up, func(seq int, r meta.UploadResult) error {
		acked = append(acked, seq)
		if seq == 2 && r.Received != 10 {
			t.Errorf("retried batch answer: %+v", r)
		}
		return nil
	})
	if err != nil || last != 3 || len(acked) != 2 {
		t.Fatalf("resume: last %d acked %v err %v", last, acked, err)
	}
	got := audMembers(p.S, id)
	if len(got) != 24 || got[gone] {
		t.Fatalf("after resume %d members, removed one present: %v", len(got), got[gone])
	}
	// The session is closed by its last batch.
	b := meta.UsersBatch{PageID: audPage, Rows: audPSIDs(100, 1), Session: &meta.UploadSession{ID: 42, BatchSeq: 4}}
	if _, err := p.C.AddUsers(ctx, audToken, id, b); meta.ClassOf(err) != meta.ClassInvalidParameter {
		t.Fatalf("batch after the last: %v", err)
	}
	// Removal in a session of its own.
	rm := meta.UserUpload{PageID: audPage, PSIDs: all[:20], Remove: true, SessionID: 43, BatchSize: 10}
	if last, err := p.C.UploadUsers(ctx, audToken, id, rm, nil); err != nil || last != 2 {
		t.Fatalf("remove session: %d %v", last, err)
	}
	if got := audMembers(p.S, id); len(got) != 5 {
		t.Fatalf("after remove session: %v", got)
	}
}

func TestAudienceFlagged(t *testing.T) {
	p := newPair(t, sandbox.Options{})
	ctx := context.Background()
	id, err := p.C.CreateCustomAudience(ctx, audToken, audAcct, "Health check-up leads", "")
	if err != nil {
		t.Fatal(err)
	}
	a, err := p.C.Audience(ctx, audToken, id)
	if err != nil || !a.Flagged() || a.OperationStatus.Code != meta.OperationStatusFlagged {
		t.Fatalf("flagged read: %+v %v", a, err)
	}
	var me *meta.Error
	_, err = p.C.AddUsers(ctx, audToken, id, meta.UsersBatch{PageID: audPage, Rows: audPSIDs(0, 2)})
	if meta.ClassOf(err) != meta.ClassAudienceBlocked || !errors.As(err, &me) || me.Code != 100 || me.Subcode != 1713230 {
		t.Fatalf("upload to a flagged audience: %v", err)
	}
	// The test hook flags any audience.
	other, err := p.C.CreateCustomAudience(ctx, audToken, audAcct, "Shoes", "")
	if err != nil || !p.S.FlagAudience(other) {
		t.Fatal(err)
	}
	if _, err := p.C.RemoveUsers(ctx, audToken, other, meta.UsersBatch{PageID: audPage, Rows: audPSIDs(0, 1)}); meta.ClassOf(err) != meta.ClassAudienceBlocked {
		t.Fatalf("remove from a flagged audience: %v", err)
	}
	if len(p.S.AudienceMembers(id)) != 0 {
		t.Fatal("a flagged audience took members")
	}
}

// TestFindCustomAudiences: audiences are found by a text of their name, compared exactly, across pages of the
// listing; deleted ones are left out.
func TestFindCustomAudiences(t *testing.T) {
	p := newPair(t, sandbox.Options{})
	ctx := context.Background()
	var tagged []string
	for i := 0; i < 130; i++ {
		name := fmt.Sprintf("Fans %d (relance)", i)
		if i%40 == 0 {
			name += " [relance:audience:a1:X]"
		}
		id, err := p.C.CreateCustomAudience(ctx, audToken, audAcct, name, "")
		if err != nil {
			t.Fatal(err)
		}
		if i%40 == 0 {
			tagged = append(tagged, id)
		}
	}
	if _, err := p.C.CreateCustomAudience(ctx, audToken, audAcct, "other [relance:audience:a1:x]", ""); err != nil {
		t.Fatal(err)
	}
	found, err := p.C.FindCustomAudiences(ctx, audToken, audAcct, "[relance:audience:a1:X]")
	if err != nil || len(found) != len(tagged) {
		t.Fatalf("found %+v (%v), want %v", found, err, tagged)
	}
	if err := p.C.DeleteAudience(ctx, audToken, tagged[0]); err != nil {
		t.Fatal(err)
	}
	if found, err = p.C.FindCustomAudiences(ctx, audToken, audAcct, "[relance:audience:a1:X]"); err != nil || len(found) != len(tagged)-1 {
		t.Errorf("after a delete: %+v %v", found, err)
	}
	if found, err = p.C.FindCustomAudiences(ctx, audToken, audAcct, "[relance:audience:nobody]"); err != nil || len(found) != 0 {
		t.Errorf("no match: %+v %v", found, err)
	}
}
