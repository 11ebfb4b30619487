package tenancy

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// MetaApp is a Meta app an agency registered so that its Pages' webhooks are checked with its own secret.
type MetaApp struct {
	ID             string    `gorm:"primaryKey" json:"id"`
	TenantID       string    `json:"-"`
	AppID          string    `json:"app_id"`
	Name           string    `json:"name"`
	AppSecretEnc   string    `json:"-"`
	VerifyTokenEnc string    `json:"-"`
	CreatedAt      time.Time `json:"created_at"`
}

// MetaAppInput registers a Meta app.
type MetaAppInput struct {
	AppID       string `json:"app_id"`
	Name        string `json:"name"`
	AppSecret   string `json:"app_secret"`
	VerifyToken string `json:"verify_token"`
}

// RegisterMetaApp stores an app with its secret and verify token sealed.
func (t *TenantStore) RegisterMetaApp(ctx context.Context, in MetaAppInput) (MetaApp, error) {
	fe := fieldErrors{}
	id := strings.TrimSpace(in.AppID)
	if !metaIDRe.MatchString(id) {
		fe.add("app_id", "must be the numeric app ID from the App Dashboard")
	}
	name := checkText(fe, "name", in.Name, 200, true)
	secret := strings.TrimSpace(in.AppSecret)
	if len(secret) < 16 || len(secret) > 256 || strings.ContainsAny(secret, " \t\r\n") {
		fe.add("app_secret", "must be the app secret (16 to 256 characters, no spaces)")
	}
	verify := strings.TrimSpace(in.VerifyToken)
	if len(verify) < 8 || len(verify) > 256 {
		fe.add("verify_token", "must be 8 to 256 characters: the token you also enter in the App Dashboard")
	}
	if err := fe.err(); err != nil {
		return MetaApp{}, err
	}
	a := MetaApp{ID: NewID(), TenantID: t.tenantID, AppID: id, Name: name, CreatedAt: t.s.now(),
		AppSecretEnc: t.s.vault.Seal(secret, "app-secret:"+id), VerifyTokenEnc: t.s.vault.Seal(verify, "verify-token:"+id)}
	err := t.change(ctx, func(tx *gorm.DB) (AuditEntry, error) {
		if err := tx.Create(&a).Error; err != nil {
			if isConflict(err) {
				return AuditEntry{}, &ValidationError{Fields: map[string]string{"app_id": "is already registered"}}
			}
			return AuditEntry{}, err
		}
		return AuditEntry{Action: ActionMetaAppRegister, ObjectType: "meta_app", ObjectID: a.ID, Summary: fmt.Sprintf("%s (%s)", a.Name, a.AppID)}, nil
	})
	return a, translate("register meta app", err)
}

// MetaApps lists the tenant's registered apps.
func (t *TenantStore) MetaApps(ctx context.Context) ([]MetaApp, error) {
	var rows []MetaApp
	err := t.r(ctx).Order("name, id").Find(&rows).Error
	return rows, translate("meta apps", err)
}

// RemoveMetaApp forgets a registered app: its webhooks are refused from then on.
func (t *TenantStore) RemoveMetaApp(ctx context.Context, id string) error {
	if !validID(id) {
		return fmt.Errorf("tenancy: meta app: %w", ErrNotFound)
	}
	return translate("remove meta app", t.change(ctx, func(tx *gorm.DB) (AuditEntry, error) {
		var a MetaApp
		if err := tx.Where("tenant_id = ? AND id = ?", t.tenantID, id).Take(&a).Error; err != nil {
			return AuditEntry{}, err
		}
		if err := tx.Delete(&a).Error; err != nil {
			return AuditEntry{}, err
		}
		return AuditEntry{Action: ActionMetaAppRemove, ObjectType: "meta_app", ObjectID: a.ID, Summary: fmt.Sprintf("%s (%s)", a.Name, a.AppID)}, nil
	}))
}

// AppSecrets are what a registered app's webhook endpoint checks deliveries with.
type AppSecrets struct {
	TenantID    string
	Secret      string
	VerifyToken string
}

// MetaAppSecrets returns the owner, secret and verify token of a registered app, for its webhook endpoint
// (which has no session: the app id is the key).
func (s *Store) MetaAppSecrets(ctx context.Context, appID string) (AppSecrets, error) {
	var a MetaApp
	if err := s.db.R.WithContext(ctx).Where("app_id = ?", appID).Take(&a).Error; err != nil {
		return AppSecrets{}, translate("meta app", err)
	}
	out := AppSecrets{TenantID: a.TenantID}
	var err error
	if out.Secret, err = s.vault.Open(a.AppSecretEnc, "app-secret:"+a.AppID); err != nil {
		return AppSecrets{}, err
	}
	out.VerifyToken, err = s.vault.Open(a.VerifyTokenEnc, "verify-token:"+a.AppID)
	return out, err
}
