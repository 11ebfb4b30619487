package meta

import (
	"net/http"
	"reflect"
	"testing"
	"time"
)

func header(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return h
}

func TestParseUsage(t *testing.T) {
	tests := []struct {
		name   string
		h      http.Header
		want   Usage
		max    int
		regain time.Duration
	}{
		{name: "nil header", h: nil},
		{name: "no usage headers", h: header("Content-Type", "application/json")},
		{
			name: "app usage",
			h:    header("X-App-Usage", `{"call_count":28,"total_time":25,"total_cputime":25}`),
			want: Usage{App: &CallUsage{CallCount: 28, TotalCPUTime: 25, TotalTime: 25}},
			max:  28,
		},
		{
			name: "page usage, numbers as strings and decimals",
			h:    header("X-Page-Usage", `{"call_count":"12","total_cputime":95.2,"total_time":"3.0"}`),
			want: Usage{Page: &CallUsage{CallCount: 12, TotalCPUTime: 96, TotalTime: 3}},
			max:  96,
		},
		{
			name: "ad account usage",
			h:    header("X-Ad-Account-Usage", `{"acc_id_util_pct":9.67,"reset_time_duration":300,"ads_api_access_tier":"standard_access"}`),
			want: Usage{AdAccount: &AdAccountUsage{UtilPct: 10, ResetAfter: 5 * time.Minute, AccessTier: "standard_access"}},
			max:  10,
		},
		{
			name: "business use case usage, several objects",
			h: header("X-Business-Use-Case-Usage", `{
				"112233":[{"type":"messenger","call_count":5,"total_cputime":1,"total_time":2,"estimated_time_to_regain_access":0}],
				"act_998877":[
					{"type":"ads_management","call_count":100,"total_cputime":40,"total_time":60,"estimated_time_to_regain_access":12,"ads_api_access_tier":"development_access"},
					{"type":"ads_insights","call_count":"70","total_cputime":0,"total_time":0,"estimated_time_to_regain_access":"3"}
				]}`),
			want: Usage{BusinessUseCase: map[string][]BusinessUseCaseUsage{
				"112233": {{Type: "messenger", CallCount: 5, TotalCPUTime: 1, TotalTime: 2}},
				"act_998877": {
					{Type: "ads_management", CallCount: 100, TotalCPUTime: 40, TotalTime: 60, RegainAfter: 12 * time.Minute, AccessTier: "development_access"},
					{Type: "ads_insights", CallCount: 70, RegainAfter: 3 * time.Minute},
				},
			}},
			max:    100,
			regain: 12 * time.Minute,
		},
		{
			name: "business use case lone object instead of array",
			h:    header("X-Business-Use-Case-Usage", `{"55":{"type":"pages","call_count":44,"estimated_time_to_regain_access":1}}`),
			want: Usage{BusinessUseCase: map[string][]BusinessUseCaseUsage{
				"55": {{Type: "pages", CallCount: 44, RegainAfter: time.Minute}},
			}},
			max:    44,
			regain: time.Minute,
		},
		{
			name: "insights throttle",
			h:    header("X-FB-Ads-Insights-Throttle", `{"app_id_util_pct":0.0,"acc_id_util_pct":81.5,"ads_api_access_tier":"standard_access"}`),
			want: Usage{Insights: &InsightsThrottle{AccountUtilPct: 82, AccessTier: "standard_access"}},
			max:  82,
		},
		{
			name: "all at once, max across headers",
			h: header(
				"X-App-Usage", `{"call_count":10,"total_cputime":11,"total_time":12}`,
				"X-Page-Usage", `{"call_count":91,"total_cputime":0,"total_time":0}`,
				"X-Ad-Account-Usage", `{"acc_id_util_pct":50}`,
			),
			want: Usage{
				App:       &CallUsage{CallCount: 10, TotalCPUTime: 11, TotalTime: 12},
				Page:      &CallUsage{CallCount: 91},
				AdAccount: &AdAccountUsage{UtilPct: 50},
			},
			max: 91,
		},
		{
			name: "garbage everywhere",
			h: header(
				"X-App-Usage", `not json`,
				"X-Page-Usage", `[1,2,3]`,
				"X-Ad-Account-Usage", ``,
				"X-Business-Use-Case-Usage", `{"1":"nope","2":[null,17]}`,
				"X-FB-Ads-Insights-Throttle", `{`,
			),
		},
		{
			name: "garbage values inside valid JSON",
			h: header(
				"X-App-Usage", `{"call_count":"lots","total_cputime":-5,"total_time":null}`,
				"X-Business-Use-Case-Usage", `{"9":[{"type":7,"call_count":1e400,"estimated_time_to_regain_access":-3}]}`,
			),
			want: Usage{
				App:             &CallUsage{},
				BusinessUseCase: map[string][]BusinessUseCaseUsage{"9": {{Type: "7"}}},
			},
		},
		{
			name:   "regain time capped",
			h:      header("X-Business-Use-Case-Usage", `{"1":[{"type":"ads_management","call_count":100,"estimated_time_to_regain_access":99999999}]}`),
			want:   Usage{BusinessUseCase: map[string][]BusinessUseCaseUsage{"1": {{Type: "ads_management", CallCount: 100, RegainAfter: maxRegain}}}},
			max:    100,
			regain: maxRegain,
		},
		{
			name: "non-canonical header key",
			h:    http.Header{"x-app-usage": {`{"call_count":7}`}},
			want: Usage{App: &CallUsage{CallCount: 7}},
			max:  7,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ParseUsage(tt.h)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseUsage =\n%#v\nwant\n%#v", got, tt.want)
			}
			if m := got.Max(); m != tt.max {
				t.Errorf("Max() = %d, want %d", m, tt.max)
			}
			if r := got.RegainAfter(); r != tt.regain {
				t.Errorf("RegainAfter() = %v, want %v", r, tt.regain)
			}
		})
	}
}
