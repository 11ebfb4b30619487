package campaigns

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"relance/database"
	"relance/tenancy"
)

// Options are what a Store needs from the rest of relance.
type Options struct {
	// NextRun validates a cron spec in a zone and returns its next slot after a time; the scheduler provides
	// it, so a spec the scheduler would refuse is never saved.
	NextRun func(spec, tz string, after time.Time) (time.Time, error)
	// Now is the clock (nil: time.Now).
	Now func() time.Time
}

// Store reads and writes one brand's campaigns.
type Store struct {
	db     *database.DB
	tenant string
	brand  tenancy.Brand
	opts   Options
}

// NewStore binds a store to a brand of a tenant.
func NewStore(db *database.DB, tenantID string, brand tenancy.Brand, opts Options) *Store {
	if opts.Now == nil {
		opts.Now = func() time.Time { return time.Now().UTC() }
	}
	if opts.NextRun == nil {
		opts.NextRun = func(string, string, time.Time) (time.Time, error) {
			return time.Time{}, errors.New("schedules are not available")
		}
	}
	return &Store{db: db, tenant: tenantID, brand: brand, opts: opts}
}

// campaignRow is the campaigns table.
type campaignRow struct {
	ID, TenantID, BrandID, Name, Kind, State, PageID, AdAccountID, Objective, BudgetPeriod string
	BudgetAmount                                                                           int64
	Currency                                                                               string
	StartsAt, EndsAt                                                                       int64
	SendCron, ActiveWindows, IncludeAudiences, ExcludeAudiences, Countries                 string
	HoldoutPercent, CapMessages, CapDays                                                   int
	Ref                                                                                    string
	Version, ApprovedVersion                                                               int64
	ApprovedBy                                                                             string
	ApprovedAt                                                                             int64
	RejectReason, CreatedBy                                                                string
	CreatedAt, UpdatedAt                                                                   int64
}

func (campaignRow) TableName() string { return "campaigns" }

// variantRow is the campaign_variants table; the creative is JSON.
type variantRow struct {
	CampaignID, TenantID, Key string
	Position, Weight          int
	Creative                  string
}

func (variantRow) TableName() string { return "campaign_variants" }

func (s *Store) q(ctx context.Context) *gorm.DB {
	return s.db.R.WithContext(ctx).Table("campaigns").Where("tenant_id = ? AND brand_id = ?", s.tenant, s.brand.ID)
}

// Create saves a new draft campaign after checking every field.
func (s *Store) Create(ctx context.Context, in Input) (Campaign, error) {
	now := s.opts.Now()
	c := Campaign{ID: tenancy.NewID(), BrandID: s.brand.ID, State: StateDraft, Version: 1,
		CreatedBy: tenancy.ActorFrom(ctx).Label, CreatedAt: now, UpdatedAt: now,
		FrequencyCap: s.defaultCap()}
	if in.Kind == nil {
		in.Kind = new(string)
	}
	if err := s.check(ctx, &c, in, true); err != nil {
		return Campaign{}, err
	}
	err := s.db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(s.toRow(c)).Error; err != nil {
			return err
		}
		if err := s.saveVariants(tx, c); err != nil {
			return err
		}
		return s.record(ctx, tx, c, "create", "", StateDraft, c.Name)
	})
	if err != nil {
		return Campaign{}, s.writeErr("create", err)
	}
	return s.Get(ctx, c.ID)
}

// Get returns one of the brand's campaigns.
func (s *Store) Get(ctx context.Context, id string) (Campaign, error) {
	var row campaignRow
	err := s.q(ctx).Where("id = ?", id).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Campaign{}, ErrNotFound
	}
	if err != nil {
		return Campaign{}, fmt.Errorf("campaigns: get: %w", err)
	}
	out, err := s.withVariants(ctx, []campaignRow{row})
	if err != nil {
		return Campaign{}, err
	}
	return out[0], nil
}

// Update changes a campaign (PATCH). Budget and end date change in any live state; any other change is a
// content change: it counts a new version and, where the brand requires approval, sends an approved
// campaign back to pending_approval (DESIGN §5). Completed and archived campaigns do not change.
func (s *Store) Update(ctx context.Context, id string, in Input) (Campaign, error) {
	c, err := s.Get(ctx, id)
	if err != nil {
		return Campaign{}, err
	}
	return s.update(ctx, c, in, "update", "")
}

