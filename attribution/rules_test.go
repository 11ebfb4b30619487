package attribution

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"relance/conversations"
	"relance/tenancy"
)

// deliver submits one webhook delivery of items (messaging objects without braces) for testPage.
func (e *ingestEnv) deliver(t *testing.T, items ...string) {
	t.Helper()
	body := `{"object":"page","entry":[{"id":"` + testPage + `","time":1,"messaging":[{` + strings.Join(items, "},{") + `}]}]}`
	entries, err := conversations.Parse([]byte(body), conversations.ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.in.Submit(context.Background(), entries); err != nil {
		t.Fatal(err)
	}
}

// text is a user's message item; postback a user's button tap.
func text(psid, mid, s string, at time.Time) string {
	return fmt.Sprintf(`"sender":{"id":"%s"},"recipient":{"id":"%s"},"timestamp":%d,"message":{"mid":"%s","text":"%s"}`, psid, testPage, at.UnixMilli(), mid, s)
}

func postback(psid, mid, payload string, at time.Time) string {
	return fmt.Sprintf(`"sender":{"id":"%s"},"recipient":{"id":"%s"},"timestamp":%d,"postback":{"title":"Go","payload":"%s","mid":"%s"}`,
		psid, testPage, at.UnixMilli(), payload, mid)
}

// sweep runs the rules sweep twice, as two minutes of the scheduler do: the first takes in the rows stored
// since, the second applies them.
func (e *ingestEnv) sweep(t *testing.T) RuleResult {
	t.Helper()
	var sum RuleResult
	for range 2 {
		r, err := ApplyRules(context.Background(), e.db, e.now)
		if err != nil {
			t.Fatal(err)
		}
		sum.Leads, sum.Purchases, sum.Waiting, sum.Skipped = sum.Leads+r.Leads, sum.Purchases+r.Purchases, r.Waiting, sum.Skipped+r.Skipped
	}
	return sum
}

// setRules stores conversion rules on the brand as the settings API does.
func (e *ingestEnv) setRules(t *testing.T, r tenancy.ConversionRules) {
	t.Helper()
	v, _ := tenancy.NewVault([]byte("0123456789abcdef0123456789abcdef"))
	ts, err := tenancy.NewStore(context.Background(), e.db, v)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ts.Tenant(e.tenant).UpdateBrand(context.Background(), e.brand.ID, tenancy.BrandInput{Settings: &tenancy.SettingsInput{ConversionRules: &r}}); err != nil {
		t.Fatal(err)
	}
}

// ruleConversions lists the brand's conversions as "type contact value currency occurred source".
func (e *ingestEnv) ruleConversions(t *testing.T) []string {
	t.Helper()
	var rows []conversionRow
	if err := e.db.R.Where("brand_id = ?", e.brand.ID).Order("type, psid, occurred_at").Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rows {
		v := r.view()
		out = append(out, fmt.Sprintf("%s %s %s %s %s %s", v.Type, v.PSID, v.Value.Amount, v.Value.Currency, v.OccurredAt.Format(time.RFC3339), v.Source))
	}
	return out
}

func TestConversionRules(t *testing.T) {
	ctx := context.Background()
	e := newIngestEnv(t, time.Hour) // contacts folded later, as with ingest.fold_interval
	const newcomer = "7300000000000009"
	if _, err := ApplyRules(ctx, e.db, e.now); err != nil { // the first sweep sets the watermarks
		t.Fatal(err)
	}
	// A brand without rules: nothing, and setting rules later does not reach back to these.
	e.deliver(t, text(psid1, "m.old", "call me +33 6 12 34 56 78", hours(1)), postback(psid1, "p.old", "BUY_SPRING_MENU", hours(1)))
	if r := e.sweep(t); r != (RuleResult{}) {
		t.Fatalf("a brand without rules got %+v", r)
	}
	e.setRules(t, tenancy.ConversionRules{LeadOnContactShared: true, PurchasePayloads: []tenancy.PayloadRule{
		{Payload: "BUY_SPRING_MENU", Match: "exact", Value: tenancy.RuleValue{Amount: "49.90", Currency: "EUR"}},
		{Payload: "MENU_", Match: "prefix", Value: tenancy.RuleValue{Amount: "12", Currency: "USD"}},
	}})
	// psid1 shares a phone number twice (and Meta retries the first delivery); psid2 an e-mail; the newcomer
	// an e-mail before its contact is folded. Postbacks: exact, prefix, another payload, and a retried one.
	first := text(psid1, "m.1", "mon numero +33 6 12 34 56 78", hours(2))
	e.deliver(t, first, text(psid2, "m.2", "ecrivez a jean.dupont@example.com", hours(3)))
	e.deliver(t, first, text(psid1, "m.3", "ou bien +33 6 98 76 54 32", hours(4)), text(psid1, "m.4", "merci", hours(4.5)))
	buy := postback(psid2, "p.1", "BUY_SPRING_MENU", hours(5))
	e.deliver(t, buy, postback(psid1, "p.2", "MENU_SUMMER_XL", hours(6)), postback(psid1, "p.3", "BUY_SPRING_MENU_EXTRA", hours(7)),
		postback(psid2, "p.4", "HELLO", hours(7)))
	e.deliver(t, buy)
	e.deliver(t, text(newcomer, "m.5", "jean@example.org", hours(8)))
	// psid1 and psid2 exist (newEnv wrote them); the newcomer waits in the fold queue and holds the sweep there.
	r := e.sweep(t)
	if r.Leads != 2 || r.Purchases != 2 || r.Waiting != 1 {
		t.Fatalf("sweep: %+v, want 2 leads, 2 purchases, waiting on the newcomer", r)
	}
	if err := e.in.Fold(ctx); err != nil {
		t.Fatal(err)
	}
	if r := e.sweep(t); r.Leads != 1 || r.Purchases != 0 || r.Waiting != 0 {
		t.Fatalf("after the fold: %+v, want the newcomer's lead", r)
	}
	e.deliver(t, first, buy) // a late retry changes nothing
	if r := e.sweep(t); r != (RuleResult{}) {
		t.Fatalf("a retried delivery gave %+v", r)
	}
	got := strings.Join(e.ruleConversions(t), "\n")
	want := strings.Join([]string{
		"lead " + psid1 + " 0.00 EUR " + hours(2).Format(time.RFC3339) + " rule",
		"lead " + psid2 + " 0.00 EUR " + hours(3).Format(time.RFC3339) + " rule",
		"lead " + newcomer + " 0.00 EUR " + hours(8).Format(time.RFC3339) + " rule",
		"purchase " + psid1 + " 12.00 USD " + hours(6).Format(time.RFC3339) + " rule",
		"purchase " + psid2 + " 49.90 EUR " + hours(5).Format(time.RFC3339) + " rule",
	}, "\n")
	if got != want {
		t.Fatalf("conversions:\n%s\nwant:\n%s", got, want)
	}
	// The report rollups count them: each has its credit lines, the purchases' values add up per currency.
	var credits []struct {
		Type, Currency string
		N, Value       int64
	}
	if err := e.db.R.Raw(`SELECT type, currency, COUNT(DISTINCT conversion_id) AS n, SUM(value) AS value FROM report_credits
		WHERE tenant_id = ? AND model = 'last_touch' AND window_days = 28 GROUP BY type, currency ORDER BY type, currency`, e.tenant).Scan(&credits).Error; err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(credits); got != "[{lead EUR 3 0} {purchase EUR 1 4990} {purchase USD 1 1200}]" {
		t.Errorf("report credits: %s", got)
	}
}

func TestPurchaseExternalIDFitsAndIsStable(t *testing.T) {
	short := purchaseExternalID(testPage, "pb:m.1")
	if short != "rule:purchase:"+testPage+":pb:m.1" {
		t.Errorf("short key: %s", short)
	}
	long := "pb:7300000000000001:1:" + strings.Repeat("X", 1000)
	a, b := purchaseExternalID(testPage, long), purchaseExternalID(testPage, long)
	if a != b || len(a) > 200 || a == purchaseExternalID(testPage, long+"Y") {
		t.Errorf("long key: %s", a)
	}
}
