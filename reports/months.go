package reports

import (
	"context"
	"fmt"
	"regexp"
	"time"

	"gorm.io/gorm"

	"relance/tenancy"
)

// monthRe is a calendar month, YYYY-MM.
var monthRe = regexp.MustCompile(`^[0-9]{4}-(0[1-9]|1[0-2])$`)

// ValidMonth reports whether m is a month YYYY-MM.
func ValidMonth(m string) bool { return monthRe.MatchString(m) }

// monthRow is a closed month.
type monthRow struct {
	TenantID string
	Month    string
	ClosedAt int64
	ClosedBy string
}

// TableName names the table.
func (monthRow) TableName() string { return "finance_months" }

// closedMonths lists an agency's closed months.
func closedMonths(tx *gorm.DB, tenantID string) (map[string]bool, error) {
	var ms []string
	if err := tx.Model(&monthRow{}).Where("tenant_id = ?", tenantID).Pluck("month", &ms).Error; err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(ms))
	for _, m := range ms {
		out[m] = true
	}
	return out, nil
}

// nextMonth is the month after m (YYYY-MM).
func nextMonth(m string) string {
	t, _ := time.Parse("2006-01", m)
	return t.AddDate(0, 1, 0).Format("2006-01")
}

// firstOpenAfter is the first month after m that is not closed.
func firstOpenAfter(m string, closed map[string]bool) string {
	for n := nextMonth(m); ; n = nextMonth(n) {
		if !closed[n] {
			return n
		}
	}
}

// MonthStatus is a month as the finance screen shows it.
type MonthStatus struct {
	Month    string     `json:"month"`
	Closed   bool       `json:"closed"`
	ClosedAt *time.Time `json:"closed_at,omitempty"`
	ClosedBy string     `json:"closed_by,omitempty"`
	// Ended says the month is over in the agency's zone, so that it may be closed.
	Ended bool `json:"ended"`
}

// Month reads a month's status; zone is the agency's time zone.
func (l *Ledger) Month(ctx context.Context, month, zone string) (MonthStatus, error) {
	if !ValidMonth(month) {
		return MonthStatus{}, &tenancy.ValidationError{Fields: map[string]string{"month": "must be a month YYYY-MM"}}
	}
	st := MonthStatus{Month: month, Ended: l.ended(month, zone)}
	var rows []monthRow
	if err := l.db.R.WithContext(ctx).Where("tenant_id = ? AND month = ?", l.tenant, month).Find(&rows).Error; err != nil {
		return st, fmt.Errorf("reports: month: %w", err)
	}
	if len(rows) == 1 {
		at := time.UnixMilli(rows[0].ClosedAt).UTC()
		st.Closed, st.ClosedAt, st.ClosedBy = true, &at, rows[0].ClosedBy
	}
	return st, nil
}

// ended says whether month is over in zone.
func (l *Ledger) ended(month, zone string) bool {
	loc, err := time.LoadLocation(zone)
	if err != nil {
		loc = time.UTC
	}
	start, _ := time.ParseInLocation("2006-01", month, loc)
	return !l.now().Before(start.AddDate(0, 1, 0))
}

// Close freezes a month that has ended in the agency's zone: its ledger rows stay as they are, and later
// restatements of its days become adjustments in the next open month. Audited.
func (l *Ledger) Close(ctx context.Context, month, zone string) (MonthStatus, error) {
	st, err := l.Month(ctx, month, zone)
	switch {
	case err != nil:
		return st, err
	case st.Closed:
		return st, fmt.Errorf("reports: close %s: %w", month, ErrMonthClosed)
	case !st.Ended:
		return st, fmt.Errorf("reports: close %s: %w", month, ErrMonthOpen)
	}
	a := tenancy.ActorFrom(ctx)
	err = l.db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Exec("INSERT INTO finance_months (tenant_id, month, closed_at, closed_by) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
			l.tenant, month, l.now().UnixMilli(), a.Label)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrMonthClosed // closed by someone else a moment ago
		}
		return tenancy.RecordAudit(ctx, tx, l.tenant, tenancy.AuditEntry{Action: tenancy.ActionMonthClose, ObjectType: "month",
			ObjectID: month, Summary: "closed " + month})
	})
	if err != nil {
		return st, fmt.Errorf("reports: close %s: %w", month, err)
	}
	return l.Month(ctx, month, zone)
}

// Reopen opens a closed month again, audited: its ledger rows are then replaced by the next pull, and the
// adjustments already booked for it stay where they were booked.
func (l *Ledger) Reopen(ctx context.Context, month, zone string) (MonthStatus, error) {
	st, err := l.Month(ctx, month, zone)
	if err != nil {
		return st, err
	}
	if !st.Closed {
		return st, fmt.Errorf("reports: reopen %s: %w", month, ErrMonthNotClosed)
	}
	err = l.db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Where("tenant_id = ? AND month = ?", l.tenant, month).Delete(&monthRow{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrMonthNotClosed
		}
		return tenancy.RecordAudit(ctx, tx, l.tenant, tenancy.AuditEntry{Action: tenancy.ActionMonthReopen, ObjectType: "month",
			ObjectID: month, Summary: "reopened " + month})
	})
	if err != nil {
		return st, fmt.Errorf("reports: reopen %s: %w", month, err)
	}
	return l.Month(ctx, month, zone)
}
