package audiences

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"relance/database"
	"relance/tenancy"
)

// Sentinel errors of the package.
var (
	// ErrNotFound means the audience or snapshot is not one of the brand's.
	ErrNotFound = errors.New("audiences: not found")
	// ErrManual means the action needs a rule, and the audience is a list imported by hand.
	ErrManual = fmt.Errorf("%w: a manual audience changes by importing a list, not by building a rule", tenancy.ErrConflict)
	// ErrNotManual means a list was imported into an audience defined by a rule.
	ErrNotManual = fmt.Errorf("%w: only a manual audience takes an imported list; a rule audience is built", tenancy.ErrConflict)
	// ErrInUse means another audience's rule refers to this one.
	ErrInUse = fmt.Errorf("%w: another audience's rule refers to this one", tenancy.ErrConflict)
	// ErrNoSnapshot means the audience was never built.
	ErrNoSnapshot = fmt.Errorf("%w: the audience has no snapshot yet; build it first", ErrNotFound)
	// ErrTextForbidden means a rule searches message texts and the caller may not read them.
	ErrTextForbidden = fmt.Errorf("%w: a text condition needs permission to read message texts", tenancy.ErrForbidden)
)

// Audience kinds.
const (
	KindRule   = "rule"
	KindManual = "manual"
)

// Audience is a named set of a brand's contacts: a rule (refreshed by cron or on demand) or a list
// imported by hand. Its members are those of its latest snapshot.
type Audience struct {
	ID          string          `json:"id"`
	BrandID     string          `json:"brand_id"`
	Name        string          `json:"name"`
	Kind        string          `json:"kind"`
	Rule        json.RawMessage `json:"rule"`
	RuleSchema  int             `json:"rule_schema"`
	RuleVersion int64           `json:"rule_version"`
	RefreshCron string          `json:"refresh_cron"`
	// Timezone is the brand's: refresh_cron is read in it.
	Timezone      string     `json:"timezone"`
	NextRefreshAt *time.Time `json:"next_refresh_at"`
	AdAccountID   string     `json:"ad_account_id"`
	Latest        *Snapshot  `json:"latest_snapshot"`
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
}

// Input creates or changes an audience; nil fields are left as they are (PATCH).
type Input struct {
	Name        *string         `json:"name"`
	Kind        *string         `json:"kind"`
	Rule        json.RawMessage `json:"rule"`
	RefreshCron *string         `json:"refresh_cron"`
	AdAccountID *string         `json:"ad_account_id"`
}

// Options are what a Store needs from the rest of relance.
type Options struct {
	// AppID is relance's Meta app id (thread owners in member listings).
	AppID string
	// Keep is how many snapshots per audience survive pruning (at least 1).
	Keep int
	// NextRun validates a cron spec in a time zone and returns its next slot after a time; the scheduler
	// provides it, so a spec the scheduler would refuse is never saved.
	NextRun func(spec, tz string, after time.Time) (time.Time, error)
	// CheckRefresh refuses a refresh schedule the instance does not allow, such as one firing more often than
	// audiences.min_refresh_interval; nil: no limit beyond NextRun's. Like NextRun's, its error's Reason()
	// is what the user sees.
	CheckRefresh func(spec, tz string, now time.Time) error
	// AdAccount checks that an ad account id is one of the brand's (nil: any id is refused).
	AdAccount func(ctx context.Context, accountID string) error
	// Now is the clock (nil: time.Now).
	Now func() time.Time
	// BeforeDelete runs once Delete has checked the audience may go and before it goes (the Meta custom
	// audience is deleted there). Its error is not fatal: the audience is still deleted.
	BeforeDelete func(ctx context.Context, audienceID string)
	// NoText is set for a caller who may not read message texts (finance): a rule with a text condition is
	// refused with ErrTextForbidden, whatever its words, before it is checked or run.
	NoText bool
}

// Store reads and writes one brand's audiences.
type Store struct {
	db     *database.DB
	tenant string
	brand  tenancy.Brand
	opts   Options
}

// NewStore binds a store to a brand of a tenant.
func NewStore(db *database.DB, tenantID string, brand tenancy.Brand, opts Options) *Store {
	if opts.Keep < 1 {
		opts.Keep = 1
	}
	if opts.Now == nil {
		opts.Now = func() time.Time { return time.Now().UTC() }
	}
	return &Store{db: db, tenant: tenantID, brand: brand, opts: opts}
}

// audienceRow is the audiences table.
type audienceRow struct {
	ID, TenantID, BrandID, Name, Kind, Rule string
	RuleVersion                             int64
	RefreshCron, AdAccountID                string
	LastSeq                                 int64
	CreatedBy                               string
	CreatedAt, UpdatedAt                    int64
}

func (audienceRow) TableName() string { return "audiences" }

