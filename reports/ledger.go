package reports

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"relance/database"
	"relance/meta"
	"relance/tenancy"
)

// RestateDays is how many days back each pull reads again (reference §5: Meta restates recent days).
const RestateDays = 28

// MaxSyncDays bounds a pull asked for by hand.
const MaxSyncDays = 400

// Errors of the package; test with errors.Is.
var (
	// ErrRange says a sync's from/to are malformed or too wide.
	ErrRange = errors.New("reports: invalid date range")
	// ErrMonthOpen says a month cannot be closed yet: it has not ended.
	ErrMonthOpen = errors.New("reports: the month has not ended")
	// ErrMonthClosed says a month is already closed.
	ErrMonthClosed = errors.New("reports: the month is closed")
	// ErrMonthNotClosed says a month to reopen is open.
	ErrMonthNotClosed = errors.New("reports: the month is not closed")
)

// InsightsSource reads Insights; *meta.Client is one.
type InsightsSource interface {
	Insights(ctx context.Context, token, accountID string, q meta.InsightsQuery) ([]meta.InsightsRow, error)
}

// SpendDay is one ledger row.
type SpendDay struct {
	TenantID       string `gorm:"primaryKey" json:"-"`
	BrandID        string `json:"brand_id"`
	AdAccountID    string `gorm:"primaryKey" json:"ad_account_id"`
	AdID           string `gorm:"primaryKey" json:"ad_id"`
	Day            string `gorm:"primaryKey" json:"day"`
	Month          string `json:"month"`
	MetaCampaignID string `json:"meta_campaign_id"`
	AdsetID        string `json:"adset_id"`
	AdName         string `json:"ad_name"`
	Currency       string `json:"currency"`
	Spend          int64  `json:"spend"`
	Impressions    int64  `json:"impressions"`
	Reach          int64  `json:"reach"`
	Clicks         int64  `json:"clicks"`
	Conversations  int64  `json:"conversations"`
	Replies        int64  `json:"replies"`
	PulledAt       int64  `json:"-"`
}

// TableName names the table.
func (SpendDay) TableName() string { return "spend_days" }

// Adjustment is a restatement of a closed month's day, booked in an open month.
type Adjustment struct {
	ID            string `gorm:"primaryKey" json:"id"`
	TenantID      string `json:"-"`
	BrandID       string `json:"brand_id"`
	AdAccountID   string `json:"ad_account_id"`
	AdID          string `json:"ad_id"`
	Day           string `json:"day"`
	Month         string `json:"month"`
	Currency      string `json:"currency"`
	Spend         int64  `json:"spend"`
	Impressions   int64  `json:"impressions"`
	Reach         int64  `json:"reach"`
	Clicks        int64  `json:"clicks"`
	Conversations int64  `json:"conversations"`
	Replies       int64  `json:"replies"`
	Reason        string `json:"reason"`
	CreatedAt     int64  `json:"-"`
}

// TableName names the table.
func (Adjustment) TableName() string { return "spend_adjustments" }

// Ledger reads and writes one agency's spend ledger.
type Ledger struct {
	db     *database.DB
	tenant string
	now    func() time.Time
	// viaSQL reads an export's ledger rows through database/sql on SQLite too (tests compare the two paths).
	viaSQL bool
}

// NewLedger binds a ledger to an agency; now is the clock (nil: time.Now).
func NewLedger(db *database.DB, tenantID string, now func() time.Time) *Ledger {
	if now == nil {
		now = time.Now
	}
	return &Ledger{db: db, tenant: tenantID, now: now}
}

// SyncResult says what one pull of one ad account did.
type SyncResult struct {
	AdAccountID string `json:"ad_account_id"`
	From        string `json:"from"`
	To          string `json:"to"`
	// Rows is how many ad-days Meta reported; Changed how many ledger rows were written or removed;
	// Adjustments how many restatements of closed months were booked.
	Rows        int    `json:"rows"`
	Changed     int    `json:"changed"`
	Adjustments int    `json:"adjustments"`
	Error       string `json:"error,omitempty"`
}

