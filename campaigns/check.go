package campaigns

import (
	"context"
	"fmt"
	"strings"
	"time"

	"relance/policy"
	"relance/tenancy"
)

// check copies in onto c and validates the whole campaign; every invalid field is reported at once, named by
// its JSON path.
func (s *Store) check(ctx context.Context, c *Campaign, in Input, create bool) error {
	e := errs{}
	s.apply(e, c, in, create)
	c.Targeting = s.targetingOf(c.Kind, c.Targeting, c.Audiences.Include)
	v, err := s.env(ctx)
	if err != nil {
		return err
	}
	for k, reason := range validate(c, v) {
		e.add(k, reason)
	}
	if _, bad := e["ref"]; !bad && c.Ref != "" {
		taken, err := s.linkRefTaken(ctx, *c)
		if err != nil {
			return err
		}
		if taken {
			e.add("ref", "is the ref of a labelled link of another campaign on this Page")
		}
	}
	if len(e) > 0 {
		return &tenancy.ValidationError{Fields: e}
	}
	return nil
}

// apply copies the given fields; parse errors (times, amounts) are recorded on their paths.
func (s *Store) apply(e errs, c *Campaign, in Input, create bool) {
	str := func(p *string, dst *string) {
		if p != nil {
			*dst = strings.TrimSpace(*p)
		}
	}
	if create && in.Kind != nil {
		c.Kind = strings.TrimSpace(*in.Kind)
	}
	str(in.Name, &c.Name)
	str(in.PageID, &c.PageID)
	str(in.Objective, &c.Objective)
	if in.AdAccountID != nil {
		c.AdAccountID = normalizeAccount(*in.AdAccountID)
	}
	if in.StartsAt != nil {
		c.StartsAt = parseTime(e, "starts_at", *in.StartsAt, false)
	}
	if in.EndsAt != nil {
		c.EndsAt = parseTime(e, "ends_at", *in.EndsAt, false)
		if c.EndsAt != nil && !c.EndsAt.After(s.opts.Now()) {
			e.add("ends_at", "must be in the future")
		}
	}
	if b := in.Budget; b != nil {
		cur := s.brand.Currency
		nb := &Budget{Period: b.Period, Currency: cur, Amount: b.Amount}
		switch {
		case b.Currency != "" && b.Currency != cur:
			e.add("budget.currency", "must be the brand's currency, "+cur)
		case b.Amount == "":
			e.add("budget.amount", "is required: a decimal string such as \"25.00\"")
		default:
			minor, err := ParseAmount(b.Amount, cur)
			if err != nil {
				e.add("budget.amount", strings.TrimPrefix(err.Error(), "campaigns: invalid amount: "))
			}
			nb.Minor = minor
			if err == nil {
				nb.Amount = FormatAmount(minor, cur)
			}
		}
		c.Budget = nb
		if b.Period == "" && b.Amount == "" {
			c.Budget = nil // {} clears the budget
		}
	}
	if sc := in.Schedule; sc != nil {
		c.Schedule.SendCron = strings.TrimSpace(sc.SendCron)
		c.Schedule.Active = sc.Active
		if c.Schedule.Active == nil {
			c.Schedule.Active = []Window{}
		}
	}
	c.Schedule.Timezone = s.brand.Timezone
	if a := in.Audiences; a != nil {
		c.Audiences = Audiences{Include: a.Include, Exclude: a.Exclude}
		if c.Audiences.Include == nil {
			c.Audiences.Include = []string{}
		}
		if c.Audiences.Exclude == nil {
			c.Audiences.Exclude = []string{}
		}
	}
	if t := in.Targeting; t != nil {
		// Codes are compared in upper case, as Meta writes them; {"default": true} or no country goes back
		// to the default (fromRow fills it in).
		c.Targeting = Targeting{Countries: []string{}}
		if !t.Default {
			for _, code := range t.Countries {
				c.Targeting.Countries = append(c.Targeting.Countries, strings.ToUpper(strings.TrimSpace(code)))
			}
		}
	}
	if in.Variants != nil {
		c.Variants = *in.Variants
	}
	if in.HoldoutPercent != nil {
		c.HoldoutPercent = *in.HoldoutPercent
	}
	if in.FrequencyCap != nil {
		c.FrequencyCap = FrequencyCap{Messages: in.FrequencyCap.Messages, Days: in.FrequencyCap.Days}
		if in.FrequencyCap.Default {
			c.FrequencyCap = s.defaultCap() // {"default": true} goes back to the brand's cap
		}
	}
	str(in.Ref, &c.Ref)
}

// targetingOf is a campaign's targeting as shown and launched: the countries it names, or, for an ads
// campaign that names none and includes no audience, the brand's country (Targeting.Default).
func (s *Store) targetingOf(kind string, t Targeting, include []string) Targeting {
	explicit := t.Countries
	if t.Default || explicit == nil {
		explicit = []string{}
	}
	if len(explicit) > 0 || !IsAds(kind) || len(include) > 0 {
		return Targeting{Countries: explicit}
	}
	if country := policy.CountryOfZone(s.brand.Timezone); country != "" {
		return Targeting{Countries: []string{country}, Default: true}
	}
	return Targeting{Countries: explicit}
}

// parseTime reads an RFC 3339 time; "" means none (unless required).
func parseTime(e errs, path, s string, required bool) *time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		if required {
			e.add(path, "is required")
		}
		return nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		e.add(path, "must be an RFC 3339 time such as 2026-03-01T09:00:00+01:00")
		return nil
	}
	t = t.UTC()
	return &t
}

// env loads what validation checks against: the brand's Pages, ad accounts and audiences.
func (s *Store) env(ctx context.Context) (env, error) {
	v := env{currency: s.brand.Currency, timezone: s.brand.Timezone, now: s.opts.Now(), nextRun: s.opts.NextRun,
		pages: map[string]bool{}, adAccounts: map[string]bool{}, audiences: map[string]bool{}}
	for table, dst := range map[string]struct {
		col string
		set map[string]bool
	}{"pages": {"page_id", v.pages}, "ad_accounts": {"account_id", v.adAccounts}, "audiences": {"id", v.audiences}} {
		var ids []string
		err := s.db.R.WithContext(ctx).Table(table).Where("tenant_id = ? AND brand_id = ?", s.tenant, s.brand.ID).
			Pluck(dst.col, &ids).Error
		if err != nil {
			return v, fmt.Errorf("campaigns: %s: %w", table, err)
		}
		for _, id := range ids {
			dst.set[id] = true
		}
	}
	return v, nil
}
