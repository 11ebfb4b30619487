package attribution

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"relance/database"
	"relance/internal/testdb"
	"relance/tenancy"
)

const testPage = "104000000000777"

// env is a brand with three contacts on testPage and a store whose clock is fixed.
type env struct {
	db     *database.DB
	st     *Store
	brand  tenancy.Brand
	tenant string
	now    time.Time
}

func newEnv(t *testing.T, capi bool) *env {
	t.Helper()
	ctx := context.Background()
	db := testdb.Open(t)
	v, _ := tenancy.NewVault([]byte("0123456789abcdef0123456789abcdef"))
	s, err := tenancy.NewStore(ctx, db, v)
	if err != nil {
		t.Fatal(err)
	}
	tn, _ := s.CreateTenant(ctx, "Agency", "agency")
	name, cur, tz := "Brand", "EUR", "Europe/Paris"
	in := tenancy.BrandInput{Name: &name, Currency: &cur, Timezone: &tz, Settings: &tenancy.SettingsInput{CAPIForwarding: &capi}}
	b, err := s.Tenant(tn.ID).CreateBrand(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	for i := 1; i <= 3; i++ {
		err := db.W.Exec("INSERT INTO contacts (id, tenant_id, brand_id, page_id, psid, first_seen_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
			fmt.Sprintf("contact-%d", i), tn.ID, b.ID, testPage, fmt.Sprintf("730000000000000%d", i), now.UnixMilli(), now.UnixMilli()).Error
		if err != nil {
			t.Fatal(err)
		}
	}
	return &env{db: db, st: NewStore(db, tn.ID, b, func() time.Time { return now }), brand: b, tenant: tn.ID, now: now}
}

func purchase(ext, psid, amount string, at time.Time) ConversionInput {
	return ConversionInput{ExternalID: ext, PageID: testPage, PSID: psid, Type: "purchase",
		Value: &Value{Amount: amount, Currency: "EUR"}, OccurredAt: at.Format(time.RFC3339)}
}

func TestCreateIsIdempotentOnExternalID(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, true)
	c, created, err := e.st.Create(ctx, purchase("order-1", "7300000000000001", "49.9", e.now.Add(-time.Hour)))
	if err != nil || !created || c.Value.Amount != "49.90" || c.ContactID != "contact-1" || c.CAPI.Status != CAPIPending || c.CAPI.EventID != c.ID {
		t.Fatalf("create: %+v %v %v", c, created, err)
	}
	again, created, err := e.st.Create(ctx, purchase("order-1", "7300000000000002", "1000", e.now))
	if err != nil || created || again.ID != c.ID || again.Value.Amount != "49.90" {
		t.Errorf("the same external id again: %+v %v %v", again, created, err)
	}
	byID, _, err := e.st.Create(ctx, ConversionInput{ExternalID: "lead-1", ContactID: "contact-2", Type: "lead",
		Value: &Value{Amount: "0", Currency: "EUR"}, OccurredAt: e.now.Add(-8 * 24 * time.Hour).Format(time.RFC3339)})
	if err != nil || byID.PSID != "7300000000000002" || byID.CAPI.Status != CAPITooOld {
		t.Errorf("by contact id, 8 days old: %+v %v", byID, err)
	}
	got, err := e.st.Get(ctx, c.ID)
	if err != nil || got.ExternalID != "order-1" {
		t.Errorf("get: %+v %v", got, err)
	}
	list, _, err := e.st.List(ctx, tenancy.Cursor{})
	if err != nil || len(list) != 2 || list[0].ID != c.ID {
		t.Errorf("list: %+v %v", list, err)
	}
}

