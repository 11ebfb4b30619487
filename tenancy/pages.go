package tenancy

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"gorm.io/gorm"
)

var metaIDRe = regexp.MustCompile(`^[0-9]{5,25}$`)

// PageInput connects a Facebook Page to a brand.
type PageInput struct {
	PageID      string `json:"page_id"`
	Name        string `json:"name"`
	AccessToken string `json:"access_token"`
}

// ConnectPage stores a Page with its access token sealed; a Page can belong to one brand only, because
// webhooks are routed by Page id.
func (t *TenantStore) ConnectPage(ctx context.Context, brandID string, in PageInput) (Page, error) {
	b, err := t.Brand(ctx, brandID)
	if err != nil {
		return Page{}, err
	}
	fe := fieldErrors{}
	pid := strings.TrimSpace(in.PageID)
	if pid == "" {
		fe.add("page_id", "is required")
	} else if !metaIDRe.MatchString(pid) {
		fe.add("page_id", "must be the numeric Page ID Meta shows (5–25 digits)")
	}
	name := checkText(fe, "name", in.Name, 200, true)
	tok := strings.TrimSpace(in.AccessToken)
	if tok == "" {
		fe.add("access_token", "is required")
	} else if len(tok) < 20 || len(tok) > 1024 || strings.ContainsAny(tok, " \t\r\n") {
		fe.add("access_token", "does not look like a Page access token")
	}
	if err := fe.err(); err != nil {
		return Page{}, err
	}
	p := Page{ID: NewID(), TenantID: t.tenantID, BrandID: b.ID, PageID: pid, Name: name,
		AccessTokenEnc: t.s.vault.Seal(tok, "page:"+pid), TokenHint: "…" + tok[len(tok)-4:], CreatedAt: t.s.now()}
	err = t.change(ctx, func(tx *gorm.DB) (AuditEntry, error) {
		if err := tx.Create(&p).Error; err != nil {
			if isConflict(err) {
				return AuditEntry{}, &ValidationError{Fields: map[string]string{"page_id": "is already connected to a brand"}}
			}
			return AuditEntry{}, err
		}
		return AuditEntry{BrandID: b.ID, Action: ActionPageConnect, ObjectType: "page", ObjectID: p.ID,
			Summary: fmt.Sprintf("%s (%s) to %s", p.Name, p.PageID, b.Name)}, nil
	})
	return p, translate("connect page", err)
}

// DisconnectPage removes a Page from a brand.
func (t *TenantStore) DisconnectPage(ctx context.Context, brandID, id string) error {
	if !validID(id) {
		return fmt.Errorf("tenancy: page: %w", ErrNotFound)
	}
	return translate("disconnect page", t.change(ctx, func(tx *gorm.DB) (AuditEntry, error) {
		var p Page
		if err := tx.Where("tenant_id = ? AND brand_id = ? AND id = ?", t.tenantID, brandID, id).Take(&p).Error; err != nil {
			return AuditEntry{}, err
		}
		if err := tx.Delete(&p).Error; err != nil {
			return AuditEntry{}, err
		}
		return AuditEntry{BrandID: brandID, Action: ActionPageDisconnect, ObjectType: "page", ObjectID: p.ID,
			Summary: fmt.Sprintf("%s (%s)", p.Name, p.PageID)}, nil
	}))
}

// Pages lists a brand's Pages by name.
func (t *TenantStore) Pages(ctx context.Context, brandID string) ([]Page, error) {
	var rows []Page
	err := t.r(ctx).Where("brand_id = ?", brandID).Order("name, id").Find(&rows).Error
	return rows, translate("pages", err)
}

// CountPages counts the Pages of the visible brands.
func (t *TenantStore) CountPages(ctx context.Context, v Visible) (int64, error) {
	if !v.All && len(v.IDs) == 0 {
		return 0, nil
	}
	q := t.r(ctx).Model(&Page{})
	if !v.All {
		q = q.Where("brand_id IN ?", v.IDs)
	}
	var n int64
	err := q.Count(&n).Error
	return n, translate("count pages", err)
}

// PageToken opens a Page's access token for a call to Meta.
func (t *TenantStore) PageToken(ctx context.Context, pageID string) (string, error) {
	var p Page
	if err := t.r(ctx).Where("page_id = ?", pageID).Take(&p).Error; err != nil {
		return "", translate("page token", err)
	}
	return t.s.vault.Open(p.AccessTokenEnc, "page:"+p.PageID)
}
