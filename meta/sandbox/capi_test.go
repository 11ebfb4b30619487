package sandbox

import (
	"fmt"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// capiCall posts to the sandbox with a Page's own token, bypassing the client's own checks.
func capiCall(t *testing.T, s *Sandbox, page, path string, q url.Values) (int, string) {
	t.Helper()
	tok := s.PageToken(page)
	q.Set("access_token", tok)
	q.Set("appsecret_proof", proofOf(deliverySecret, tok))
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest("POST", "/v25.0/"+path+"?"+q.Encode(), nil))
	return rec.Code, rec.Body.String()
}

// TestCAPIOneBadEventRejectsTheCall sends a batch with one malformed event: the sandbox refuses it all, as
// Meta does, naming the event, and keeps none of the batch.
func TestCAPIOneBadEventRejectsTheCall(t *testing.T) {
	s := newDeliverySandbox(t, "capi")
	const page = "104000000000601"
	code, body := capiCall(t, s, page, page+"/dataset", url.Values{})
	if code != 200 || !strings.Contains(body, `"id"`) {
		t.Fatalf("dataset: %d %s", code, body)
	}
	ds := body[strings.Index(body, `"id":"`)+6:]
	ds = ds[:strings.IndexByte(ds, '"')]
	at := deliveryStart.Add(-1).Unix()
	good := fmt.Sprintf(`{"event_name":"LeadSubmitted","event_time":%d,"action_source":"business_messaging","messaging_channel":"messenger","user_data":{"page_id":"%s","page_scoped_user_id":"1"}}`, at, page)
	for name, bad := range map[string]string{
		"unknown name":       strings.Replace(good, "LeadSubmitted", "Subscribe", 1),
		"other source":       strings.Replace(good, "business_messaging", "website", 1),
		"stale":              strings.Replace(good, fmt.Sprint(at), fmt.Sprint(at-8*24*3600), 1),
		"purchase, no value": strings.Replace(good, "LeadSubmitted", "Purchase", 1),
		"no psid":            strings.Replace(good, `"page_scoped_user_id":"1"`, `"page_scoped_user_id":""`, 1),
	} {
		code, body := capiCall(t, s, page, ds+"/events", url.Values{"data": {"[" + good + "," + bad + "]"}})
		if code != 400 || !strings.Contains(body, "event 1") {
			t.Errorf("%s: %d %s", name, code, body)
		}
	}
	if got := s.CAPIEvents(page); len(got) != 0 {
		t.Errorf("refused batches left %d events", len(got))
	}
	if code, body := capiCall(t, s, page, ds+"/events", url.Values{"data": {"[" + good + "]"}}); code != 200 || !strings.Contains(body, `"events_received":1`) {
		t.Errorf("a good batch: %d %s", code, body)
	}
	if code, _ := capiCall(t, s, "104000000000602", ds+"/events", url.Values{"data": {"[" + good + "]"}}); code == 200 {
		t.Error("another Page's token posted to the dataset")
	}
}
