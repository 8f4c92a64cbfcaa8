package meta

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/harkdesk/hark/internal/channel"
	"github.com/harkdesk/hark/internal/hark"
)

// SignatureHeader carries the hex HMAC-SHA256 of the raw body.
const SignatureHeader = "X-Hub-Signature-256"

// Sign returns the X-Hub-Signature-256 value Meta sends for body.
func Sign(appSecret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(appSecret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Handshake answers Meta's subscription check: GET with hub.mode=subscribe,
// hub.verify_token and hub.challenge is echoed when the token matches and
// refused with 403 when it does not.
func (b *base) Handshake(w http.ResponseWriter, r *http.Request) bool {
	q := r.URL.Query()
	if r.Method != http.MethodGet || !q.Has("hub.mode") {
		return false
	}
	token := q.Get("hub.verify_token")
	if q.Get("hub.mode") != "subscribe" || b.cfg.VerifyToken == "" ||
		subtle.ConstantTimeCompare([]byte(token), []byte(b.cfg.VerifyToken)) != 1 {
		http.Error(w, "verify token does not match", http.StatusForbidden)
		return true
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	io.WriteString(w, q.Get("hub.challenge"))
	return true
}

// Verify checks X-Hub-Signature-256 over the raw body in constant time.
// Meta offers no timestamp, so there is no replay window to check: the
// desk's de-duplication by provider id makes a replay harmless.
func (b *base) Verify(r *http.Request, body []byte) error {
	got := r.Header.Get(SignatureHeader)
	if !strings.HasPrefix(got, "sha256=") {
		return channel.ErrBadSignature
	}
	sig, err := hex.DecodeString(strings.TrimPrefix(got, "sha256="))
	if err != nil {
		return channel.ErrBadSignature
	}
	m := hmac.New(sha256.New, []byte(b.cfg.AppSecret))
	m.Write(body)
	if !hmac.Equal(sig, m.Sum(nil)) {
		return channel.ErrBadSignature
	}
	return nil
}

// Parse turns a verified body into events, whichever Meta product sent it:
// a Meta app usually has one callback URL for Pages, Instagram and
// WhatsApp, and Event.Target says which account each event is for.
func (b *base) Parse(body []byte) ([]channel.Event, error) {
	return Parse(body, b.cfg.GraphURL+"/"+b.cfg.GraphVersion)
}

// envelope is what every Meta webhook body looks like at the top.
type envelope struct {
	Object string  `json:"object"`
	Entry  []entry `json:"entry"`
}

type entry struct {
	ID        string            `json:"id"`
	Time      int64             `json:"time"`
	Changes   []json.RawMessage `json:"changes"`
	Messaging []json.RawMessage `json:"messaging"`
	Standby   []json.RawMessage `json:"standby"`
	// Instagram sometimes puts a single change directly on the entry.
	Field string          `json:"field"`
	Value json.RawMessage `json:"value"`
}

type change struct {
	Field string          `json:"field"`
	Value json.RawMessage `json:"value"`
}

// Parse reads any Meta webhook body (object page, instagram or
// whatsapp_business_account). mediaBase is the Graph API base used to make
// WhatsApp media ids into references.
func Parse(body []byte, mediaBase string) ([]channel.Event, error) {
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, fmt.Errorf("%w: meta webhook: %v", hark.ErrInvalid, err)
	}
	var out []channel.Event
	for _, e := range env.Entry {
		var changes []change
		for _, raw := range e.Changes {
			var c change
			if json.Unmarshal(raw, &c) == nil {
				changes = append(changes, c)
			}
		}
		if e.Field != "" && len(e.Value) > 0 {
			changes = append(changes, change{Field: e.Field, Value: e.Value})
		}
		switch env.Object {
		case "page":
			for _, c := range changes {
				out = append(out, pageChange(e, c)...)
			}
			out = append(out, messaging(e, "facebook")...)
		case "instagram":
			for _, c := range changes {
				out = append(out, instagramChange(e, c)...)
			}
			out = append(out, messaging(e, "instagram")...)
		case "whatsapp_business_account":
			for _, c := range changes {
				if c.Field == "messages" {
					out = append(out, whatsappChange(c.Value, mediaBase)...)
				}
			}
		}
	}
	return out, nil
}
