package tenancy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
	"github.com/casbin/casbin/v2/persist"

	"relance/database"
)

// casbinModel is RBAC with domains. A domain is a tenant ("t:<id>") or one brand of it ("t:<id>/b:<id>");
// role permissions (p lines) hold in every domain, so a grant's reach is its domain.
const casbinModel = `
[request_definition]
r = sub, dom, obj

[policy_definition]
p = sub, obj

[role_definition]
g = _, _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = g(r.sub, p.sub, r.dom) && r.obj == p.obj
`

func subject(userID string) string                { return "u:" + userID }
func tenantDomain(tenantID string) string         { return "t:" + tenantID }
func brandDomain(tenantID, brandID string) string { return "t:" + tenantID + "/b:" + brandID }

// Authorizer answers "may this user do that here" from a Casbin enforcer whose role bindings live in the
// casbin_rules table. Bindings are written by tenancy's own transactions (with the audit entry), which bump
// policy_revisions; every instance polls that revision and reloads, so a grant or revocation made on one
// instance holds on all of them within one poll interval.
type Authorizer struct {
	db  *database.DB
	e   *casbin.SyncedEnforcer
	rev atomic.Int64
}

func newAuthorizer(db *database.DB) (*Authorizer, error) {
	m, err := model.NewModelFromString(casbinModel)
	if err != nil {
		return nil, fmt.Errorf("tenancy: casbin model: %w", err)
	}
	e, err := casbin.NewSyncedEnforcer(m, &policyAdapter{db: db})
	if err != nil {
		return nil, fmt.Errorf("tenancy: casbin: %w", err)
	}
	e.EnableAutoSave(false)
	a := &Authorizer{db: db, e: e}
	return a, nil
}

// Reload reads the role bindings again if the stored revision moved since the last load.
func (a *Authorizer) Reload(ctx context.Context) error {
	var rev int64
	if err := a.db.R.WithContext(ctx).Raw("SELECT revision FROM policy_revisions WHERE id = 1").Scan(&rev).Error; err != nil {
		return fmt.Errorf("tenancy: policy revision: %w", err)
	}
	if rev != 0 && rev == a.rev.Load() {
		return nil
	}
	if err := a.e.LoadPolicy(); err != nil {
		return fmt.Errorf("tenancy: load policy: %w", err)
	}
	a.rev.Store(rev)
	return nil
}

// Watch reloads the policy whenever another instance changed it, until ctx ends.
func (a *Authorizer) Watch(ctx context.Context, every time.Duration, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := a.Reload(ctx); err != nil && ctx.Err() == nil {
				log.Warn("policy reload failed", "err", err)
			}
		}
	}
}

// Can reports whether the user holds perm agency-wide, or (when brandID is set) for that brand.
func (a *Authorizer) Can(tenantID, userID, brandID, perm string) bool {
	if ok, _ := a.e.Enforce(subject(userID), tenantDomain(tenantID), perm); ok {
		return true
	}
	if brandID == "" {
		return false
	}
	ok, _ := a.e.Enforce(subject(userID), brandDomain(tenantID, brandID), perm)
	return ok
}

// Brands says where the user holds perm: everywhere in the tenant (all=true) or only in the listed brands.
func (a *Authorizer) Brands(tenantID, userID, perm string) (all bool, brandIDs []string) {
	if ok, _ := a.e.Enforce(subject(userID), tenantDomain(tenantID), perm); ok {
		return true, nil
	}
	for _, b := range a.Bindings(tenantID, userID) {
		if b.BrandID != "" && RoleGrants(b.Role, perm) {
			brandIDs = append(brandIDs, b.BrandID)
		}
	}
	return false, brandIDs
}

// Binding is one role granted to a user, agency-wide (BrandID empty) or for one brand.
type Binding struct {
	Role    string `json:"role"`
	BrandID string `json:"brand_id,omitempty"`
}

// Bindings lists the user's roles in the tenant.
func (a *Authorizer) Bindings(tenantID, userID string) []Binding {
	rows, _ := a.e.GetFilteredGroupingPolicy(0, subject(userID))
	prefix := tenantDomain(tenantID)
	var out []Binding
	for _, r := range rows {
		if len(r) < 3 {
			continue
		}
		switch {
		case r[2] == prefix:
			out = append(out, Binding{Role: r[1]})
		case strings.HasPrefix(r[2], prefix+"/b:"):
			out = append(out, Binding{Role: r[1], BrandID: strings.TrimPrefix(r[2], prefix+"/b:")})
		}
	}
	return out
}

// casbinRule is a row of casbin_rules.
type casbinRule struct {
	ID    int64 `gorm:"primaryKey"`
	Ptype string
	V0    string
	V1    string
	V2    string
	V3    string
	V4    string
	V5    string
}

// errWritesInTransactions explains why the adapter refuses Casbin's own writes.
var errWritesInTransactions = errors.New("tenancy: role bindings are written by tenancy transactions, not by the enforcer")

// policyAdapter loads role permissions from code (they are the product's contract, versioned with it) and
// role bindings from the casbin_rules table. It is read-only: see errWritesInTransactions.
type policyAdapter struct {
	db *database.DB
}

// LoadPolicy fills the model with the role table and the stored bindings.
func (p *policyAdapter) LoadPolicy(m model.Model) error {
	for role, perms := range rolePermissions {
		for _, perm := range perms {
			if err := persist.LoadPolicyArray([]string{"p", role, perm}, m); err != nil {
				return err
			}
		}
	}
	var rows []casbinRule
	if err := p.db.R.Where("ptype = ?", "g").Find(&rows).Error; err != nil {
		return fmt.Errorf("tenancy: load bindings: %w", err)
	}
	for _, r := range rows {
		if err := persist.LoadPolicyArray([]string{r.Ptype, r.V0, r.V1, r.V2}, m); err != nil {
			return err
		}
	}
	return nil
}

// SavePolicy is refused; see errWritesInTransactions.
func (p *policyAdapter) SavePolicy(model.Model) error { return errWritesInTransactions }

// AddPolicy is refused; see errWritesInTransactions.
func (p *policyAdapter) AddPolicy(string, string, []string) error { return errWritesInTransactions }

// RemovePolicy is refused; see errWritesInTransactions.
func (p *policyAdapter) RemovePolicy(string, string, []string) error { return errWritesInTransactions }

// RemoveFilteredPolicy is refused; see errWritesInTransactions.
func (p *policyAdapter) RemoveFilteredPolicy(string, string, int, ...string) error {
	return errWritesInTransactions
}
