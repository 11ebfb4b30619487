package reports

import (
	"context"
	"io"
	"sort"
	"strings"
)

// Row types of a report export.
const (
	RowReport = "row"
	RowTotal  = "total"
)

// ReportColumns are a report export's columns: the report's figures, conversions as a total and per type.
var ReportColumns = []Column{
	{Name: "type", Kind: Text, Width: 7}, {Name: "key", Kind: Text, Width: 24}, {Name: "name", Kind: Text, Width: 30},
	{Name: "currency", Kind: Text, Width: 8}, {Name: "spend", Kind: Amount, Width: 14}, {Name: "fees", Kind: Amount, Width: 12},
	{Name: "impressions", Kind: Int, Width: 12}, {Name: "clicks", Kind: Int, Width: 9}, {Name: "conversations", Kind: Int, Width: 13},
	{Name: "new_conversations", Kind: Int, Width: 13}, {Name: "replies", Kind: Int, Width: 9},
	{Name: "conversions", Kind: Decimal, Width: 12}, {Name: "leads", Kind: Decimal, Width: 9}, {Name: "purchases", Kind: Decimal, Width: 10},
	{Name: "conversions_by_type", Kind: Text, Width: 30}, {Name: "revenue", Kind: Amount, Width: 14},
	{Name: "cost_per_conversation", Kind: Amount, Width: 14}, {Name: "cost_per_lead", Kind: Amount, Width: 14},
	{Name: "roas", Kind: Decimal, Width: 8}, {Name: "missing_rates", Kind: Text, Width: 30},
}

// ExportReport writes report q's rows then its totals to w, through one reused row: what it holds is the
// report (one line per key, not per fact). It returns the rows written; w is not closed.
func (e *Engine) ExportReport(ctx context.Context, tenantID string, q Query, w RowWriter) (int, error) {
	rep, err := e.Report(ctx, tenantID, q)
	if err != nil {
		return 0, err
	}
	missing := make([]string, len(rep.MissingRates))
	for i, m := range rep.MissingRates {
		missing[i] = m.Currency + " " + m.Day
	}
	cell := make([]any, len(ReportColumns))
	emit := func(typ string, r Row, note string) error {
		var all Count
		types := make([]string, 0, len(r.Conversions))
		for t, n := range r.Conversions {
			all += n
			types = append(types, t)
		}
		sort.Strings(types)
		var by strings.Builder
		for i, t := range types {
			if i > 0 {
				by.WriteString("; ")
			}
			b, _ := r.Conversions[t].MarshalJSON()
			by.WriteString(t + "=" + string(b))
		}
		cell[0], cell[1], cell[2], cell[3], cell[4], cell[5] = typ, r.Key, r.Name, rep.Currency, r.Spend, r.Fees
		cell[6], cell[7], cell[8], cell[9], cell[10] = r.Impressions, r.Clicks, r.Conversations, r.NewConversations, r.Replies
		cell[11], cell[12], cell[13], cell[14] = all, r.Conversions["lead"], r.Conversions["purchase"], by.String()
		cell[15], cell[16], cell[17], cell[18], cell[19] = r.Revenue, r.CostPerConversation, r.CostPerLead, r.ROAS, note
		return w.Write(cell)
	}
	n := 0
	for _, r := range rep.Rows {
		if err := emit(RowReport, r, ""); err != nil {
			return n, err
		}
		n++
	}
	if err := emit(RowTotal, rep.Totals, strings.Join(missing, "; ")); err != nil {
		return n, err
	}
	return n + 1, nil
}

// WriteReportExport writes report q to w in o's format, complete or not at all for XLSX. It returns the
// rows written.
func WriteReportExport(ctx context.Context, e *Engine, tenantID string, q Query, o Options, w io.Writer) (int, error) {
	rw, err := NewWriter(w, ReportColumns, o)
	if err != nil {
		return 0, err
	}
	n, err := e.ExportReport(ctx, tenantID, q, rw)
	if err != nil {
		_ = rw.Abort()
		return n, err
	}
	return n, rw.Close()
}