// DefaultRange is the days a scheduled pull reads for an account: the last RestateDays days of the account's
// zone, today included (today's row is partial and is read again tomorrow).
func DefaultRange(acct tenancy.AdAccount, now time.Time) (from, to string) {
	loc, err := time.LoadLocation(acct.Timezone)
	if err != nil {
		loc = time.UTC
	}
	today := now.In(loc)
	return today.AddDate(0, 0, -(RestateDays - 1)).Format(time.DateOnly), today.Format(time.DateOnly)
}

// CheckRange validates a sync range (inclusive days, YYYY-MM-DD).
func CheckRange(from, to string) error {
	f, err1 := time.Parse(time.DateOnly, from)
	t, err2 := time.Parse(time.DateOnly, to)
	switch {
	case err1 != nil || err2 != nil:
		return fmt.Errorf("%w: from and to must be dates YYYY-MM-DD", ErrRange)
	case t.Before(f):
		return fmt.Errorf("%w: to is before from", ErrRange)
	case t.Sub(f) > MaxSyncDays*24*time.Hour:
		return fmt.Errorf("%w: at most %d days at once", ErrRange, MaxSyncDays)
	}
	return nil
}

// key is an ad and a day.
type key struct{ ad, day string }

// Sync pulls acct's Insights per ad and day for [from, to] and reconciles the ledger with them, in one
// transaction.
func (l *Ledger) Sync(ctx context.Context, src InsightsSource, token string, acct tenancy.AdAccount, from, to string) (SyncResult, error) {
	res := SyncResult{AdAccountID: acct.AccountID, From: from, To: to}
	if err := CheckRange(from, to); err != nil {
		return res, err
	}
	rows, err := src.Insights(ctx, token, acct.AccountID, meta.InsightsQuery{Level: meta.LevelAd, Since: from, Until: to,
		TimeIncrement: meta.IncrementDaily, Limit: 500})
	if err != nil {
		return res, fmt.Errorf("reports: insights of %s: %w", acct.AccountID, err)
	}
	res.Rows = len(rows)
	now := l.now().UnixMilli()
	fresh := make(map[key]SpendDay, len(rows))
	for _, r := range rows {
		if r.AdID == "" || r.DateStart == "" {
			continue
		}
		k := key{r.AdID, r.DateStart}
		d := fresh[k] // Meta answers one row per ad and day; two would be summed, not lost
		d = SpendDay{TenantID: l.tenant, BrandID: acct.BrandID, AdAccountID: acct.AccountID, AdID: r.AdID, Day: r.DateStart,
			Month: r.DateStart[:7], MetaCampaignID: r.CampaignID, AdsetID: r.AdSetID, AdName: r.AdName,
			Currency: r.Spend.Currency, Spend: d.Spend + r.Spend.Minor, Impressions: d.Impressions + r.Impressions,
			Reach: d.Reach + r.Reach, Clicks: d.Clicks + r.Clicks,
			Conversations: d.Conversations + r.Actions[meta.ActionConversationStarted],
			Replies:       d.Replies + r.Actions[meta.ActionFirstReply], PulledAt: now}
		if d.Currency == "" {
			d.Currency = acct.Currency
		}
		fresh[k] = d
	}
	err = l.db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		closed, err := closedMonths(tx, l.tenant)
		if err != nil {
			return err
		}
		var stored []SpendDay
		if err := tx.Where("tenant_id = ? AND ad_account_id = ? AND day >= ? AND day <= ?", l.tenant, acct.AccountID, from, to).
			Find(&stored).Error; err != nil {
			return err
		}
		old := make(map[key]SpendDay, len(stored))
		for _, s := range stored {
			old[key{s.AdID, s.Day}] = s
		}
		adjusted, err := l.adjustmentSums(tx, acct.AccountID, from, to)
		if err != nil {
			return err
		}
		keys := make(map[key]bool, len(fresh)+len(old))
		for k := range fresh {
			keys[k] = true
		}
		for k := range old {
			keys[k] = true
		}
		for k := range keys {
			f, inFresh := fresh[k]
			o, inOld := old[k]
			if closed[k.day[:7]] {
				n, err := l.adjust(tx, acct, k, f, o, adjusted[k], closed, now)
				if err != nil {
					return err
				}
				res.Adjustments += n
				continue
			}
			// The books must hold what Meta now says: the row plus any adjustment booked for the day while its
			// month was closed (a month reopened after a restatement keeps that adjustment where it was booked).
			t := f
			if !inFresh {
				t = o.withFigures(figures{}) // Meta no longer reports the day
				t.PulledAt = now
			}
			t = t.withFigures(t.figures().minus(adjusted[k]))
			switch {
			case t.figures().zero():
				if inOld {
					if err := tx.Where("tenant_id = ? AND ad_account_id = ? AND ad_id = ? AND day = ?", l.tenant, acct.AccountID, k.ad, k.day).
						Delete(&SpendDay{}).Error; err != nil {
						return err
					}
					res.Changed++
				}
			case !inOld || !sameFigures(t, o):
				if err := tx.Clauses(clause.OnConflict{UpdateAll: true}).Create(&t).Error; err != nil {
					return err
				}
				res.Changed++
			}
		}
		return nil
	})
	if err != nil {
		return res, fmt.Errorf("reports: ledger of %s: %w", acct.AccountID, err)
	}
	return res, nil
}

