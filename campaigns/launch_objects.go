package campaigns

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"relance/meta"
	"relance/tenancy"
)

// launcher is one launch in progress: the campaign, its ad account and token, its Meta row (leased).
type launcher struct {
	s                *Store
	c                Campaign
	lo               LaunchOptions
	token            string
	acctZone         string
	row              metaRow
	include, exclude []string // Meta custom audience ids
}

// startLaunch takes the campaign's Meta lease and checks the ad account: the budget's currency must be the
// account's (Meta cannot tell), and the account needs a Marketing API token.
func (s *Store) startLaunch(ctx context.Context, c Campaign, lo LaunchOptions) (*launcher, error) {
	row, err := s.claimMeta(ctx, c)
	if err != nil {
		return nil, err
	}
	l := &launcher{s: s, c: c, lo: lo, row: row}
	if err := l.checkAccount(ctx); err != nil {
		l.release()
		return nil, err
	}
	return l, nil
}

func (l *launcher) release() { l.s.releaseMeta(context.Background(), l.c.ID) }

// checkAccount loads the ad account and opens its token.
func (l *launcher) checkAccount(ctx context.Context) error {
	c := l.c
	if l.row.AdAccountID != c.AdAccountID {
		if l.row.MetaCampaignID != "" {
			return fmt.Errorf("%w: this campaign's Meta objects are in ad account %s; set ad_account_id back to it",
				tenancy.ErrConflict, l.row.AdAccountID)
		}
		if err := l.s.setMeta(ctx, c.ID, map[string]any{"ad_account_id": c.AdAccountID}); err != nil {
			return err
		}
	}
	var acct struct{ Currency, Timezone string }
	err := l.s.db.R.WithContext(ctx).Table("ad_accounts").Select("currency, timezone").
		Where("tenant_id = ? AND brand_id = ? AND account_id = ?", l.s.tenant, l.s.brand.ID, c.AdAccountID).Take(&acct).Error
	if err != nil {
		return &tenancy.ValidationError{Fields: map[string]string{"ad_account_id": "is not one of the brand's ad accounts"}}
	}
	if c.Budget != nil && c.Budget.Currency != acct.Currency {
		return fmt.Errorf("%w: the budget is in %s but ad account %s spends in %s; Meta would read the amount in %s",
			tenancy.ErrConflict, c.Budget.Currency, c.AdAccountID, acct.Currency, acct.Currency)
	}
	l.acctZone = acct.Timezone
	if l.token, err = l.lo.Token(ctx, c.AdAccountID); err != nil {
		return fmt.Errorf("%w: ad account %s: %s", tenancy.ErrConflict, c.AdAccountID, strings.TrimPrefix(err.Error(), "tenancy: "))
	}
	return nil
}

// run makes every missing object, then switches them on.
func (l *launcher) run(ctx context.Context) error {
	if err := l.audiences(ctx); err != nil {
		return err
	}
	c := l.c
	err := l.ensure(ctx, "campaign", meta.EdgeCampaigns, l.tag(), &l.row.MetaCampaignID, func() (string, error) {
		return l.lo.Ads.CreateCampaign(ctx, l.token, c.AdAccountID, meta.CampaignSpec{Name: l.name("", l.tag()),
			Objective: c.Objective, Status: meta.AdStatusPaused})
	}, func(id string) error {
		return l.s.setMeta(ctx, c.ID, map[string]any{"meta_campaign_id": id, "campaign_status": meta.AdStatusPaused})
	})
	if err != nil {
		return err
	}
	spec, err := l.adSetSpec()
	if err != nil {
		return err
	}
	relaunch := l.row.AdSetID != ""
	err = l.ensure(ctx, "ad set", meta.EdgeAdSets, l.tag("adset"), &l.row.AdSetID, func() (string, error) {
		return l.lo.Ads.CreateAdSet(ctx, l.token, c.AdAccountID, spec)
	}, func(id string) error {
		return l.s.setMeta(ctx, c.ID, map[string]any{"adset_id": id, "adset_status": meta.AdStatusPaused,
			"budget_minor": c.Budget.Minor, "ends_at": ms(c.EndsAt)})
	})
	if err != nil {
		return err
	}
	if relaunch {
		// A content change approved again may have changed the audiences or the countries: the ad set
		// reaches the new ones.
		t := meta.AdSetTargeting{Countries: spec.Countries, CustomAudienceIDs: spec.CustomAudienceIDs, ExcludedAudienceIDs: spec.ExcludedAudienceIDs,
			PublisherPlatforms: spec.PublisherPlatforms, MessengerPositions: spec.MessengerPositions}
		if err := l.lo.Ads.UpdateAdSet(ctx, l.token, l.row.AdSetID, meta.AdSetUpdate{Targeting: &t}); err != nil {
			return &LaunchError{Step: "ad set targeting", Err: err}
		}
	}
	rows, err := l.s.metaAds(ctx, c.ID)
	if err != nil {
		return err
	}
	for _, v := range c.Variants {
		if err := l.variant(ctx, v, rows); err != nil {
			return err
		}
	}
	return l.activate(ctx)
}

