package nlp

import (
	"reflect"
	"strings"
	"testing"
)

// pairs renders entities as "name=value" for compact comparisons.
func pairs(es []Entity) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.Name+"="+e.Value)
	}
	return out
}

func TestExtract(t *testing.T) {
	tests := []struct {
		in   string
		want []string // every entity, in order; nil for none
	}{
		// Nothing.
		{"", nil},
		{"   ", nil},
		{"ok 👍", nil},
		{"e.g. a bag or a wallet", nil},
		{"i.e. the blue one", nil},
		{"version 1.2.3 crashes, 2.0 too", nil},
		{"it costs 1.50, right?", nil},
		{"how much is it?", nil},
		{"c'est bon.ça marche", nil},
		{"see photo.jpg and file.pdf", nil},
		{"order #0612345678 is late", nil},
		{"Mon numéro client est le 4408 1290 77", nil},
		{"open 24/7, delivery in 48h", nil},
		{"livraison en 2h ou sous 24h", nil},
		{"3 balles de tennis", nil},
		{"5 pounds of flour", nil},
		{"les paris sportifs et un pull bordeaux", nil},
		{"Nice work, very nice", nil},
		{"I may come on the 3rd floor", nil},
		{"hi-fi speakers", nil},
		{"thanks to the rain it is late", nil},
		{"c'est à plus de 20 km", nil},
		{"valable jusqu'à dimanche", []string{"datetime=dimanche"}},
		{"can you see you're charging twice?", nil},
		{"9/10 would recommend, size 8/10", nil},
		{"le 8/10 à 14h", []string{"datetime=8/10 à 14h"}},

		// E-mail and URL.
		{"write to lea@example.org.", []string{"email=lea@example.org"}},
		{"mail: Jean.Dupont+shop@sub.example.co.uk", []string{"email=Jean.Dupont+shop@sub.example.co.uk"}},
		{"paul [at] example [dot] com", []string{"email=paul@example.com"}},
		{"paul point durand arobase gmail point com", []string{"email=paul.durand@gmail.com"}},
		{"see https://example.com/menu?x=1.", []string{"url=https://example.com/menu?x=1"}},
		{"(https://en.wikipedia.org/wiki/Go_(language))", []string{"url=https://en.wikipedia.org/wiki/Go_(language)"}},
		{"go to www.example.com now", []string{"url=www.example.com"}},
		{"it's on example.fr/path/to", []string{"url=example.fr/path/to"}},
		{"Amazon.com has it", []string{"url=Amazon.com"}},
		{"shop.mybrand.co or mybrand.de/shop", []string{"url=shop.mybrand.co", "url=mybrand.de/shop"}},
		{"linktr.ee/brand", []string{"url=linktr.ee/brand"}},

		// Phone numbers: E.164 values.
		{"Call me on +33 6 12 34 56 78", []string{"phone_number=+33612345678"}},
		{"tel 0033 6 12 34 56 78", []string{"phone_number=+33612345678"}},
		{"06.12.34.56.78", []string{"phone_number=+33612345678"}},
		{"(415) 555-2671", []string{"phone_number=+14155552671"}},
		{"+44 7911 123456 or 020 7946 0321", []string{"phone_number=+447911123456", "phone_number=+442079460321"}},
		{"on 12/03/2024", []string{"datetime=12/03/2024"}},

		// Money: normalized values.
		{"$20", []string{"amount_of_money=20 USD"}},
		{"20 €", []string{"amount_of_money=20 EUR"}},
		{"20€", []string{"amount_of_money=20 EUR"}},
		{"20,50 euros", []string{"amount_of_money=20.50 EUR"}},
		{"20€50", []string{"amount_of_money=20.50 EUR"}},
		{"EUR 15", []string{"amount_of_money=15 EUR"}},
		{"15 dollars", []string{"amount_of_money=15 USD"}},
		{"1 500 €", []string{"amount_of_money=1500 EUR"}},
		{"1\u202f500,00\u00a0€", []string{"amount_of_money=1500 EUR"}},
		{"$1,299.99", []string{"amount_of_money=1299.99 USD"}},
		{"1.299,99 €", []string{"amount_of_money=1299.99 EUR"}},
		{"£1.50", []string{"amount_of_money=1.50 GBP"}},
		{"CA$25 or 25 $ CA", []string{"amount_of_money=25 CAD"}},
		{"2k€", []string{"amount_of_money=2000 EUR"}},
		{"50 cents", []string{"amount_of_money=0.50 USD"}},
		{"20 balles", []string{"amount_of_money=20 EUR"}},
		{"twenty quid", []string{"amount_of_money=20 GBP"}},
		{"quatre-vingt-dix euros", []string{"amount_of_money=90 EUR"}},
		{"20€ ou 20 €", []string{"amount_of_money=20 EUR"}},

		// Dates and times: the text as written, merged.
		{"tomorrow", []string{"datetime=tomorrow"}},
		{"demain", []string{"datetime=demain"}},
		{"next monday", []string{"datetime=next monday"}},
		{"lundi prochain", []string{"datetime=lundi prochain"}},
		{"at 3pm", []string{"datetime=3pm"}},
		{"à 15h", []string{"datetime=15h"}},
		{"le 15/03", []string{"datetime=15/03"}},
		{"March 3rd", []string{"datetime=March 3rd"}},
		{"le 3 mars", []string{"datetime=3 mars"}},
		{"tonight", []string{"datetime=tonight"}},
		{"ce soir", []string{"datetime=ce soir"}},
		{"tomorrow at 10am", []string{"datetime=tomorrow at 10am"}},
		{"demain à 20h", []string{"datetime=demain à 20h"}},
		{"entre 14h et 16h", []string{"datetime=14h et 16h"}},
		{"on the 15th", []string{"datetime=the 15th"}},
		{"2024-11-03", []string{"datetime=2024-11-03"}},
		{"half past two", []string{"datetime=half past two"}},
		{"quinze heures trente", []string{"datetime=quinze heures trente"}},
		{"next Fri", []string{"datetime=next Fri"}},
		{"in 10 minutes", []string{"datetime=in 10 minutes"}},
		{"il y a 2 jours", []string{"datetime=il y a 2 jours"}},

		// Places.
		{"I live in Paris", []string{"location=Paris"}},
		{"une boutique à Lyon ?", []string{"location=Lyon"}},
		{"near the station", []string{"location=the station"}},
		{"près de la gare", []string{"location=la gare"}},
		{"12 rue de la Paix", []string{"location=12 rue de la Paix"}},
		{"12 rue de la Paix, 75002 Paris", []string{"location=12 rue de la Paix, 75002 Paris"}},
		{"221B Baker Street", []string{"location=221B Baker Street"}},
		{"I'm going to Nice", []string{"location=Nice"}},
		{"based in Springfield", []string{"location=Springfield"}},
		{"Montre\u0301al", []string{"location=Montre\u0301al"}},

		// Small talk, with case and accent folding.
		{"HELLO", []string{"greetings=true"}},
		{"Bonjour", []string{"greetings=true"}},
		{"SALUT", []string{"greetings=true"}},
		{"coucou", []string{"greetings=true"}},
		{"bonsoir", []string{"greetings=true"}},
		{"good morning", []string{"greetings=true"}},
		{"bye", []string{"bye=true"}},
		{"see you", []string{"bye=true"}},
		{"au revoir", []string{"bye=true"}},
		{"À BIENTÔT", []string{"bye=true"}},
		{"a\u0300 bient\u00f4t", []string{"bye=true"}},
		{"bonne journée", []string{"bye=true"}},
		{"Bon week-end !", []string{"bye=true"}},
		{"have a nice weekend", []string{"bye=true"}},
		{"thanks", []string{"thanks=true"}},
		{"thank you", []string{"thanks=true"}},
		{"thx", []string{"thanks=true"}},
		{"merci", []string{"thanks=true"}},
		{"MERCI BEAUCOUP", []string{"thanks=true"}},
		{"merci merci merci", []string{"thanks=true"}},
		{"À demain !", []string{"bye=true", "datetime=demain"}},

		// Everything together, in order of appearance.
		{"Bonjour ! Is the 49.90 EUR offer still valid tomorrow at 10am?",
			[]string{"greetings=true", "amount_of_money=49.90 EUR", "datetime=tomorrow at 10am"}},
		{"Thanks! Call me on +33 6 12 34 56 78 or write to lea@example.org",
			[]string{"thanks=true", "phone_number=+33612345678", "email=lea@example.org"}},
		{"Bye, I'll check https://example.com/menu near Lyon",
			[]string{"bye=true", "url=https://example.com/menu", "location=Lyon"}},
	}
	for _, tt := range tests {
		got := Extract(tt.in)
		if !reflect.DeepEqual(pairs(got), tt.want) {
			t.Errorf("Extract(%q) = %q, want %q", tt.in, pairs(got), tt.want)
		}
		for _, e := range got {
			if e.Source != SourceRelance || e.Confidence <= 0 || e.Confidence > 1 || !IsEntityName(e.Name) {
				t.Errorf("Extract(%q): bad entity %+v", tt.in, e)
			}
		}
	}
}