// sameFigures reports whether two rows say the same (the pull time aside).
func sameFigures(a, b SpendDay) bool {
	return a.figures() == b.figures() && a.Currency == b.Currency &&
		a.AdName == b.AdName && a.MetaCampaignID == b.MetaCampaignID && a.AdsetID == b.AdsetID
}

// adjustmentSums totals the adjustments already booked per ad and day in the range.
func (l *Ledger) adjustmentSums(tx *gorm.DB, account, from, to string) (map[key]figures, error) {
	var adj []Adjustment
	if err := tx.Where("tenant_id = ? AND ad_account_id = ? AND day >= ? AND day <= ?", l.tenant, account, from, to).
		Find(&adj).Error; err != nil {
		return nil, err
	}
	out := map[key]figures{}
	for _, a := range adj {
		k := key{a.AdID, a.Day}
		out[k] = out[k].plus(a.figures())
	}
	return out, nil
}

// adjust books, for a day of a closed month, the difference between Meta's figures (f, zero when Meta no
// longer reports the day) and what the books hold (the closed row o plus the adjustments adj). It returns
// how many adjustment rows it wrote (0 or 1).
func (l *Ledger) adjust(tx *gorm.DB, acct tenancy.AdAccount, k key, f, o SpendDay, adj figures, closed map[string]bool, now int64) (int, error) {
	delta := f.figures().minus(o.figures()).minus(adj)
	if delta.zero() {
		return 0, nil
	}
	d := Adjustment{}.withFigures(delta)
	cur := f.Currency
	if cur == "" {
		cur = o.Currency
	}
	if cur == "" {
		cur = acct.Currency
	}
	month := firstOpenAfter(k.day[:7], closed)
	held := o.Spend + adj.spend
	d.ID, d.TenantID, d.BrandID, d.AdAccountID, d.AdID, d.Day, d.Month, d.Currency, d.CreatedAt =
		tenancy.NewID(), l.tenant, acct.BrandID, acct.AccountID, k.ad, k.day, month, cur, now
	d.Reason = fmt.Sprintf("Meta restated %s (closed month %s) on %s: spend %s → %s %s",
		k.day, k.day[:7], time.UnixMilli(now).UTC().Format(time.DateOnly),
		meta.FormatDecimal(meta.Money{Minor: held, Currency: cur}), meta.FormatDecimal(meta.Money{Minor: f.Spend, Currency: cur}), cur)
	return 1, tx.Create(&d).Error
}
