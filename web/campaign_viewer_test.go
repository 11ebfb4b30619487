package web_test

import (
	"strings"
	"testing"
)

// TestBrandViewerSeesOnlyItsBrandsCampaigns: a brand_viewer of A1 lists A1's campaign and not a campaign
// of A2, the other brand of the same agency, in the API and on the screens, and cannot open A2's.
func TestBrandViewerSeesOnlyItsBrandsCampaigns(t *testing.T) {
	f := newFixture(t)
	db := f.store.DB().W
	row := map[string]any{}
	if err := db.Table("campaigns").Where("id = ?", f.campaign.ID).Take(&row).Error; err != nil {
		t.Fatal(err)
	}
	const other = "0c0ffee0-0000-4000-8000-00000000a2a2"
	row["id"], row["brand_id"], row["name"], row["ref"] = other, f.a2.ID, "A2 own campaign", "a2-own"
	if err := db.Table("campaigns").Create(row).Error; err != nil {
		t.Fatal(err)
	}
	viewerU := f.users[bViewer]
	api, ui := caller{token: f.tokens[bViewer]}, caller{user: &viewerU}
	for _, c := range []struct {
		who  caller
		path string
	}{{api, "/api/v1/campaigns"}, {ui, "/campaigns"}, {api, "/api/v1/campaigns?state=draft"}} {
		status, body := f.do(c.who, "GET", c.path, "")
		if status != 200 || !strings.Contains(body, f.campaign.ID) || strings.Contains(body, other) || strings.Contains(body, "A2 own campaign") {
			t.Errorf("%s: %d %s", c.path, status, trim(body))
		}
	}
	for _, c := range []struct {
		who  caller
		path string
	}{{api, "/api/v1/brands/" + f.a2.ID + "/campaigns/" + other}, {ui, "/brands/" + f.a2.ID + "/campaigns/" + other},
		{api, "/api/v1/brands/" + f.a2.ID + "/campaigns"}} {
		if status, body := f.do(c.who, "GET", c.path, ""); (status != 403 && status != 404) || strings.Contains(body, "A2 own campaign") {
			t.Errorf("%s: %d %s", c.path, status, trim(body))
		}
	}
}
