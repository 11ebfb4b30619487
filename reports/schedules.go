package reports

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"relance/database"
	"relance/scheduler"
	"relance/tenancy"
)

// Limits of scheduled exports.
const (
	// DefaultKeep and MaxKeep bound how many files a schedule keeps (the oldest go first).
	DefaultKeep = 10
	MaxKeep     = 100
	// MinExportInterval is the shortest gap between two runs of a schedule.
	MinExportInterval = time.Hour
	// chunkSize is the largest piece of a file stored in one row.
	chunkSize = 1 << 20
)

// Export file statuses.
const (
	FileRunning = "running"
	FileDone    = "done"
	FileFailed  = "failed"
)

// Periods a scheduled export covers, reckoned in the agency's zone when it runs.
const (
	PeriodPreviousMonth = "previous_month"
	PeriodMonthToDate   = "month_to_date"
	PeriodPreviousDay   = "previous_day"
	PeriodLast7Days     = "last_7_days"
	PeriodLast28Days    = "last_28_days"
)

// Kinds of scheduled export.
const (
	KindLedger = "ledger" // the spend ledger, ad by ad and day (the default)
	KindReport = "report" // a report (Engine), grouped as Group says
)

// ExportParams are a scheduled export's rows and options: its kind, a Period (or fixed From and To), the
// ledger export's or the report's filters, and the CSV options.
type ExportParams struct {
	Kind        string `json:"kind,omitempty"`
	Group       string `json:"group,omitempty"`
	Campaign    string `json:"campaign,omitempty"`
	Model       string `json:"model,omitempty"`
	Window      int    `json:"window,omitempty"`
	Period      string `json:"period,omitempty"`
	From        string `json:"from,omitempty"`
	To          string `json:"to,omitempty"`
	BrandID     string `json:"brand,omitempty"`
	AdAccountID string `json:"ad_account,omitempty"`
	Currency    string `json:"currency,omitempty"`
	BOM         bool   `json:"bom,omitempty"`
	Sep         string `json:"sep,omitempty"`
	Decimal     string `json:"decimal,omitempty"`
}

// ScheduleInput creates a scheduled export.
type ScheduleInput struct {
	Name   string       `json:"name"`
	Cron   string       `json:"cron"`
	Format string       `json:"format"`
	Keep   int          `json:"keep"`
	Params ExportParams `json:"params"`
}

// Schedule is a stored scheduled export.
type Schedule struct {
	ID        string `gorm:"primaryKey" json:"id"`
	TenantID  string `json:"-"`
	Name      string `json:"name"`
	Cron      string `json:"cron"`
	Timezone  string `json:"timezone"`
	Format    string `json:"format"`
	Params    string `json:"-"`
	Keep      int    `json:"keep"`
	CreatedBy string `json:"created_by"`
	CreatedAt int64  `json:"-"`
}

// TableName names the table.
func (Schedule) TableName() string { return "export_schedules" }

// File is a file a schedule made.
type File struct {
	ID         string `gorm:"primaryKey" json:"id"`
	TenantID   string `json:"-"`
	ScheduleID string `json:"schedule_id"`
	Name       string `json:"name"`
	Format     string `json:"format"`
	Status     string `json:"status"`
	Rows       int64  `json:"rows"`
	Size       int64  `json:"size"`
	Error      string `json:"error,omitempty"`
	CreatedAt  int64  `json:"-"`
}

// TableName names the table.
func (File) TableName() string { return "export_files" }

// chunk is a piece of a file.
type chunk struct {
	FileID string
	Seq    int
	Data   []byte
}

// TableName names the table.
func (chunk) TableName() string { return "export_chunks" }

// ScheduleView is a schedule as the API shows it, with its kept files, newest first.
type ScheduleView struct {
	Schedule
	Params    ExportParams `json:"params"`
	CreatedAt time.Time    `json:"created_at"`
	Files     []FileView   `json:"files"`
}

// FileView is a kept file as the API shows it.
type FileView struct {
	File
	CreatedAt time.Time `json:"created_at"`
}

// Exports keeps one agency's scheduled exports.
type Exports struct {
	db     *database.DB
	tenant string
	now    func() time.Time
}

// NewExports binds scheduled exports to an agency; now is the clock (nil: time.Now).
func NewExports(db *database.DB, tenantID string, now func() time.Time) *Exports {
	if now == nil {
		now = time.Now
	}
	return &Exports{db: db, tenant: tenantID, now: now}
}

