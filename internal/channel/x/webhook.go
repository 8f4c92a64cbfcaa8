package x

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/harkdesk/hark/internal/channel"
)

// SignatureHeader carries "sha256=" + base64(HMAC-SHA256(consumer secret,
// raw body)) on every webhook POST.
const SignatureHeader = "x-twitter-webhooks-signature"

// Sign returns the signature X sends with body; the CRC response_token is
// the same computation over the crc_token.
func Sign(consumerSecret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(consumerSecret))
	m.Write(body)
	return "sha256=" + base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// Handshake answers X's Challenge-Response Check: a GET with crc_token is
// answered with the token signed by the consumer secret. X repeats it
// periodically and stops delivering when it fails, so it must stay cheap.
func (c *Connector) Handshake(w http.ResponseWriter, r *http.Request) bool {
	q := r.URL.Query()
	if r.Method != http.MethodGet || !q.Has("crc_token") {
		return false
	}
	token := q.Get("crc_token")
	if token == "" {
		http.Error(w, "empty crc_token", http.StatusBadRequest)
		return true
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]string{"response_token": Sign(c.cfg.ConsumerSecret, []byte(token))})
	return true
}

// Verify checks x-twitter-webhooks-signature over the raw body in constant
// time. X sends no timestamp, so there is no replay window to check: a
// replayed body carries ids the desk already stored and is a duplicate.
func (c *Connector) Verify(r *http.Request, body []byte) error {
	got, ok := strings.CutPrefix(r.Header.Get(SignatureHeader), "sha256=")
	if !ok {
		return channel.ErrBadSignature
	}
	sig, err := base64.StdEncoding.DecodeString(got)
	if err != nil {
		return channel.ErrBadSignature
	}
	m := hmac.New(sha256.New, []byte(c.cfg.ConsumerSecret))
	m.Write(body)
	if !hmac.Equal(sig, m.Sum(nil)) {
		return channel.ErrBadSignature
	}
	return nil
}

// Parse turns a verified body into events: an Account Activity API body
// or an X Activity API envelope. An app's webhook receives a copy for every
// user subscribed to it; only this account's are kept, since storing
// another brand's mentions in this inbox would be worse than leaving them
// to that account's own webhook or poller.
func (c *Connector) Parse(body []byte) ([]channel.Event, error) {
	evs, err := Parse(body, c.cfg.UserID)
	if err != nil {
		return nil, err
	}
	mine := evs[:0]
	for _, e := range evs {
		if e.Target == c.cfg.UserID {
			mine = append(mine, e)
		}
	}
	return mine, nil
}
