package meta

import (
	"context"
	"net/http"
	"testing"
)

func TestConversationsPaging(t *testing.T) {
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if r.URL.Path != "/v25.0/104000000000001/conversations" || q.Get("platform") != "messenger" || q.Get("fields") != conversationFields {
			t.Errorf("request %s %v", r.URL.Path, q)
		}
		if q.Get("after") == "" {
			_, _ = w.Write([]byte(`{"data":[{"id":"t_1","updated_time":"2025-06-01T10:00:00+0000",
				"participants":{"data":[{"id":"7100000000000001","name":"Léa"},{"id":"104000000000001","name":"Maison"}]},
				"messages":{"data":[{"id":"m_2","created_time":"2025-06-01T10:00:00+0000","from":{"id":"104000000000001"},"message":"Bonjour Léa"},
				{"id":"m_1","created_time":"2025-06-01T09:59:00+0000","from":{"id":"7100000000000001"},"message":"Bonjour"}],
				"paging":{"cursors":{"after":"MQ"}}}}],"paging":{"cursors":{"after":"QVFI"},"next":"https://graph.facebook.com/…"}}`))
			return
		}
		_, _ = w.Write([]byte(`{"data":[],"paging":{"cursors":{}}}`))
	}, Options{})
	p, err := c.Conversations(context.Background(), "104000000000001", "tok", "", 25)
	if err != nil || len(p.Data) != 1 || p.Paging.Cursors.After != "QVFI" || len(p.Data[0].Messages.Data) != 2 ||
		p.Data[0].Participants.Data[0].ID != "7100000000000001" {
		t.Fatalf("first page: %+v %v", p, err)
	}
	p, err = c.Conversations(context.Background(), "104000000000001", "tok", "QVFI", 25)
	if err != nil || len(p.Data) != 0 || p.Paging.Cursors.After != "" {
		t.Fatalf("last page: %+v %v", p, err)
	}
}
