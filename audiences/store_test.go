package audiences

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"relance/internal/testdb"
	"relance/tenancy"
)

// storeEnv is a brand with one Page and n contacts whose inbound_count is their index.
type storeEnv struct {
	st     *Store
	ts     *tenancy.TenantStore
	tenant string
	brand  tenancy.Brand
	exec   func(q string, args ...any)
}

const storePage = "1010000000001"

func newStoreEnv(t *testing.T, n int) *storeEnv {
	t.Helper()
	ctx := context.Background()
	db := testdb.Open(t)
	v, _ := tenancy.NewVault([]byte("0123456789abcdef0123456789abcdef"))
	s, err := tenancy.NewStore(ctx, db, v)
	if err != nil {
		t.Fatal(err)
	}
	tn, _ := s.CreateTenant(ctx, "Agency", "agency")
	ts := s.Tenant(tn.ID)
	name, cur, tz := "Maison", "EUR", "Europe/Paris"
	brand, err := ts.CreateBrand(ctx, tenancy.BrandInput{Name: &name, Currency: &cur, Timezone: &tz})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ts.ConnectPage(ctx, brand.ID, tenancy.PageInput{PageID: storePage, Name: "Maison FR", AccessToken: "EAAB-fixture-page-token"}); err != nil {
		t.Fatal(err)
	}
	e := &storeEnv{ts: ts, tenant: tn.ID, brand: brand}
	e.exec = func(q string, args ...any) {
		t.Helper()
		if err := db.W.Exec(q, args...).Error; err != nil {
			t.Fatal(err)
		}
	}
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		e.exec(`INSERT INTO contacts (id, tenant_id, brand_id, page_id, psid, first_seen_at, last_inbound_at, last_interaction_at,
			inbound_count, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`, tenancy.NewID(), tn.ID, brand.ID, storePage,
			fmt.Sprintf("7300%04d", i), now.Add(-48*time.Hour).UnixMilli(), now.Add(-time.Duration(i)*time.Hour).UnixMilli(),
			now.Add(-time.Duration(i)*time.Hour).UnixMilli(), i)
	}
	e.st = NewStore(db, tn.ID, brand, Options{Keep: 3, Now: func() time.Time { return now },
		NextRun: func(spec, tz string, after time.Time) (time.Time, error) {
			if spec == "bad" {
				return time.Time{}, reasonErr("needs 5 fields")
			}
			return after.Add(time.Minute), nil
		}})
	return e
}