func (s *Store) q(ctx context.Context, table string) *gorm.DB {
	return s.db.R.WithContext(ctx).Table(table).Where(table+".tenant_id = ? AND "+table+".brand_id = ?", s.tenant, s.brand.ID)
}

// Create saves a new audience. A rule audience needs a rule; a manual one gets its members by Import.
func (s *Store) Create(ctx context.Context, in Input) (Audience, error) {
	kind := KindRule
	if in.Kind != nil {
		kind = *in.Kind
	}
	row := audienceRow{ID: uuid.NewString(), TenantID: s.tenant, BrandID: s.brand.ID, Kind: kind, RuleVersion: 1}
	if in.Name == nil {
		in.Name = new(string)
	}
	if err := s.apply(ctx, &row, in, true); err != nil {
		return Audience{}, err
	}
	now := s.opts.Now().UnixMilli()
	row.CreatedAt, row.UpdatedAt = now, now
	row.CreatedBy = tenancy.ActorFrom(ctx).Label
	err := s.db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		return s.audit(ctx, tx, tenancy.ActionAudienceCreate, row.ID, row.Name)
	})
	if err != nil {
		return Audience{}, s.writeErr("create", err)
	}
	return s.view(ctx, row)
}

// Get returns one of the brand's audiences.
func (s *Store) Get(ctx context.Context, id string) (Audience, error) {
	row, err := s.row(ctx, id)
	if err != nil {
		return Audience{}, err
	}
	return s.view(ctx, row)
}

func (s *Store) row(ctx context.Context, id string) (audienceRow, error) {
	var row audienceRow
	err := s.q(ctx, "audiences").Where("audiences.id = ?", id).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return row, ErrNotFound
	}
	if err != nil {
		return row, fmt.Errorf("audiences: get: %w", err)
	}
	return row, nil
}

// List returns the brand's audiences by name.
func (s *Store) List(ctx context.Context) ([]Audience, error) {
	var rows []audienceRow
	if err := s.q(ctx, "audiences").Order("name").Limit(1000).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("audiences: list: %w", err)
	}
	latest, err := s.latestSnapshots(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Audience, 0, len(rows))
	for _, r := range rows {
		a := s.shape(r)
		if sn, ok := latest[r.ID]; ok {
			a.Latest = &sn
		}
		out = append(out, a)
	}
	return out, nil
}

// Update changes an audience. A changed rule gets a new rule_version; snapshots keep the version that made them.
func (s *Store) Update(ctx context.Context, id string, in Input) (Audience, error) {
	row, err := s.row(ctx, id)
	if err != nil {
		return Audience{}, err
	}
	if in.Kind != nil && *in.Kind != row.Kind {
		return Audience{}, &tenancy.ValidationError{Fields: map[string]string{"kind": "cannot change once the audience exists"}}
	}
	before := row.Rule
	if err := s.apply(ctx, &row, in, false); err != nil {
		return Audience{}, err
	}
	if row.Rule != before {
		row.RuleVersion++
	}
	row.UpdatedAt = s.opts.Now().UnixMilli()
	err = s.db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		err := tx.Model(&audienceRow{}).Where("id = ? AND tenant_id = ? AND brand_id = ?", row.ID, s.tenant, s.brand.ID).
			Updates(map[string]any{"name": row.Name, "rule": row.Rule, "rule_version": row.RuleVersion, "refresh_cron": row.RefreshCron,
				"ad_account_id": row.AdAccountID, "updated_at": row.UpdatedAt}).Error
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, tenancy.ActionAudienceUpdate, row.ID, row.Name)
	})
	if err != nil {
		return Audience{}, s.writeErr("update", err)
	}
	return s.view(ctx, row)
}

// Delete removes an audience and its snapshots, unless another audience's rule refers to it.
func (s *Store) Delete(ctx context.Context, id string) error {
	row, err := s.row(ctx, id)
	if err != nil {
		return err
	}
	users, err := s.referrers(ctx, id)
	if err != nil {
		return err
	}
	if len(users) > 0 {
		return fmt.Errorf("%w (%s)", ErrInUse, strings.Join(users, ", "))
	}
	if s.opts.BeforeDelete != nil {
		s.opts.BeforeDelete(ctx, id)
	}
	err = s.db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec("DELETE FROM audience_members WHERE snapshot_id IN (SELECT id FROM audience_snapshots WHERE audience_id = ?)", id).Error; err != nil {
			return err
		}
		if err := tx.Exec("DELETE FROM audience_snapshots WHERE audience_id = ?", id).Error; err != nil {
			return err
		}
		if err := tx.Exec("DELETE FROM audiences WHERE id = ? AND tenant_id = ? AND brand_id = ?", id, s.tenant, s.brand.ID).Error; err != nil {
			return err
		}
		return s.audit(ctx, tx, tenancy.ActionAudienceDelete, id, row.Name)
	})
	if err != nil {
		return fmt.Errorf("audiences: delete: %w", err)
	}
	return nil
}

