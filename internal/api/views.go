package api

import (
	"encoding/json"
	"time"

	"github.com/harkdesk/hark/internal/contact"
	"github.com/harkdesk/hark/internal/conversation"
	"github.com/harkdesk/hark/internal/user"
	"github.com/harkdesk/hark/internal/workspace"
)

// The API's shapes are its own, not the domain structs' JSON: ids travel as
// strings because they use 63 bits and JavaScript (and jq 1.6) keep only 53,
// and times as RFC 3339 like the times clients send. openapi.json describes
// exactly these types.

// timestamp is Unix milliseconds written as RFC 3339; zero is null.
type timestamp int64

// MarshalJSON writes the time in UTC with milliseconds.
func (t timestamp) MarshalJSON() ([]byte, error) {
	if t == 0 {
		return []byte("null"), nil
	}
	return []byte(`"` + time.UnixMilli(int64(t)).UTC().Format("2006-01-02T15:04:05.000Z07:00") + `"`), nil
}

// nullID is an optional reference: null when unset.
func nullID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

type conversationView struct {
	ID            int64     `json:"id,string"`
	WorkspaceID   int64     `json:"workspace_id,string"`
	AccountID     int64     `json:"account_id,string"`
	Channel       string    `json:"channel"`
	ContactID     int64     `json:"contact_id,string"`
	Visibility    string    `json:"visibility"`
	Status        string    `json:"status"`
	AssigneeID    *int64    `json:"assignee_id,string"`
	TeamID        *int64    `json:"team_id,string"`
	Priority      int       `json:"priority"`
	Subject       string    `json:"subject"`
	Tags          []string  `json:"tags"`
	ContactName   string    `json:"contact_name"`
	ContactHandle string    `json:"contact_handle"`
	Preview       string    `json:"preview"`
	MessageCount  int       `json:"message_count"`
	LastMessageAt timestamp `json:"last_message_at"`
	LastInboundAt timestamp `json:"last_inbound_at"`
	WaitingSince  timestamp `json:"waiting_since"`
	SnoozedUntil  timestamp `json:"snoozed_until"`
	LinkedID      *int64    `json:"linked_id,string"`
	CreatedAt     timestamp `json:"created_at"`
	UpdatedAt     timestamp `json:"updated_at"`
	Intent        string    `json:"intent"`
	Sentiment     string    `json:"sentiment"`
	NeedsReply    bool      `json:"needs_reply"`
	Language      string    `json:"language"`
}

func viewConversation(c conversation.Conversation) conversationView {
	tags := c.Tags
	if tags == nil {
		tags = []string{}
	}
	return conversationView{
		ID: c.ID, WorkspaceID: c.WorkspaceID, AccountID: c.AccountID, Channel: c.Channel, ContactID: c.ContactID,
		Visibility: c.Visibility, Status: c.Status, AssigneeID: nullID(c.AssigneeID), TeamID: nullID(c.TeamID),
		Priority: c.Priority, Subject: c.Subject, Tags: tags, ContactName: c.ContactName, ContactHandle: c.ContactHandle,
		Preview: c.Preview, MessageCount: c.MessageCount, LastMessageAt: timestamp(c.LastMessageAt),
		LastInboundAt: timestamp(c.LastInboundAt), WaitingSince: timestamp(c.WaitingSince),
		SnoozedUntil: timestamp(c.SnoozedUntil), LinkedID: nullID(c.LinkedID),
		CreatedAt: timestamp(c.CreatedAt), UpdatedAt: timestamp(c.UpdatedAt),
		Intent: c.Intent, Sentiment: c.Sentiment, NeedsReply: c.NeedsReply, Language: c.Language,
	}
}

func viewConversations(cs []conversation.Conversation) []conversationView {
	out := make([]conversationView, len(cs))
	for i, c := range cs {
		out[i] = viewConversation(c)
	}
	return out
}

type messageView struct {
	ID                int64                     `json:"id,string"`
	ConversationID    int64                     `json:"conversation_id,string"`
	AccountID         int64                     `json:"account_id,string"`
	Direction         string                    `json:"direction"`
	ProviderID        string                    `json:"provider_id"`
	Author            conversation.Author       `json:"author"`
	UserID            *int64                    `json:"user_id,string"`
	Text              string                    `json:"text"`
	Attachments       []conversation.Attachment `json:"attachments"`
	ReplyToProviderID string                    `json:"reply_to_provider_id"`
	SendStatus        string                    `json:"send_status"`
	SendError         string                    `json:"send_error"`
	Labels            json.RawMessage           `json:"labels"`
	SentAt            timestamp                 `json:"sent_at"`
	ReceivedAt        timestamp                 `json:"received_at"`
}

