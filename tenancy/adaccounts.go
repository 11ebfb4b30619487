package tenancy

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"gorm.io/gorm"
)

var adAccountRe = regexp.MustCompile(`^act_[0-9]{5,25}$`)

// AdAccountInput attaches a Meta ad account to a brand. Currency and time zone are the account's own: Meta
// reports spend and schedules ad sets in them, whatever the brand's are.
type AdAccountInput struct {
	AccountID string `json:"account_id"`
	Name      string `json:"name"`
	Currency  string `json:"currency"`
	Timezone  string `json:"timezone"`
	// AccessToken is optional: a token with ads_management (a system user's) for Marketing API calls.
	AccessToken string `json:"access_token"`
}

// AddAdAccount attaches an ad account; "123" is accepted for "act_123".
func (t *TenantStore) AddAdAccount(ctx context.Context, brandID string, in AdAccountInput) (AdAccount, error) {
	b, err := t.Brand(ctx, brandID)
	if err != nil {
		return AdAccount{}, err
	}
	fe := fieldErrors{}
	id := strings.TrimSpace(in.AccountID)
	if id != "" && !strings.HasPrefix(id, "act_") {
		id = "act_" + id
	}
	switch {
	case id == "":
		fe.add("account_id", "is required")
	case !adAccountRe.MatchString(id):
		fe.add("account_id", "must be act_ followed by the numeric ad account ID")
	}
	name := checkText(fe, "name", in.Name, 200, true)
	cur := strings.ToUpper(strings.TrimSpace(in.Currency))
	if cur == "" {
		cur = b.Currency
	} else if !ValidCurrency(cur) {
		fe.add("currency", "must be an ISO 4217 code such as EUR or USD")
	}
	tz := strings.TrimSpace(in.Timezone)
	if tz == "" {
		tz = b.Timezone
	} else if !ValidTimezone(tz) {
		fe.add("timezone", "must be an IANA time zone such as Europe/Paris")
	}
	tok := strings.TrimSpace(in.AccessToken)
	if tok != "" && (len(tok) < 20 || len(tok) > 1024 || strings.ContainsAny(tok, " \t\r\n")) {
		fe.add("access_token", "does not look like a Meta access token")
	}
	if err := fe.err(); err != nil {
		return AdAccount{}, err
	}
	a := AdAccount{ID: NewID(), TenantID: t.tenantID, BrandID: b.ID, AccountID: id, Name: name, Currency: cur,
		Timezone: tz, CreatedAt: t.s.now()}
	if tok != "" {
		a.AccessTokenEnc, a.TokenHint = t.s.vault.Seal(tok, "ad_account:"+id), "…"+tok[len(tok)-4:]
	}
	err = t.change(ctx, func(tx *gorm.DB) (AuditEntry, error) {
		if err := tx.Create(&a).Error; err != nil {
			if isConflict(err) {
				return AuditEntry{}, &ValidationError{Fields: map[string]string{"account_id": "is already attached to this brand"}}
			}
			return AuditEntry{}, err
		}
		return AuditEntry{BrandID: b.ID, Action: ActionAdAccountAdd, ObjectType: "ad_account", ObjectID: a.ID,
			Summary: fmt.Sprintf("%s (%s, %s) to %s", a.Name, a.AccountID, a.Currency, b.Name)}, nil
	})
	return a, translate("add ad account", err)
}

// RemoveAdAccount detaches an ad account from a brand.
func (t *TenantStore) RemoveAdAccount(ctx context.Context, brandID, id string) error {
	if !validID(id) {
		return fmt.Errorf("tenancy: ad account: %w", ErrNotFound)
	}
	return translate("remove ad account", t.change(ctx, func(tx *gorm.DB) (AuditEntry, error) {
		var a AdAccount
		if err := tx.Where("tenant_id = ? AND brand_id = ? AND id = ?", t.tenantID, brandID, id).Take(&a).Error; err != nil {
			return AuditEntry{}, err
		}
		if err := tx.Delete(&a).Error; err != nil {
			return AuditEntry{}, err
		}
		return AuditEntry{BrandID: brandID, Action: ActionAdAccountRemove, ObjectType: "ad_account", ObjectID: a.ID,
			Summary: fmt.Sprintf("%s (%s)", a.Name, a.AccountID)}, nil
	}))
}

// AdAccounts lists a brand's ad accounts by name.
func (t *TenantStore) AdAccounts(ctx context.Context, brandID string) ([]AdAccount, error) {
	var rows []AdAccount
	err := t.r(ctx).Where("brand_id = ?", brandID).Order("name, id").Find(&rows).Error
	return rows, translate("ad accounts", err)
}

// ErrNoAdAccountToken means an ad account was attached without a Marketing API token.
var ErrNoAdAccountToken = errors.New("tenancy: the ad account has no access token; attach it again with one")

// AdAccount returns a brand's ad account by its Meta id (act_…); ErrNotFound when the brand has no such account.
func (t *TenantStore) AdAccount(ctx context.Context, brandID, accountID string) (AdAccount, error) {
	var a AdAccount
	err := t.r(ctx).Where("brand_id = ? AND account_id = ?", brandID, accountID).Take(&a).Error
	return a, translate("ad account", err)
}

// AdAccountToken opens the Marketing API token of a brand's ad account (act_… id) for a call to Meta.
func (t *TenantStore) AdAccountToken(ctx context.Context, brandID, accountID string) (string, error) {
	a, err := t.AdAccount(ctx, brandID, accountID)
	if err != nil {
		return "", err
	}
	if a.AccessTokenEnc == "" {
		return "", ErrNoAdAccountToken
	}
	return t.s.vault.Open(a.AccessTokenEnc, "ad_account:"+a.AccountID)
}
