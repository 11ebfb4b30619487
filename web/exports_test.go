package web_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"relance/reports"
)

// seedSpend writes two ledger days of agency A's brand A1 in October 2026.
func seedSpend(t *testing.T, f *fixture) {
	t.Helper()
	rows := []reports.SpendDay{
		{TenantID: f.a.ID, BrandID: f.a1.ID, AdAccountID: f.acct.AccountID, AdID: "23850000000001", Day: "2026-10-01", Month: "2026-10",
			AdName: "=cmd|' /C calc'!A0", Currency: "EUR", Spend: 1234, Impressions: 100, Reach: 90, Clicks: 4, Conversations: 2, Replies: 1},
		{TenantID: f.a.ID, BrandID: f.a1.ID, AdAccountID: f.acct.AccountID, AdID: "23850000000001", Day: "2026-10-02", Month: "2026-10",
			AdName: "Spring", Currency: "EUR", Spend: 56, Impressions: 10, Reach: 9, Clicks: 1},
	}
	if err := f.deps.DB.W.Create(&rows).Error; err != nil {
		t.Fatal(err)
	}
}

// TestSpendExportAPI: finance downloads the month's ledger as CSV (the same bytes twice, Excel options,
// formulas neutralised) and XLSX (typed cells); bad input is a 422 naming the field; agency B's admin gets
// only B's rows, and B's brand is refused as a filter to A.
func TestSpendExportAPI(t *testing.T) {
	f := newFixture(t)
	seedSpend(t, f)
	fin := caller{token: f.tokens[finance]}
	status, csv1 := f.do(fin, http.MethodGet, "/api/v1/finance/spend/export.csv?month=2026-10", "")
	if status != http.StatusOK || !strings.Contains(csv1, "ledger,2026-10-01,2026-10,"+f.a1.Name+","+f.acct.AccountID+",23850000000001,'=cmd|' /C calc'!A0,EUR,12.34,100,90,4,2,1,") {
		t.Fatalf("csv: %d %s", status, csv1)
	}
	if _, csv2 := f.do(fin, http.MethodGet, "/api/v1/finance/spend/export.csv?month=2026-10", ""); csv2 != csv1 {
		t.Error("the same export gave different bytes")
	}
	if _, body := f.do(fin, http.MethodGet, "/api/v1/finance/spend/export.csv?from=2026-10-01&to=2026-10-31&bom=1&sep=%3B&decimal=comma&brand="+f.a1.ID, ""); !strings.HasPrefix(body, "\uFEFFtype;day;") ||
		!strings.Contains(body, ";EUR;12,34;100;") {
		t.Errorf("csv for Excel: %s", body)
	}
	status, xlsx := f.do(fin, http.MethodGet, "/api/v1/finance/spend/export.xlsx?month=2026-10", "")
	if status != http.StatusOK {
		t.Fatalf("xlsx: %d %s", status, trim(xlsx))
	}
	wb, err := excelize.OpenReader(strings.NewReader(xlsx))
	if err != nil {
		t.Fatal(err)
	}
	defer wb.Close()
	sheet := wb.GetSheetName(0)
	if v, _ := wb.GetCellValue(sheet, "I2", excelize.Options{RawCellValue: true}); v != "12.34" {
		t.Errorf("spend cell I2 = %q, want the number 12.34", v)
	}
	if ty, _ := wb.GetCellType(sheet, "I2"); ty != excelize.CellTypeUnset {
		t.Errorf("spend cell I2 has type %v, want a number", ty)
	}
	for q, field := range map[string]string{"from=2026-13-01&to=2026-10-02": "from", "month=2026-10&currency=euros": "currency",
		"month=2026-10&brand=" + f.b1.ID: "brand", "month=2026-10&sep=tab": "sep", "month=2026-10&ad_account=act_1": "ad_account"} {
		status, body := f.do(fin, http.MethodGet, "/api/v1/finance/spend/export.csv?"+q, "")
		if status != http.StatusUnprocessableEntity || !strings.Contains(body, `"`+field+`"`) {
			t.Errorf("%s: %d %s, want 422 naming %s", q, status, body, field)
		}
	}
	other := caller{token: f.tokens["b_admin"]}
	status, body := f.do(other, http.MethodGet, "/api/v1/finance/spend/export.csv?month=2026-10", "")
	if status != http.StatusOK || strings.Contains(body, "ledger,") || strings.Contains(body, f.acct.AccountID) {
		t.Errorf("agency B's export: %d %s", status, body)
	}
	if status, _ := f.do(other, http.MethodGet, "/api/v1/finance/spend/export.csv?month=2026-10&brand="+f.a1.ID, ""); status != http.StatusUnprocessableEntity {
		t.Errorf("agency B filtering on A's brand: %d", status)
	}
	u := f.users[finance]
	if _, page := f.do(caller{user: &u}, http.MethodGet, "/finance?month=2026-10", ""); !strings.Contains(page, `href="/api/v1/finance/spend/export.xlsx?month=2026-10"`) {
		t.Errorf("finance screen without the export links: %s", trim(page))
	}
}