func viewMessage(m conversation.Message) messageView {
	labels := m.Labels
	if len(labels) == 0 {
		labels = json.RawMessage("{}")
	}
	att := m.Attachments
	if att == nil {
		att = []conversation.Attachment{}
	}
	return messageView{
		ID: m.ID, ConversationID: m.ConversationID, AccountID: m.AccountID, Direction: m.Direction,
		ProviderID: m.ProviderID, Author: m.Author, UserID: nullID(m.UserID), Text: m.Text, Attachments: att,
		ReplyToProviderID: m.ReplyToProviderID, SendStatus: m.SendStatus, SendError: m.SendError, Labels: labels,
		SentAt: timestamp(m.SentAt), ReceivedAt: timestamp(m.ReceivedAt),
	}
}

type noteView struct {
	ID             int64     `json:"id,string"`
	ConversationID int64     `json:"conversation_id,string"`
	UserID         int64     `json:"user_id,string"`
	UserName       string    `json:"user_name"`
	Body           string    `json:"body"`
	CreatedAt      timestamp `json:"created_at"`
}

func viewNote(n conversation.Note) noteView {
	return noteView{ID: n.ID, ConversationID: n.ConversationID, UserID: n.UserID, UserName: n.UserName, Body: n.Body, CreatedAt: timestamp(n.CreatedAt)}
}

type activityView struct {
	ID        int64           `json:"id,string"`
	UserID    *int64          `json:"user_id,string"`
	UserName  string          `json:"user_name"`
	Kind      string          `json:"kind"`
	Detail    json.RawMessage `json:"detail"`
	CreatedAt timestamp       `json:"created_at"`
}

func viewActivity(a conversation.Activity) activityView {
	d := a.Detail
	if !json.Valid(d) {
		d = json.RawMessage("{}")
	}
	return activityView{ID: a.ID, UserID: nullID(a.UserID), UserName: a.UserName, Kind: a.Kind, Detail: d, CreatedAt: timestamp(a.CreatedAt)}
}

type identityView struct {
	ID          int64     `json:"id,string"`
	Kind        string    `json:"kind"`
	ExternalID  string    `json:"external_id"`
	Handle      string    `json:"handle"`
	DisplayName string    `json:"display_name"`
	CreatedAt   timestamp `json:"created_at"`
}

type contactView struct {
	ID          int64          `json:"id,string"`
	WorkspaceID int64          `json:"workspace_id,string"`
	Name        string         `json:"name"`
	Email       string         `json:"email"`
	Phone       string         `json:"phone"`
	Followers   int64          `json:"followers"`
	Verified    bool           `json:"verified"`
	Identities  []identityView `json:"identities"`
	CreatedAt   timestamp      `json:"created_at"`
	UpdatedAt   timestamp      `json:"updated_at"`
}

func viewContact(c contact.Contact) contactView {
	v := contactView{ID: c.ID, WorkspaceID: c.WorkspaceID, Name: c.Name, Email: c.Email, Phone: c.Phone,
		Followers: c.Followers, Verified: c.Verified, Identities: []identityView{},
		CreatedAt: timestamp(c.CreatedAt), UpdatedAt: timestamp(c.UpdatedAt)}
	for _, i := range c.Identities {
		v.Identities = append(v.Identities, identityView{ID: i.ID, Kind: i.Kind, ExternalID: i.ExternalID,
			Handle: i.Handle, DisplayName: i.DisplayName, CreatedAt: timestamp(i.CreatedAt)})
	}
	return v
}

type workspaceView struct {
	ID        int64     `json:"id,string"`
	Slug      string    `json:"slug"`
	Name      string    `json:"name"`
	CreatedAt timestamp `json:"created_at"`
}

func viewWorkspace(w workspace.Workspace) workspaceView {
	return workspaceView{ID: w.ID, Slug: w.Slug, Name: w.Name, CreatedAt: timestamp(w.CreatedAt)}
}

type accountView struct {
	ID          int64     `json:"id,string"`
	WorkspaceID int64     `json:"workspace_id,string"`
	Channel     string    `json:"channel"`
	Handle      string    `json:"handle"`
	Name        string    `json:"name"`
	Purpose     string    `json:"purpose"`
	CreatedAt   timestamp `json:"created_at"`
}

func viewAccount(a workspace.Account) accountView {
	return accountView{ID: a.ID, WorkspaceID: a.WorkspaceID, Channel: a.Channel, Handle: a.Handle, Name: a.Name,
		Purpose: a.Purpose, CreatedAt: timestamp(a.CreatedAt)}
}

type userView struct {
	ID        int64     `json:"id,string"`
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	Role      string    `json:"role"`
	CreatedAt timestamp `json:"created_at"`
	Disabled  bool      `json:"disabled"`
}

func viewUser(u user.User) userView {
	return userView{ID: u.ID, Email: u.Email, Name: u.Name, Role: u.Role, CreatedAt: timestamp(u.CreatedAt), Disabled: u.DisabledAt != 0}
}
