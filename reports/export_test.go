package reports

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"relance/fx"
	"relance/internal/testdb"
	"relance/meta"
	"relance/tenancy"
)

// TestCSVNeutralisesFormulasAndQuotes: text cells that a spreadsheet would run get an apostrophe, numbers
// (negative ones too) stay numbers, and fields are quoted as RFC 4180 says.
func TestCSVNeutralisesFormulasAndQuotes(t *testing.T) {
	cols := []Column{{Name: "name", Kind: Text}, {Name: "n", Kind: Int}, {Name: "amount", Kind: Amount}, {Name: "day", Kind: Date}}
	var buf bytes.Buffer
	w, err := NewCSV(&buf, cols, CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rows := [][]any{
		{"=HYPERLINK(\"http://x\")", int64(-5), Money{Minor: -1250, Currency: "EUR", Valid: true}, "2026-11-03"},
		{"+1", int64(0), Money{Minor: 5, Currency: "JPY", Valid: true}, "2026-11-04"},
		{"-2+3", int64(7), Money{Minor: -5, Currency: "BHD", Valid: true}, ""},
		{"@SUM(A1)", int64(1), Money{Currency: "EUR"}, ""},
		{"\tx", int64(1), Money{Minor: 7, Currency: "EUR", Valid: true}, ""},
		{"\r=1", int64(1), Money{Minor: 100, Currency: "EUR", Valid: true}, ""},
		{"a,b \"c\"", int64(1), Money{Minor: 100, Currency: "EUR", Valid: true}, ""},
		{" lead\nline", nil, Money{Minor: 100, Currency: "EUR", Valid: true}, ""},
	}
	for _, r := range rows {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	want := "name,n,amount,day\r\n" +
		"\"'=HYPERLINK(\"\"http://x\"\")\",-5,-12.50,2026-11-03\r\n" +
		"'+1,0,5,2026-11-04\r\n" +
		"'-2+3,7,-0.005,\r\n" +
		"'@SUM(A1),1,,\r\n" +
		"'\tx,1,0.07,\r\n" +
		"\"'\r=1\",1,1.00,\r\n" +
		"\"a,b \"\"c\"\"\",1,1.00,\r\n" +
		"\" lead\nline\",,1.00,\r\n"
	if got := buf.String(); got != want {
		t.Errorf("csv:\n%q\nwant\n%q", got, want)
	}
}

// TestCSVExcelOptions: the BOM, the semicolon and the decimal comma.
func TestCSVExcelOptions(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewCSV(&buf, []Column{{Name: "a;b", Kind: Text}, {Name: "amount", Kind: Amount}}, CSVOptions{BOM: true, Sep: ';', DecimalComma: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write([]any{"x,y", Money{Minor: 123456, Currency: "EUR", Valid: true}}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if want := "\uFEFF\"a;b\";amount\r\nx,y;1234,56\r\n"; buf.String() != want {
		t.Errorf("csv %q, want %q", buf.String(), want)
	}
	if _, err := NewCSV(&buf, nil, CSVOptions{Sep: '"'}); err == nil {
		t.Error("a quote as separator was accepted")
	}
}

// TestXLSXTypedCells: the workbook opens, the header is frozen, numbers are numbers in their currency's
// format, dates are dates and text that looks like a formula is text, not a formula.
func TestXLSXTypedCells(t *testing.T) {
	cols := []Column{{Name: "name", Kind: Text}, {Name: "n", Kind: Int}, {Name: "amount", Kind: Amount}, {Name: "day", Kind: Date}}
	var buf bytes.Buffer
	w, err := NewXLSX(&buf, cols)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range [][]any{
		{"=1+1", int64(-5), Money{Minor: -1250, Currency: "EUR", Valid: true}, "2026-11-03"},
		{"plain", int64(3), Money{Minor: 1200, Currency: "JPY", Valid: true}, ""},
		{"missing", int64(0), Money{Currency: "EUR"}, "2026-11-04"},
	} {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheet := f.GetSheetName(0)
	cell := func(ref string) (string, excelize.CellType) {
		v, err := f.GetCellValue(sheet, ref, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		ty, err := f.GetCellType(sheet, ref)
		if err != nil {
			t.Fatal(err)
		}
		return v, ty
	}
	if v, _ := cell("A1"); v != "name" {
		t.Errorf("header A1 = %q", v)
	}
	if v, ty := cell("A2"); v != "=1+1" || ty != excelize.CellTypeInlineString {
		t.Errorf("A2 = %q (%v), want the text =1+1", v, ty)
	}
	if fm, _ := f.GetCellFormula(sheet, "A2"); fm != "" {
		t.Errorf("A2 holds a formula %q", fm)
	}
	for ref, want := range map[string]string{"B2": "-5", "C2": "-12.5", "C3": "1200", "D2": "46329"} {
		if v, ty := cell(ref); v != want || ty != excelize.CellTypeUnset {
			t.Errorf("%s = %q (type %v), want the number %s", ref, v, ty, want)
		}
	}
	if v, _ := cell("C4"); v != "" {
		t.Errorf("missing amount C4 = %q, want empty", v)
	}
	if v, _ := f.GetCellValue(sheet, "C2"); v != `-12.50 "EUR"` && v != "-12.50 EUR" {
		t.Errorf("C2 shown as %q, want -12.50 EUR", v)
	}
	if v, _ := f.GetCellValue(sheet, "C3"); v != "1,200 JPY" && v != `1,200 "JPY"` {
		t.Errorf("C3 shown as %q, want 1,200 JPY", v)
	}
	if v, _ := f.GetCellValue(sheet, "D2"); v != "2026-11-03" {
		t.Errorf("D2 shown as %q, want the date 2026-11-03", v)
	}
	p, err := f.GetPanes(sheet)
	if err != nil || !p.Freeze || p.YSplit != 1 {
		t.Errorf("panes %+v %v, want the header frozen", p, err)
	}
}

// TestConverterMatchesFX: the export's fast conversion gives fx's result to the minor unit.
func TestConverterMatchesFX(t *testing.T) {
	tb, err := fx.NewTable([]fx.Rate{{Day: "2026-11-02", Base: "EUR", Quote: "USD", Rate: "1.0842"},
		{Day: "2026-11-02", Base: "EUR", Quote: "JPY", Rate: "163.27"}, {Day: "2026-11-02", Base: "EUR", Quote: "BHD", Rate: "0.40871"}})
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for _, to := range []string{"EUR", "USD", "JPY"} {
		c := newConverter(tb, to)
		for _, cur := range []string{"EUR", "USD", "JPY", "BHD"} {
			for i := 0; i < 2000; i++ {
				minor := r.Int64N(2_000_000_000) - 1_000_000_000
				if i < 10 {
					minor = int64(i*5 - 25)
				}
				want, err := tb.Convert(meta.Money{Minor: minor, Currency: cur}, to, "2026-11-03")
				got, ok := c.convert(minor, cur, "2026-11-03")
				if err != nil || !ok || got != want.Minor {
					t.Fatalf("%d %s→%s: %d %v, fx says %d %v", minor, cur, to, got, ok, want.Minor, err)
				}
			}
		}
		if _, ok := c.convert(100, "GBP", "2026-11-03"); ok && to != "GBP" {
			t.Errorf("GBP→%s converted without a rate", to)
		}
	}
}

// exportEnv is an agency with two brands' ledger rows, an adjustment and EUR/USD rates for some days.
func exportEnv(t *testing.T) (*Ledger, string) {
	t.Helper()
	ctx := context.Background()
	db := testdb.Open(t)
	v, _ := tenancy.NewVault([]byte("0123456789abcdef0123456789abcdef"))
	st, err := tenancy.NewStore(ctx, db, v)
	if err != nil {
		t.Fatal(err)
	}
	tn, _ := st.CreateTenant(ctx, "Agency", "agency")
	ts := st.Tenant(tn.ID)
	var brands []string
	for _, n := range []string{"=Brand, \"one\"", "Brand two"} {
		cur, tz := "EUR", "Europe/Paris"
		b, err := ts.CreateBrand(ctx, tenancy.BrandInput{Name: &n, Currency: &cur, Timezone: &tz})
		if err != nil {
			t.Fatal(err)
		}
		brands = append(brands, b.ID)
	}
	var days []SpendDay
	for d := 1; d <= 4; d++ {
		for i, b := range brands {
			cur := []string{"EUR", "USD"}[i]
			days = append(days, SpendDay{TenantID: tn.ID, BrandID: b, AdAccountID: fmt.Sprintf("act_%d", i+1), AdID: fmt.Sprintf("ad%d", i),
				Day: fmt.Sprintf("2026-10-%02d", d), Month: "2026-10", AdName: "-ad " + cur, Currency: cur, Spend: int64(1000*d + i),
				Impressions: 100, Reach: 90, Clicks: 3, Conversations: 2, Replies: 1})
		}
	}
	if err := db.W.Create(&days).Error; err != nil {
		t.Fatal(err)
	}
	adj := Adjustment{ID: "adj1", TenantID: tn.ID, BrandID: brands[1], AdAccountID: "act_2", AdID: "ad1", Day: "2026-09-30", Month: "2026-10",
		Currency: "USD", Spend: -250, Reason: "Meta restated 2026-09-30", CreatedAt: 1}
	if err := db.W.Create(&adj).Error; err != nil {
		t.Fatal(err)
	}
	if err := db.W.Exec(`INSERT INTO fx_rates (tenant_id, day, base, quote, rate, source, created_at) VALUES ('', '2026-09-30', 'EUR', 'USD', '1.25', 'ecb', 0),
		('', '2026-10-02', 'EUR', 'USD', '1.5', 'ecb', 0)`).Error; err != nil {
		t.Fatal(err)
	}
	return NewLedger(db, tn.ID, nil), brands[1]
}

// TestExportSpendCSV: ledger rows by ad account, ad and day, then adjustments, converted at each day's rate, a missing rate
// left empty and flagged, and the same books give the same bytes.
func TestExportSpendCSV(t *testing.T) {
	l, brand2 := exportEnv(t)
	export := func(q SpendExport) string {
		var buf bytes.Buffer
		w, err := NewCSV(&buf, SpendColumns, CSVOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := l.ExportSpend(context.Background(), q, w); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		return buf.String()
	}
	q := SpendExport{From: "2026-10-01", To: "2026-10-02", Reporting: "EUR"}
	got := export(q)
	want := "type,day,month,brand,ad_account,ad_id,ad_name,currency,spend,impressions,reach,clicks,conversations,replies,reporting_currency,spend_reporting,missing_rate,note\r\n" +
		"ledger,2026-10-01,2026-10,\"'=Brand, \"\"one\"\"\",act_1,ad0,'-ad EUR,EUR,10.00,100,90,3,2,1,EUR,10.00,,\r\n" +
		"ledger,2026-10-02,2026-10,\"'=Brand, \"\"one\"\"\",act_1,ad0,'-ad EUR,EUR,20.00,100,90,3,2,1,EUR,20.00,,\r\n" +
		"ledger,2026-10-01,2026-10,Brand two,act_2,ad1,'-ad USD,USD,10.01,100,90,3,2,1,EUR,8.01,,\r\n" +
		"ledger,2026-10-02,2026-10,Brand two,act_2,ad1,'-ad USD,USD,20.01,100,90,3,2,1,EUR,13.34,,\r\n" +
		"adjustment,2026-09-30,2026-10,Brand two,act_2,ad1,,USD,-2.50,0,0,0,0,0,EUR,-2.00,,Meta restated 2026-09-30\r\n"
	if got != want {
		t.Errorf("export:\n%s\nwant\n%s", got, want)
	}
	if again := export(q); again != got {
		t.Error("the same export gave different bytes")
	}
	// No JPY rate at all: the converted cell is empty and flagged, never 0; the brand filter holds.
	q = SpendExport{From: "2026-10-04", To: "2026-10-04", BrandID: brand2, Reporting: "JPY"}
	if got := export(q); !strings.Contains(got, "\r\nledger,2026-10-04,2026-10,Brand two,act_2,ad1,'-ad USD,USD,40.01,100,90,3,2,1,JPY,,yes,\r\nadjustment") {
		t.Errorf("missing rate not flagged:\n%s", got)
	}
	if err := (SpendExport{From: "2026-10-04", To: "2026-10-01", Reporting: "eur"}).Check(); err == nil ||
		!strings.Contains(err.Error(), "to") {
		t.Errorf("bad range: %v", err)
	}
}

// TestExportSpendXLSXReproducible: the same books give the same XLSX bytes, and the file reads back.
func TestExportSpendXLSXReproducible(t *testing.T) {
	l, _ := exportEnv(t)
	export := func() []byte {
		var buf bytes.Buffer
		w, err := NewXLSX(&buf, SpendColumns)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := l.ExportSpend(context.Background(), SpendExport{From: "2026-10-01", To: "2026-10-31", Reporting: "USD"}, w); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	a, b := export(), export()
	if !bytes.Equal(a, b) {
		t.Fatal("the same XLSX export gave different bytes")
	}
	f, err := excelize.OpenReader(bytes.NewReader(a))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(f.GetSheetName(0))
	if err != nil || len(rows) != 1+8+1 {
		t.Fatalf("%d rows, %v", len(rows), err)
	}
}
