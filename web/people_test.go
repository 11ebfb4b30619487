package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"relance/conversations"
)

// nameContact stores a fetched profile on a contact, as the profile cache does.
func (f *fixture) nameContact(id, first, last string) {
	f.t.Helper()
	name := first + " " + last
	if err := f.store.DB().W.Exec(`UPDATE contacts SET name = ?, name_fold = ?, first_name = ?, last_name = ?,
		profile_pic_url = ?, profile_fetched_at = ? WHERE id = ?`, name, conversations.FoldName(name), first, last,
		"data:image/svg+xml;base64,PHN2Zy8+", time.Now().UnixMilli(), id).Error; err != nil {
		f.t.Fatal(err)
	}
}

// ingestBody stores a webhook delivery through the ingester.
func (f *fixture) ingestBody(body string) {
	f.t.Helper()
	entries, err := conversations.Parse([]byte(body), conversations.ParseOptions{AppID: fixtureApp, NLPThreshold: 0.8})
	if err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.ingest.Submit(context.Background(), entries); err != nil {
		f.t.Fatal(err)
	}
}

// TestPeopleOnTheConversationScreens: the list names people (PSID second), counts them, previews the last
// message for readers of texts only, and finds them by name; the thread is a chat whose events are markers,
// with no raw JSON outside the details toggles.
func TestPeopleOnTheConversationScreens(t *testing.T) {
	f := newFixture(t)
	f.nameContact(f.contact, "Léa", "Dubois")
	page, psid := f.page.PageID, "7199000000000001"
	f.ingestBody(`{"object":"page","entry":[{"id":"` + page + `","time":1764068400000,"messaging":[
		{"sender":{"id":"` + psid + `"},"recipient":{"id":"` + page + `"},"timestamp":1764068400000,
		 "referral":{"ref":"summer","source":"SHORTLINK","type":"OPEN_THREAD"}},
		{"sender":{"id":"` + psid + `"},"recipient":{"id":"` + page + `"},"timestamp":1764068401000,
		 "postback":{"mid":"m_pb_1","title":"See the menu","payload":"MENU"}},
		{"sender":{"id":"` + page + `"},"recipient":{"id":"` + psid + `"},"timestamp":1764068402000,
		 "message":{"mid":"m_echo_1","is_echo":true,"app_id":` + fixtureApp + `,"text":"Here is our menu of the day"}}]}]}`)
	list := "/brands/" + f.a1.ID + "/conversations"
	adm, fin := f.users[admin], f.users[finance]

	status, body := f.do(caller{user: &adm}, "GET", list, "")
	if status != http.StatusOK || !strings.Contains(body, "Léa Dubois") || !strings.Contains(body, psid) ||
		!strings.Contains(body, `id="contact-total"`) || !strings.Contains(body, "Bot: Here is our menu of the day") ||
		!strings.Contains(body, `class="src src-link"`) || !strings.Contains(body, `src="data:image/svg&#43;xml;base64,PHN2Zy8&#43;"`) {
		t.Fatalf("list: %d %s", status, body[strings.Index(body, "contact-rows"):])
	}
	if _, body := f.do(caller{user: &fin}, "GET", list, ""); !strings.Contains(body, "Léa Dubois") ||
		strings.Contains(body, "menu of the day") || strings.Contains(body, "secret.person") {
		t.Errorf("finance list: names yes, texts no: %s", trim(body))
	}
	if _, body := f.do(caller{user: &fin}, "GET", list+"?name=lea", ""); !strings.Contains(body, "Léa Dubois") {
		t.Errorf("finance searches names: %s", trim(body))
	}
	if _, body := f.do(caller{user: &adm}, "GET", list+"?name=nobody", ""); strings.Contains(body, "Léa Dubois") ||
		!strings.Contains(body, `<strong id="contact-total">0</strong>`) {
		t.Errorf("name search for nobody: %s", trim(body))
	}
	status, body = f.do(caller{token: f.tokens[finance]}, "GET", "/api/v1/brands/"+f.a1.ID+"/contacts?name=DUBOIS", "")
	if status != http.StatusOK || !strings.Contains(body, `"name":"Léa Dubois"`) || !strings.Contains(body, `"first_name":"Léa"`) {
		t.Errorf("API name search: %d %s", status, trim(body))
	}
	if status, _ := f.do(caller{token: f.tokens[analyst]}, "GET", "/api/v1/brands/"+f.a1.ID+"/contacts?name=%01", ""); status != http.StatusUnprocessableEntity {
		t.Errorf("control character in name: %d, want 422", status)
	}

	thread := list + "/" + f.contact
	status, body = f.do(caller{user: &adm}, "GET", thread, "")
	if status != http.StatusOK || !strings.Contains(body, `<h1 id="thread-title">Léa Dubois</h1>`) ||
		!strings.Contains(body, `class="bubble-in sender-user`) || !strings.Contains(body, `class="bubble-out sender-bot`) ||
		!strings.Contains(body, "Came from an m.me link · ref summer") || !strings.Contains(body, "Tapped “See the menu”") {
		t.Fatalf("thread: %d %s", status, trim(body))
	}
	// Raw event JSON only inside the details toggles.
	outside := body
	for {
		i := strings.Index(outside, `<details class="raw">`)
		if i < 0 {
			break
		}
		j := strings.Index(outside[i:], "</details>")
		outside = outside[:i] + outside[i+j+len("</details>"):]
	}
	if strings.Contains(outside, "&#34;source&#34;") || strings.Contains(outside, `"source"`) || strings.Contains(outside, "{&#34;") {
		t.Errorf("raw JSON outside the details toggles: %s", trim(outside))
	}
	if status, _ := f.do(caller{user: &adm}, "GET", thread+"?before=nonsense", ""); status != http.StatusUnprocessableEntity {
		t.Errorf("bad cursor: %d, want 422", status)
	}
}
