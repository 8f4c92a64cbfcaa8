package meta

import (
	"context"
	"net/http"
	"strings"

	"github.com/harkdesk/hark/internal/channel"
)

// Template is an approved WhatsApp message template, the only thing that
// may be sent when the customer has not written in the last 24 hours.
type Template struct {
	Name     string   `json:"name"`
	Language string   `json:"language"`
	Params   []string `json:"params,omitempty"` // body parameters {{1}}, {{2}}...
}

// TemplateCommand starts a reply that sends a template instead of text:
//
//	/template order_update en_US
//	Anna
//	#12345
//
// names the template and its language on the first line and gives one body
// parameter per following line. Agents write it; the desk stores it as the
// reply's text, so the thread shows what was sent.
const TemplateCommand = "/template"

// Text is the reply text that makes Send deliver the template.
func (t Template) Text() string {
	var b strings.Builder
	b.WriteString(TemplateCommand + " " + t.Name)
	if t.Language != "" {
		b.WriteString(" " + t.Language)
	}
	for _, p := range t.Params {
		b.WriteString("\n" + strings.ReplaceAll(p, "\n", " "))
	}
	return b.String()
}

// ParseTemplate reads a TemplateCommand reply; ok is false for free text.
func ParseTemplate(text string) (t Template, ok bool) {
	text = strings.TrimSpace(text)
	if !strings.HasPrefix(text, TemplateCommand+" ") {
		return t, false
	}
	lines := strings.Split(text, "\n")
	head := strings.Fields(lines[0])
	if len(head) < 2 || len(head) > 3 {
		return t, false
	}
	t.Name, t.Language = head[1], "en_US"
	if len(head) == 3 {
		t.Language = head[2]
	}
	for _, l := range lines[1:] {
		if l = strings.TrimSpace(l); l != "" {
			t.Params = append(t.Params, l)
		}
	}
	return t, true
}

// IsTemplate implements channel.Templater: a TemplateCommand reply.
func (w *WhatsApp) IsTemplate(text string) bool {
	_, ok := ParseTemplate(text)
	return ok
}

// TemplateUsage implements channel.Templater.
func (w *WhatsApp) TemplateUsage() string {
	return `send an approved template: "` + TemplateCommand + ` NAME LANGUAGE", then one parameter a line`
}

// Send delivers a WhatsApp message to Outgoing.RecipientID (the wa_id):
// free text inside the 24-hour window, a template (see TemplateCommand)
// at any time. Free text outside the window is refused permanently.
func (w *WhatsApp) Send(ctx context.Context, out channel.Outgoing) (channel.Sent, error) {
	if err := checkText(out); err != nil {
		return channel.Sent{}, err
	}
	if out.RecipientID == "" {
		return channel.Sent{}, permanent("a WhatsApp message needs the customer's WhatsApp id")
	}
	if t, ok := ParseTemplate(out.Text); ok {
		return w.SendTemplate(ctx, out.RecipientID, t)
	}
	win, known, err := w.window(ctx, out.RecipientID)
	if err != nil {
		return channel.Sent{}, err
	}
	if known && !win.FreeForm {
		return channel.Sent{}, permanent(win.Reason + `; send one with "` + TemplateCommand + ` NAME LANGUAGE"`)
	}
	req := map[string]any{
		"messaging_product": "whatsapp",
		"recipient_type":    "individual",
		"to":                out.RecipientID,
		"type":              "text",
		"text":              map[string]any{"body": out.Text, "preview_url": false},
	}
	if out.ReplyTo != "" {
		req["context"] = map[string]string{"message_id": out.ReplyTo}
	}
	return w.post(ctx, req)
}

// SendTemplate sends an approved template to a WhatsApp id.
func (w *WhatsApp) SendTemplate(ctx context.Context, to string, t Template) (channel.Sent, error) {
	if t.Name == "" {
		return channel.Sent{}, permanent("a template needs a name")
	}
	tpl := map[string]any{"name": t.Name, "language": map[string]string{"code": t.Language}}
	if len(t.Params) > 0 {
		params := make([]map[string]string, len(t.Params))
		for i, p := range t.Params {
			params[i] = map[string]string{"type": "text", "text": p}
		}
		tpl["components"] = []map[string]any{{"type": "body", "parameters": params}}
	}
	return w.post(ctx, map[string]any{
		"messaging_product": "whatsapp",
		"recipient_type":    "individual",
		"to":                to,
		"type":              "template",
		"template":          tpl,
	})
}

func (w *WhatsApp) post(ctx context.Context, req map[string]any) (channel.Sent, error) {
	var res struct {
		Messages []struct {
			ID string `json:"id"`
		} `json:"messages"`
	}
	if err := w.call(ctx, http.MethodPost, w.cfg.PhoneNumberID+"/messages", nil, req, &res); err != nil {
		return channel.Sent{}, err
	}
	if len(res.Messages) == 0 || res.Messages[0].ID == "" {
		return channel.Sent{}, &channel.SendError{Temporary: false, Message: "WhatsApp accepted the message but returned no id"}
	}
	return channel.Sent{ProviderID: res.Messages[0].ID}, nil
}
