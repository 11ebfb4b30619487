package reports

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"relance/tenancy"
)

// Job statuses.
const (
	JobRunning = "running"
	JobDone    = "done"
	JobFailed  = "failed"
)

// JobSpendSync is the kind of a spend sync started by hand.
const JobSpendSync = "spend_sync"

// Job is work started by hand that outlives its request; its id is given back at once and read later.
type Job struct {
	ID         string `gorm:"primaryKey" json:"id"`
	TenantID   string `json:"-"`
	Kind       string `json:"kind"`
	Status     string `json:"status"`
	Params     string `json:"-"`
	Result     string `json:"-"`
	Error      string `json:"error,omitempty"`
	CreatedBy  string `json:"created_by"`
	CreatedAt  int64  `json:"-"`
	FinishedAt int64  `json:"-"`
}

// TableName names the table.
func (Job) TableName() string { return "jobs" }

// JobView is a job as the API shows it.
type JobView struct {
	Job
	Params     json.RawMessage `json:"params"`
	Result     json.RawMessage `json:"result,omitempty"`
	StartedAt  time.Time       `json:"started_at"`
	FinishedAt *time.Time      `json:"finished_at,omitempty"`
}

// StartJob records a running job of kind with its parameters.
func (l *Ledger) StartJob(ctx context.Context, kind string, params any) (Job, error) {
	p, err := json.Marshal(params)
	if err != nil {
		return Job{}, fmt.Errorf("reports: job: %w", err)
	}
	j := Job{ID: tenancy.NewID(), TenantID: l.tenant, Kind: kind, Status: JobRunning, Params: string(p),
		CreatedBy: tenancy.ActorFrom(ctx).Label, CreatedAt: l.now().UnixMilli()}
	if err := l.db.W.WithContext(ctx).Create(&j).Error; err != nil {
		return Job{}, fmt.Errorf("reports: job: %w", err)
	}
	return j, nil
}

// FinishJob records a job's outcome: its result, or the error that ended it.
func (l *Ledger) FinishJob(ctx context.Context, id string, result any, failure error) error {
	r, err := json.Marshal(result)
	if err != nil {
		return fmt.Errorf("reports: job: %w", err)
	}
	set := map[string]any{"status": JobDone, "result": string(r), "finished_at": l.now().UnixMilli()}
	if failure != nil {
		set["status"], set["error"] = JobFailed, failure.Error()
	}
	if err := l.db.W.WithContext(ctx).Model(&Job{}).Where("tenant_id = ? AND id = ?", l.tenant, id).Updates(set).Error; err != nil {
		return fmt.Errorf("reports: job: %w", err)
	}
	return nil
}

// GetJob reads one of the agency's jobs; tenancy.ErrNotFound for another agency's.
func (l *Ledger) GetJob(ctx context.Context, id string) (JobView, error) {
	var rows []Job
	if err := l.db.R.WithContext(ctx).Where("tenant_id = ? AND id = ?", l.tenant, id).Limit(1).Find(&rows).Error; err != nil {
		return JobView{}, fmt.Errorf("reports: job: %w", err)
	}
	if len(rows) == 0 {
		return JobView{}, fmt.Errorf("reports: job: %w", tenancy.ErrNotFound)
	}
	v := JobView{Job: rows[0], Params: json.RawMessage(rows[0].Params), StartedAt: time.UnixMilli(rows[0].CreatedAt).UTC()}
	if rows[0].Result != "" {
		v.Result = json.RawMessage(rows[0].Result)
	}
	if rows[0].FinishedAt > 0 {
		t := time.UnixMilli(rows[0].FinishedAt).UTC()
		v.FinishedAt = &t
	}
	return v, nil
}
