package meta

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/harkdesk/hark/internal/channel"
	"github.com/harkdesk/hark/internal/conversation"
	"github.com/harkdesk/hark/internal/hark"
	"github.com/harkdesk/hark/internal/ingest"
)

// waValue is the value of a WhatsApp "messages" change.
type waValue struct {
	Metadata struct {
		DisplayPhoneNumber string `json:"display_phone_number"`
		PhoneNumberID      string `json:"phone_number_id"`
	} `json:"metadata"`
	Contacts []struct {
		Profile struct {
			Name string `json:"name"`
		} `json:"profile"`
		WaID string `json:"wa_id"`
	} `json:"contacts"`
	Messages []json.RawMessage `json:"messages"`
	Statuses []json.RawMessage `json:"statuses"`
}

type waMedia struct {
	ID       string `json:"id"`
	MimeType string `json:"mime_type"`
	Caption  string `json:"caption"`
	Filename string `json:"filename"`
}

type waMessage struct {
	From      string   `json:"from"`
	ID        string   `json:"id"`
	Timestamp flexTime `json:"timestamp"`
	Type      string   `json:"type"`
	Text      *struct {
		Body string `json:"body"`
	} `json:"text"`
	Context *struct {
		From string `json:"from"`
		ID   string `json:"id"`
	} `json:"context"`
	Image    *waMedia `json:"image"`
	Video    *waMedia `json:"video"`
	Audio    *waMedia `json:"audio"`
	Document *waMedia `json:"document"`
	Sticker  *waMedia `json:"sticker"`
	Location *struct {
		Latitude  float64 `json:"latitude"`
		Longitude float64 `json:"longitude"`
		Name      string  `json:"name"`
		Address   string  `json:"address"`
	} `json:"location"`
	Button *struct {
		Text    string `json:"text"`
		Payload string `json:"payload"`
	} `json:"button"`
	Interactive *struct {
		ButtonReply *struct {
			Title string `json:"title"`
		} `json:"button_reply"`
		ListReply *struct {
			Title string `json:"title"`
		} `json:"list_reply"`
	} `json:"interactive"`
}

// whatsappChange maps a WhatsApp "messages" change: the customer's messages,
// and the replies WhatsApp reports it could not deliver. WhatsApp tells of
// those (131026 undeliverable, 131047 the 24-hour window closed) only by a
// failed status, long after Send was answered with a wamid.
func whatsappChange(raw json.RawMessage, mediaBase string) []channel.Event {
	var v waValue
	if json.Unmarshal(raw, &v) != nil {
		return nil
	}
	out := whatsappMessages(v, mediaBase)
	for _, st := range whatsappStatuses(v) {
		// sent, delivered and read change nothing the desk shows.
		if st.Status == "failed" {
			out = append(out, channel.Event{Kind: channel.Undelivered, Target: st.Target,
				Msg: ingest.Message{ProviderID: st.ProviderID, Text: st.Error, SentAt: st.At, Raw: st.raw}})
		}
	}
	return out
}

