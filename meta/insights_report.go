package meta

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"time"
)

// Async Insights reports (reference §5): large pulls are started with POST /act_{id}/insights, polled on
// GET /{report_run_id} until async_status is "Job Completed", then read from GET /{report_run_id}/insights.

// The async_status values of a report run.
const (
	ReportNotStarted = "Job Not Started"
	ReportStarted    = "Job Started"
	ReportRunning    = "Job Running"
	ReportCompleted  = "Job Completed"
	ReportFailed     = "Job Failed"
	ReportSkipped    = "Job Skipped"
)

// ReportStatus is a report run's progress.
type ReportStatus struct {
	ID      string
	Status  string // one of the Report… constants
	Percent int    // async_percent_completion
}

// StartInsightsReport starts an async Insights report and returns its report_run_id.
func (c *Client) StartInsightsReport(ctx context.Context, token, accountID string, q InsightsQuery) (string, error) {
	v, err := q.values()
	if err != nil {
		return "", err
	}
	v.Del("limit") // paging belongs to reading the rows
	body := map[string]string{}
	for k := range v {
		body[k] = v.Get(k)
	}
	var out struct {
		ID flexID `json:"report_run_id"`
	}
	if err := c.call(ctx, request{method: "POST", path: adAccountNode(accountID) + "/insights", token: token, body: body}, &out); err != nil {
		return "", err
	}
	if out.ID == "" {
		return "", fmt.Errorf("meta: insights report: no report_run_id in the answer")
	}
	return string(out.ID), nil
}

// ReportStatus polls a report run once.
func (c *Client) ReportStatus(ctx context.Context, token, reportID string) (ReportStatus, error) {
	var out struct {
		ID      flexID `json:"id"`
		Status  string `json:"async_status"`
		Percent flexID `json:"async_percent_completion"`
	}
	q := url.Values{"fields": {"id,async_status,async_percent_completion"}}
	if err := c.call(ctx, request{method: "GET", path: reportID, token: token, query: q}, &out); err != nil {
		return ReportStatus{}, err
	}
	pct, _ := strconv.Atoi(string(out.Percent))
	return ReportStatus{ID: string(out.ID), Status: out.Status, Percent: pct}, nil
}

// ReportRows reads every row of a completed report run.
func (c *Client) ReportRows(ctx context.Context, token, reportID string, limit int) ([]InsightsRow, error) {
	if limit <= 0 {
		limit = 100
	}
	return c.insightsPages(ctx, token, reportID+"/insights", url.Values{"limit": {strconv.Itoa(limit)}})
}

// InsightsReport starts an async report, polls it every interval on the client's clock until it completes
// (or fails: ErrReportFailed, or ctx ends), and reads its rows.
func (c *Client) InsightsReport(ctx context.Context, token, accountID string, q InsightsQuery, every time.Duration) ([]InsightsRow, error) {
	id, err := c.StartInsightsReport(ctx, token, accountID, q)
	if err != nil {
		return nil, err
	}
	for {
		st, err := c.ReportStatus(ctx, token, id)
		if err != nil {
			return nil, err
		}
		switch st.Status {
		case ReportCompleted:
			return c.ReportRows(ctx, token, id, q.Limit)
		case ReportFailed, ReportSkipped:
			return nil, fmt.Errorf("%w: report %s: %s", ErrReportFailed, id, st.Status)
		}
		if err := c.o.Clock.Sleep(ctx, every); err != nil {
			return nil, err
		}
	}
}
