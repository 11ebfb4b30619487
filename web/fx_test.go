package web_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestFXRatesAPI adds an agency's own rate, reads it back against the reporting currency, names each bad
// field, and shows that another agency neither sees the rate nor changes the first agency's settings.
func TestFXRatesAPI(t *testing.T) {
	f := newFixture(t)
	fin := caller{token: f.tokens[finance]}
	status, body := f.do(fin, http.MethodPost, "/api/v1/fx/rates",
		`{"rates":[{"date":"2024-11-29","base":"EUR","quote":"PEN","rate":"3.9871"},{"date":"2024-11-29","base":"EUR","quote":"VND","rate":"26777.123"}]}`)
	if status != http.StatusCreated || !strings.Contains(body, `"rate":"3.9871"`) {
		t.Fatalf("add rates: %d %s", status, body)
	}
	status, body = f.do(fin, http.MethodPost, "/api/v1/fx/rates", `{"rates":[{"date":"2024-11-29","base":"EUR","quote":"PEN","rate":"3,98"}]}`)
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, `rates[0].rate`) {
		t.Errorf("a decimal comma: %d %s", status, body)
	}
	status, body = f.do(fin, http.MethodPost, "/api/v1/fx/rates", `{"rates":null}`)
	if status != http.StatusUnprocessableEntity && status != http.StatusBadRequest {
		t.Errorf("null rates: %d %s", status, body)
	}

	// The reporting currency is EUR by default: 1 PEN = 1/3.9871 EUR on the day, and on the Sunday after.
	status, body = f.do(fin, http.MethodGet, "/api/v1/fx/rates?date=2024-12-01", "")
	var b struct {
		Reporting string `json:"reporting_currency"`
		Data      []struct {
			Currency, Rate, Day string
			Manual, Missing     bool
		} `json:"data"`
		Missing []string `json:"missing"`
	}
	if err := json.Unmarshal([]byte(body), &b); status != http.StatusOK || err != nil {
		t.Fatalf("rates: %d %s", status, body)
	}
	found := false
	for _, q := range b.Data {
		if q.Currency == "PEN" {
			found = true
			if q.Rate != "0.25080886" || q.Day != "2024-11-29" || !q.Manual {
				t.Errorf("PEN: %+v", q)
			}
		}
	}
	if !found || b.Reporting != "EUR" {
		t.Errorf("board: %s", body)
	}
	if status, body := f.do(fin, http.MethodGet, "/api/v1/fx/rates?date=29/11/2024", ""); status != http.StatusUnprocessableEntity || !strings.Contains(body, `"date"`) {
		t.Errorf("a bad date: %d %s", status, body)
	}

	// Agency B sees none of A's rates and its settings are its own.
	other := caller{token: f.tokens["b_admin"]}
	if _, body := f.do(other, http.MethodGet, "/api/v1/fx/rates?date=2024-11-29", ""); strings.Contains(body, "PEN") || strings.Contains(body, "3.9871") {
		t.Errorf("agency B sees A's rate: %s", body)
	}
	if status, body := f.do(other, http.MethodPatch, "/api/v1/settings", `{"reporting_currency":"USD"}`); status != http.StatusOK || !strings.Contains(body, `"USD"`) {
		t.Errorf("B's own settings: %d %s", status, body)
	}
	if _, body := f.do(fin, http.MethodGet, "/api/v1/settings", ""); !strings.Contains(body, `"reporting_currency":"EUR"`) {
		t.Errorf("A's settings changed by B: %s", body)
	}

	admin := caller{token: f.tokens[admin]}
	status, body = f.do(admin, http.MethodPatch, "/api/v1/settings", `{"reporting_currency":"eurx","time_zone":"Mars/Base"}`)
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "reporting_currency") || !strings.Contains(body, "time_zone") {
		t.Errorf("bad settings: %d %s", status, body)
	}
	if status, body := f.do(admin, http.MethodPatch, "/api/v1/settings", `{"reporting_currency":"USD","time_zone":"America/Lima"}`); status != http.StatusOK || !strings.Contains(body, "America/Lima") {
		t.Errorf("settings: %d %s", status, body)
	}
	// In USD, PEN crosses through EUR; the board still answers.
	if _, body := f.do(fin, http.MethodGet, "/api/v1/fx/rates?date=2024-11-29", ""); !strings.Contains(body, `"reporting_currency":"USD"`) {
		t.Errorf("after the change: %s", body)
	}
}

// TestFXScreen shows the rates screen to finance, with the form to add a rate, and keeps it from brand roles.
func TestFXScreen(t *testing.T) {
	f := newFixture(t)
	u := f.users[finance]
	status, body := f.do(caller{user: &u}, http.MethodPost, "/fx/rates", "date=2024-11-29&base=EUR&quote=PEN&rate=3.9871")
	if status != http.StatusSeeOther {
		t.Fatalf("add from the form: %d %s", status, trim(body))
	}
	status, body = f.do(caller{user: &u}, http.MethodGet, "/fx?date=2024-11-29", "")
	if status != http.StatusOK || !strings.Contains(body, `data-currency="PEN"`) || !strings.Contains(body, `id="fx-add"`) {
		t.Errorf("the screen: %d %s", status, trim(body))
	}
	if strings.Contains(body, `id="agency-settings"`) {
		t.Errorf("finance sees the agency settings form")
	}
	status, body = f.do(caller{user: &u}, http.MethodPost, "/fx/rates", "date=2024-11-29&base=EUR&quote=PEN&rate=abc")
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "aria-invalid") {
		t.Errorf("a bad rate from the form: %d %s", status, trim(body))
	}
}