func TestExtractWithRegion(t *testing.T) {
	tests := []struct {
		in, region string
		want       []string
	}{
		{"call 020 7946 0321", "GB", []string{"phone_number=+442079460321"}},
		{"call 020 7946 0321", "gb", []string{"phone_number=+442079460321"}},
		{"call (415) 555-2671", "US", []string{"phone_number=+14155552671"}},
		// A French national number is not valid in the US: with a region, no guessing.
		{"call 06 12 34 56 78", "US", nil},
		{"call 06 12 34 56 78", "FR", []string{"phone_number=+33612345678"}},
		// International numbers do not depend on the region.
		{"call +33 6 12 34 56 78", "US", []string{"phone_number=+33612345678"}},
		{"call 0033 6 12 34 56 78", "BE", []string{"phone_number=+33612345678"}},
		{"call 06 12 34 56 78", "XX", nil},
	}
	for _, tt := range tests {
		if got := pairs(ExtractWithRegion(tt.in, tt.region)); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ExtractWithRegion(%q, %q) = %q, want %q", tt.in, tt.region, got, tt.want)
		}
	}
	// Confidence tells a guessed region from a known one.
	if es := Extract("06 12 34 56 78"); len(es) != 1 || es[0].Confidence != ConfidenceLikely {
		t.Errorf("fallback region: %+v", es)
	}
	if es := ExtractWithRegion("06 12 34 56 78", "FR"); len(es) != 1 || es[0].Confidence != ConfidenceRule {
		t.Errorf("explicit region: %+v", es)
	}
}

func TestExtractHostile(t *testing.T) {
	// Large and degenerate inputs must come back quickly and without panicking; the regexps are linear-time,
	// and the hand-written scans must stay so.
	inputs := []string{
		strings.Repeat("1 ", 50000),
		strings.Repeat("rue de ", 20000),
		strings.Repeat("12 rue ", 20000),
		strings.Repeat("a@", 20000),
		strings.Repeat("www.", 20000),
		strings.Repeat("€1", 20000),
		strings.Repeat("Paris ", 20000),
		strings.Repeat("\xff\xfe", 20000),
		strings.Repeat("é", 50000),
		strings.Repeat("\u0301", 50000),
	}
	for _, in := range inputs {
		_ = extract(in, "")
	}
}