// TestScheduledExports: a schedule is created (bad input named), run three times keeping two files, listed,
// downloaded (the same bytes as the direct export), hidden from agency B, and deleted with its files.
func TestScheduledExports(t *testing.T) {
	f := newFixture(t)
	seedSpend(t, f)
	fin := caller{token: f.tokens[finance]}
	for in, field := range map[string]string{
		`{"cron":"* * * * *","format":"csv","params":{"period":"previous_month"}}`:           "cron",
		`{"cron":"0 7 1 * *","format":"pdf","params":{"period":"previous_month"}}`:           "format",
		`{"cron":"0 7 1 * *","format":"csv","params":{"period":"yesterday"}}`:                "params.period",
		`{"cron":"0 7 1 * *","format":"csv","keep":0.5,"params":{}}`:                         "keep",
		`{"cron":"0 7 1 * *","format":"csv","params":{"period":"previous_day","brand":"x"}}`: "params.brand",
	} {
		if status, body := f.do(fin, http.MethodPost, "/api/v1/exports", in); status != http.StatusUnprocessableEntity || !strings.Contains(body, field) {
			t.Errorf("%s: %d %s, want 422 naming %s", in, status, body, field)
		}
	}
	status, body := f.do(fin, http.MethodPost, "/api/v1/exports", `{"name":"October","cron":"0 7 1 * *","format":"csv","keep":2,"params":{"from":"2026-10-01","to":"2026-10-31"}}`)
	if status != http.StatusCreated {
		t.Fatalf("create: %d %s", status, body)
	}
	id := body[strings.Index(body, `"id":"`)+6:]
	id = id[:strings.IndexByte(id, '"')]
	ex := reports.NewExports(f.deps.DB, f.a.ID, nil)
	var last reports.File
	for range 3 {
		fl, err := ex.Run(context.Background(), id, "EUR")
		if err != nil {
			t.Fatal(err)
		}
		last = fl
	}
	v, err := ex.Get(context.Background(), id)
	if err != nil || len(v.Files) != 2 || v.Files[0].ID != last.ID || last.Rows != 2 {
		t.Fatalf("kept files %+v, %v; want the last 2", v.Files, err)
	}
	_, direct := f.do(fin, http.MethodGet, "/api/v1/finance/spend/export.csv?month=2026-10", "")
	status, file := f.do(fin, http.MethodGet, "/api/v1/exports/"+id+"/files/"+last.ID, "")
	if status != http.StatusOK || !bytes.Equal([]byte(file), []byte(direct)) {
		t.Errorf("download: %d, %d bytes, want the direct export's %d", status, len(file), len(direct))
	}
	if _, list := f.do(fin, http.MethodGet, "/api/v1/exports", ""); !strings.Contains(list, last.ID) {
		t.Errorf("list: %s", list)
	}
	u := f.users[finance]
	if _, page := f.do(caller{user: &u}, http.MethodGet, "/finance", ""); !strings.Contains(page, `href="/api/v1/exports/`+id+`/files/`+last.ID+`"`) {
		t.Errorf("finance screen without the kept file: %s", trim(page))
	}
	if status, body := f.do(caller{user: &u}, http.MethodPost, "/finance/exports", "name=Weekly&cron=0+6+*+*+1&format=xlsx&period=last_7_days&keep=3"); status != http.StatusSeeOther {
		t.Errorf("schedule from the screen: %d %s", status, trim(body))
	}
	if list, err := ex.List(context.Background()); err != nil || len(list) != 2 || list[1].Name != "Weekly" || list[1].Keep != 3 {
		t.Errorf("after the screen's form: %+v %v", list, err)
	}
	other := caller{token: f.tokens["b_admin"]}
	for _, p := range []string{"/api/v1/exports/" + id, "/api/v1/exports/" + id + "/files/" + last.ID} {
		if status, _ := f.do(other, http.MethodGet, p, ""); status != http.StatusNotFound {
			t.Errorf("agency B GET %s: %d", p, status)
		}
	}
	if status, _ := f.do(other, http.MethodDelete, "/api/v1/exports/"+id, ""); status != http.StatusNotFound {
		t.Errorf("agency B deleting: %d", status)
	}
	if status, _ := f.do(fin, http.MethodDelete, "/api/v1/exports/"+id, ""); status != http.StatusNoContent {
		t.Errorf("delete: %d", status)
	}
	if status, _ := f.do(fin, http.MethodGet, "/api/v1/exports/"+id+"/files/"+last.ID, ""); status != http.StatusNotFound {
		t.Errorf("file after delete: %d", status)
	}
	var chunks int64
	f.deps.DB.R.Table("export_chunks").Count(&chunks)
	if chunks != 0 {
		t.Errorf("%d chunks left after delete", chunks)
	}
}
