package conversations_test

import (
	"context"
	"strings"
	"testing"

	"relance/conversations"
)

func TestImportJSONLinesAndCSV(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	pages := map[string]bool{fixturePage: true}
	jsonl := strings.Join([]string{
		`{"page_id":"` + fixturePage + `","psid":"7500","sent_at":"2025-06-01T10:00:00Z","text":"Hello, my email is anna@example.com","referral":{"source":"ADS","ad_id":"23850000000000009","ref":"camp=summer"}}`,
		`{"page_id":"` + fixturePage + `","psid":"7500","sent_at":1748772060000,"direction":"out","sender":"bot","text":"Hi Anna!"}`,
		`not json`,
		`{"page_id":"999","psid":"7500","sent_at":"2025-06-01T10:00:00Z","text":"x"}`,
		``,
		`{"page_id":"` + fixturePage + `","psid":"7501","sent_at":"yesterday","text":"x"}`,
		`{"page_id":"` + fixturePage + `","psid":"7501","sent_at":"2025-06-02T10:00:00Z","text":"x","colour":"red"}`,
		`{"page_id":"` + fixturePage + `","psid":"7501","sent_at":"2025-06-02T10:00:00Z","text":"Bonjour","direction":"sideways"}`,
	}, "\n")
	res, err := e.in.Import(ctx, strings.NewReader(jsonl), "jsonl", pages)
	if err != nil {
		t.Fatal(err)
	}
	if res.Imported != 3 || len(res.Errors) != 5 {
		t.Fatalf("import: %+v", res)
	}
	for i, line := range []int{3, 4, 6, 7, 8} {
		if res.Errors[i].Line != line {
			t.Errorf("error %d on line %d, want %d (%s)", i, res.Errors[i].Line, line, res.Errors[i].Message)
		}
	}
	again, err := e.in.Import(ctx, strings.NewReader(jsonl), "jsonl", pages)
	if err != nil || again.Imported != 0 || again.Duplicates != 3 {
		t.Fatalf("re-import: %+v %v", again, err)
	}
	csv := "psid,page_id,sent_at,text,direction,ref_source,ref\n" +
		"7600," + fixturePage + ",2025-06-03T09:00:00Z,\"Prix du menu, svp ? 25 €\",in,SHORTLINK,poster-1\n" +
		"7600," + fixturePage + ",2025-06-03T09:05:00Z,\"Le menu est à 25 €\",out,,\n" +
		"7601,104000000000002,2025-06-03T09:00:00Z,hello,in,,\n"
	res, err = e.in.Import(ctx, strings.NewReader(csv), "csv", pages)
	if err != nil {
		t.Fatal(err)
	}
	if res.Imported != 3 || len(res.Errors) != 1 || res.Errors[0].Line != 4 {
		t.Fatalf("csv import: %+v", res)
	}
	e.fold(t)
	page, err := e.reader.Contacts(ctx, "meta-current", conversations.Filter{Source: "ADS"}, "", 50)
	if err != nil || len(page.Contacts) != 1 || page.Contacts[0].PSID != "7500" {
		t.Fatalf("contacts from ads: %+v %v", page.Contacts, err)
	}
	c := page.Contacts[0]
	if c.InboundCount != 1 || c.OutboundCount != 1 || c.FirstReferral == nil || c.FirstReferral.AdID != "23850000000000009" {
		t.Errorf("imported contact: %+v", c.Contact)
	}
	if strings.Join(c.Entities, ",") != "email,greetings" {
		t.Errorf("entities found by relance's extractor: %v", c.Entities)
	}
	page, _ = e.reader.Contacts(ctx, "meta-current", conversations.Filter{Entity: "amount_of_money", Text: "menu"}, "", 50)
	if len(page.Contacts) != 1 || page.Contacts[0].PSID != "7600" {
		t.Errorf("csv contact by entity and text: %+v", page.Contacts)
	}
	if _, err := e.in.Import(ctx, strings.NewReader("a,b\n1,2\n"), "csv", pages); err == nil {
		t.Error("a CSV with unknown columns was accepted")
	}
}

// TestImportFoldsItsContacts: an import answers with its people already in the contacts list, even when
// contacts are folded after the commit (ingest.fold_interval; the environment folds only every hour).
func TestImportFoldsItsContacts(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	jsonl := `{"page_id":"` + fixturePage + `","psid":"7700","sent_at":"2025-06-01T10:00:00Z","text":"Bonjour"}` + "\n" +
		`{"page_id":"` + fixturePage + `","psid":"7701","sent_at":"2025-06-01T11:00:00Z","text":"Hello"}`
	if res, err := e.in.Import(ctx, strings.NewReader(jsonl), "jsonl", map[string]bool{fixturePage: true}); err != nil || res.Imported != 2 {
		t.Fatalf("import: %+v %v", res, err)
	}
	page, err := e.reader.Contacts(ctx, "meta-current", conversations.Filter{}, "", 50)
	if err != nil || len(page.Contacts) != 2 {
		t.Fatalf("contacts right after the import: %d %v", len(page.Contacts), err)
	}
}
