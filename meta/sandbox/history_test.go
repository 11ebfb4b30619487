package sandbox

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"
)

// TestSeedThread: a seeded older thread is listed by the Conversations API with the person's profile name and
// its messages newest first, from the person and from the Page, and seeding it again adds nothing.
func TestSeedThread(t *testing.T) {
	s := newDeliverySandbox(t, "history")
	const page, psid = "104000000000001", "7100000000900001"
	at := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	msgs := []ThreadMessage{{ID: "m_h_2", At: at.Add(time.Hour), FromPage: true, Text: "C'est noté, à samedi !"},
		{ID: "m_h_1", At: at, Text: "Une table pour 4 samedi ?"}}
	s.SeedThread(page, psid, msgs)
	s.SeedThread(page, psid, msgs)
	if n := s.ThreadCount(page); n != 1 {
		t.Fatalf("%d threads, want 1", n)
	}
	q := url.Values{"platform": {"messenger"}, "fields": {"participants,messages{message,from,created_time}"}}
	token := PageToken(deliverySecret, page)
	q.Set("access_token", token)
	q.Set("appsecret_proof", proofOf(deliverySecret, token))
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v25.0/"+page+"/conversations?"+q.Encode(), nil))
	var got struct {
		Data []struct {
			Participants struct{ Data []struct{ ID, Name string } }
			Messages     struct {
				Data []struct {
					ID, Message string
					From        struct{ ID string }
				}
			}
		}
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || rec.Code != http.StatusOK || len(got.Data) != 1 {
		t.Fatalf("conversations: %d %s (%v)", rec.Code, rec.Body, err)
	}
	c := got.Data[0]
	first, last := s.PersonName(psid)
	if c.Participants.Data[0].ID != psid || c.Participants.Data[0].Name != first+" "+last {
		t.Errorf("participant %+v, want %s named %s %s", c.Participants.Data[0], psid, first, last)
	}
	if m := c.Messages.Data; len(m) != 2 || m[0].ID != "m_h_2" || m[0].From.ID != page || m[1].ID != "m_h_1" || m[1].From.ID != psid {
		t.Errorf("messages %+v, want the Page's answer then the person's question", m)
	}
}
