package tenancy

import (
	"context"
	"errors"
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

// ErrPageTaken means the Page is already connected to a brand, of this agency or another. It says nothing
// about the holder, and the web layer answers it only to a caller Meta confirmed holds the Page's token.
var ErrPageTaken error = pageTaken{}

type pageTaken struct{}

// Error is the message shown to the user: nothing about who holds the Page.
func (pageTaken) Error() string {
	return "tenancy: this Page is already connected in relance; it must be disconnected there first"
}

// Is makes ErrPageTaken an ErrConflict (409).
func (pageTaken) Is(target error) bool { return target == ErrConflict }

// CheckPageInput checks the shape of a Page connection (id, name, token) without storing anything: callers
// check it before asking Meta whether the token is the Page's.
func CheckPageInput(in PageInput) error {
	fe := fieldErrors{}
	checkPageInput(fe, in)
	return fe.err()
}

// checkPageInput records the field errors of a Page connection.
func checkPageInput(fe fieldErrors, in PageInput) (pid, name, tok string) {
	pid = strings.TrimSpace(in.PageID)
	if pid == "" {
		fe.add("page_id", "is required")
	} else if !metaIDRe.MatchString(pid) {
		fe.add("page_id", "must be the numeric Page ID Meta shows (5–25 digits)")
	}
	name = checkText(fe, "name", in.Name, 200, true)
	tok = strings.TrimSpace(in.AccessToken)
	if tok == "" {
		fe.add("access_token", "is required")
	} else if len(tok) < 20 || len(tok) > 1024 || strings.ContainsAny(tok, " \t\r\n") {
		fe.add("access_token", "does not look like a Page access token")
	}
	return pid, name, tok
}

// ConnectPage stores a Page with its access token sealed, as verified: the caller has had Meta confirm the
// token is the Page's own (the web layer asks GET /me first; the demo and tests use tokens the sandbox issued
// for the Page). A Page can belong to one brand only, because webhooks are routed by Page id: a Page held with
// Meta's confirmation answers ErrPageTaken; one held without it (connected before relance checked) is taken
// from its holder, whose audit log says so without naming the new holder.
func (t *TenantStore) ConnectPage(ctx context.Context, brandID string, in PageInput) (Page, error) {
	b, err := t.Brand(ctx, brandID)
	if err != nil {
		return Page{}, err
	}
	fe := fieldErrors{}
	pid, name, tok := checkPageInput(fe, in)
	if err := fe.err(); err != nil {
		return Page{}, err
	}
	now := t.s.now()
	p := Page{ID: NewID(), TenantID: t.tenantID, BrandID: b.ID, PageID: pid, Name: name,
		AccessTokenEnc: t.s.vault.Seal(tok, "page:"+pid), TokenHint: "…" + tok[len(tok)-4:], CreatedAt: now, VerifiedAt: &now}
	err = t.change(ctx, func(tx *gorm.DB) (AuditEntry, error) {
		if err := t.releaseUnverified(ctx, tx, pid); err != nil {
			return AuditEntry{}, err
		}
		if err := tx.Create(&p).Error; err != nil {
			if isConflict(err) {
				return AuditEntry{}, ErrPageTaken
			}
			return AuditEntry{}, err
		}
		return AuditEntry{BrandID: b.ID, Action: ActionPageConnect, ObjectType: "page", ObjectID: p.ID,
			Summary: fmt.Sprintf("%s (%s) to %s", p.Name, p.PageID, b.Name)}, nil
	})
	if errors.Is(err, ErrPageTaken) {
		return Page{}, ErrPageTaken
	}
	return p, translate("connect page", err)
}

// releaseUnverified disconnects the Page from a holder that connected it without Meta's confirmation, in
// the transaction of the verified connection that replaces it (a verified holder stays: the insert then
// conflicts). The former holder's audit log records it under the system actor, not the new holder's.
func (t *TenantStore) releaseUnverified(ctx context.Context, tx *gorm.DB, pageID string) error {
	var old Page
	err := tx.Where("page_id = ? AND verified_at IS NULL", pageID).Take(&old).Error
	if isNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := tx.Delete(&old).Error; err != nil {
		return err
	}
	if err := tx.Exec("UPDATE page_route_epoch SET epoch = epoch + 1 WHERE id = 1").Error; err != nil {
		return err
	}
	return t.s.audit(WithActor(ctx, Actor{Label: "system"}), tx, old.TenantID, AuditEntry{BrandID: old.BrandID,
		Action: ActionPageDisconnect, ObjectType: "page", ObjectID: old.ID, Summary: fmt.Sprintf("%s (%s): the Page's "+
			"owner, confirmed by Meta, connected it elsewhere; it had been connected here without that confirmation", old.Name, old.PageID)})
}

// DisconnectPage removes a Page from a brand and returns it (with its token still sealed, for the caller to
// unsubscribe relance's app at Meta). It moves the Page-route epoch in the same transaction, so that every
// instance stops routing the Page's webhooks to the brand at its next batch.
func (t *TenantStore) DisconnectPage(ctx context.Context, brandID, id string) (Page, error) {
	if !validID(id) {
		return Page{}, fmt.Errorf("tenancy: page: %w", ErrNotFound)
	}
	var p Page
	err := t.change(ctx, func(tx *gorm.DB) (AuditEntry, error) {
		if err := tx.Where("tenant_id = ? AND brand_id = ? AND id = ?", t.tenantID, brandID, id).Take(&p).Error; err != nil {
			return AuditEntry{}, err
		}
		if err := tx.Delete(&p).Error; err != nil {
			return AuditEntry{}, err
		}
		if err := tx.Exec("UPDATE page_route_epoch SET epoch = epoch + 1 WHERE id = 1").Error; err != nil {
			return AuditEntry{}, err
		}
		return AuditEntry{BrandID: brandID, Action: ActionPageDisconnect, ObjectType: "page", ObjectID: p.ID,
			Summary: fmt.Sprintf("%s (%s)", p.Name, p.PageID)}, nil
	})
	return p, translate("disconnect page", err)
}

// OpenPageToken opens the sealed token of a Page row (one DisconnectPage returned).
func (t *TenantStore) OpenPageToken(p Page) (string, error) {
	return t.s.vault.Open(p.AccessTokenEnc, "page:"+p.PageID)
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