// Range is the days p covers for a run at now in zone loc.
func (p ExportParams) Range(now time.Time, loc *time.Location) (from, to string) {
	d := now.In(loc)
	day := func(t time.Time) string { return t.Format(time.DateOnly) }
	first := time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, loc)
	switch p.Period {
	case PeriodPreviousMonth:
		return day(first.AddDate(0, -1, 0)), day(first.AddDate(0, 0, -1))
	case PeriodMonthToDate:
		return day(first), day(d)
	case PeriodPreviousDay:
		return day(d.AddDate(0, 0, -1)), day(d.AddDate(0, 0, -1))
	case PeriodLast7Days:
		return day(d.AddDate(0, 0, -7)), day(d.AddDate(0, 0, -1))
	case PeriodLast28Days:
		return day(d.AddDate(0, 0, -28)), day(d.AddDate(0, 0, -1))
	}
	return p.From, p.To
}

// query is the ledger export a run at now makes, with its CSV options.
func (p ExportParams) query(now time.Time, loc *time.Location, reporting string) (SpendExport, CSVOptions) {
	q := SpendExport{BrandID: p.BrandID, AdAccountID: p.AdAccountID, Reporting: p.Currency}
	q.From, q.To = p.Range(now, loc)
	if q.Reporting == "" {
		q.Reporting = reporting
	}
	o := CSVOptions{BOM: p.BOM, DecimalComma: p.Decimal == "comma"}
	if p.Sep == ";" {
		o.Sep = ';'
	}
	return q, o
}

// reportQuery is the report a run at now makes (agency-wide: scheduled exports are the agency's), with its
// CSV options.
func (p ExportParams) reportQuery(now time.Time, loc *time.Location, reporting string) (Query, CSVOptions) {
	l, o := p.query(now, loc, reporting)
	return Query{From: l.From, To: l.To, Group: p.Group, AllBrands: true, Brand: p.BrandID, Campaign: p.Campaign, Model: p.Model,
		Window: p.Window, Currency: l.Reporting}, o
}

// check validates a schedule's input; errors name the field.
func (e *Exports) check(ctx context.Context, in *ScheduleInput, zone, reporting string) error {
	bad := map[string]string{}
	if len(in.Name) > 200 {
		bad["name"] = "must be at most 200 characters"
	}
	if err := scheduler.Validate(in.Cron); err != nil {
		bad["cron"] = err.Error()
	} else if err := scheduler.CheckInterval(in.Cron, zone, e.now(), MinExportInterval); err != nil {
		bad["cron"] = "runs must be at least an hour apart"
	}
	if in.Format != FormatCSV && in.Format != FormatXLSX {
		bad["format"] = "must be csv or xlsx"
	}
	switch {
	case in.Keep == 0:
		in.Keep = DefaultKeep
	case in.Keep < 1 || in.Keep > MaxKeep:
		bad["keep"] = fmt.Sprintf("must be from 1 to %d", MaxKeep)
	}
	p := in.Params
	switch p.Period {
	case PeriodPreviousMonth, PeriodMonthToDate, PeriodPreviousDay, PeriodLast7Days, PeriodLast28Days:
		if p.From != "" || p.To != "" {
			bad["params.period"] = "is instead of from and to"
		}
	case "":
		if p.From == "" || p.To == "" {
			bad["params.period"] = "must be previous_month, month_to_date, previous_day, last_7_days or last_28_days, or from and to be given"
		}
	default:
		bad["params.period"] = "must be previous_month, month_to_date, previous_day, last_7_days or last_28_days"
	}
	if p.Sep != "" && p.Sep != "," && p.Sep != ";" {
		bad["params.sep"] = "must be , or ;"
	}
	if p.Decimal != "" && p.Decimal != "point" && p.Decimal != "comma" {
		bad["params.decimal"] = "must be point or comma"
	}
	switch p.Kind {
	case "", KindLedger:
		if p.Group != "" || p.Campaign != "" || p.Model != "" || p.Window != 0 {
			bad["params.kind"] = "must be report for group, campaign, model and window"
		}
	case KindReport:
		if p.AdAccountID != "" {
			bad["params.ad_account"] = "is a ledger export's filter: a report is filtered by brand and campaign"
		}
	default:
		bad["params.kind"] = "must be ledger or report"
	}
	if len(bad) > 0 {
		return &tenancy.ValidationError{Fields: bad}
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		loc = time.UTC
	}
	var verr error
	if p.Kind == KindReport {
		rq, _ := p.reportQuery(e.now(), loc, reporting)
		_, verr = NewEngine(e.db).Check(ctx, e.tenant, rq)
	} else {
		q, _ := p.query(e.now(), loc, reporting)
		verr = NewLedger(e.db, e.tenant, e.now).Validate(ctx, q)
	}
	if err := verr; err != nil {
		var ve *tenancy.ValidationError
		if errors.As(err, &ve) {
			prefixed := map[string]string{}
			for k, v := range ve.Fields {
				prefixed["params."+k] = v
			}
			return &tenancy.ValidationError{Fields: prefixed}
		}
		return err
	}
	return nil
}