// audiences syncs the include and exclude audiences to Meta custom audiences of the campaign's ad account.
func (l *launcher) audiences(ctx context.Context) error {
	for _, side := range []struct {
		name string
		ids  []string
		dst  *[]string
	}{{"include", l.c.Audiences.Include, &l.include}, {"exclude", l.c.Audiences.Exclude, &l.exclude}} {
		for i, id := range side.ids {
			path := fmt.Sprintf("audiences.%s[%d]", side.name, i)
			if l.lo.Audience == nil {
				return fmt.Errorf("%w: audiences cannot be synced to Meta on this instance", ErrNoMeta)
			}
			metaID, account, err := l.lo.Audience(ctx, id)
			var me *meta.Error
			switch {
			case errors.As(err, &me):
				return &LaunchError{Step: "audience " + path, Err: err}
			case err != nil:
				return &tenancy.ValidationError{Fields: map[string]string{path: "cannot be synced to Meta: " + stripPkg(err.Error())}}
			case normalizeAccount(account) != l.c.AdAccountID:
				return &tenancy.ValidationError{Fields: map[string]string{path: fmt.Sprintf(
					"is synced to ad account %s, not the campaign's %s: Meta targets only the ad set's own account's audiences", account, l.c.AdAccountID)}}
			case metaID == "":
				return &tenancy.ValidationError{Fields: map[string]string{path: "has no Meta custom audience yet"}}
			}
			*side.dst = append(*side.dst, metaID)
			if err := l.s.setMeta(ctx, l.c.ID, map[string]any{}); err != nil { // renews the lease
				return err
			}
		}
	}
	return nil
}

// stripPkg drops the leading "pkg: " prefixes of a domain error for people.
func stripPkg(msg string) string {
	for _, p := range []string{"audiences: ", "tenancy: ", "campaigns: "} {
		msg = strings.ReplaceAll(msg, p, "")
	}
	return msg
}

// variant makes the creative and the ad of a variant at the campaign's content version.
func (l *launcher) variant(ctx context.Context, v Variant, rows []metaAdRow) error {
	c, ver := l.c, l.c.Version
	var cur metaAdRow
	for _, r := range rows {
		if r.Variant == v.Key && r.Version == ver {
			cur = r
		}
	}
	crTag, adTag := l.tag(fmt.Sprintf("v%d", ver), "creative", v.Key), l.tag(fmt.Sprintf("v%d", ver), "ad", v.Key)
	err := l.ensure(ctx, "creative "+v.Key, meta.EdgeCreatives, crTag, &cur.CreativeID, func() (string, error) {
		return l.lo.Ads.CreateCreative(ctx, l.token, c.AdAccountID, l.creativeSpec(v, crTag))
	}, func(id string) error { return l.s.setMetaAd(ctx, c.ID, v.Key, ver, map[string]any{"creative_id": id}) })
	if err != nil {
		return err
	}
	return l.ensure(ctx, "ad "+v.Key, meta.EdgeAds, adTag, &cur.AdID, func() (string, error) {
		return l.lo.Ads.CreateAd(ctx, l.token, c.AdAccountID, l.name(v.Key, adTag), l.row.AdSetID, cur.CreativeID, meta.AdStatusPaused)
	}, func(id string) error {
		return l.s.setMetaAd(ctx, c.ID, v.Key, ver, map[string]any{"ad_id": id, "status": meta.AdStatusPaused})
	})
}

// ensure makes one object unless it is recorded: it looks for the object by its tag first (Meta made it,
// the answer was lost), creates it otherwise, and records the id before returning.
func (l *launcher) ensure(ctx context.Context, step, edge, tag string, recorded *string, create func() (string, error), record func(string) error) error {
	if *recorded != "" {
		return nil
	}
	found, err := l.lo.Ads.FindAdObjects(ctx, l.token, l.c.AdAccountID, edge, tag)
	if err != nil {
		return &LaunchError{Step: step, Err: err}
	}
	id := oldest(found)
	if id == "" {
		if id, err = create(); err != nil {
			return &LaunchError{Step: step, Err: err}
		}
	}
	if err := record(id); err != nil {
		return err
	}
	*recorded = id
	return nil
}

// oldest is the first-made of the objects found (Meta's ids grow), "" when none.
func oldest(found []meta.AdObjectRef) string {
	id := ""
	for _, f := range found {
		if id == "" || len(f.ID) < len(id) || (len(f.ID) == len(id) && f.ID < id) {
			id = f.ID
		}
	}
	return id
}

