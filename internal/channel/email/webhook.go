package email

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-message/charset"
	"github.com/emersion/go-message/mail"

	"github.com/harkdesk/hark/internal/channel"
	"github.com/harkdesk/hark/internal/ingest"
)

// Handshake implements channel.Webhook: none of the mail providers has one.
func (c *Connector) Handshake(http.ResponseWriter, *http.Request) bool { return false }

// Verify checks an inbound webhook: basic auth for Postmark and SendGrid,
// which do not sign; for Mailgun the HMAC signature, the timestamp's age
// and that the token was not used before.
func (c *Connector) Verify(r *http.Request, body []byte) error {
	switch c.cfg.Inbound {
	case "postmark", "sendgrid":
		return c.checkBasic(r)
	case "mailgun":
		form, files, err := readForm(body)
		if err != nil {
			return fmt.Errorf("%w: %v", channel.ErrBadSignature, err)
		}
		return c.checkMailgun(r.Context(), form.Get("timestamp"), form.Get("token"), form.Get("signature"), mailgunDigest(form, files))
	}
	return fmt.Errorf("%w: this mailbox reads mail over IMAP, not by webhook", channel.ErrBadSignature)
}

func (c *Connector) checkBasic(r *http.Request) error {
	w := c.cfg.Webhook
	if w.User == "" || w.Password == "" {
		return fmt.Errorf("%w: set webhook basic_user and basic_password for %s", channel.ErrBadSignature, c.cfg.Inbound)
	}
	u, p, ok := r.BasicAuth()
	userOK := subtle.ConstantTimeCompare([]byte(u), []byte(w.User))
	passOK := subtle.ConstantTimeCompare([]byte(p), []byte(w.Password))
	if !ok || userOK&passOK != 1 {
		return channel.ErrBadSignature
	}
	return nil
}

// MailgunSignature is hex(HMAC-SHA256(signing key, timestamp + token)).
func MailgunSignature(key, timestamp, token string) string {
	m := hmac.New(sha256.New, []byte(key))
	io.WriteString(m, timestamp+token)
	return hex.EncodeToString(m.Sum(nil))
}

