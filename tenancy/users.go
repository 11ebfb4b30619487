package tenancy

import (
	"context"
	"fmt"
	"net/mail"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// NewUser is what creating a user takes: the account and its first role.
type NewUser struct {
	Email    string
	Name     string
	Password string
	// MustChangePassword forces a new password at first login (bootstrap and invited accounts).
	MustChangePassword bool
	Role               string
	// BrandID binds a brand role to its brand; it must be empty for agency roles.
	BrandID string
}

// normalizeEmail validates an address and returns it lower-cased, as stored.
func normalizeEmail(fe fieldErrors, field, raw string) string {
	email := strings.ToLower(strings.TrimSpace(raw))
	if email == "" {
		fe.add(field, "is required")
		return ""
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || !strings.Contains(email[strings.LastIndex(email, "@"):], ".") {
		fe.add(field, "is not a valid e-mail address")
	}
	if len(email) > 254 {
		fe.add(field, "must be at most 254 characters")
	}
	return email
}

// CreateUser creates a user with its first role in one transaction.
func (t *TenantStore) CreateUser(ctx context.Context, in NewUser) (User, error) {
	return t.createUser(ctx, in, nil, ActionUserCreate)
}

// createUser is CreateUser with a last touch to the row before it is written (an invitation's link) and the
// audit action to record.
func (t *TenantStore) createUser(ctx context.Context, in NewUser, touch func(*User), action string) (User, error) {
	fe := fieldErrors{}
	email := normalizeEmail(fe, "email", in.Email)
	checkNewPassword(fe, "password", in.Password)
	name := checkText(fe, "name", in.Name, 200, false)
	t.checkRole(ctx, fe, in.Role, in.BrandID)
	if err := fe.err(); err != nil {
		return User{}, err
	}
	u := User{ID: NewID(), TenantID: t.tenantID, Email: email, Name: name,
		PasswordHash: HashPassword(in.Password), MustChangePassword: in.MustChangePassword, CreatedAt: t.s.now()}
	if touch != nil {
		touch(&u)
	}
	err := t.change(ctx, func(tx *gorm.DB) (AuditEntry, error) {
		if err := tx.Create(&u).Error; err != nil {
			if isConflict(err) {
				return AuditEntry{}, &ValidationError{Fields: map[string]string{"email": "is already a user of this agency"}}
			}
			return AuditEntry{}, err
		}
		if err := t.grant(tx, u.ID, in.Role, in.BrandID); err != nil {
			return AuditEntry{}, err
		}
		return AuditEntry{BrandID: in.BrandID, Action: action, ObjectType: "user", ObjectID: u.ID,
			Summary: fmt.Sprintf("%s as %s", u.Email, in.Role)}, nil
	})
	if err != nil {
		return User{}, translate("create user", err)
	}
	return u, t.s.authz.Reload(ctx)
}

// checkRole validates a role and its brand, and that the actor may hand it out: agency roles need
// users:manage; brand roles need users:manage or brand_users:manage on that brand.
func (t *TenantStore) checkRole(ctx context.Context, fe fieldErrors, role, brandID string) {
	switch {
	case IsTenantRole(role):
		if brandID != "" {
			fe.add("brand_id", "must be empty for an agency role")
		}
	case IsBrandRole(role):
		if brandID == "" {
			fe.add("brand_id", "is required for a brand role")
		} else if _, err := t.Brand(ctx, brandID); err != nil {
			fe.add("brand_id", "is not a brand of this agency")
		}
	case role == "":
		fe.add("role", "is required")
	default:
		fe.add("role", "must be one of "+strings.Join(append(append([]string{}, TenantRoles...), BrandRoles...), ", "))
	}
	if len(fe) > 0 {
		return
	}
	a := ActorFrom(ctx)
	if a.UserID == "" || t.s.authz.Can(t.tenantID, a.UserID, "", PermUsersManage) {
		return
	}
	if IsBrandRole(role) && t.s.authz.Can(t.tenantID, a.UserID, brandID, PermBrandUsersManage) {
		return
	}
	fe.add("role", "is not yours to grant")
}

// grant writes a role binding in tx and bumps the policy revision so that every instance reloads.
func (t *TenantStore) grant(tx *gorm.DB, userID, role, brandID string) error {
	dom := tenantDomain(t.tenantID)
	if brandID != "" {
		dom = brandDomain(t.tenantID, brandID)
	}
	r := casbinRule{Ptype: "g", V0: subject(userID), V1: role, V2: dom}
	if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&r).Error; err != nil {
		return err
	}
	return bumpRevision(tx)
}

func bumpRevision(tx *gorm.DB) error {
	return tx.Exec("UPDATE policy_revisions SET revision = revision + 1 WHERE id = 1").Error
}

// GrantRole gives an existing user of the tenant another role.
func (t *TenantStore) GrantRole(ctx context.Context, userID, role, brandID string) error {
	u, err := t.User(ctx, userID)
	if err != nil {
		return err
	}
	fe := fieldErrors{}
	t.checkRole(ctx, fe, role, brandID)
	if err := fe.err(); err != nil {
		return err
	}
	err = t.change(ctx, func(tx *gorm.DB) (AuditEntry, error) {
		return AuditEntry{BrandID: brandID, Action: ActionRoleGrant, ObjectType: "user", ObjectID: u.ID,
			Summary: fmt.Sprintf("%s to %s", role, u.Email)}, t.grant(tx, u.ID, role, brandID)
	})
	if err != nil {
		return translate("grant role", err)
	}
	return t.s.authz.Reload(ctx)
}

// RevokeRole removes a role binding; revoking one the user does not hold is ErrNotFound, and the agency's last
// enabled agency_admin keeps that role (ErrLastAdmin).
func (t *TenantStore) RevokeRole(ctx context.Context, userID, role, brandID string) error {
	u, err := t.User(ctx, userID)
	if err != nil {
		return err
	}
	fe := fieldErrors{}
	t.checkRole(ctx, fe, role, brandID)
	if err := fe.err(); err != nil {
		return err
	}
	dom := tenantDomain(t.tenantID)
	if brandID != "" {
		dom = brandDomain(t.tenantID, brandID)
	}
	err = t.change(ctx, func(tx *gorm.DB) (AuditEntry, error) {
		if role == RoleAgencyAdmin {
			if err := t.guardLastAdmin(tx, u.ID); err != nil {
				return AuditEntry{}, err
			}
		}
		res := tx.Where("ptype = 'g' AND v0 = ? AND v1 = ? AND v2 = ?", subject(u.ID), role, dom).Delete(&casbinRule{})
		if res.Error != nil {
			return AuditEntry{}, res.Error
		}
		if res.RowsAffected == 0 {
			return AuditEntry{}, ErrNotFound
		}
		return AuditEntry{BrandID: brandID, Action: ActionRoleRevoke, ObjectType: "user", ObjectID: u.ID,
			Summary: fmt.Sprintf("%s from %s", role, u.Email)}, bumpRevision(tx)
	})
	if err != nil {
		return translate("revoke role", err)
	}
	return t.s.authz.Reload(ctx)
}

// User finds a user of the tenant.
func (t *TenantStore) User(ctx context.Context, id string) (User, error) {
	var u User
	if !validID(id) {
		return u, fmt.Errorf("tenancy: user: %w", ErrNotFound)
	}
	err := t.r(ctx).Where("id = ?", id).Take(&u).Error
	return u, translate("user", err)
}

// Users lists the tenant's users, newest first.
func (t *TenantStore) Users(ctx context.Context, c Cursor) ([]User, string, error) {
	q, err := c.apply(t.r(ctx), "users")
	if err != nil {
		return nil, "", err
	}
	var rows []User
	if err := q.Find(&rows).Error; err != nil {
		return nil, "", translate("users", err)
	}
	rows, nxt := next(rows, c, func(u User) string { return u.ID })
	return rows, nxt, nil
}

// BrandUsers lists the users holding a role on the brand, with those roles.
func (t *TenantStore) BrandUsers(ctx context.Context, brandID string) ([]User, map[string][]string, error) {
	var rules []casbinRule
	if err := t.s.db.R.WithContext(ctx).Where("ptype = 'g' AND v2 = ?", brandDomain(t.tenantID, brandID)).
		Order("id").Find(&rules).Error; err != nil {
		return nil, nil, translate("brand users", err)
	}
	roles := map[string][]string{}
	ids := []string{}
	for _, r := range rules {
		id := strings.TrimPrefix(r.V0, "u:")
		if _, ok := roles[id]; !ok {
			ids = append(ids, id)
		}
		roles[id] = append(roles[id], r.V1)
	}
	var users []User
	if len(ids) > 0 {
		if err := t.r(ctx).Where("id IN ?", ids).Order("email").Find(&users).Error; err != nil {
			return nil, nil, translate("brand users", err)
		}
	}
	return users, roles, nil
}

// CountUsers counts the tenant's users.
func (t *TenantStore) CountUsers(ctx context.Context) (int64, error) {
	var n int64
	err := t.r(ctx).Model(&User{}).Count(&n).Error
	return n, translate("count users", err)
}

// UserByEmail finds a user of the tenant by e-mail.
func (t *TenantStore) UserByEmail(ctx context.Context, email string) (User, error) {
	var u User
	err := t.r(ctx).Where("email = ?", strings.ToLower(strings.TrimSpace(email))).Take(&u).Error
	return u, translate("user by email", err)
}