// activate switches the current ads on and older ones off, then the ad set (inside an active window) and
// the campaign, recording each status Meta confirmed.
func (l *launcher) activate(ctx context.Context) error {
	c := l.c
	rows, err := l.s.metaAds(ctx, c.ID)
	if err != nil {
		return err
	}
	keys := map[string]bool{}
	for _, v := range c.Variants {
		keys[v.Key] = true
	}
	for _, r := range rows {
		want := meta.AdStatusPaused
		if r.Version == c.Version && keys[r.Variant] {
			want = meta.AdStatusActive
		}
		if r.AdID == "" || r.Status == want {
			continue
		}
		if err := l.lo.Ads.SetStatus(ctx, l.token, r.AdID, want); err != nil {
			return &LaunchError{Step: "activation of ad " + r.Variant, Err: err}
		}
		if err := l.s.setMetaAd(ctx, c.ID, r.Variant, r.Version, map[string]any{"status": want}); err != nil {
			return err
		}
	}
	setWant, err := l.s.adSetWanted(c)
	if err != nil {
		return err
	}
	if l.row.AdSetStatus != setWant {
		if err := l.lo.Ads.UpdateAdSet(ctx, l.token, l.row.AdSetID, meta.AdSetUpdate{Status: setWant}); err != nil {
			return &LaunchError{Step: "activation of the ad set", Err: err}
		}
	}
	if err := l.lo.Ads.SetStatus(ctx, l.token, l.row.MetaCampaignID, meta.AdStatusActive); err != nil {
		return &LaunchError{Step: "activation of the campaign", Err: err}
	}
	now := l.s.opts.Now().UnixMilli()
	return l.s.setMeta(ctx, c.ID, map[string]any{"adset_status": setWant, "campaign_status": meta.AdStatusActive,
		"launched_at": now, "error_message": "", "error_code": 0, "error_subcode": 0, "error_at": 0})
}

// tag is what relance puts in the names of its Meta objects to find them again: the campaign's id (not
// sequential, unique across tenants) and the object's part.
func (l *launcher) tag(parts ...string) string {
	return "[relance:" + strings.Join(append([]string{l.c.ID}, parts...), ":") + "]"
}

// MetaAdName is the name a launch gives the Meta ad of a campaign's variant in a content version: what
// Insights report as ad_name, so that a sandbox given the ad back (the demo) names it the same.
func MetaAdName(c Campaign, variant string, version int64) string {
	l := &launcher{c: c}
	return l.name(variant, l.tag(fmt.Sprintf("v%d", version), "ad", variant))
}

// name is an object's name: the campaign's name (clipped), the variant when there is one, and the tag.
func (l *launcher) name(variant, tag string) string {
	n := l.c.Name
	if utf8.RuneCountInString(n) > 150 {
		n = string([]rune(n)[:150])
	}
	if variant != "" {
		n += " · " + variant
	}
	return n + " " + tag
}

// adSetSpec is the ad set of the campaign: the Page's conversations, the budget, the flight, the countries,
// the synced audiences and the placements of the kind, with dayparting for lifetime budgets.
func (l *launcher) adSetSpec() (meta.AdSetSpec, error) {
	c := l.c
	spec := meta.AdSetSpec{CampaignID: l.row.MetaCampaignID, Name: l.name("ad set", l.tag("adset")), PageID: c.PageID,
		Countries: c.Targeting.Countries, CustomAudienceIDs: l.include, ExcludedAudienceIDs: l.exclude, Status: meta.AdStatusPaused}
	switch c.Kind {
	case KindMessengerHome:
		// The Inbox placement, with the Facebook feed Meta requires beside it (DESIGN §5).
		spec.PublisherPlatforms, spec.MessengerPositions = []string{"facebook"}, []string{meta.PositionMessengerHome}
	default:
		spec.PublisherPlatforms = []string{"facebook", "instagram"}
	}
	now := l.s.opts.Now()
	if c.StartsAt != nil && c.StartsAt.After(now) {
		spec.Start = *c.StartsAt
	}
	if c.EndsAt != nil {
		spec.End = *c.EndsAt
	}
	money := meta.Money{Minor: c.Budget.Minor, Currency: c.Budget.Currency}
	if c.Budget.Period == PeriodLifetime {
		spec.LifetimeBudget = money
		blocks, err := scheduleBlocks(c.Schedule.Active, l.s.brand.Timezone, l.acctZone, now)
		if err != nil {
			return spec, err
		}
		spec.Schedule = blocks
	} else {
		spec.DailyBudget = money
	}
	return spec, nil
}

// creativeSpec is a variant's Click-to-Messenger creative: its text and image, and its welcome message
// whose ice breakers carry the campaign's ref and the variant.
func (l *launcher) creativeSpec(v Variant, tag string) meta.CreativeSpec {
	cr := v.Creative
	spec := meta.CreativeSpec{Name: l.name(v.Key, tag), PageID: l.c.PageID, Message: cr.Text, Picture: cr.ImageURL,
		Ref: l.ref(), Variant: v.Key}
	if w := cr.Welcome; w != nil {
		wm := &meta.WelcomeMessage{Greeting: w.Greeting}
		for _, ib := range w.IceBreakers {
			wm.IceBreakers = append(wm.IceBreakers, meta.IceBreaker{Question: ib.Question, Payload: ib.Payload})
		}
		spec.WelcomeMessage = wm
	}
	return spec
}

// ref is the campaign's ref, or one made of its id when it has none, so conversations still find it.
func (l *launcher) ref() string {
	if l.c.Ref != "" {
		return l.c.Ref
	}
	return "relance:" + l.c.ID
}
