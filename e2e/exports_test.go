package e2e_test

import (
	"bytes"
	"encoding/base64"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"
)

// TestFinanceExportOpens: an agency admin opens the finance screen, and the file behind its XLSX link,
// fetched by the page with the browser's session as a click would, is a workbook that opens with the
// ledger's header; the CSV link gives the same header as text.
func TestFinanceExportOpens(t *testing.T) {
	chrome := requireChromium(t)
	srv := startRelance(t)
	b := &browser{t: t, ctx: newBrowser(t, chrome, 3*time.Minute), base: srv.URL}
	b.loginWithOneTimePassword("admin@relance.local", srv.AdminPassword)
	b.changePassword(srv.AdminPassword, "admin-chose-this-password")
	b.open("/finance?month=2026-10", 200)
	fetch := func(sel string) []byte {
		t.Helper()
		href := b.attr(sel, "href")
		js := `fetch(` + strconv.Quote(href) + `).then(r => r.ok ? r.arrayBuffer() : Promise.reject(r.status)).then(buf => {` +
			`let s = ''; new Uint8Array(buf).forEach(c => s += String.fromCharCode(c)); return btoa(s); })`
		enc, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("fetch %s (%s): %v%s", sel, href, err, b.where())
		}
		raw, err := base64.StdEncoding.DecodeString(enc)
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	wb, err := excelize.OpenReader(bytes.NewReader(fetch(`#export-xlsx`)))
	if err != nil {
		t.Fatalf("the XLSX does not open: %v", err)
	}
	defer wb.Close()
	if v, _ := wb.GetCellValue(wb.GetSheetName(0), "I1"); v != "spend" {
		t.Errorf("XLSX header I1 = %q, want spend", v)
	}
	if csv := fetch(`#export-csv-excel`); !bytes.HasPrefix(csv, []byte("\uFEFFtype;day;month;brand;")) {
		t.Errorf("CSV for Excel starts %q", csv[:min(len(csv), 40)])
	}
}
