package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"relance/audiences"
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

// TestAudienceMembersPaged: the audience page lists members by last message, 50 at a time, with the total,
// names, and a "load more" whose answer appends rows and replaces itself; ?sort=psid orders by Page and PSID.
func TestAudienceMembersPaged(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	var items []string
	for i := 0; i < 55; i++ {
		at := 1764100000000 + int64(i)*60000
		items = append(items, fmt.Sprintf(`{"sender":{"id":"72990000000001%02d"},"recipient":{"id":"%s"},"timestamp":%d,"message":{"mid":"m_aud_%02d","text":"hi %d"}}`,
			i, f.page.PageID, at, i, i))
	}
	f.ingestBody(`{"object":"page","entry":[{"id":"` + f.page.PageID + `","time":1764100000000,"messaging":[` + strings.Join(items, ",") + `]}]}`)
	var newest string
	f.store.DB().R.Raw("SELECT id FROM contacts WHERE psid = ?", "7299000000000154").Scan(&newest)
	f.nameContact(newest, "Somchai", "Rattana")
	st := audiences.NewStore(f.store.DB(), f.a.ID, f.a1, audiences.Options{Keep: 5})
	name := "Everyone who wrote"
	a, err := st.Create(ctx, audiences.Input{Name: &name, Rule: []byte(`{"field":"inbound_count","op":"gte","value":1}`)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Build(ctx, a.ID, audiences.CauseManual); err != nil {
		t.Fatal(err)
	}
	adm := f.users[admin]
	page := "/brands/" + f.a1.ID + "/audiences/" + a.ID
	status, body := f.do(caller{user: &adm}, "GET", page, "")
	if status != http.StatusOK || !strings.Contains(body, `<strong id="members-total">56</strong>`) ||
		strings.Count(body, `<tr>`) < 50 || !strings.Contains(body, `id="members-load-more"`) {
		t.Fatalf("audience page: %d %s", status, trim(body))
	}
	// The newest writer first, by name.
	if i, j := strings.Index(body, "Somchai Rattana"), strings.Index(body, "7299000000000153"); i < 0 || j < 0 || i > j {
		t.Errorf("not by last message: Somchai at %d, the next newest at %d", i, j)
	}
	more := body[strings.Index(body, `hx-get="`)+len(`hx-get="`):]
	more = strings.ReplaceAll(more[:strings.Index(more, `"`)], "&amp;", "&")
	status, body = f.doHX(caller{user: &adm}, more)
	if status != http.StatusOK || strings.Count(body, "<tr>") != 6 || strings.Contains(body, "<html") ||
		!strings.Contains(body, `hx-swap-oob="true"`) || strings.Contains(body, `id="members-load-more"`) {
		t.Errorf("load more: %d %s", status, body)
	}
	if status, body := f.do(caller{user: &adm}, "GET", page+"?sort=psid", ""); status != http.StatusOK ||
		strings.Index(body, "7199000000000001") > strings.Index(body, "7299000000000100") {
		t.Errorf("by Page and PSID: %d", status)
	}
	if status, _ := f.do(caller{user: &adm}, "GET", page+"?cursor=bogus", ""); status != http.StatusUnprocessableEntity {
		t.Errorf("bad cursor: %d, want 422", status)
	}
}

// doHX sends a GET as htmx does (HX-Request), through a fresh session.
func (f *fixture) doHX(c caller, path string) (int, string) {
	f.t.Helper()
	secret, _ := f.session(*c.user)
	req := httptest.NewRequest("GET", path, nil)
	req.Header.Set("HX-Request", "true")
	req.AddCookie(&http.Cookie{Name: "relance_session", Value: secret})
	resp, err := f.srv.App().Test(req, -1)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
