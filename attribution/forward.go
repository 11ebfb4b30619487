package attribution

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"relance/database"
	"relance/meta"
	"relance/tenancy"
)

// CAPIClient is what forwarding needs of Meta; *meta.Client is one.
type CAPIClient interface {
	Dataset(ctx context.Context, token, pageID string) (string, error)
	SendCAPIEvents(ctx context.Context, token, datasetID string, events []meta.CAPIEvent) (int, error)
}

// PageTokens opens a Page's token for an agency.
type PageTokens func(ctx context.Context, tenantID, pageID string) (string, error)

// staleClaim is how long a claim may last before its instance is taken for stopped.
const staleClaim = 10 * time.Minute

// forwardBatch is how many conversions one sweep claims.
const forwardBatch = meta.MaxCAPIEvents

// ForwardResult counts what one sweep did.
type ForwardResult struct{ Sent, Failed, TooOld, Retry int }

// Forward sends pending conversions to Meta, each once: it claims up to forwardBatch of them (pending →
// sending, with a claim id, so that two instances never send the same one), sends them per Page in one call,
// and splits a rejected call in halves until each bad event is alone, so one bad conversion never keeps the
// others back. A lost answer marks its conversions failed, never re-sent; a throttled or transient error puts
// them back to pending for the next sweep. now is the clock.
func Forward(ctx context.Context, db *database.DB, client CAPIClient, tokens PageTokens, now time.Time) (ForwardResult, error) {
	var res ForwardResult
	// Pending conversions that grew too old while waiting are too old, not failed.
	r := db.W.WithContext(ctx).Model(&conversionRow{}).Where("capi_status = ? AND occurred_at < ?", CAPIPending, now.Add(-meta.CAPIMaxAge).UnixMilli()).
		Update("capi_status", CAPITooOld)
	if r.Error != nil {
		return res, fmt.Errorf("attribution: forward: %w", r.Error)
	}
	res.TooOld = int(r.RowsAffected)
	// A claim whose instance stopped between the claim and the outcome may or may not have reached Meta:
	// failed, never re-sent.
	r = db.W.WithContext(ctx).Model(&conversionRow{}).Where("capi_status = ? AND capi_claimed_at < ?", CAPISending, now.Add(-staleClaim).UnixMilli()).
		Updates(map[string]any{"capi_status": CAPIFailed, "capi_claim": "", "capi_error": "the instance sending it stopped; not sent again, since Meta does not deduplicate"})
	if r.Error != nil {
		return res, fmt.Errorf("attribution: forward: %w", r.Error)
	}
	res.Failed += int(r.RowsAffected)
	claim := tenancy.NewID()
	var ids []string
	if err := db.R.WithContext(ctx).Model(&conversionRow{}).Where("capi_status = ?", CAPIPending).Order("occurred_at").
		Limit(forwardBatch).Pluck("id", &ids).Error; err != nil {
		return res, fmt.Errorf("attribution: forward: %w", err)
	}
	if len(ids) == 0 {
		return res, nil
	}
	if err := db.W.WithContext(ctx).Model(&conversionRow{}).Where("id IN ? AND capi_status = ?", ids, CAPIPending).
		Updates(map[string]any{"capi_status": CAPISending, "capi_claim": claim, "capi_claimed_at": now.UnixMilli()}).Error; err != nil {
		return res, fmt.Errorf("attribution: forward: claim: %w", err)
	}
	var rows []conversionRow
	if err := db.W.WithContext(ctx).Where("capi_claim = ? AND capi_status = ?", claim, CAPISending).Order("page_id, occurred_at").
		Find(&rows).Error; err != nil {
		return res, fmt.Errorf("attribution: forward: %w", err)
	}
	f := forwarder{db: db, client: client, now: now, res: &res}
	for start := 0; start < len(rows); {
		end := start
		for end < len(rows) && rows[end].PageID == rows[start].PageID && rows[end].TenantID == rows[start].TenantID {
			end++
		}
		page := rows[start:end]
		start = end
		token, err := tokens(ctx, page[0].TenantID, page[0].PageID)
		var ds string
		if err == nil {
			ds, err = f.dataset(ctx, token, page[0].PageID)
		}
		if err != nil {
			if ctx.Err() != nil {
				return res, ctx.Err()
			}
			f.settle(ctx, page, fmt.Errorf("the Page's token or dataset: %w", err))
			continue
		}
		f.send(ctx, token, ds, page)
	}
	return res, ctx.Err()
}

// forwarder sends one sweep's claims.
type forwarder struct {
	db     *database.DB
	client CAPIClient
	now    time.Time
	res    *ForwardResult
}

// dataset is the Page's dataset, asked of Meta once and kept.
func (f *forwarder) dataset(ctx context.Context, token, pageID string) (string, error) {
	var ids []string
	if err := f.db.R.WithContext(ctx).Table("capi_datasets").Where("page_id = ?", pageID).Pluck("dataset_id", &ids).Error; err != nil {
		return "", err
	}
	if len(ids) == 1 {
		return ids[0], nil
	}
	id, err := f.client.Dataset(ctx, token, pageID)
	if err != nil {
		return "", err
	}
	err = f.db.W.WithContext(ctx).Exec("INSERT INTO capi_datasets (page_id, dataset_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
		pageID, id, f.now.UnixMilli()).Error
	return id, err
}

// send posts rows in one call, halving a rejected call until the bad events are alone.
func (f *forwarder) send(ctx context.Context, token, ds string, rows []conversionRow) {
	events := make([]meta.CAPIEvent, len(rows))
	for i, r := range rows {
		ev := meta.CAPIEvent{Name: capiNames[r.Type], Time: time.UnixMilli(r.OccurredAt).UTC(), ID: r.ID, PageID: r.PageID, PSID: r.PSID}
		if r.Value > 0 || r.Type == "purchase" {
			ev.Value = meta.Money{Minor: r.Value, Currency: r.Currency}
		}
		events[i] = ev
	}
	_, err := f.client.SendCAPIEvents(ctx, token, ds, events)
	rejected := errors.Is(err, meta.ErrInvalidCAPIEvent) || meta.ClassOf(err) == meta.ClassInvalidParameter
	if rejected && len(rows) > 1 {
		half := len(rows) / 2
		f.send(ctx, token, ds, rows[:half])
		f.send(ctx, token, ds, rows[half:])
		return
	}
	f.settle(ctx, rows, err)
}

// settle records the outcome of a call for its rows.
func (f *forwarder) settle(ctx context.Context, rows []conversionRow, err error) {
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	set := map[string]any{"capi_claim": ""}
	switch {
	case err == nil:
		set["capi_status"], set["capi_sent_at"], set["capi_error"] = CAPISent, f.now.UnixMilli(), ""
		f.res.Sent += len(rows)
	case meta.IsLostAnswer(err):
		set["capi_status"], set["capi_error"] = CAPIFailed, "Meta's answer was lost: not sent again, since Meta does not deduplicate"
		f.res.Failed += len(rows)
	case meta.IsRetryable(err):
		set["capi_status"], set["capi_error"] = CAPIPending, err.Error()
		f.res.Retry += len(rows)
	default:
		set["capi_status"], set["capi_error"] = CAPIFailed, err.Error()
		f.res.Failed += len(rows)
	}
	// A fresh context: the outcome must be written even if the sweep is being stopped.
	_ = f.db.W.WithContext(context.WithoutCancel(ctx)).Transaction(func(tx *gorm.DB) error {
		return tx.Model(&conversionRow{}).Where("id IN ?", ids).Updates(set).Error
	})
}
