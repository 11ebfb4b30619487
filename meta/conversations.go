package meta

import (
	"context"
	"net/url"
	"strconv"
)

// Participant is one side of a Page conversation.
type Participant struct {
	ID    string `json:"id"`
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
}

// ConvMessage is a message of the Conversations API.
type ConvMessage struct {
	ID          string      `json:"id"`
	CreatedTime string      `json:"created_time"`
	From        Participant `json:"from"`
	Message     string      `json:"message"`
	To          struct {
		Data []Participant `json:"data"`
	} `json:"to"`
}

// Conversation is one thread of a Page, with a first page of its messages.
type Conversation struct {
	ID           string `json:"id"`
	UpdatedTime  string `json:"updated_time"`
	Participants struct {
		Data []Participant `json:"data"`
	} `json:"participants"`
	Messages struct {
		Data   []ConvMessage `json:"data"`
		Paging Paging        `json:"paging"`
	} `json:"messages"`
}

// Paging is Graph's cursor block.
type Paging struct {
	Cursors struct {
		Before string `json:"before"`
		After  string `json:"after"`
	} `json:"cursors"`
	Next string `json:"next"`
}

// ConversationPage is one page of a Page's conversations; After is "" on the last page.
type ConversationPage struct {
	Data   []Conversation `json:"data"`
	Paging Paging         `json:"paging"`
}

// conversationFields asks for the participants and up to 100 messages of each thread in one call.
const conversationFields = "participants,updated_time,messages.limit(100){id,created_time,from,to,message}"

// Conversations lists a Page's Messenger conversations, newest first, limit per page, after the cursor.
func (c *Client) Conversations(ctx context.Context, pageID, token, after string, limit int) (ConversationPage, error) {
	q := url.Values{"platform": {"messenger"}, "fields": {conversationFields}, "limit": {strconv.Itoa(limit)}}
	if after != "" {
		q.Set("after", after)
	}
	var out ConversationPage
	err := c.call(ctx, request{method: "GET", path: pageID + "/conversations", token: token, query: q}, &out)
	return out, err
}

// MessagePage is one page of a conversation's messages.
type MessagePage struct {
	Data   []ConvMessage `json:"data"`
	Paging Paging        `json:"paging"`
}

// ConversationMessages pages through one conversation's messages beyond those Conversations returned.
func (c *Client) ConversationMessages(ctx context.Context, conversationID, token, after string, limit int) (MessagePage, error) {
	q := url.Values{"fields": {"id,created_time,from,to,message"}, "limit": {strconv.Itoa(limit)}}
	if after != "" {
		q.Set("after", after)
	}
	var out MessagePage
	err := c.call(ctx, request{method: "GET", path: conversationID + "/messages", token: token, query: q}, &out)
	return out, err
}