func (e *storeEnv) create(t *testing.T, name, rule string) Audience {
	t.Helper()
	a, err := e.st.Create(context.Background(), Input{Name: &name, Rule: []byte(rule)})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func fieldsOf(err error) map[string]string {
	var v *tenancy.ValidationError
	if errors.As(err, &v) {
		return v.Fields
	}
	return nil
}

// TestSnapshotsCountChanges builds a rule three times while contacts change and checks numbering, sizes,
// added and removed, and that retention keeps only the newest three.
func TestSnapshotsCountChanges(t *testing.T) {
	e := newStoreEnv(t, 10)
	ctx := context.Background()
	a := e.create(t, "Engaged", `{"field":"inbound_count","op":"gte","value":5}`) // contacts 5..9
	s1, err := e.st.Build(ctx, a.ID, CauseManual)
	if err != nil {
		t.Fatal(err)
	}
	if s1.Seq != 1 || s1.Size != 5 || s1.Added != 5 || s1.Removed != 0 || s1.RuleVersion != 1 {
		t.Fatalf("first snapshot %+v", s1)
	}
	// Two contacts drop below 5, three others rise above it.
	e.exec("UPDATE contacts SET inbound_count = 0 WHERE psid IN ('73000005', '73000006')")
	e.exec("UPDATE contacts SET inbound_count = 50 WHERE psid IN ('73000000', '73000001', '73000002')")
	s2, err := e.st.Build(ctx, a.ID, CauseSchedule)
	if err != nil {
		t.Fatal(err)
	}
	if s2.Seq != 2 || s2.Size != 6 || s2.Added != 3 || s2.Removed != 2 || s2.Cause != CauseSchedule {
		t.Fatalf("second snapshot %+v", s2)
	}
	// A changed rule gets a new version, and the snapshot says which made it.
	rule := []byte(`{"field":"inbound_count","op":"gte","value":8}`)
	if a, err = e.st.Update(ctx, a.ID, Input{Rule: rule}); err != nil || a.RuleVersion != 2 {
		t.Fatalf("update: %+v %v", a, err)
	}
	for i := 0; i < 3; i++ {
		if _, err = e.st.Build(ctx, a.ID, CauseManual); err != nil {
			t.Fatal(err)
		}
	}
	snaps, err := e.st.Snapshots(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(snaps) != 3 || snaps[0].Seq != 5 || snaps[2].Seq != 3 || snaps[0].RuleVersion != 2 {
		t.Fatalf("after retention: %+v", snaps)
	}
	var orphans int64
	e.st.db.R.Raw("SELECT COUNT(*) FROM audience_members WHERE snapshot_id NOT IN (SELECT id FROM audience_snapshots)").Scan(&orphans)
	if orphans != 0 {
		t.Errorf("%d members of pruned snapshots are left", orphans)
	}
	// The members of an old snapshot stay what they were.
	page, err := e.st.Members(ctx, a.ID, snaps[2].ID, "", 50)
	if err != nil || len(page.Members) != int(snaps[2].Size) {
		t.Fatalf("members of #3: %d, %v", len(page.Members), err)
	}
}

// TestMembersPagesAndExport walks a snapshot's members by cursor and exports them without message text.
func TestMembersPagesAndExport(t *testing.T) {
	e := newStoreEnv(t, 25)
	ctx := context.Background()
	a := e.create(t, "All", `{"all":[]}`)
	if _, err := e.st.Build(ctx, a.ID, CauseManual); err != nil {
		t.Fatal(err)
	}
	var got []string
	cursor := ""
	for {
		p, err := e.st.Members(ctx, a.ID, "", cursor, 7)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range p.Members {
			got = append(got, m.PSID)
		}
		if cursor = p.Next; cursor == "" {
			break
		}
	}
	if len(got) != 25 || got[0] != "73000000" || got[24] != "73000024" {
		t.Fatalf("paged members: %v", got)
	}
	if _, err := e.st.Members(ctx, a.ID, "", "not-a-cursor", 7); err == nil {
		t.Error("a forged cursor was accepted")
	}
	var rows [][]string
	if err := e.st.Export(ctx, a.ID, "", func(r []string) error { rows = append(rows, r); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 25 || len(rows[0]) != len(ExportColumns) || rows[3][1] != "73000003" || rows[3][4] != "3" {
		t.Fatalf("export: %d rows, first %v", len(rows), rows[0])
	}
	if !strings.HasSuffix(rows[3][3], "+01:00") {
		t.Errorf("last_inbound_at %q is not in the brand's zone (Europe/Paris in March)", rows[3][3])
	}
	if rows[0][5] == "" {
		t.Error("export without reachability")
	}
}

// TestAudienceValidation covers the 422s of create and update, names included.
func TestAudienceValidation(t *testing.T) {
	e := newStoreEnv(t, 1)
	ctx := context.Background()
	name, bad, kind := "", "bad", "other"
	_, err := e.st.Create(ctx, Input{Name: &name, Rule: []byte(`{"field":"x"}`), RefreshCron: &bad, Kind: &kind})
	f := fieldsOf(err)
	for _, k := range []string{"name", "kind"} {
		if f[k] == "" {
			t.Errorf("create: no error on %s: %v", k, f)
		}
	}
	name = "Weekly"
	_, err = e.st.Create(ctx, Input{Name: &name, Rule: []byte(`{"field":"x"}`), RefreshCron: &bad})
	if f = fieldsOf(err); f["rule.field"] == "" || !strings.Contains(f["refresh_cron"], "5 fields") {
		t.Errorf("create: %v", f)
	}
	_, err = e.st.Create(ctx, Input{Name: &name})
	if f = fieldsOf(err); f["rule"] == "" {
		t.Errorf("a rule audience without a rule: %v", err)
	}
	e.create(t, "Weekly", `{"all":[]}`)
	_, err = e.st.Create(ctx, Input{Name: &name, Rule: []byte(`{"all":[]}`)})
	if f = fieldsOf(err); !strings.Contains(f["name"], "another audience") {
		t.Errorf("duplicate name: %v", err)
	}
	acct := "act_999"
	_, err = e.st.Create(ctx, Input{Name: ptr("With account"), Rule: []byte(`{"all":[]}`), AdAccountID: &acct})
	if f = fieldsOf(err); f["ad_account_id"] == "" {
		t.Errorf("an ad account that is not the brand's: %v", err)
	}
	manual := KindManual
	m, err := e.st.Create(ctx, Input{Name: ptr("List"), Kind: &manual, RefreshCron: ptr("0 9 * * *")})
	if f = fieldsOf(err); f["refresh_cron"] == "" {
		t.Errorf("a manual audience with a refresh: %+v %v", m, err)
	}
}

func ptr(s string) *string { return &s }

// TestMemberOfCycles checks member_of: another brand's audience is refused, a cycle is refused with the
// chain named, and an audience used by another cannot be deleted.
func TestMemberOfCycles(t *testing.T) {
	e := newStoreEnv(t, 3)
	ctx := context.Background()
	a := e.create(t, "A", `{"all":[]}`)
	b := e.create(t, "B", `{"field":"audience","op":"member_of","value":"`+a.ID+`"}`)
	c := e.create(t, "C", `{"any":[{"field":"inbound_count","op":"gte","value":1},{"field":"audience","op":"member_of","value":"`+b.ID+`"}]}`)
	_, err := e.st.Update(ctx, a.ID, Input{Rule: []byte(`{"not":{"field":"audience","op":"member_of","value":"` + c.ID + `"}}`)})
	if f := fieldsOf(err); !strings.Contains(f["rule.not.value"], "cycle: C → B → this audience") {
		t.Errorf("cycle: %v", err)
	}
	_, err = e.st.Update(ctx, a.ID, Input{Rule: []byte(`{"field":"audience","op":"member_of","value":"` + a.ID + `"}`)})
	if f := fieldsOf(err); !strings.Contains(f["rule.value"], "itself") {
		t.Errorf("self: %v", err)
	}
	_, err = e.st.Create(ctx, Input{Name: ptr("D"), Rule: []byte(`{"all":[{"field":"audience","op":"member_of","value":"0190abcd-0000-7000-8000-000000000000"}]}`)})
	if f := fieldsOf(err); !strings.Contains(f["rule.all[0].value"], "not one of the brand's") {
		t.Errorf("unknown audience: %v", err)
	}
	if err := e.st.Delete(ctx, a.ID); !errors.Is(err, ErrInUse) || !strings.Contains(err.Error(), "B") {
		t.Errorf("delete of a used audience: %v", err)
	}
	// member_of reads the latest snapshot: empty until A is built.
	if _, err := e.st.Build(ctx, b.ID, CauseManual); err != nil {
		t.Fatal(err)
	}
	if s, _ := e.st.LatestSnapshot(ctx, b.ID); s.Size != 0 {
		t.Errorf("B before A was built: %d members", s.Size)
	}
	if _, err := e.st.Build(ctx, a.ID, CauseManual); err != nil {
		t.Fatal(err)
	}
	if s, _ := e.st.Build(ctx, b.ID, CauseManual); s.Size != 3 {
		t.Errorf("B after A was built: %d members", s.Size)
	}
}

// TestImportList imports a CSV into a manual audience: good lines become a snapshot, each bad line is
// listed with its number and reason, duplicates count once.
func TestImportList(t *testing.T) {
	e := newStoreEnv(t, 5)
	ctx := context.Background()
	manual := KindManual
	m, err := e.st.Create(ctx, Input{Name: ptr("VIP list"), Kind: &manual})
	if err != nil {
		t.Fatal(err)
	}
	csv := "psid,page_id\n73000001,\n73000002," + storePage + "\nabc,\n73009999,\n73000003,999\n73000001,\n\n"
	res, err := e.st.Import(ctx, m.ID, strings.NewReader(csv))
	if err != nil {
		t.Fatal(err)
	}
	if res.Imported != 2 || res.Snapshot == nil || res.Snapshot.Size != 2 || res.Snapshot.Cause != CauseImport {
		t.Fatalf("import: %+v", res)
	}
	want := map[int]string{4: "not a PSID", 5: "not a contact", 6: "not connected"}
	if len(res.Errors) != len(want) {
		t.Fatalf("errors: %+v", res.Errors)
	}
	for _, le := range res.Errors {
		if !strings.Contains(le.Message, want[le.Line]) {
			t.Errorf("line %d: %q, want %q", le.Line, le.Message, want[le.Line])
		}
	}
	// Without a header the first column is the PSID; a second import replaces the members.
	res, err = e.st.Import(ctx, m.ID, strings.NewReader("73000004\n73000000\n"))
	if err != nil || res.Snapshot.Size != 2 || res.Snapshot.Added != 2 || res.Snapshot.Removed != 2 {
		t.Fatalf("second import: %+v %v", res.Snapshot, err)
	}
	if _, err := e.st.Build(ctx, m.ID, CauseManual); !errors.Is(err, ErrManual) {
		t.Errorf("build of a manual audience: %v", err)
	}
	rule := e.create(t, "Rule", `{"all":[]}`)
	if _, err := e.st.Import(ctx, rule.ID, strings.NewReader("73000001\n")); !errors.Is(err, ErrNotManual) {
		t.Errorf("import into a rule audience: %v", err)
	}
}

// TestPreviewBreakdown previews a rule: the count equals the sum of the breakdown, the sample is the most
// recently active, and an invalid rule is a 422 with its path.
func TestPreviewBreakdown(t *testing.T) {
	e := newStoreEnv(t, 30)
	ctx := context.Background()
	p, err := e.st.Preview(ctx, []byte(`{"field":"inbound_count","op":"gte","value":1}`))
	if err != nil {
		t.Fatal(err)
	}
	b := p.Breakdown
	if p.Count != 29 || b.Free+b.FollowUp+b.HumanAgent+b.Paid+b.AdsOnly+b.Unreachable != 29 || b.Free == 0 || b.AdsOnly+b.HumanAgent == 0 {
		t.Fatalf("preview %+v", p)
	}
	if len(p.Sample) != SampleSize || p.Sample[0].PSID != "73000001" {
		t.Errorf("sample: %d, first %s", len(p.Sample), p.Sample[0].PSID)
	}
	_, err = e.st.Preview(ctx, []byte(`{"all":[{"field":"inbound_count","op":"gte","value":1},{"any":[{"field":"page","op":"eq","value":"x"}]}]}`))
	if f := fieldsOf(err); f["rule.all[1].any[0].value"] == "" {
		t.Errorf("invalid preview: %v", err)
	}
}

// TestChangesAreAudited finds each change of an audience in the agency's audit log.
func TestChangesAreAudited(t *testing.T) {
	e := newStoreEnv(t, 2)
	ctx := tenancy.WithActor(context.Background(), tenancy.Actor{Label: "tester"})
	a, err := e.st.Create(ctx, Input{Name: ptr("Audited"), Rule: []byte(`{"all":[]}`)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.Update(ctx, a.ID, Input{Name: ptr("Audited again")}); err != nil {
		t.Fatal(err)
	}
	manual := KindManual
	m, err := e.st.Create(ctx, Input{Name: ptr("List"), Kind: &manual})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.Import(ctx, m.ID, strings.NewReader("73000001\n")); err != nil {
		t.Fatal(err)
	}
	if err := e.st.Delete(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	entries, _, err := e.ts.Audit(ctx, tenancy.AuditFilter{Action: "audience."}, tenancy.Cursor{Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, en := range entries {
		if en.Actor != "tester" || en.BrandID != e.brand.ID {
			t.Errorf("entry %+v", en)
		}
		got[en.Action]++
	}
	want := map[string]int{"audience.create": 2, "audience.update": 1, "audience.import": 1, "audience.delete": 1}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("audit log %v, want %v", got, want)
	}
}

// reasonErr is a refused schedule as the scheduler reports it: with a Reason for people.
type reasonErr string

func (e reasonErr) Error() string  { return "scheduler: bad cron spec: " + string(e) }
func (e reasonErr) Reason() string { return string(e) }
