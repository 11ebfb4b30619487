package fx

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"relance/internal/testdb"
	"relance/meta"
	"relance/tenancy"
)

func newStore(t *testing.T) (*Store, *tenancy.Store, [2]string) {
	t.Helper()
	ctx := context.Background()
	db := testdb.Open(t)
	v, _ := tenancy.NewVault([]byte("0123456789abcdef0123456789abcdef"))
	ts, err := tenancy.NewStore(ctx, db, v)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := ts.CreateTenant(ctx, "Agency A", "agency-a")
	b, _ := ts.CreateTenant(ctx, "Agency B", "agency-b")
	now := time.Date(2024, 12, 2, 10, 0, 0, 0, time.UTC)
	return NewStore(db, func() time.Time { return now }), ts, [2]string{a.ID, b.ID}
}

func TestImportECBIsIdempotentAndAtomic(t *testing.T) {
	ctx := context.Background()
	s, _, tenants := newStore(t)
	for range 2 {
		f, _ := os.Open("testdata/eurofxref-hist.csv")
		sum, err := s.ImportECB(ctx, f)
		f.Close()
		if err != nil || sum.Rates != 18 {
			t.Fatalf("import: %+v %v", sum, err)
		}
	}
	var n int64
	s.db.R.Model(&rateRow{}).Count(&n)
	if n != 18 {
		t.Errorf("stored %d rates after two imports of 18", n)
	}
	// A file that fails on its last line stores none of its rates.
	bad := "Date,USD,\n2024-12-02,1.06,\n2024-12-01,oops,\n"
	if _, err := s.ImportECB(ctx, strings.NewReader(bad)); !errors.Is(err, ErrInvalid) {
		t.Fatalf("bad file: %v", err)
	}
	s.db.R.Model(&rateRow{}).Count(&n)
	if n != 18 {
		t.Errorf("a failed import left %d rates, want 18", n)
	}
	tb, err := s.Table(ctx, tenants[0], "2024-11-29", "2024-11-30")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := tb.Convert(meta.Money{Minor: 10000, Currency: "EUR"}, "USD", "2024-11-30"); err != nil || got.Minor != 10565 {
		t.Errorf("converted %v %v", got, err)
	}
	if day, _ := s.Latest(ctx, tenants[1]); day != "2024-11-29" {
		t.Errorf("latest = %q", day)
	}
}

func TestManualRatesBelongToTheirAgency(t *testing.T) {
	ctx := context.Background()
	s, ts, tenants := newStore(t)
	out, err := s.AddManual(ctx, tenants[0], []RateInput{{Date: "2024-11-29", Base: "usd", Quote: "VND", Rate: "25345.50"}})
	if err != nil || len(out) != 1 || out[0].Rate != "25345.5" || out[0].Base != "USD" {
		t.Fatalf("add: %+v %v", out, err)
	}
	own, _ := s.Table(ctx, tenants[0], "2024-11-29", "2024-11-29")
	if _, err := own.Rate("USD", "VND", "2024-11-29"); err != nil {
		t.Errorf("the agency's own rate: %v", err)
	}
	other, _ := s.Table(ctx, tenants[1], "2024-11-29", "2024-11-29")
	if _, err := other.Rate("USD", "VND", "2024-11-29"); !errors.Is(err, ErrMissingRate) {
		t.Errorf("another agency sees the rate: %v", err)
	}
	entries, _, err := ts.Tenant(tenants[0]).Audit(ctx, tenancy.AuditFilter{}, tenancy.Cursor{})
	if err != nil || len(entries) == 0 || entries[0].Action != tenancy.ActionFXRatesAdd ||
		!strings.Contains(entries[0].Summary, "1 USD = 25345.5 VND") {
		t.Errorf("audit: %+v %v", entries, err)
	}
}

func TestManualRatesNameEachBadField(t *testing.T) {
	ctx := context.Background()
	s, _, tenants := newStore(t)
	_, err := s.AddManual(ctx, tenants[0], []RateInput{
		{Date: "2024-11-29", Base: "USD", Quote: "VND", Rate: "25345"},
		{Date: "29/11/2024", Base: "USD", Quote: "VND", Rate: "25,345"},
		{Date: "2024-12-31", Base: "ZZZ", Quote: "VND", Rate: "-1"},
		{Date: "2024-11-29", Base: "USD", Quote: "USD", Rate: "1e3"},
		{Date: "2024-11-29", Base: "USD", Quote: "VND", Rate: "25346"},
	})
	var v *tenancy.ValidationError
	if !errors.As(err, &v) {
		t.Fatalf("err = %v", err)
	}
	want := []string{"rates[1].date", "rates[1].rate", "rates[2].date", "rates[2].base", "rates[2].rate",
		"rates[3].quote", "rates[3].rate", "rates[4].date"}
	for _, f := range want {
		if v.Fields[f] == "" {
			t.Errorf("no error on %s: %v", f, v.Fields)
		}
	}
	if len(v.Fields) != len(want) {
		t.Errorf("errors = %v", v.Fields)
	}
	var n int64
	s.db.R.Model(&rateRow{}).Count(&n)
	if n != 0 {
		t.Errorf("a refused request stored %d rates", n)
	}
	if _, err := s.AddManual(ctx, tenants[0], nil); !errors.As(err, &v) || v.Fields["rates"] == "" {
		t.Errorf("empty list: %v", err)
	}
}