// update applies in to c (as read) under the lifecycle rules of Update; action names the timeline and audit
// entry ("update", "apply_winner") and what, when not empty, leads its detail.
func (s *Store) update(ctx context.Context, c Campaign, in Input, action, what string) (Campaign, error) {
	var err error
	if c.State == StateCompleted || c.State == StateArchived {
		return Campaign{}, &StateError{Action: "change", State: c.State}
	}
	if in.Kind != nil && *in.Kind != c.Kind {
		return Campaign{}, &tenancy.ValidationError{Fields: map[string]string{"kind": "cannot change once the campaign exists"}}
	}
	from, before := c.State, content(c)
	if err := s.check(ctx, &c, in, false); err != nil {
		return Campaign{}, err
	}
	detail := "budget or end date"
	if content(c) != before {
		c.Version++
		detail = fmt.Sprintf("content, version %d", c.Version)
		approved := from == StateScheduled || from == StateRunning || from == StatePaused
		if approved && s.brand.Settings.Effective().ApprovalRequired {
			c.State = StatePendingApproval
			detail = fmt.Sprintf("content changed after approval (version %d): approval asked again", c.Version)
		}
	}
	if what != "" {
		detail = what + "; " + detail
	}
	c.UpdatedAt = s.opts.Now()
	err = s.db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		row := s.toRow(c)
		res := tx.Model(&campaignRow{}).Where("id = ? AND tenant_id = ? AND brand_id = ? AND state = ?", c.ID, s.tenant, s.brand.ID, from).
			Select("*").Omit("id", "tenant_id", "brand_id", "created_by", "created_at").Updates(row)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return s.stateErr(ctx, tx, c.ID, "change")
		}
		if in.Variants != nil {
			if err := tx.Where("campaign_id = ?", c.ID).Delete(&variantRow{}).Error; err != nil {
				return err
			}
			if err := s.saveVariants(tx, c); err != nil {
				return err
			}
		}
		return s.record(ctx, tx, c, action, from, c.State, detail)
	})
	if err != nil {
		return Campaign{}, s.writeErr(action, err)
	}
	return s.Get(ctx, c.ID)
}

// Delete removes a draft; a campaign that was ever submitted is archived instead, so its history stays.
func (s *Store) Delete(ctx context.Context, id string) error {
	c, err := s.Get(ctx, id)
	if err != nil {
		return err
	}
	if c.State != StateDraft {
		return &StateError{Action: "delete", State: c.State}
	}
	err = s.db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Where("id = ? AND tenant_id = ? AND brand_id = ? AND state = ?", id, s.tenant, s.brand.ID, StateDraft).Delete(&campaignRow{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return s.stateErr(ctx, tx, id, "delete")
		}
		// SQLite and PostgreSQL both cascade, but only SQLite needs foreign_keys on: delete explicitly.
		if err := tx.Where("campaign_id = ?", id).Delete(&variantRow{}).Error; err != nil {
			return err
		}
		if err := tx.Exec("DELETE FROM campaign_events WHERE campaign_id = ?", id).Error; err != nil {
			return err
		}
		if err := tx.Where("campaign_id = ?", id).Delete(&linkRow{}).Error; err != nil {
			return err
		}
		// A draft has Meta rows when a launch failed before a change sent it back to draft.
		if err := tx.Where("campaign_id = ?", id).Delete(&metaAdRow{}).Error; err != nil {
			return err
		}
		if err := tx.Where("campaign_id = ?", id).Delete(&metaRow{}).Error; err != nil {
			return err
		}
		return tenancy.RecordAudit(ctx, tx, s.tenant, tenancy.AuditEntry{BrandID: s.brand.ID, Action: tenancy.ActionCampaignDelete,
			ObjectType: "campaign", ObjectID: id, Summary: c.Name})
	})
	if err != nil {
		return s.writeErr("delete", err)
	}
	return nil
}