// apply validates in and copies it onto row; every invalid field is reported at once.
func (s *Store) apply(ctx context.Context, row *audienceRow, in Input, create bool) error {
	errs := map[string]string{}
	if row.Kind != KindRule && row.Kind != KindManual {
		errs["kind"] = "must be rule or manual"
	}
	if in.Name != nil {
		name := strings.TrimSpace(*in.Name)
		if name == "" || len(name) > 120 {
			errs["name"] = "is required, at most 120 characters"
		}
		row.Name = name
	}
	if in.Rule != nil && row.Kind == KindManual {
		errs["rule"] = "a manual audience has no rule; its members come from an imported list"
	} else if in.Rule != nil || (create && row.Kind == KindRule) {
		if r, err := s.checkRule(ctx, row.ID, in.Rule, errs); err == nil {
			row.Rule = string(r.JSON())
		} else if !errors.As(err, new(*tenancy.ValidationError)) {
			return err
		}
	}
	if in.RefreshCron != nil {
		spec := strings.TrimSpace(*in.RefreshCron)
		switch {
		case spec != "" && row.Kind == KindManual:
			errs["refresh_cron"] = "a manual audience is not refreshed"
		case spec != "" && s.opts.NextRun == nil:
			errs["refresh_cron"] = "scheduled refresh is not available"
		case spec != "":
			if _, err := s.opts.NextRun(spec, s.brand.Timezone, s.opts.Now()); err != nil {
				errs["refresh_cron"] = scheduleReason(err)
			} else if s.opts.CheckRefresh != nil {
				if err := s.opts.CheckRefresh(spec, s.brand.Timezone, s.opts.Now()); err != nil {
					errs["refresh_cron"] = scheduleReason(err)
				}
			}
		}
		row.RefreshCron = spec
	}
	if in.AdAccountID != nil {
		acct := strings.TrimSpace(*in.AdAccountID)
		if acct != "" && !strings.HasPrefix(acct, "act_") {
			acct = "act_" + acct // as tenancy stores ad accounts
		}
		if acct != "" {
			if s.opts.AdAccount == nil {
				errs["ad_account_id"] = "is not one of the brand's ad accounts"
			} else if err := s.opts.AdAccount(ctx, acct); err != nil {
				errs["ad_account_id"] = "is not one of the brand's ad accounts"
			}
		}
		row.AdAccountID = acct
	}
	if len(errs) > 0 {
		return &tenancy.ValidationError{Fields: errs}
	}
	return nil
}

func (s *Store) writeErr(op string, err error) error {
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return &tenancy.ValidationError{Fields: map[string]string{"name": "another audience of the brand has this name"}}
	}
	return fmt.Errorf("audiences: %s: %w", op, err)
}

// shape turns a row into the API's view without its snapshot.
func (s *Store) shape(r audienceRow) Audience {
	a := Audience{ID: r.ID, BrandID: r.BrandID, Name: r.Name, Kind: r.Kind, RuleSchema: RuleSchema, RuleVersion: r.RuleVersion,
		RefreshCron: r.RefreshCron, Timezone: s.brand.Timezone, AdAccountID: r.AdAccountID,
		CreatedAt: time.UnixMilli(r.CreatedAt).UTC(), UpdatedAt: time.UnixMilli(r.UpdatedAt).UTC()}
	if r.Rule != "" {
		a.Rule = json.RawMessage(r.Rule)
	}
	if r.RefreshCron != "" && s.opts.NextRun != nil {
		if next, err := s.opts.NextRun(r.RefreshCron, s.brand.Timezone, s.opts.Now()); err == nil {
			next = next.UTC()
			a.NextRefreshAt = &next
		}
	}
	return a
}

func (s *Store) view(ctx context.Context, r audienceRow) (Audience, error) {
	a := s.shape(r)
	sn, err := s.LatestSnapshot(ctx, r.ID)
	switch {
	case err == nil:
		a.Latest = &sn
	case !errors.Is(err, ErrNotFound):
		return Audience{}, err
	}
	return a, nil
}

// audit records a change in the change's own transaction, as every change of relance is: the entry exists
// exactly when the change does.
func (s *Store) audit(ctx context.Context, tx *gorm.DB, action, id, name string) error {
	return tenancy.RecordAudit(ctx, tx, s.tenant, tenancy.AuditEntry{BrandID: s.brand.ID, Action: action,
		ObjectType: "audience", ObjectID: id, Summary: name})
}

// scheduleReason is what a user is told about a refused refresh schedule: the scheduler's Reason(), never
// the cron parser's own words.
func scheduleReason(err error) string {
	var r interface{ Reason() string }
	if errors.As(err, &r) {
		return r.Reason()
	}
	return "is not a schedule relance can run"
}
