package reports

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

func TestReportExports(t *testing.T) {
	ctx := context.Background()
	e := newReportEnv(t)
	if err := e.db.W.Exec("UPDATE campaigns SET name = '=HYPERLINK(\"x\")' WHERE id = 'camp-1'").Error; err != nil {
		t.Fatal(err)
	}
	eng := NewEngine(e.db)
	q := Query{From: "2026-11-01", To: "2026-11-30", Group: GroupCampaign, Model: "linear", AllBrands: true, Currency: "EUR"}
	var buf bytes.Buffer
	n, err := WriteReportExport(ctx, eng, e.tenant, q, Options{Format: FormatCSV, CSV: CSVOptions{BOM: true, Sep: ';', DecimalComma: true}}, &buf)
	if err != nil || n != 5 {
		t.Fatalf("%d rows, %v", n, err)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\r\n"), "\r\n")
	want := []string{
		"\uFEFFtype;key;name;currency;spend;fees;impressions;clicks;conversations;new_conversations;replies;conversions;leads;purchases;conversions_by_type;revenue;cost_per_conversation;cost_per_lead;roas;missing_rates",
		"row;camp-1;\"'=HYPERLINK(\"\"x\"\")\";EUR;133,33;13,33;1300;60;7;5;2;1;0;1;purchase=1;20,01;19,05;;0,15;",
		"row;camp-2;Autumn;EUR;56,00;0,00;700;28;2;2;0;1;1;0;lead=1;0,00;28,00;56,00;0,00;",
		"row;camp-3;Winter;EUR;;;900;9;1;1;0;0;0;0;;0,00;;;;",
		"row;;(unattributed);EUR;10,00;1,00;100;5;1;1;0;1;0;1;purchase=1;8,00;10,00;;0,80;",
		"total;;Total;EUR;;;3000;102;11;9;2;3;1;2;\"lead=1; purchase=2\";28,01;;;;COP 2026-11-02",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("CSV:\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	buf.Reset()
	if _, err := WriteReportExport(ctx, eng, e.tenant, q, Options{Format: FormatXLSX}, &buf); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheet := f.GetSheetName(0)
	for ref, want := range map[string]string{"C2": `=HYPERLINK("x")`, "E2": "133.33", "G2": "1300", "L2": "1", "P2": "20.01", "S2": "0.15", "E4": ""} {
		v, err := f.GetCellValue(sheet, ref, excelize.Options{RawCellValue: true})
		if err != nil || v != want {
			t.Errorf("%s = %q, want %q (%v)", ref, v, want, err)
		}
	}
	if ty, _ := f.GetCellType(sheet, "E2"); ty != excelize.CellTypeUnset {
		t.Errorf("spend is a %v cell, want a number", ty)
	}
	if fm, _ := f.GetCellFormula(sheet, "C2"); fm != "" {
		t.Errorf("the name became a formula %q", fm)
	}
}