// stateErr re-reads a campaign whose conditional write matched nothing: another request moved it first.
func (s *Store) stateErr(ctx context.Context, tx *gorm.DB, id, action string) error {
	var state string
	if err := tx.Table("campaigns").Select("state").Where("id = ? AND tenant_id = ?", id, s.tenant).Scan(&state).Error; err != nil {
		return err
	}
	if state == "" {
		return ErrNotFound
	}
	return &StateError{Action: action, State: state}
}

func (s *Store) saveVariants(tx *gorm.DB, c Campaign) error {
	rows := make([]variantRow, 0, len(c.Variants))
	for i, v := range c.Variants {
		b, err := json.Marshal(v.Creative)
		if err != nil {
			return err
		}
		rows = append(rows, variantRow{CampaignID: c.ID, TenantID: s.tenant, Key: v.Key, Position: i, Weight: v.Weight, Creative: string(b)})
	}
	if len(rows) == 0 {
		return nil
	}
	return tx.Create(&rows).Error
}

// content is what an approver approves: everything but the budget, the end date and the state (DESIGN §5:
// those change while a campaign runs). Comparing it before and after a change, rather than looking at which
// fields a request named, lets a form send every field without asking for approval again for nothing.
func content(c Campaign) string {
	c.Budget, c.EndsAt, c.State, c.UpdatedAt, c.NextSlot, c.Meta = nil, nil, "", time.Time{}, nil, nil
	b, _ := json.Marshal(c)
	return string(b)
}

// writeErr turns a taken ref into a field error and wraps the rest.
func (s *Store) writeErr(op string, err error) error {
	var v *tenancy.ValidationError
	var se *StateError
	switch {
	case errors.As(err, &v), errors.As(err, &se), errors.Is(err, ErrNotFound):
		return err
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return &tenancy.ValidationError{Fields: map[string]string{"ref": "is used by another campaign on this Page"}}
	}
	return fmt.Errorf("campaigns: %s: %w", op, err)
}

func (s *Store) defaultCap() FrequencyCap {
	fc := s.brand.Settings.Effective().FrequencyCap
	return FrequencyCap{Messages: fc.Messages, Days: fc.Days, Default: true}
}

// toRow flattens a campaign for storage.
func (s *Store) toRow(c Campaign) *campaignRow {
	r := &campaignRow{ID: c.ID, TenantID: s.tenant, BrandID: s.brand.ID, Name: c.Name, Kind: c.Kind, State: c.State,
		PageID: c.PageID, AdAccountID: c.AdAccountID, Objective: c.Objective, Currency: s.brand.Currency,
		SendCron: c.Schedule.SendCron, ActiveWindows: mustJSON(c.Schedule.Active),
		IncludeAudiences: mustJSON(c.Audiences.Include), ExcludeAudiences: mustJSON(c.Audiences.Exclude),
		Countries: "[]", HoldoutPercent: c.HoldoutPercent, Ref: c.Ref, Version: c.Version, ApprovedVersion: c.ApprovedVersion,
		ApprovedBy: c.ApprovedBy, ApprovedAt: ms(c.ApprovedAt), RejectReason: c.RejectReason, CreatedBy: c.CreatedBy,
		StartsAt: ms(c.StartsAt), EndsAt: ms(c.EndsAt), CreatedAt: c.CreatedAt.UnixMilli(), UpdatedAt: c.UpdatedAt.UnixMilli()}
	if c.Budget != nil {
		r.BudgetPeriod, r.BudgetAmount, r.Currency = c.Budget.Period, c.Budget.Minor, c.Budget.Currency
	}
	if !c.Targeting.Default {
		r.Countries = mustJSON(c.Targeting.Countries) // the default is not stored: it follows the brand's zone
	}
	if !c.FrequencyCap.Default {
		r.CapMessages, r.CapDays = c.FrequencyCap.Messages, c.FrequencyCap.Days
	}
	return r
}

