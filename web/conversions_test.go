package web_test

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestConversionsAPI reports a conversion of the fixture's contact, again with the same external id (200, the
// stored one), refuses bad fields by name, imports a CSV, and keeps conversions from other agencies and from
// roles without the permission.
func TestConversionsAPI(t *testing.T) {
	f := newFixture(t)
	mgr := caller{token: f.tokens[manager]}
	base := "/api/v1/brands/" + f.a1.ID + "/conversions"
	at := time.Now().UTC().Add(-time.Hour).Format(time.RFC3339)
	body := `{"external_id":"order-77","contact_id":"` + f.contact + `","type":"purchase","value":{"amount":"49.90","currency":"EUR"},"occurred_at":"` + at + `"}`
	status, out := f.do(mgr, http.MethodPost, base, body)
	if status != http.StatusCreated || !strings.Contains(out, `"amount":"49.90"`) || !strings.Contains(out, `"status":"off"`) {
		t.Fatalf("create: %d %s", status, out)
	}
	if status, out := f.do(mgr, http.MethodPost, base, strings.Replace(body, "49.90", "99.00", 1)); status != http.StatusOK || !strings.Contains(out, `"amount":"49.90"`) {
		t.Errorf("the same external id: %d %s", status, out)
	}
	for name, c := range map[string]struct{ body, field string }{
		"comma":    {strings.Replace(body, `"49.90"`, `"49,90"`, 1), "value.amount"},
		"negative": {strings.Replace(body, `"49.90"`, `"-1"`, 1), "value.amount"},
		"currency": {strings.Replace(body, `"EUR"`, `"XYZ"`, 1), "value.currency"},
		"contact":  {strings.Replace(strings.Replace(body, f.contact, "no-such-contact", 1), "order-77", "order-78", 1), "contact_id"},
		"future":   {strings.Replace(strings.Replace(body, at, "2999-01-01T00:00:00Z", 1), "order-77", "order-79", 1), "occurred_at"},
		"null":     {strings.Replace(body, `{"amount":"49.90","currency":"EUR"}`, "null", 1), "value"},
	} {
		if status, out := f.do(mgr, http.MethodPost, base, c.body); status != http.StatusUnprocessableEntity || !strings.Contains(out, `"`+c.field+`"`) {
			t.Errorf("%s: %d %s", name, status, out)
		}
	}
	if _, out := f.do(caller{token: f.tokens[finance]}, http.MethodGet, base, ""); strings.Count(out, `"external_id"`) != 1 {
		t.Errorf("list: %s", out)
	}
	if status, _ := f.do(caller{token: f.tokens[bViewer]}, http.MethodGet, base, ""); status != http.StatusForbidden {
		t.Errorf("a brand viewer listed conversions: %d", status)
	}
	if status, _ := f.do(caller{token: f.tokens["b_admin"]}, http.MethodGet, base, ""); status != http.StatusForbidden && status != http.StatusNotFound {
		t.Errorf("another agency listed conversions: %d", status)
	}
}