// mailgunDigest names everything a Mailgun post carries, every field and
// file, so that a signature reused with anything changed is another post.
func mailgunDigest(form url.Values, files []File) string {
	h := sha256.New()
	for _, k := range slices.Sorted(maps.Keys(form)) {
		for _, v := range form[k] {
			fmt.Fprintf(h, "%d:%s=%d:%s\x00", len(k), k, len(v), v)
		}
	}
	for _, f := range files {
		fmt.Fprintf(h, "%d:%s %d:%s %d:", len(f.Name), f.Name, len(f.Type), f.Type, len(f.Data))
		h.Write(f.Data)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func (c *Connector) checkMailgun(ctx context.Context, timestamp, token, sig, digest string) error {
	key := c.cfg.Webhook.MailgunSigningKey
	if key == "" || timestamp == "" || token == "" || sig == "" {
		return channel.ErrBadSignature
	}
	want := MailgunSignature(key, timestamp, token)
	if !hmac.Equal([]byte(want), []byte(strings.ToLower(sig))) {
		return channel.ErrBadSignature
	}
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return channel.ErrBadSignature
	}
	age := c.deps.Now().Sub(time.Unix(ts, 0))
	maxAge := time.Duration(c.cfg.Webhook.MaxAge) * time.Second
	if age > maxAge || age < -maxAge {
		return fmt.Errorf("%w: timestamp is %s old", channel.ErrBadSignature, age.Round(time.Second))
	}
	if c.deps.Store == nil {
		return nil
	}
	// Mailgun signs the timestamp and token only, so a token goes with one
	// message: a captured signature must not carry another. The same
	// message under its token again is Mailgun retrying after a failed
	// store, which must get through (ingest drops it if it was stored).
	first, err := c.deps.Store.SeeToken(ctx, "mailgun:"+token+":"+digest, maxAge)
	if err != nil || !first {
		return err
	}
	fresh, err := c.deps.Store.SeeToken(ctx, "mailgun:"+token, maxAge)
	if err != nil {
		return err
	}
	if !fresh {
		return fmt.Errorf("%w: token already used for another message", channel.ErrBadSignature)
	}
	return nil
}

// Parse implements channel.Webhook for the configured provider.
func (c *Connector) Parse(body []byte) ([]channel.Event, error) {
	ps, emls, err := c.ParseDetailed(body)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out []channel.Event
	for i, p := range ps {
		ev, skip, err := c.event(ctx, p, emls[i])
		if err != nil {
			return nil, err
		}
		if !skip {
			out = append(out, ev)
		}
	}
	return out, nil
}

// ParseDetailed reads a webhook body into parsed messages, including those
// flagged as auto-replies, bounces or list mail, with the original message
// when the provider sent it.
func (c *Connector) ParseDetailed(body []byte) ([]*Parsed, [][]byte, error) {
	var p *Parsed
	var eml []byte
	var err error
	switch c.cfg.Inbound {
	case "postmark":
		p, err = c.parsePostmark(body)
	case "mailgun":
		p, eml, err = c.parseMailgun(body)
	case "sendgrid":
		p, eml, err = c.parseSendGrid(body)
	default:
		err = errors.New("this mailbox does not take webhooks")
	}
	if err != nil {
		return nil, nil, err
	}
	return []*Parsed{p}, [][]byte{eml}, nil
}

// Postmark is the inbound JSON Postmark posts.
type Postmark struct {
	MessageID   string `json:"MessageID"`
	From        string `json:"From"`
	FromName    string `json:"FromName"`
	FromFull    struct{ Email, Name string }
	To          string `json:"To"`
	Cc          string `json:"Cc"`
	ReplyTo     string `json:"ReplyTo"`
	Subject     string `json:"Subject"`
	Date        string `json:"Date"`
	MailboxHash string `json:"MailboxHash"`
	TextBody    string `json:"TextBody"`
	HtmlBody    string `json:"HtmlBody"`
	Headers     []struct {
		Name  string `json:"Name"`
		Value string `json:"Value"`
	} `json:"Headers"`
	Attachments []struct {
		Name          string `json:"Name"`
		Content       string `json:"Content"`
		ContentType   string `json:"ContentType"`
		ContentLength int64  `json:"ContentLength"`
	} `json:"Attachments"`
}

func (c *Connector) parsePostmark(body []byte) (*Parsed, error) {
	var pm Postmark
	if err := json.Unmarshal(body, &pm); err != nil {
		return nil, fmt.Errorf("postmark inbound: %w", err)
	}
	from := pm.From
	if pm.FromFull.Email != "" {
		from = (&mail.Address{Name: pm.FromFull.Name, Address: pm.FromFull.Email}).String()
	}
	hdr := [][2]string{{"From", from}, {"To", pm.To}, {"Cc", pm.Cc}, {"Reply-To", pm.ReplyTo}, {"Subject", pm.Subject}, {"Date", pm.Date}}
	hasID := false
	for _, h := range pm.Headers {
		if strings.EqualFold(h.Name, "Message-ID") {
			hasID = true
		}
		hdr = append(hdr, [2]string{h.Name, h.Value})
	}
	if !hasID && pm.MessageID != "" {
		hdr = append(hdr, [2]string{"Message-ID", "<postmark." + pm.MessageID + "@inbound.postmarkapp.com>"})
	}
	p, err := ParseMessage(synthesise(hdr, pm.TextBody, pm.HtmlBody), c.parseOptions("postmark"))
	if err != nil {
		return nil, fmt.Errorf("postmark inbound: %w", err)
	}
	if pm.MailboxHash != "" && p.Token == "" && tokenRE.MatchString(strings.ToLower(pm.MailboxHash)) {
		p.Token = strings.ToLower(pm.MailboxHash)
		p.Msg.References = threadRefs(p.Msg.ReplyTo, reverse(p.Msg.References), p.Token, c.cfg.Address)
	}
	total := 0
	for _, a := range pm.Attachments {
		data, err := base64.StdEncoding.DecodeString(a.Content)
		if err != nil {
			continue
		}
		addFile(p, &total, File{Name: a.Name, Type: a.ContentType, Data: data})
	}
	return p, nil
}

func reverse(s []string) []string {
	out := make([]string, 0, len(s))
	for i := len(s) - 1; i >= 0; i-- {
		out = append(out, s[i])
	}
	return out
}

func (c *Connector) parseMailgun(body []byte) (*Parsed, []byte, error) {
	form, files, err := readForm(body)
	if err != nil {
		return nil, nil, fmt.Errorf("mailgun inbound: %w", err)
	}
	if raw := form.Get("body-mime"); raw != "" {
		p, err := ParseMessage([]byte(raw), c.parseOptions("mailgun"))
		return p, []byte(raw), err
	}
	var hdr [][2]string
	var pairs [][]string
	if err := json.Unmarshal([]byte(form.Get("message-headers")), &pairs); err == nil {
		for _, kv := range pairs {
			if len(kv) == 2 {
				hdr = append(hdr, [2]string{kv[0], kv[1]})
			}
		}
	}
	if len(hdr) == 0 {
		hdr = [][2]string{{"From", form.Get("from")}, {"To", form.Get("recipient")}, {"Subject", form.Get("subject")}}
	}
	p, err := ParseMessage(synthesise(hdr, form.Get("body-plain"), form.Get("body-html")), c.parseOptions("mailgun"))
	if err != nil {
		return nil, nil, fmt.Errorf("mailgun inbound: %w", err)
	}
	total := 0
	for _, f := range files {
		addFile(p, &total, f)
	}
	return p, nil, nil
}

func (c *Connector) parseSendGrid(body []byte) (*Parsed, []byte, error) {
	form, files, err := readForm(body)
	if err != nil {
		return nil, nil, fmt.Errorf("sendgrid inbound: %w", err)
	}
	if raw := form.Get("email"); raw != "" { // "send raw" mode
		p, err := ParseMessage([]byte(raw), c.parseOptions("sendgrid"))
		if err == nil && p.Auth == (AuthResults{}) {
			p.Auth = sendgridAuth(form)
		}
		return p, []byte(raw), err
	}
	var hdr [][2]string
	for _, line := range strings.Split(unfold(form.Get("headers")), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if ok && k != "" && !strings.ContainsAny(k, " \t") {
			hdr = append(hdr, [2]string{k, strings.TrimSpace(v)})
		}
	}
	if len(hdr) == 0 {
		hdr = [][2]string{{"From", form.Get("from")}, {"To", form.Get("to")}, {"Cc", form.Get("cc")}, {"Subject", form.Get("subject")}}
	}
	var charsets map[string]string
	json.Unmarshal([]byte(form.Get("charsets")), &charsets) // none named: UTF-8
	text, html := inCharset(form.Get("text"), charsets["text"]), inCharset(form.Get("html"), charsets["html"])
	p, err := ParseMessage(synthesise(hdr, text, html), c.parseOptions("sendgrid"))
	if err != nil {
		return nil, nil, fmt.Errorf("sendgrid inbound: %w", err)
	}
	if p.Auth == (AuthResults{}) {
		p.Auth = sendgridAuth(form)
		var r Raw
		if json.Unmarshal(p.Msg.Raw, &r) == nil {
			r.Auth = p.Auth
			p.Msg.Raw = encodeRaw(r)
		}
	}
	total := 0
	for _, f := range files {
		addFile(p, &total, f)
	}
	return p, nil, nil
}

// inCharset decodes a field SendGrid posts as the sender wrote it, in the
// charset its "charsets" field names; a charset nothing knows leaves it as
// it came (ingest repairs what is not UTF-8).
func inCharset(s, name string) string {
	if s == "" || name == "" || strings.EqualFold(name, "utf-8") {
		return s
	}
	r, err := charset.Reader(name, strings.NewReader(s))
	if err != nil {
		r = undecoded(name, strings.NewReader(s))
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return s
	}
	return string(b)
}

// sendgridAuth reads SendGrid's own dkim ("{@example.com : pass}") and SPF
// fields when the headers carry no Authentication-Results.
func sendgridAuth(form url.Values) AuthResults {
	var a AuthResults
	if d := form.Get("dkim"); d != "" {
		a.DKIM = "fail"
		if strings.Contains(strings.ToLower(d), "pass") {
			a.DKIM = "pass"
		}
	}
	a.SPF = strings.ToLower(strings.TrimSpace(form.Get("SPF")))
	if a.DKIM != "" || a.SPF != "" {
		a.Server = "sendgrid"
	}
	return a
}

// addFile keeps an attachment within the limits, or names it among the
// skipped: a message is stored with what fits, never refused for the rest
// (ingest refuses a message of more than ingest.MaxAttachment files).
func addFile(p *Parsed, total *int, f File) {
	if len(p.Files) >= ingest.MaxAttachment {
		p.Skipped = append(p.Skipped, fmt.Sprintf("%s (more than %d attachments)", f.Name, ingest.MaxAttachment))
		return
	}
	if len(f.Data) > MaxAttachmentBytes || *total+len(f.Data) > MaxAttachmentTotal {
		p.Skipped = append(p.Skipped, f.Name+" (over the size limit)")
		return
	}
	*total += len(f.Data)
	p.Files = append(p.Files, f)
}

func unfold(h string) string {
	h = strings.ReplaceAll(h, "\r\n", "\n")
	return strings.NewReplacer("\n ", " ", "\n\t", " ").Replace(h)
}

// synthesise writes provider-parsed fields back into one RFC 5322 message
// so that every inbound route goes through the same parser.
func synthesise(hdr [][2]string, text, html string) []byte {
	var h mail.Header
	for _, kv := range hdr {
		k := strings.TrimSpace(kv[0])
		switch strings.ToLower(k) {
		case "", "content-type", "content-transfer-encoding", "mime-version", "content-disposition":
			continue
		}
		if strings.TrimSpace(kv[1]) == "" {
			continue
		}
		h.Add(k, strings.ReplaceAll(strings.ReplaceAll(kv[1], "\r", " "), "\n", " "))
	}
	var buf bytes.Buffer
	w, err := mail.CreateInlineWriter(&buf, h)
	if err != nil {
		return nil
	}
	for _, part := range []struct{ ct, body string }{{"text/plain", text}, {"text/html", html}} {
		if part.body == "" {
			continue
		}
		var ph mail.InlineHeader
		ph.SetContentType(part.ct, map[string]string{"charset": "utf-8"})
		ph.Set("Content-Transfer-Encoding", "base64")
		pw, err := w.CreatePart(ph)
		if err != nil {
			return nil
		}
		io.WriteString(pw, part.body)
		pw.Close()
	}
	w.Close()
	return buf.Bytes()
}

// readForm reads a form body without its Content-Type: multipart bodies
// start with their boundary, anything else is URL-encoded.
func readForm(body []byte) (url.Values, []File, error) {
	if !bytes.HasPrefix(body, []byte("--")) {
		v, err := url.ParseQuery(string(body))
		return v, nil, err
	}
	line, _, _ := bytes.Cut(body, []byte("\n"))
	boundary := strings.TrimSpace(strings.TrimPrefix(string(line), "--"))
	if boundary == "" || len(boundary) > 200 {
		return nil, nil, errors.New("multipart body without a boundary")
	}
	form, err := multipart.NewReader(bytes.NewReader(body), boundary).ReadForm(int64(len(body)) + 1<<20)
	if err != nil {
		return nil, nil, err
	}
	defer form.RemoveAll()
	v := url.Values(form.Value)
	var files []File
	for _, key := range slices.Sorted(maps.Keys(form.File)) {
		fhs := form.File[key]
		for _, fh := range fhs {
			f, err := fh.Open()
			if err != nil {
				continue
			}
			data, err := io.ReadAll(io.LimitReader(f, MaxAttachmentBytes+1))
			f.Close()
			if err != nil {
				continue
			}
			files = append(files, File{Name: fh.Filename, Type: fh.Header.Get("Content-Type"), Data: data})
		}
	}
	return v, files, nil
}
