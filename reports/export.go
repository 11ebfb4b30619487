package reports

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"

	"relance/meta"
)

// Export formats.
const (
	FormatCSV  = "csv"
	FormatXLSX = "xlsx"
)

// ErrFormat says an export format is neither csv nor xlsx.
var ErrFormat = errors.New("reports: unknown export format")

// Kind is what a column holds; it decides how a cell is written (a number stays a number, text is neutralised).
type Kind int

// Column kinds.
const (
	// Text is a string cell (string); one that a spreadsheet would take for a formula gets a leading apostrophe.
	Text Kind = iota
	// Int is an integer cell (int64).
	Int
	// Amount is money (Money): in CSV its decimal in the currency's minor unit, in XLSX a number formatted
	// in its currency.
	Amount
	// Date is a day (a YYYY-MM-DD string): as written in CSV, a date cell in XLSX.
	Date
	// Decimal is a number with up to two decimals: a Count (hundredths) or a Ratio; a number cell in XLSX.
	Decimal
)

// Column is an export column: its header and kind.
type Column struct {
	Name string
	Kind Kind
	// Width is the XLSX column width in characters (0: the spreadsheet's default).
	Width float64
}

// Money is an Amount cell's value; Valid false writes an empty cell (an amount that is missing, never 0).
type Money struct {
	Minor    int64
	Currency string
	Valid    bool
}

// RowWriter writes an export's rows one at a time, holding none of them: cells are string (Text, Date),
// int64 (Int), Money (Amount), Count or Ratio (Decimal), in the order of the columns. Close ends the file; Abort gives up on it
// (an XLSX is then not written at all), and one of them must be called.
type RowWriter interface {
	Write(row []any) error
	Close() error
	Abort() error
}

// Options are an export's format and, for CSV, its Excel options.
type Options struct {
	Format string
	CSV    CSVOptions
}

// NewWriter starts an export of cols on w in o's format.
func NewWriter(w io.Writer, cols []Column, o Options) (RowWriter, error) {
	switch o.Format {
	case FormatCSV:
		return NewCSV(w, cols, o.CSV)
	case FormatXLSX:
		return NewXLSX(w, cols)
	}
	return nil, fmt.Errorf("%w: %q", ErrFormat, o.Format)
}

// WriteSpendExport writes l's ledger export q to w in o's format, complete or not at all for XLSX (a CSV
// cut short by an error keeps the rows before it). It returns the rows written.
func WriteSpendExport(ctx context.Context, l *Ledger, q SpendExport, o Options, w io.Writer) (int, error) {
	rw, err := NewWriter(w, SpendColumns, o)
	if err != nil {
		return 0, err
	}
	n, err := l.ExportSpend(ctx, q, rw)
	if err != nil {
		_ = rw.Abort()
		return n, err
	}
	return n, rw.Close()
}

// CSVOptions make a CSV open well in Excel.
type CSVOptions struct {
	// BOM starts the file with a UTF-8 byte order mark, which Excel needs to read UTF-8.
	BOM bool
	// Sep is the separator, ',' by default; ';' for spreadsheets set to a locale whose decimal separator
	// is a comma.
	Sep rune
	// DecimalComma writes amounts with a decimal comma (12,50) for those same locales.
	DecimalComma bool
}

// csvWriter writes RFC 4180 CSV (CRLF line ends, fields quoted when they hold the separator, a quote, CR
// or LF, quotes doubled) through one buffer: no per-cell allocation.
type csvWriter struct {
	w      *bufio.Writer
	cols   []Column
	o      CSVOptions
	sep    []byte
	line   []byte
	digits map[string]int
}

// NewCSV starts a CSV export of cols on w and writes its header.
func NewCSV(w io.Writer, cols []Column, o CSVOptions) (RowWriter, error) {
	if o.Sep == 0 {
		o.Sep = ','
	}
	if o.Sep == '"' || o.Sep == '\r' || o.Sep == '\n' || !utf8.ValidRune(o.Sep) {
		return nil, fmt.Errorf("reports: csv separator %q", o.Sep)
	}
	cw := &csvWriter{w: bufio.NewWriterSize(w, 64<<10), cols: cols, o: o, sep: utf8.AppendRune(nil, o.Sep),
		digits: map[string]int{}}
	if o.BOM {
		if _, err := cw.w.WriteString("\uFEFF"); err != nil {
			return nil, fmt.Errorf("reports: csv: %w", err)
		}
	}
	head := make([]any, len(cols))
	for i, c := range cols {
		head[i] = c.Name
	}
	if err := cw.write(head, true); err != nil {
		return nil, err
	}
	return cw, nil
}

