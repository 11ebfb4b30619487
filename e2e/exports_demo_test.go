package e2e_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"relance/meta"
)

// TestDemoSpendExportsDownload: the demo's finance user opens last month (closed by them at the demo's
// start) on the finance screen and clicks the CSV and XLSX links. Chromium downloads both files; the CSV
// parses with encoding/csv and the workbook opens with excelize, and both hold the month's ledger: the same
// rows, and per brand the spend the finance API reports for the month, to the minor unit.
func TestDemoSpendExportsDownload(t *testing.T) {
	chrome := requireChromium(t)
	srv := startRelance(t, withDemo)
	b := &browser{t: t, ctx: newBrowser(t, chrome, 4*time.Minute), base: srv.URL}
	b.open("/login", 200)
	b.submit("log in as the demo's finance user", loginForm, `main h1`,
		fill(loginForm+` input[name="email"]`, "finance@demo.relance.local"),
		fill(loginForm+` input[name="password"]`, "relance-demo"),
	)
	now := time.Now().UTC()
	month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -1, 0).Format("2006-01")
	b.open("/finance?month="+month, 200)
	if s := b.text("#month-status"); !bytes.Contains([]byte(s), []byte("closed")) {
		t.Fatalf("%s is not closed: %q", month, s)
	}

	// What the ledger holds for the month, per brand name and currency, as the finance API reports it.
	js := `fetch('/api/v1/finance/months/` + month + `').then(r => r.ok ? r.text() : Promise.reject(r.status))`
	raw, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	var mv struct {
		Spend struct {
			Brands []struct {
				BrandID  string `json:"brand_id"`
				Currency string `json:"currency"`
				Spend    int64  `json:"spend"`
			} `json:"brands"`
		} `json:"spend"`
	}
	if err := json.Unmarshal([]byte(raw), &mv); err != nil || len(mv.Spend.Brands) != 3 {
		t.Fatalf("month: %v %s", err, raw)
	}
	want := map[string]int64{} // currency → spend; the demo's brands have one currency each
	for _, br := range mv.Spend.Brands {
		want[br.Currency] += br.Spend
	}

	dir := t.TempDir()
	download := func(sel string) []byte {
		t.Helper()
		ctx, cancel := context.WithTimeout(b.ctx, time.Minute)
		defer cancel()
		progress := chromedp.Events(ctx, cdpbrowser.DownloadProgress)
		allow := chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			_, err := chromedp.Call(ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
				Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir, EventsEnabled: ptrTrue()})
			return err
		})
		b.do("download "+sel, allow, chromedp.Click(css(sel)))
		for ev, err := range progress {
			if err != nil {
				t.Fatalf("download %s: %v", sel, err)
			}
			if ev.State == cdpbrowser.DownloadProgressStateCanceled {
				t.Fatalf("download %s was canceled", sel)
			}
			if ev.State == cdpbrowser.DownloadProgressStateCompleted {
				data, err := os.ReadFile(filepath.Join(dir, ev.GUID))
				if err != nil {
					t.Fatal(err)
				}
				return data
			}
		}
		t.Fatalf("download %s did not complete", sel)
		return nil
	}

	// The CSV: header, then ledger rows (the month is closed: no adjustment is booked in it).
	rows, err := csv.NewReader(bytes.NewReader(download("#export-csv"))).ReadAll()
	if err != nil || len(rows) < 2 {
		t.Fatalf("the CSV does not parse: %d rows, %v", len(rows), err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	got := map[string]int64{}
	for _, r := range rows[1:] {
		m, err := meta.ParseDecimal(r[col["spend"]], r[col["currency"]])
		if err != nil || r[col["month"]] != month || r[col["type"]] != "ledger" {
			t.Fatalf("CSV row %v: %v", r, err)
		}
		got[m.Currency] += m.Minor
	}
	for cur, v := range want {
		if got[cur] != v {
			t.Errorf("CSV: %s spend %d, the ledger %d", cur, got[cur], v)
		}
	}

	// The workbook: the same rows, spend as typed numbers that add up to the same figures.
	wb, err := excelize.OpenReader(bytes.NewReader(download("#export-xlsx")))
	if err != nil {
		t.Fatalf("the XLSX does not open: %v", err)
	}
	defer wb.Close()
	sheet := wb.GetSheetName(0)
	xrows, err := wb.GetRows(sheet, excelize.Options{RawCellValue: true})
	if err != nil || len(xrows) != len(rows) {
		t.Fatalf("XLSX: %d rows, the CSV %d (%v)", len(xrows), len(rows), err)
	}
	gotX := map[string]int64{}
	for i, r := range xrows[1:] {
		cell, _ := excelize.CoordinatesToCellName(col["spend"]+1, i+2)
		if typ, _ := wb.GetCellType(sheet, cell); typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString {
			t.Fatalf("XLSX %s is text, not a number", cell)
		}
		f, err := strconv.ParseFloat(r[col["spend"]], 64)
		if err != nil {
			t.Fatalf("XLSX %s = %q: %v", cell, r[col["spend"]], err)
		}
		cur := r[col["currency"]]
		gotX[cur] += int64(math.Round(f * math.Pow10(meta.ISOMinorDigits(cur))))
	}
	for cur, v := range want {
		if gotX[cur] != v {
			t.Errorf("XLSX: %s spend %d, the ledger %d", cur, gotX[cur], v)
		}
	}

	// The dashboards on the demo's figures: the agency overview draws its charts over the last 90 days with
	// spend, conversations and the demo's ads campaigns on top; the finance screen draws spend by brand.
	b.open("/?days=90", 200)
	b.chartsDrawn(2)
	if s := b.text("#total-spend"); s == "" || strings.Contains(s, "missing") || strings.Trim(s, "€$0.,  ") == "" {
		t.Errorf("the agency dashboard's spend over 90 days: %q", s)
	}
	if s := b.text("#total-conversations"); s == "" || s == "0" {
		t.Errorf("the agency dashboard's conversations over 90 days: %q", s)
	}
	if s := b.text("#top-campaigns"); !strings.Contains(s, "Spring menu") {
		t.Errorf("the demo's ads campaigns are not among the top campaigns: %q", s)
	}
	b.open("/finance?month="+month, 200)
	b.chartsDrawn(1)
}

func ptrTrue() *bool { v := true; return &v }