// whatsappMessages maps the customer's messages in a "messages" change.
func whatsappMessages(v waValue, mediaBase string) []channel.Event {
	names := map[string]string{}
	for _, c := range v.Contacts {
		names[c.WaID] = c.Profile.Name
	}
	var out []channel.Event
	for _, r := range v.Messages {
		var w waMessage
		if json.Unmarshal(r, &w) != nil || w.ID == "" || w.From == "" {
			continue
		}
		m := ingest.Message{
			ProviderID: w.ID,
			Visibility: "private",
			Author:     ingest.Author{ID: w.From, Name: names[w.From], Phone: "+" + strings.TrimPrefix(w.From, "+")},
			SentAt:     w.Timestamp.Time(),
			Raw:        r,
		}
		if w.Context != nil {
			m.ReplyTo = w.Context.ID
		}
		media := func(md *waMedia) {
			if md == nil || md.ID == "" {
				return
			}
			// The media id is a reference; fetching it needs the token.
			m.Attachments = append(m.Attachments, conversation.Attachment{
				URL: mediaBase + "/" + md.ID, Type: md.MimeType, Name: md.Filename})
			if m.Text == "" {
				m.Text = md.Caption
			}
		}
		switch w.Type {
		case "text":
			if w.Text != nil {
				m.Text = w.Text.Body
			}
		case "image":
			media(w.Image)
		case "video":
			media(w.Video)
		case "audio":
			media(w.Audio)
		case "document":
			media(w.Document)
		case "sticker":
			media(w.Sticker)
		case "location":
			if l := w.Location; l != nil {
				m.Text = strings.TrimSpace(fmt.Sprintf("%s %s (%.6f, %.6f)", l.Name, l.Address, l.Latitude, l.Longitude))
			}
		case "button":
			if w.Button != nil {
				m.Text = w.Button.Text
			}
		case "interactive":
			if i := w.Interactive; i != nil {
				if i.ButtonReply != nil {
					m.Text = i.ButtonReply.Title
				} else if i.ListReply != nil {
					m.Text = i.ListReply.Title
				}
			}
		default:
			continue // reactions, system notices, unsupported types
		}
		if m.Text == "" && len(m.Attachments) == 0 {
			continue
		}
		out = append(out, channel.Event{Kind: channel.Created, Target: v.Metadata.PhoneNumberID, Msg: m})
	}
	return out
}

// Status is a delivery report for a message the desk sent on WhatsApp.
type Status struct {
	// Target is the phone number id that sent the message.
	Target string `json:"target"`
	// ProviderID is the wamid Send returned.
	ProviderID string `json:"provider_id"`
	// Status is sent, delivered, read or failed.
	Status      string    `json:"status"`
	RecipientID string    `json:"recipient_id"`
	At          time.Time `json:"at"`
	// Error explains a failed status.
	Error string `json:"error,omitempty"`

	raw json.RawMessage
}

// Statuses reads the delivery reports in a verified WhatsApp webhook body.
// They never create messages; Parse makes each failed one an Undelivered
// event, which marks the reply failed.
func (w *WhatsApp) Statuses(body []byte) ([]Status, error) { return ParseStatuses(body) }

// ParseStatuses reads the WhatsApp delivery reports in a webhook body.
func ParseStatuses(body []byte) ([]Status, error) {
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, fmt.Errorf("%w: meta webhook: %v", hark.ErrInvalid, err)
	}
	if env.Object != "whatsapp_business_account" {
		return nil, nil
	}
	var out []Status
	for _, e := range env.Entry {
		for _, raw := range e.Changes {
			var c change
			if json.Unmarshal(raw, &c) != nil || c.Field != "messages" {
				continue
			}
			var v waValue
			if json.Unmarshal(c.Value, &v) == nil {
				out = append(out, whatsappStatuses(v)...)
			}
		}
	}
	return out, nil
}

// whatsappStatuses reads the delivery reports in a "messages" change.
func whatsappStatuses(v waValue) []Status {
	var out []Status
	for _, r := range v.Statuses {
		var s struct {
			ID          string   `json:"id"`
			Status      string   `json:"status"`
			Timestamp   flexTime `json:"timestamp"`
			RecipientID string   `json:"recipient_id"`
			Errors      []struct {
				Code      int    `json:"code"`
				Title     string `json:"title"`
				Message   string `json:"message"`
				ErrorData struct {
					Details string `json:"details"`
				} `json:"error_data"`
			} `json:"errors"`
		}
		if json.Unmarshal(r, &s) != nil || s.ID == "" {
			continue
		}
		st := Status{Target: v.Metadata.PhoneNumberID, ProviderID: s.ID, Status: s.Status,
			RecipientID: s.RecipientID, At: s.Timestamp.Time(), raw: r}
		if len(s.Errors) > 0 {
			e := s.Errors[0]
			why := e.Title
			if why == "" {
				why = e.Message
			}
			if d := e.ErrorData.Details; d != "" && d != why {
				why = strings.TrimPrefix(why+": "+d, ": ")
			}
			if e.Code != 0 {
				why = fmt.Sprintf("%d %s", e.Code, why)
			}
			st.Error = strings.TrimSpace(why)
		}
		out = append(out, st)
	}
	return out
}