// Write writes one row.
func (cw *csvWriter) Write(row []any) error { return cw.write(row, false) }

func (cw *csvWriter) write(row []any, header bool) error {
	if len(row) != len(cw.cols) {
		return fmt.Errorf("reports: csv: %d cells for %d columns", len(row), len(cw.cols))
	}
	b := cw.line[:0]
	for i, v := range row {
		if i > 0 {
			b = append(b, cw.sep...)
		}
		kind := cw.cols[i].Kind
		if header {
			kind = Text
		}
		switch v := v.(type) {
		case nil:
		case string:
			if kind == Text {
				b = cw.appendText(b, v)
			} else {
				b = cw.appendField(b, v)
			}
		case int64:
			b = strconv.AppendInt(b, v, 10)
		case Money:
			if v.Valid {
				b = cw.appendMoney(b, v)
			}
		case Count:
			if v%100 == 0 {
				b = strconv.AppendInt(b, int64(v)/100, 10)
			} else {
				b = AppendDecimal(b, int64(v), 2, cw.o.DecimalComma)
			}
		case Ratio:
			if v.Valid {
				b = AppendDecimal(b, divRound(v.Num*100, v.Den), 2, cw.o.DecimalComma)
			}
		default:
			return fmt.Errorf("reports: csv: column %s: cell of type %T", cw.cols[i].Name, v)
		}
	}
	b = append(b, '\r', '\n')
	cw.line = b
	if _, err := cw.w.Write(b); err != nil {
		return fmt.Errorf("reports: csv: %w", err)
	}
	return nil
}

// appendText appends a text cell, neutralised: a spreadsheet takes a cell starting with = + - @ (or a tab or
// CR before them) for a formula, so such a cell is written with a leading apostrophe, shown as text.
func (cw *csvWriter) appendText(b []byte, s string) []byte {
	if FormulaLike(s) {
		return cw.appendField(b, "'"+s)
	}
	return cw.appendField(b, s)
}

// FormulaLike reports whether a spreadsheet could read s as a formula (OWASP "CSV injection").
func FormulaLike(s string) bool {
	if s == "" {
		return false
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return true
	}
	return false
}

// appendField appends s, quoted when RFC 4180 needs it (or when it starts with a space, which some readers
// trim).
func (cw *csvWriter) appendField(b []byte, s string) []byte {
	quote := s != "" && s[0] == ' '
	for i := 0; i < len(s) && !quote; i++ {
		switch c := s[i]; c {
		case '"', '\r', '\n':
			quote = true
		default:
			if cw.o.Sep < utf8.RuneSelf && c == byte(cw.o.Sep) {
				quote = true
			}
		}
	}
	if !quote && cw.o.Sep >= utf8.RuneSelf && len(s) > 0 && containsRune(s, cw.o.Sep) {
		quote = true
	}
	if !quote {
		return append(b, s...)
	}
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			b = append(b, '"')
		}
		b = append(b, s[i])
	}
	return append(b, '"')
}

func containsRune(s string, r rune) bool {
	for _, c := range s {
		if c == r {
			return true
		}
	}
	return false
}

// appendMoney appends an amount as a decimal of its currency's minor unit (no thousands separator, no code).
func (cw *csvWriter) appendMoney(b []byte, m Money) []byte {
	d, ok := cw.digits[m.Currency]
	if !ok {
		d = max(meta.ISOMinorDigits(m.Currency), 0)
		cw.digits[m.Currency] = d
	}
	return AppendDecimal(b, m.Minor, d, cw.o.DecimalComma)
}

// AppendDecimal appends minor units as a decimal with digits decimals (a comma for the point when comma).
func AppendDecimal(b []byte, minor int64, digits int, comma bool) []byte {
	mag := uint64(minor)
	if minor < 0 {
		b = append(b, '-')
		mag = uint64(-(minor + 1)) + 1 // safe for math.MinInt64
	}
	if digits == 0 {
		return strconv.AppendUint(b, mag, 10)
	}
	var tmp [24]byte
	s := strconv.AppendUint(tmp[:0], mag, 10)
	for len(s) <= digits {
		s = append([]byte{'0'}, s...)
	}
	b = append(b, s[:len(s)-digits]...)
	if comma {
		b = append(b, ',')
	} else {
		b = append(b, '.')
	}
	return append(b, s[len(s)-digits:]...)
}

// Close writes what is buffered.
func (cw *csvWriter) Close() error {
	if err := cw.w.Flush(); err != nil {
		return fmt.Errorf("reports: csv: %w", err)
	}
	return nil
}

// Abort ends a CSV cut short: what was written stays (the caller says why in a last line).
func (cw *csvWriter) Abort() error { return cw.Close() }
