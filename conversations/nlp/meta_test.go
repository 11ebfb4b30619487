package nlp

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"relance/internal/fixtures"
)

// fixtureMessage returns the "message" object of the first messaging item of a webhook fixture.
func fixtureMessage(t *testing.T, name string) map[string]json.RawMessage {
	t.Helper()
	raw, err := fixtures.Messenger(name)
	if err != nil {
		t.Fatalf("read fixture: %v", err)
	}
	var body struct {
		Entry []struct {
			Messaging []struct {
				Message map[string]json.RawMessage `json:"message"`
			} `json:"messaging"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Fatalf("decode fixture %s: %v", name, err)
	}
	if len(body.Entry) == 0 || len(body.Entry[0].Messaging) == 0 || body.Entry[0].Messaging[0].Message == nil {
		t.Fatalf("fixture %s has no message", name)
	}
	return body.Entry[0].Messaging[0].Message
}

func meta(name, value string, conf float64) Entity {
	return Entity{Name: name, Value: value, Confidence: conf, Source: SourceMeta}
}

func TestParseMetaFixtures(t *testing.T) {
	tests := []struct {
		fixture   string
		field     string
		threshold float64
		want      []Entity
	}{
		{"message_text_nlpv2.json", "nlpv2", 0.8, []Entity{
			meta(Greetings, "true", 0.99),
			meta(DateTime, "2025-11-26T10:00:00.000+01:00", 0.93),
			meta(AmountOfMoney, "49.9", 0.97),
		}},
		{"message_text_nlpv2.json", "nlpv2", 0.95, []Entity{
			meta(Greetings, "true", 0.99),
			meta(AmountOfMoney, "49.9", 0.97),
		}},
		{"message_nlp_legacy.json", "nlp", 0.8, []Entity{
			meta(Thanks, "true", 0.98),
			meta(PhoneNumber, "+33 6 12 34 56 78", 0.95),
			meta(Email, "lea@example.org", 0.99),
		}},
		{"message_nlp_legacy.json", "nlp", 0.96, []Entity{
			meta(Thanks, "true", 0.98),
			meta(Email, "lea@example.org", 0.99),
		}},
		{"message_nlp_wit.json", "nlp", 0.8, []Entity{
			meta(Bye, "true", 0.94),
			meta(Location, "Lyon", 0.91),
			meta(URL, "https://example.com/menu", 0.96),
		}},
		{"message_nlp_wit.json", "nlp", 0.95, []Entity{
			meta(URL, "https://example.com/menu", 0.96),
		}},
		{"message_nlp_wit.json", "nlp", 0.99, nil},
	}
	for _, tt := range tests {
		t.Run(tt.fixture+"/"+tt.field, func(t *testing.T) {
			msg := fixtureMessage(t, tt.fixture)
			nlp, ok := msg[tt.field]
			if !ok {
				t.Fatalf("fixture has no %q field", tt.field)
			}
			if got := ParseMeta(nlp, tt.threshold); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseMeta(%s, %.2f) =\n  %+v\nwant\n  %+v", tt.field, tt.threshold, got, tt.want)
			}
			// The whole message object works too: callers need not know which field a Page uses.
			whole, _ := json.Marshal(msg)
			if got := ParseMeta(whole, tt.threshold); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseMeta(message, %.2f) = %+v, want %+v", tt.threshold, got, tt.want)
			}
		})
	}
}

func TestParseMetaShapes(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []Entity
	}{
		{
			name: "2017 shape drops low confidence, false traits and untracked entities",
			in: `{"entities":{
				"greetings":[{"confidence":0.4,"value":"true","_entity":"greetings"}],
				"bye":[{"confidence":0.9,"value":"false"}],
				"sentiment":[{"confidence":0.99,"value":"positive"}],
				"quantity":[{"confidence":0.99,"value":3}],
				"datetime":[{"confidence":0.85,"value":"2017-10-27T00:00:00.000-07:00","grain":"day"},
				            {"confidence":0.5,"value":"2017-10-28T00:00:00.000-07:00"}],
				"amount_of_money":[{"confidence":0.9,"value":20,"unit":"EUR"}],
				"url":[{"confidence":0.79,"value":"example.com"}]}}`,
			want: []Entity{meta(DateTime, "2017-10-27T00:00:00.000-07:00", 0.85), meta(AmountOfMoney, "20", 0.9)},
		},
		{
			name: "wit$ shape with roles, interval values and string numbers",
			in: `{"intents":[],"entities":{
				"wit$datetime:datetime":[{"body":"from 2 to 4pm","confidence":"0.9","type":"interval",
					"from":{"value":"2025-01-01T14:00:00.000+01:00"},"to":{"value":"2025-01-01T17:00:00.000+01:00"}}],
				"wit$datetime:due_date":[{"body":"next week","confidence":0.88,"value":{"grain":"week"}}],
				"wit$amount_of_money:amount_of_money":[{"body":"$5","confidence":0.97,"value":"5","unit":"$"}],
				"wit$phone_number:phone_number":[{"body":"555 0100","confidence":0.6,"value":"5550100"}],
				"wit$email:email":[{"body":"a@b.fr","confidence":0.95,"value":"a@b.fr"}],
				"wit$sentiment:sentiment":[{"confidence":0.99,"value":"negative"}]},
				"traits":{"wit$thanks":[{"id":"1","value":"true","confidence":0.91}],
				          "wit$greetings":[{"value":"true","confidence":0.2}],
				          "wit$sentiment":[{"value":"positive","confidence":0.99}]}}`,
			want: []Entity{
				meta(Thanks, "true", 0.91),
				meta(DateTime, "from 2 to 4pm", 0.9),
				meta(DateTime, "next week", 0.88),
				meta(AmountOfMoney, "5", 0.97),
				meta(Email, "a@b.fr", 0.95),
			},
		},
		{
			name: "nlpv2 shape with plain names and a single object instead of a list",
			in: `{"entities":{"location:location":{"body":"Paris","confidence":0.93,"value":"Paris"},
				"url:url":[{"body":"www.example.fr","confidence":0.99,"value":"www.example.fr"}],
				"distance:distance":[{"confidence":0.99,"value":3,"unit":"km"}]},
				"traits":{"bye":[{"value":"true","confidence":0.81}],"greetings":[{"value":true,"confidence":0.95}]}}`,
			want: []Entity{
				meta(Greetings, "true", 0.95),
				meta(Bye, "true", 0.81),
				meta(Location, "Paris", 0.93),
				meta(URL, "www.example.fr", 0.99),
			},
		},
		{
			name: "duplicates keep the highest confidence",
			in:   `{"entities":{"email":[{"confidence":0.85,"value":"a@b.fr"},{"confidence":0.97,"value":"A@B.fr"}]}}`,
			want: []Entity{meta(Email, "a@b.fr", 0.97)},
		},
		{
			name: "missing value falls back to body; object without body is compact JSON",
			in: `{"entities":{"wit$location:location":[{"body":"Lyon","confidence":0.9}],
				"wit$datetime:datetime":[{"confidence":0.9,"value":{ "grain" : "day" }}]}}`,
			want: []Entity{meta(DateTime, `{"grain":"day"}`, 0.9), meta(Location, "Lyon", 0.9)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ParseMeta(json.RawMessage(tt.in), 0.8); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got\n  %+v\nwant\n  %+v", got, tt.want)
			}
		})
	}
}

func TestParseMetaJunk(t *testing.T) {
	junk := []string{
		``, ` `, `null`, `true`, `42`, `"nlp"`, `[]`, `[{"entities":{}}]`, `{`, `{"entities":`, `}{`,
		`{}`, `{"entities":null}`, `{"entities":5}`, `{"entities":"x"}`, `{"entities":[]}`,
		`{"entities":{"email":"a@b.fr"}}`, `{"entities":{"email":[1,2,3]}}`, `{"entities":{"email":[null]}}`,
		`{"entities":{"email":[{"value":"a@b.fr"}]}}`,
		`{"entities":{"email":[{"confidence":"high","value":"a@b.fr"}]}}`,
		`{"entities":{"email":[{"confidence":"NaN","value":"a@b.fr"}]}}`,
		`{"entities":{"email":[{"confidence":1e999,"value":"a@b.fr"}]}}`,
		`{"entities":{"email":[{"confidence":0.99}]}}`,
		`{"entities":{"email":[{"confidence":0.99,"value":null}]}}`,
		`{"entities":{"email":[{"confidence":0.99,"value":""}]}}`,
		`{"traits":{"greetings":[{"confidence":0.99}]}}`,
		`{"traits":{"greetings":[{"confidence":0.99,"value":"yes"}]}}`,
		`{"traits":{"greetings":[{"confidence":0.99,"value":1}]}}`,
		`{"nlp":"oops"}`,
		"\xff\xfe{}",
		strings.Repeat(`[`, 20000) + strings.Repeat(`]`, 20000),
		`{"entities":` + strings.Repeat(`{"a":`, 20000) + `1` + strings.Repeat(`}`, 20000) + `}`,
	}
	for _, in := range junk {
		if got := ParseMeta(json.RawMessage(in), 0.8); got != nil {
			name := in
			if len(name) > 60 {
				name = name[:60] + "…"
			}
			t.Errorf("ParseMeta(%q) = %+v, want nil", name, got)
		}
	}
	if got := ParseMeta(nil, 0); got != nil {
		t.Errorf("ParseMeta(nil) = %+v", got)
	}
}

func TestIsEntityName(t *testing.T) {
	for _, n := range []string{"greetings", "bye", "thanks", "datetime", "location", "amount_of_money", "phone_number", "email", "url"} {
		if !IsEntityName(n) {
			t.Errorf("IsEntityName(%q) = false", n)
		}
	}
	for _, n := range []string{"", "sentiment", "Email", "wit$email"} {
		if IsEntityName(n) {
			t.Errorf("IsEntityName(%q) = true", n)
		}
	}
	b, _ := json.Marshal(Entity{Name: Email, Value: "a@b.fr", Confidence: 1, Source: SourceRelance})
	if string(b) != `{"name":"email","value":"a@b.fr","confidence":1,"source":"relance"}` {
		t.Errorf("JSON form changed: %s", b)
	}
}