// Create stores a scheduled export, run on its cron in zone (the agency's); reporting is the agency's
// currency, used when the params name none. Audited.
func (e *Exports) Create(ctx context.Context, in ScheduleInput, zone, reporting string) (ScheduleView, error) {
	if err := e.check(ctx, &in, zone, reporting); err != nil {
		return ScheduleView{}, err
	}
	p, err := json.Marshal(in.Params)
	if err != nil {
		return ScheduleView{}, fmt.Errorf("reports: schedule: %w", err)
	}
	if in.Name == "" {
		in.Name = "Spend " + in.Format
		if in.Params.Kind == KindReport {
			in.Name = "Report " + in.Format
		}
	}
	s := Schedule{ID: tenancy.NewID(), TenantID: e.tenant, Name: in.Name, Cron: in.Cron, Timezone: zone, Format: in.Format,
		Params: string(p), Keep: in.Keep, CreatedBy: tenancy.ActorFrom(ctx).Label, CreatedAt: e.now().UnixMilli()}
	err = e.db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&s).Error; err != nil {
			return err
		}
		return tenancy.RecordAudit(ctx, tx, e.tenant, tenancy.AuditEntry{Action: tenancy.ActionExportSchedule, ObjectType: "export",
			ObjectID: s.ID, Summary: fmt.Sprintf("scheduled export %q (%s, %s)", s.Name, s.Format, s.Cron)})
	})
	if err != nil {
		return ScheduleView{}, fmt.Errorf("reports: schedule: %w", err)
	}
	return e.Get(ctx, s.ID)
}

// List is the agency's scheduled exports, oldest first, each with its kept files.
func (e *Exports) List(ctx context.Context) ([]ScheduleView, error) {
	var ss []Schedule
	if err := e.db.R.WithContext(ctx).Where("tenant_id = ?", e.tenant).Order("created_at, id").Find(&ss).Error; err != nil {
		return nil, fmt.Errorf("reports: schedules: %w", err)
	}
	out := make([]ScheduleView, 0, len(ss))
	for _, s := range ss {
		v, err := e.view(ctx, s)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// Get reads one scheduled export; tenancy.ErrNotFound for another agency's.
func (e *Exports) Get(ctx context.Context, id string) (ScheduleView, error) {
	s, err := e.schedule(ctx, id)
	if err != nil {
		return ScheduleView{}, err
	}
	return e.view(ctx, s)
}

func (e *Exports) schedule(ctx context.Context, id string) (Schedule, error) {
	var ss []Schedule
	if err := e.db.R.WithContext(ctx).Where("tenant_id = ? AND id = ?", e.tenant, id).Limit(1).Find(&ss).Error; err != nil {
		return Schedule{}, fmt.Errorf("reports: schedule: %w", err)
	}
	if len(ss) == 0 {
		return Schedule{}, fmt.Errorf("reports: schedule: %w", tenancy.ErrNotFound)
	}
	return ss[0], nil
}

func (e *Exports) view(ctx context.Context, s Schedule) (ScheduleView, error) {
	v := ScheduleView{Schedule: s, CreatedAt: time.UnixMilli(s.CreatedAt).UTC(), Files: []FileView{}}
	if err := json.Unmarshal([]byte(s.Params), &v.Params); err != nil {
		return v, fmt.Errorf("reports: schedule %s: %w", s.ID, err)
	}
	var fs []File
	if err := e.db.R.WithContext(ctx).Where("tenant_id = ? AND schedule_id = ? AND status <> ?", e.tenant, s.ID, FileRunning).
		Order("created_at DESC, id DESC").Find(&fs).Error; err != nil {
		return v, fmt.Errorf("reports: schedule: %w", err)
	}
	for _, f := range fs {
		v.Files = append(v.Files, FileView{File: f, CreatedAt: time.UnixMilli(f.CreatedAt).UTC()})
	}
	return v, nil
}

// Delete removes a scheduled export and its files. Audited.
func (e *Exports) Delete(ctx context.Context, id string) error {
	s, err := e.schedule(ctx, id)
	if err != nil {
		return err
	}
	err = e.db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec("DELETE FROM export_chunks WHERE file_id IN (SELECT id FROM export_files WHERE tenant_id = ? AND schedule_id = ?)",
			e.tenant, id).Error; err != nil {
			return err
		}
		if err := tx.Where("tenant_id = ? AND schedule_id = ?", e.tenant, id).Delete(&File{}).Error; err != nil {
			return err
		}
		if err := tx.Where("tenant_id = ? AND id = ?", e.tenant, id).Delete(&Schedule{}).Error; err != nil {
			return err
		}
		return tenancy.RecordAudit(ctx, tx, e.tenant, tenancy.AuditEntry{Action: tenancy.ActionExportDelete, ObjectType: "export",
			ObjectID: id, Summary: fmt.Sprintf("deleted scheduled export %q", s.Name)})
	})
	if err != nil {
		return fmt.Errorf("reports: delete schedule: %w", err)
	}
	return nil
}
