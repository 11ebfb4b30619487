package tenancy

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// audit appends an entry in tx, filling who, where and when from the context.
func (s *Store) audit(ctx context.Context, tx *gorm.DB, tenantID string, e AuditEntry) error {
	if err := checkAction(e.Action); err != nil {
		return err
	}
	a := ActorFrom(ctx)
	e.ID = NewID()
	e.TenantID = tenantID
	e.ActorID = a.UserID
	e.Actor = a.Label
	e.IP = a.IP
	e.RequestID = a.RequestID
	e.CreatedAt = s.now()
	return tx.Create(&e).Error
}

// AuditFilter narrows the audit log; zero fields do not filter.
type AuditFilter struct {
	// Action matches exactly ("brand.create") or, ending in ".", a family ("brand.").
	Action  string
	ActorID string
	BrandID string
	// ObjectID matches the changed object.
	ObjectID string
	Since    time.Time
	Until    time.Time
}

// Audit lists the tenant's audit entries, newest first.
func (t *TenantStore) Audit(ctx context.Context, f AuditFilter, c Cursor) ([]AuditEntry, string, error) {
	q := t.r(ctx)
	switch {
	case f.Action != "" && f.Action[len(f.Action)-1] == '.':
		q = q.Where("action LIKE ?", f.Action+"%")
	case f.Action != "":
		q = q.Where("action = ?", f.Action)
	}
	if f.ActorID != "" {
		q = q.Where("actor_id = ?", f.ActorID)
	}
	if f.BrandID != "" {
		q = q.Where("brand_id = ?", f.BrandID)
	}
	if f.ObjectID != "" {
		q = q.Where("object_id = ?", f.ObjectID)
	}
	if !f.Since.IsZero() {
		q = q.Where("created_at >= ?", f.Since.UTC())
	}
	if !f.Until.IsZero() {
		q = q.Where("created_at < ?", f.Until.UTC())
	}
	q, err := c.apply(q, "audit_log")
	if err != nil {
		return nil, "", err
	}
	var rows []AuditEntry
	if err := q.Find(&rows).Error; err != nil {
		return nil, "", translate("audit", err)
	}
	rows, nxt := next(rows, c, func(e AuditEntry) string { return e.ID })
	return rows, nxt, nil
}

// RecordAudit appends an entry for a change made by another domain package (audiences, campaigns), in tx:
// the change's own transaction where it has one, so the entry exists exactly when the change does.
func RecordAudit(ctx context.Context, tx *gorm.DB, tenantID string, e AuditEntry) error {
	if err := checkAction(e.Action); err != nil {
		return err
	}
	a := ActorFrom(ctx)
	e.ID, e.TenantID, e.ActorID, e.Actor, e.IP, e.RequestID = NewID(), tenantID, a.UserID, a.Label, a.IP, a.RequestID
	e.CreatedAt = time.Now().UTC()
	return tx.WithContext(ctx).Create(&e).Error
}

// Record appends an entry on its own, for a change that commits outside tenancy's transactions: a history
// import stored in batches by the ingester, a backfill job started in conversations.
func (t *TenantStore) Record(ctx context.Context, e AuditEntry) error {
	err := t.s.db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error { return t.s.audit(ctx, tx, t.tenantID, e) })
	if err != nil {
		return fmt.Errorf("tenancy: audit: %w", err)
	}
	return nil
}