// fromRow is the API's view of a row, without variants.
func (s *Store) fromRow(r campaignRow) Campaign {
	c := Campaign{ID: r.ID, BrandID: r.BrandID, Name: r.Name, Kind: r.Kind, State: r.State, PageID: r.PageID,
		AdAccountID: r.AdAccountID, Objective: r.Objective, StartsAt: at(r.StartsAt), EndsAt: at(r.EndsAt),
		Schedule: Schedule{SendCron: r.SendCron, Timezone: s.brand.Timezone}, HoldoutPercent: r.HoldoutPercent,
		Ref: r.Ref, Version: r.Version, ApprovedVersion: r.ApprovedVersion, ApprovedBy: r.ApprovedBy,
		ApprovedAt: at(r.ApprovedAt), RejectReason: r.RejectReason, CreatedBy: r.CreatedBy,
		CreatedAt: time.UnixMilli(r.CreatedAt).UTC(), UpdatedAt: time.UnixMilli(r.UpdatedAt).UTC(), Variants: []Variant{}}
	_ = json.Unmarshal([]byte(r.ActiveWindows), &c.Schedule.Active)
	_ = json.Unmarshal([]byte(r.IncludeAudiences), &c.Audiences.Include)
	_ = json.Unmarshal([]byte(r.ExcludeAudiences), &c.Audiences.Exclude)
	if c.Schedule.Active == nil {
		c.Schedule.Active = []Window{}
	}
	if c.Audiences.Include == nil {
		c.Audiences.Include = []string{}
	}
	if c.Audiences.Exclude == nil {
		c.Audiences.Exclude = []string{}
	}
	var countries []string
	_ = json.Unmarshal([]byte(r.Countries), &countries)
	c.Targeting = s.targetingOf(c.Kind, Targeting{Countries: countries}, c.Audiences.Include)
	if r.BudgetPeriod != "" {
		c.Budget = &Budget{Period: r.BudgetPeriod, Minor: r.BudgetAmount, Currency: r.Currency, Amount: FormatAmount(r.BudgetAmount, r.Currency)}
	}
	if r.CapMessages > 0 {
		c.FrequencyCap = FrequencyCap{Messages: r.CapMessages, Days: r.CapDays}
	} else {
		c.FrequencyCap = s.defaultCap()
	}
	if c.Kind == KindSponsoredMessage && (c.State == StateScheduled || c.State == StateRunning) && c.Schedule.SendCron != "" {
		after := s.opts.Now()
		if c.StartsAt != nil && c.StartsAt.After(after) {
			after = *c.StartsAt
		}
		if next, err := s.opts.NextRun(c.Schedule.SendCron, s.brand.Timezone, after); err == nil && (c.EndsAt == nil || next.Before(*c.EndsAt)) {
			next = next.UTC()
			c.NextSlot = &next
		}
	}
	return c
}

// withVariants shapes rows and loads their variants in one query.
func (s *Store) withVariants(ctx context.Context, rows []campaignRow) ([]Campaign, error) {
	out := make([]Campaign, len(rows))
	idx := make(map[string]int, len(rows))
	ids := make([]string, len(rows))
	for i, r := range rows {
		out[i], idx[r.ID], ids[i] = s.fromRow(r), i, r.ID
	}
	if len(ids) == 0 {
		return out, nil
	}
	var vs []variantRow
	if err := s.db.R.WithContext(ctx).Where("tenant_id = ? AND campaign_id IN ?", s.tenant, ids).
		Order("campaign_id, position").Find(&vs).Error; err != nil {
		return nil, fmt.Errorf("campaigns: variants: %w", err)
	}
	for _, v := range vs {
		var cr Creative
		if err := json.Unmarshal([]byte(v.Creative), &cr); err != nil {
			return nil, fmt.Errorf("campaigns: variant %s of %s: %w", v.Key, v.CampaignID, err)
		}
		i := idx[v.CampaignID]
		out[i].Variants = append(out[i].Variants, Variant{Key: v.Key, Weight: v.Weight, Creative: cr})
	}
	if err := s.loadMeta(ctx, out, idx, ids); err != nil {
		return nil, err
	}
	return out, nil
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil || string(b) == "null" {
		return "[]"
	}
	return string(b)
}

func ms(t *time.Time) int64 {
	if t == nil {
		return 0
	}
	return t.UnixMilli()
}

func at(v int64) *time.Time {
	if v == 0 {
		return nil
	}
	t := time.UnixMilli(v).UTC()
	return &t
}

// normalizeAccount writes an ad account id as tenancy stores it.
func normalizeAccount(id string) string {
	id = strings.TrimSpace(id)
	if id != "" && !strings.HasPrefix(id, "act_") {
		id = "act_" + id
	}
	return id
}
