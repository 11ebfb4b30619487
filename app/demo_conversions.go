package app

import (
	"context"
	"fmt"
	"strings"
	"time"

	"relance/attribution"
	"relance/tenancy"
)

// demoMoneyTerms are each demo brand's fees and the prices of what its people buy, in the order of demoBrands:
// a percentage of media spend (basis points) and a fixed monthly fee, and purchase amounts in the brand's
// currency (the demo picks one per purchase).
var demoMoneyTerms = []struct {
	percentBP int
	monthly   string
	prices    []string
}{
	{1000, "250.00", []string{"38.50", "64.00", "92.00", "120.00", "49.90"}},
	{1250, "0", []string{"45000.00", "89000.00", "185000.00", "350000.00"}},
	{0, "9000.00", []string{"1200.00", "1850.00", "2900.00", "4500.00"}},
}

// seedDemoFees gives the demo brands their fees.
func seedDemoFees(ctx context.Context, r *runtime, tenantID string, brandIDs []string) error {
	ts := r.store.Tenant(tenantID)
	for i, id := range brandIDs {
		if i >= len(demoMoneyTerms) {
			break
		}
		m := demoMoneyTerms[i]
		bp, monthly := m.percentBP, tenancy.FeeAmount{Amount: m.monthly}
		fees := &tenancy.FeesInput{PercentBP: &bp, Monthly: &monthly}
		if _, err := ts.UpdateBrand(ctx, id, tenancy.BrandInput{Settings: &tenancy.SettingsInput{Fees: fees}}); err != nil {
			return fmt.Errorf("app: demo fees: %w", err)
		}
	}
	return nil
}

// demoPurchaseEvery is one in how many talkative contacts (three messages or more) bought something.
const demoPurchaseEvery = 4

// seedDemoConversions records the demo brands' conversions as an integration would: a lead for each person
// who shared a phone number or an e-mail address (when they first did), and purchases of some of those who
// talked more, half reported through the conversions API and half in a CSV import.
func seedDemoConversions(ctx context.Context, r *runtime, tenantID string, brandIDs []string) error {
	ts := r.store.Tenant(tenantID)
	now := time.Now().UTC()
	for i, id := range brandIDs {
		if i >= len(demoMoneyTerms) {
			break
		}
		b, err := ts.Brand(ctx, id)
		if err != nil {
			return err
		}
		st := attribution.NewStore(r.db, tenantID, b, nil)
		type who struct {
			PageID string
			PSID   string `gorm:"column:psid"`
			At     int64
		}
		var leads []who
		if err := r.db.R.WithContext(ctx).Raw(`SELECT page_id, psid, MIN(first_seen_at) AS at FROM contact_entities
			WHERE tenant_id = ? AND brand_id = ? AND entity IN ('phone_number', 'email') GROUP BY page_id, psid ORDER BY psid`,
			tenantID, id).Scan(&leads).Error; err != nil {
			return fmt.Errorf("app: demo leads: %w", err)
		}
		for _, l := range leads {
			in := attribution.ConversionInput{ExternalID: "demo-lead-" + l.PSID, PageID: l.PageID, PSID: l.PSID, Type: "lead",
				Value: &attribution.Value{Amount: "0", Currency: b.Currency}, OccurredAt: time.UnixMilli(l.At).UTC().Format(time.RFC3339)}
			if _, _, err := st.Create(ctx, in); err != nil {
				return fmt.Errorf("app: demo lead: %w", err)
			}
		}
		var buyers []who
		if err := r.db.R.WithContext(ctx).Raw(`SELECT page_id, psid, last_inbound_at AS at FROM contacts
			WHERE tenant_id = ? AND brand_id = ? AND inbound_count >= 3 AND last_inbound_at > 0 ORDER BY psid`, tenantID, id).
			Scan(&buyers).Error; err != nil {
			return fmt.Errorf("app: demo purchases: %w", err)
		}
		prices := demoMoneyTerms[i].prices
		var csv strings.Builder
		csv.WriteString(strings.Join(attribution.ImportHeader, ",") + "\n")
		for k, p := range buyers {
			if k%demoPurchaseEvery != 0 {
				continue
			}
			// They pay a couple of hours after their last message, and never after now.
			paid := time.UnixMilli(p.At).Add(2 * time.Hour)
			if paid.After(now.Add(-time.Hour)) {
				paid = now.Add(-time.Hour)
			}
			at := paid.UTC().Format(time.RFC3339)
			amount := prices[(k/demoPurchaseEvery)%len(prices)]
			ext := fmt.Sprintf("demo-order-%s", p.PSID)
			if (k/demoPurchaseEvery)%2 == 0 {
				in := attribution.ConversionInput{ExternalID: ext, PageID: p.PageID, PSID: p.PSID, Type: "purchase",
					Value: &attribution.Value{Amount: amount, Currency: b.Currency}, OccurredAt: at}
				if _, _, err := st.Create(ctx, in); err != nil {
					return fmt.Errorf("app: demo purchase: %w", err)
				}
				continue
			}
			fmt.Fprintf(&csv, "%s,%s,%s,purchase,%s,%s,%s\n", ext, p.PageID, p.PSID, amount, b.Currency, at)
		}
		res, err := st.Import(ctx, strings.NewReader(csv.String()))
		if err != nil {
			return fmt.Errorf("app: demo purchases import: %w", err)
		}
		if err := ts.Record(ctx, tenancy.AuditEntry{BrandID: b.ID, Action: tenancy.ActionConversionsImport, ObjectType: "brand",
			ObjectID: b.ID, Summary: fmt.Sprintf("conversions CSV: %d rows, %d new, %d duplicates", res.Rows, res.Created, res.Duplicates)}); err != nil {
			return err
		}
	}
	return nil
}
