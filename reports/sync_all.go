package reports

import (
	"context"
	"errors"
	"fmt"

	"relance/tenancy"
)

// TokenFunc opens an ad account's Marketing API token.
type TokenFunc func(ctx context.Context, brandID, accountID string) (string, error)

// SyncRequest is what a sync started by hand asks for: one ad account (act_…) or all, and days (both empty:
// each account's last RestateDays days in its zone).
type SyncRequest struct {
	AdAccountID string `json:"ad_account_id,omitempty"`
	From        string `json:"from,omitempty"`
	To          string `json:"to,omitempty"`
}

// Check validates a request, naming the field at fault.
func (q SyncRequest) Check() error {
	fields := map[string]string{}
	if (q.From == "") != (q.To == "") {
		fields["to"] = "from and to go together (leave both empty for the last 28 days)"
	} else if q.From != "" {
		if err := CheckRange(q.From, q.To); err != nil {
			fields["from"] = err.Error()
		}
	}
	if len(fields) > 0 {
		return &tenancy.ValidationError{Fields: fields}
	}
	return nil
}

// Accounts lists the agency's ad accounts, or the one named (act_…); tenancy.ErrNotFound when it is not the
// agency's.
func (l *Ledger) Accounts(ctx context.Context, accountID string) ([]tenancy.AdAccount, error) {
	var out []tenancy.AdAccount
	q := l.db.R.WithContext(ctx).Where("tenant_id = ?", l.tenant)
	if accountID != "" {
		q = q.Where("account_id = ?", accountID)
	}
	if err := q.Order("account_id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("reports: ad accounts: %w", err)
	}
	if accountID != "" && len(out) == 0 {
		return nil, fmt.Errorf("reports: ad account %s: %w", accountID, tenancy.ErrNotFound)
	}
	return out, nil
}

// SyncAll pulls each account of accts in turn. One account's failure (no token, Meta refusing) is recorded in
// its result and does not stop the others; the error reports that some failed.
func (l *Ledger) SyncAll(ctx context.Context, src InsightsSource, token TokenFunc, accts []tenancy.AdAccount, q SyncRequest) ([]SyncResult, error) {
	out := make([]SyncResult, 0, len(accts))
	var failed int
	for _, a := range accts {
		from, to := q.From, q.To
		if from == "" {
			from, to = DefaultRange(a, l.now())
		}
		res := SyncResult{AdAccountID: a.AccountID, From: from, To: to}
		tok, err := token(ctx, a.BrandID, a.AccountID)
		if err == nil {
			res, err = l.Sync(ctx, src, tok, a, from, to)
		}
		if err != nil {
			if ctx.Err() != nil {
				return out, ctx.Err()
			}
			res.Error = err.Error()
			failed++
		}
		out = append(out, res)
	}
	if failed > 0 {
		return out, fmt.Errorf("reports: %d of %d ad accounts failed to sync: %w", failed, len(accts), errSomeFailed)
	}
	return out, nil
}

// errSomeFailed marks a sync where some accounts failed.
var errSomeFailed = errors.New("see each account's error")
