package campaigns

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"relance/meta"

	"relance/tenancy"
)

// TestTargetingCountries: an ads campaign's countries are ISO 3166-1 alpha-2 codes (any case in, upper case
// stored); a bad or repeated code is a 422 on its path; without countries or an included audience the
// campaign targets the brand's country (Paris: FR) and says it is the default; a sponsored message has no
// countries; a brand whose zone names no country must name one.
func TestTargetingCountries(t *testing.T) {
	e := newTestEnv(t)
	ctx := ctxAs("m")
	c, err := e.st.Create(ctx, input(t, merge(t, e.adsBody(), `{"targeting":{"countries":["fr"," be "]}}`)))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.Targeting.Countries, []string{"FR", "BE"}) || c.Targeting.Default {
		t.Errorf("countries %+v", c.Targeting)
	}
	for _, tc := range []struct{ patch, path string }{
		{`{"targeting":{"countries":["FR","XX"]}}`, "targeting.countries[1]"},
		{`{"targeting":{"countries":["FRA"]}}`, "targeting.countries[0]"},
		{`{"targeting":{"countries":["US","CA","US"]}}`, "targeting.countries[2]"},
		{`{"targeting":{"countries":["UK"]}}`, "targeting.countries[0]"},
	} {
		_, err := e.st.Update(ctx, c.ID, input(t, tc.patch))
		if fieldsOf(err)[tc.path] == "" {
			t.Errorf("%s: want an error on %s, got %v", tc.patch, tc.path, err)
		}
	}
	// No audience and no country: the brand's country, not stored, shown as the default.
	c, err = e.st.Update(ctx, c.ID, input(t, `{"audiences":{"include":[],"exclude":[]},"targeting":{"countries":[]}}`))
	if err != nil || !slices.Equal(c.Targeting.Countries, []string{"FR"}) || !c.Targeting.Default {
		t.Fatalf("default: %+v %v", c.Targeting, err)
	}
	var stored string
	if err := e.st.db.R.Raw(`SELECT countries FROM campaigns WHERE id = ?`, c.ID).Scan(&stored).Error; err != nil || stored != "[]" {
		t.Errorf("stored %q %v, want the default not stored", stored, err)
	}
	// Sending the default back (a form round trip) changes nothing.
	before := c.Version
	if c, err = e.st.Update(ctx, c.ID, Input{Targeting: &c.Targeting}); err != nil || c.Version != before {
		t.Errorf("default sent back: version %d → %d, %v", before, c.Version, err)
	}
	// With an included audience and no country the ad set has no location: the audience is the reach.
	c, err = e.st.Update(ctx, c.ID, input(t, `{"audiences":{"include":["`+e.audience+`"],"exclude":[]}}`))
	if err != nil || len(c.Targeting.Countries) != 0 || c.Targeting.Default {
		t.Errorf("with an audience: %+v %v", c.Targeting, err)
	}
	_, err = e.st.Create(ctx, input(t, merge(t, e.sponsored(), `{"targeting":{"countries":["FR"]}}`)))
	if fieldsOf(err)["targeting.countries"] == "" {
		t.Errorf("sponsored message with countries: %v", err)
	}
	s, err := e.st.Create(ctx, input(t, e.sponsored()))
	if err != nil || len(s.Targeting.Countries) != 0 || s.Targeting.Default {
		t.Errorf("sponsored message: %+v %v", s.Targeting, err)
	}
	utc := e.brand
	utc.Timezone = "UTC"
	st := NewStore(e.st.db, e.st.tenant, utc, e.st.opts)
	_, err = st.Create(ctx, input(t, merge(t, e.adsBody(), `{"audiences":{"include":[],"exclude":[]}}`)))
	if fieldsOf(err)["targeting.countries"] == "" {
		t.Errorf("UTC brand, no country, no audience: %v", err)
	}
}

// TestLaunchTargetsCountries: the ad set carries the countries as targeting.geo_locations, Meta reads them
// back; a change of countries after approval asks for approval again, and the relaunch replaces the ad
// set's targeting with the new countries.
func TestLaunchTargetsCountries(t *testing.T) {
	f := newLaunchFixture(t, `{"targeting":{"countries":["FR","BE"]}}`)
	ctx := ctxAs("m")
	lo := f.options()
	c, err := f.st.Launch(ctx, f.campaign.ID, ActInput{}, lo)
	if err != nil {
		t.Fatal(err)
	}
	set, err := f.client.AdSet(context.Background(), launchToken, c.Meta.AdSetID, "EUR")
	if err != nil || !slices.Equal(set.Countries, []string{"FR", "BE"}) || len(set.CustomAudienceIDs) != 1 {
		t.Fatalf("ad set targeting %+v %v", set, err)
	}
	c, err = f.st.Update(ctx, c.ID, input(t, `{"targeting":{"countries":["DE"]}}`))
	if err != nil || c.State != StatePendingApproval {
		t.Fatalf("countries changed while running: %v %s", err, c.State)
	}
	if _, err := f.st.Act(tenancy.WithActor(context.Background(), tenancy.Actor{UserID: "u-a", Label: "a"}), c.ID, ActApprove, ActInput{}); err != nil {
		t.Fatal(err)
	}
	if c, err = f.st.Launch(ctx, c.ID, ActInput{}, lo); err != nil {
		t.Fatal(err)
	}
	set, err = f.client.AdSet(context.Background(), launchToken, c.Meta.AdSetID, "EUR")
	if err != nil || !slices.Equal(set.Countries, []string{"DE"}) || len(set.CustomAudienceIDs) != 1 {
		t.Errorf("relaunched ad set targeting %+v %v", set, err)
	}
	if got := f.metaCounts(t); got[0] != 1 || got[1] != 1 {
		t.Errorf("Meta holds %v", got)
	}
}

// TestLaunchDefaultCountry: an ads campaign without audiences or countries launches with the brand's
// country, since Meta refuses an ad set with no location.
func TestLaunchDefaultCountry(t *testing.T) {
	f := newLaunchFixture(t, `{"audiences":{"include":[],"exclude":[]}}`)
	c, err := f.st.Launch(ctxAs("m"), f.campaign.ID, ActInput{}, f.options())
	if err != nil {
		t.Fatal(err)
	}
	set, err := f.client.AdSet(context.Background(), launchToken, c.Meta.AdSetID, "EUR")
	if err != nil || !slices.Equal(set.Countries, []string{"FR"}) || len(set.CustomAudienceIDs) != 0 {
		t.Errorf("ad set targeting %+v %v", set, err)
	}
}

// TestLaunchErrorNamesCountries: Meta's refusal of the ad set's location is a 422 on targeting.countries.
func TestLaunchErrorNamesCountries(t *testing.T) {
	le := &LaunchError{Step: "ad set", Err: &meta.Error{Code: 100, Subcode: 1885364, Type: "OAuthException", HTTPStatus: 400,
		Message: "Invalid parameter", UserMsg: "Your audience is missing a location. You can add a location or a Custom Audience."}}
	if le.Status() != http.StatusUnprocessableEntity || !strings.Contains(le.Fields()["targeting.countries"], "missing a location") {
		t.Errorf("status %d, fields %v", le.Status(), le.Fields())
	}
}