func TestCreateNamesEachBadField(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, false)
	at := e.now.Add(-time.Hour)
	cases := map[string]struct {
		in    ConversionInput
		field string
	}{
		"comma":           {purchase("x1", "7300000000000001", "49,90", at), "value.amount"},
		"thousands":       {purchase("x2", "7300000000000001", "1,049.90", at), "value.amount"},
		"negative":        {purchase("x3", "7300000000000001", "-5.00", at), "value.amount"},
		"too many digits": {purchase("x4", "7300000000000001", "5.001", at), "value.amount"},
		"unknown currency": {func() ConversionInput {
			in := purchase("x5", "7300000000000001", "5", at)
			in.Value.Currency = "EUX"
			return in
		}(), "value.currency"},
		"unknown contact": {purchase("x6", "7300000000000009", "5", at), "psid"},
		"future":          {purchase("x7", "7300000000000001", "5", e.now.Add(time.Hour)), "occurred_at"},
		"no value":        {ConversionInput{ExternalID: "x8", ContactID: "contact-1", Type: "lead", OccurredAt: at.Format(time.RFC3339)}, "value"},
		"bad type":        {ConversionInput{ExternalID: "x9", ContactID: "contact-1", Type: "sale", Value: &Value{"1", "EUR"}, OccurredAt: at.Format(time.RFC3339)}, "type"},
		"no external id":  {purchase(" ", "7300000000000001", "5", at), "external_id"},
		"both contacts": {ConversionInput{ExternalID: "x10", ContactID: "contact-1", PageID: testPage, PSID: "1", Type: "lead",
			Value: &Value{"0", "EUR"}, OccurredAt: at.Format(time.RFC3339)}, "contact_id"},
		"another brand's contact id": {ConversionInput{ExternalID: "x11", ContactID: "contact-99", Type: "lead",
			Value: &Value{"0", "EUR"}, OccurredAt: at.Format(time.RFC3339)}, "contact_id"},
	}
	for name, c := range cases {
		_, _, err := e.st.Create(ctx, c.in)
		var v *tenancy.ValidationError
		if !errors.As(err, &v) || v.Fields[c.field] == "" {
			t.Errorf("%s: %v, want an error on %s", name, err, c.field)
		}
	}
	if list, _, _ := e.st.List(ctx, tenancy.Cursor{}); len(list) != 0 {
		t.Errorf("refused conversions were stored: %+v", list)
	}
}

func TestImportAllOrNothing(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, false)
	at := e.now.Add(-time.Hour).Format(time.RFC3339)
	good := "\ufeffexternal_id,page_id,psid,type,amount,currency,occurred_at\n" +
		"o-1," + testPage + ",7300000000000001,purchase,10.00,EUR," + at + "\n" +
		"o-2," + testPage + ",7300000000000002,purchase,20.50,EUR," + at + "\n" +
		"o-1," + testPage + ",7300000000000001,purchase,10.00,EUR," + at + "\n"
	res, err := e.st.Import(ctx, strings.NewReader(good))
	if err != nil || res.Created != 2 || res.Duplicates != 1 || res.Rows != 3 {
		t.Fatalf("import: %+v %v", res, err)
	}
	again, err := e.st.Import(ctx, strings.NewReader(good))
	if err != nil || again.Created != 0 || again.Duplicates != 3 {
		t.Errorf("the same file again: %+v %v", again, err)
	}
	bad := "external_id,page_id,psid,type,amount,currency,occurred_at\n" +
		"o-3," + testPage + ",7300000000000003,purchase,10.00,EUR," + at + "\n" +
		"o-4," + testPage + ",7300000000000003,purchase,\"1,5\",EUR," + at + "\n" +
		"o-5," + testPage + ",7300000000000099,purchase,1.00,EUR," + at + "\n"
	_, err = e.st.Import(ctx, strings.NewReader(bad))
	var v *tenancy.ValidationError
	if !errors.As(err, &v) || v.Fields["line 3: value.amount"] == "" {
		t.Fatalf("a faulty file: %v", err)
	}
	// The unknown contact is found only once the amounts are right: fix line 3 and line 4 is refused.
	_, err = e.st.Import(ctx, strings.NewReader(strings.Replace(bad, `"1,5"`, "1.50", 1)))
	if !errors.As(err, &v) || v.Fields["line 4: psid"] == "" {
		t.Fatalf("an unknown contact: %v", err)
	}
	if list, _, _ := e.st.List(ctx, tenancy.Cursor{}); len(list) != 2 {
		t.Errorf("a refused file stored some of its lines: %d conversions", len(list))
	}
	if _, err := e.st.Import(ctx, strings.NewReader("id,amount\n1,2\n")); !errors.As(err, &v) || v.Fields["file"] == "" {
		t.Errorf("a wrong header: %v", err)
	}
}
