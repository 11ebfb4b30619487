package reports

import (
	"archive/zip"
	"compress/flate"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"relance/meta"
)

// xlsxSheet is the name of an export's one sheet.
const xlsxSheet = "Export"

// xlsxWriter streams rows into an XLSX workbook of one sheet: excelize's StreamWriter keeps the sheet's XML
// in a temporary file beyond 16 MB, and the workbook is zipped straight into the destination on Close
// (excelize's WriteTo would build the whole file in memory first).
type xlsxWriter struct {
	dst    io.Writer
	f      *excelize.File
	sw     *excelize.StreamWriter
	cols   []Column
	row    int
	cells  []any
	date   int
	money  map[string]int // style per currency
	digits map[string]int
}

// NewXLSX starts an XLSX export of cols on w: a styled header row, frozen, then typed cells.
func NewXLSX(w io.Writer, cols []Column) (RowWriter, error) {
	f := excelize.NewFile()
	xw := &xlsxWriter{dst: w, f: f, cols: cols, cells: make([]any, len(cols)), money: map[string]int{}, digits: map[string]int{}}
	fail := func(err error) (RowWriter, error) {
		_ = f.Close()
		return nil, fmt.Errorf("reports: xlsx: %w", err)
	}
	if err := f.SetSheetName("Sheet1", xlsxSheet); err != nil {
		return fail(err)
	}
	// The document's dates stay excelize's fixed ones (no "now"), so that the same rows give the same bytes.
	if err := f.SetDocProps(&excelize.DocProperties{Creator: "relance", Created: fixedDocTime, Modified: fixedDocTime}); err != nil {
		return fail(err)
	}
	sw, err := f.NewStreamWriter(xlsxSheet)
	if err != nil {
		return fail(err)
	}
	xw.sw = sw
	head, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true},
		Fill:   excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDE4EE"}},
		Border: []excelize.Border{{Type: "bottom", Color: "7F8C9D", Style: 1}}})
	if err != nil {
		return fail(err)
	}
	if xw.date, err = f.NewStyle(&excelize.Style{CustomNumFmt: ptr("yyyy-mm-dd")}); err != nil {
		return fail(err)
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return fail(err)
	}
	for i, c := range cols {
		if c.Width > 0 {
			if err := sw.SetColWidth(i+1, i+1, c.Width); err != nil {
				return fail(err)
			}
		}
	}
	hc := make([]any, len(cols))
	for i, c := range cols {
		hc[i] = excelize.Cell{StyleID: head, Value: c.Name}
	}
	if err := sw.SetRow("A1", hc); err != nil {
		return fail(err)
	}
	xw.row = 1
	return xw, nil
}

// fixedDocTime is the creation and modification time written in every export's properties.
const fixedDocTime = "2006-09-16T00:00:00Z"

func ptr[T any](v T) *T { return &v }

// Write writes one row of typed cells.
func (xw *xlsxWriter) Write(row []any) error {
	if len(row) != len(xw.cols) {
		return fmt.Errorf("reports: xlsx: %d cells for %d columns", len(row), len(xw.cols))
	}
	for i, v := range row {
		switch v := v.(type) {
		case nil:
			xw.cells[i] = nil
		case string:
			switch {
			case xw.cols[i].Kind == Date && v != "":
				d, err := time.Parse(time.DateOnly, v)
				if err != nil {
					return fmt.Errorf("reports: xlsx: column %s: %w", xw.cols[i].Name, err)
				}
				xw.cells[i] = excelize.Cell{StyleID: xw.date, Value: d}
			default:
				// A string cell is text (an inline string), never a formula, whatever it starts with: no
				// apostrophe needed, unlike CSV.
				xw.cells[i] = v
			}
		case int64:
			xw.cells[i] = v
		case Money:
			if !v.Valid {
				xw.cells[i] = nil
				continue
			}
			s, d, err := xw.moneyStyle(v.Currency)
			if err != nil {
				return err
			}
			xw.cells[i] = excelize.Cell{StyleID: s, Value: float64(v.Minor) / math.Pow10(d)}
		case Count:
			xw.cells[i] = float64(v) / 100
		case Ratio:
			if !v.Valid {
				xw.cells[i] = nil
				continue
			}
			xw.cells[i] = float64(divRound(v.Num*100, v.Den)) / 100
		default:
			return fmt.Errorf("reports: xlsx: column %s: cell of type %T", xw.cols[i].Name, v)
		}
	}
	xw.row++
	cell, err := excelize.CoordinatesToCellName(1, xw.row)
	if err != nil {
		return fmt.Errorf("reports: xlsx: %w", err)
	}
	if err := xw.sw.SetRow(cell, xw.cells); err != nil {
		return fmt.Errorf("reports: xlsx: %w", err)
	}
	return nil
}

// moneyStyle is the number format of cur's amounts: its ISO minor digits and its code, e.g. #,##0.00 "EUR".
func (xw *xlsxWriter) moneyStyle(cur string) (int, int, error) {
	if s, ok := xw.money[cur]; ok {
		return s, xw.digits[cur], nil
	}
	d := max(meta.ISOMinorDigits(cur), 0)
	f := "#,##0"
	if d > 0 {
		f += "." + strings.Repeat("0", d)
	}
	code := strings.Map(func(r rune) rune { // a code is three letters; anything else is kept out of the format
		if r >= 'A' && r <= 'Z' {
			return r
		}
		return -1
	}, cur)
	if code != "" {
		f += ` "` + code + `"`
	}
	s, err := xw.f.NewStyle(&excelize.Style{CustomNumFmt: &f})
	if err != nil {
		return 0, 0, fmt.Errorf("reports: xlsx: %w", err)
	}
	xw.money[cur], xw.digits[cur] = s, d
	return s, d, nil
}

// Close ends the sheet and writes the workbook to the destination, zipped as it goes.
func (xw *xlsxWriter) Close() error {
	defer func() { _ = xw.f.Close() }() // removes the temporary file
	if err := xw.sw.Flush(); err != nil {
		return fmt.Errorf("reports: xlsx: %w", err)
	}
	// excelize zips into a buffer of its own; handing it a zip writer on the destination instead keeps the
	// file out of memory. The buffer it returns is then empty (and its zip64 fix-up, for parts over 4 GB,
	// has nothing to do).
	xw.f.SetZipWriter(func(io.Writer) excelize.ZipWriter {
		zw := zip.NewWriter(xw.dst)
		zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
			return flate.NewWriter(w, flate.BestSpeed)
		})
		return zw
	})
	if _, err := xw.f.WriteToBuffer(); err != nil {
		return fmt.Errorf("reports: xlsx: %w", err)
	}
	return nil
}

// Abort removes the sheet's temporary file without writing the workbook.
func (xw *xlsxWriter) Abort() error { return xw.f.Close() }
