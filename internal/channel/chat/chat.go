// Package chat is the live-chat channel: an embeddable widget (one script
// tag, no framework) that talks to the desk over a WebSocket. Visitors are
// recognised by a signed token kept in their browser, or by a signed
// identity from the brand's own site; their messages go through the same
// ingest pipeline as every other channel.
package chat

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"time"

	"github.com/harkdesk/hark/internal/hark"
)

// Config is a chat account's settings, kept in the account's config JSON.
type Config struct {
	// Secret signs visitor tokens; generated on first use.
	Secret string `json:"chat_secret,omitempty"`
	// IdentitySecret is shared with the brand's site, which signs who its
	// signed-in user is so the desk knows them without a pre-chat form.
	IdentitySecret string `json:"identity_secret,omitempty"`
	// RequireEmail asks for an e-mail address in the pre-chat form.
	RequireEmail bool `json:"require_email,omitempty"`
	// Hours are when agents answer live; outside them the widget takes a
	// message, answered in the chat when agents are back, and e-mailed too
	// when the visitor has left by then (see MailUnseenAfter).
	Hours *Hours `json:"hours,omitempty"`
	// Greeting is the first line the widget shows.
	Greeting string `json:"greeting,omitempty"`
	// SMTP, when set (host:port), is where transcripts and unseen replies
	// are sent from.
	SMTP     string `json:"smtp,omitempty"`
	MailFrom string `json:"mail_from,omitempty"`
	// MailUnseenAfter is how many seconds an agent's reply may go unseen
	// in the widget before it is e-mailed to the address the visitor gave
	// (DefaultMailUnseenAfter when unset; 0 or less, never).
	MailUnseenAfter *int `json:"mail_unseen_after,omitempty"`
}

// DefaultMailUnseenAfter is how long a reply waits to be seen in the
// widget before it is e-mailed: long enough for a visitor who is there to
// read it, short enough to reach one who left while it is news.
const DefaultMailUnseenAfter = 2 * time.Minute

// maxMailUnseenAfter bounds the setting: a reply mailed days later is
// news to no one, and a figure that large is likely milliseconds.
const maxMailUnseenAfter = 24 * 60 * 60

// MailDelay is how long a reply may go unseen before it is e-mailed, or 0
// when this chat e-mails none (turned off, or no mail server).
func (c Config) MailDelay() time.Duration {
	if c.SMTP == "" || c.MailFrom == "" {
		return 0
	}
	if c.MailUnseenAfter == nil {
		return DefaultMailUnseenAfter
	}
	return time.Duration(max(*c.MailUnseenAfter, 0)) * time.Second
}

// Hours are the weekly opening hours of live chat.
type Hours struct {
	TZ   string `json:"tz"`   // IANA zone, e.g. "Europe/London"
	Days string `json:"days"` // e.g. "mon-fri" or "mon,wed,fri"
	From string `json:"from"` // "09:00"
	To   string `json:"to"`   // "17:30"
}

// Open reports whether t falls within the hours. No hours means always open;
// hours that cannot be read mean open, so a typo never hides the chat.
// Hours that end before they start run past midnight ("22:00" to "06:00"):
// the early hours belong to the shift that began the day before. Hours
// that end when they start ("00:00" to "00:00", how many tools write
// "all day") are the whole of each day.
func (h *Hours) Open(t time.Time) bool {
	if h == nil {
		return true
	}
	loc, err := time.LoadLocation(h.TZ)
	if err != nil {
		loc = time.UTC
	}
	t = t.In(loc)
	from, err1 := minutes(h.From)
	to, err2 := minutes(h.To)
	if err1 != nil || err2 != nil || from%(24*60) == to%(24*60) {
		from, to = 0, 24*60
	}
	now, day := t.Hour()*60+t.Minute(), t.Weekday()
	if to < from {
		if now < to {
			day = (day + 6) % 7
		} else if now < from {
			return false
		}
	} else if now < from || now >= to {
		return false
	}
	in, ok := dayIn(h.Days, day)
	return in || !ok
}

// Check reports what in the hours cannot be read, for the admin who saves
// them: Open treats such hours as always open.
func (h *Hours) Check() error {
	if h == nil {
		return nil
	}
	if _, err := time.LoadLocation(h.TZ); err != nil {
		return fmt.Errorf("%w: hours: unknown time zone %q", hark.ErrInvalid, h.TZ)
	}
	if _, ok := dayIn(h.Days, time.Monday); !ok {
		return fmt.Errorf("%w: hours: cannot read the days %q (write e.g. \"mon-fri\" or \"mon,wed,fri\")", hark.ErrInvalid, h.Days)
	}
	for _, hhmm := range []string{h.From, h.To} {
		if _, err := minutes(hhmm); err != nil {
			return fmt.Errorf("%w: hours: cannot read the time %q (write HH:MM)", hark.ErrInvalid, hhmm)
		}
	}
	return nil
}

var dayNames = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

func dayIndex(s string) int {
	s = strings.ToLower(strings.TrimSpace(s))
	for i, d := range dayNames {
		if strings.HasPrefix(s, d) {
			return i
		}
	}
	return -1
}

// dayIn reports whether d is one of the days of spec, and ok false when
// some part of spec is not a day or a range of days.
func dayIn(spec string, d time.Weekday) (in, ok bool) {
	if strings.TrimSpace(spec) == "" {
		return true, true
	}
	for _, part := range strings.Split(spec, ",") {
		if strings.TrimSpace(part) == "" {
			continue // "mon-fri," or "mon,,fri": a stray comma names no day
		}
		a, b, isRange := strings.Cut(part, "-")
		i, j := dayIndex(a), dayIndex(b)
		if !isRange {
			j = i
		}
		if i < 0 || j < 0 {
			return false, false
		}
		for k := i; ; k = (k + 1) % 7 {
			if k == int(d) {
				in = true
			}
			if k == j {
				break
			}
		}
	}
	return in, true
}

func minutes(hhmm string) (int, error) {
	h, m, ok := strings.Cut(hhmm, ":")
	if !ok {
		return 0, fmt.Errorf("want HH:MM")
	}
	hi, err1 := strconv.Atoi(h)
	mi, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hi < 0 || hi > 24 || mi < 0 || mi > 59 || hi*60+mi > 24*60 {
		return 0, fmt.Errorf("want HH:MM")
	}
	return hi*60 + mi, nil
}

// CheckConfig reads a config an admin saves, refusing what the widget
// could not use: a key it does not know (a misspelt "hours" would be
// ignored, and the chat open at every hour), hours that cannot be read, a
// mail server without the address transcripts and replies come from, or
// a mail_unseen_after that cannot mail (no smtp, or over a day).
// The keys are chat_secret, identity_secret, require_email, hours,
// greeting, smtp, mail_from and mail_unseen_after.
func CheckConfig(raw json.RawMessage) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var c Config
	if err := dec.Decode(&c); err != nil {
		return fmt.Errorf("%w: chat config: %v", hark.ErrInvalid, err)
	}
	if err := c.Hours.Check(); err != nil {
		return err
	}
	if n := c.MailUnseenAfter; n != nil && *n > maxMailUnseenAfter {
		return fmt.Errorf("%w: mail_unseen_after: at most %d seconds (a day), got %d", hark.ErrInvalid, maxMailUnseenAfter, *n)
	}
	if n := c.MailUnseenAfter; n != nil && *n > 0 && c.SMTP == "" {
		return fmt.Errorf("%w: mail_unseen_after: replies are e-mailed through smtp and mail_from, which are not set", hark.ErrInvalid)
	}
	if c.SMTP == "" {
		return nil
	}
	if _, _, err := net.SplitHostPort(c.SMTP); err != nil {
		return fmt.Errorf("%w: smtp: want host:port, got %q", hark.ErrInvalid, c.SMTP)
	}
	if _, err := mail.ParseAddress(c.MailFrom); err != nil {
		return fmt.Errorf("%w: mail_from: transcripts and e-mailed replies need the address they come from: %v", hark.ErrInvalid, err)
	}
	return nil
}

// ParseConfig reads a chat account's config.
func ParseConfig(raw json.RawMessage) (Config, error) {
	var c Config
	if len(raw) == 0 {
		return c, nil
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return c, fmt.Errorf("%w: chat config: %v", hark.ErrInvalid, err)
	}
	return c, nil
}

// newVisitorID returns a random visitor id.
func newVisitorID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// visitorToken signs a visitor id so a browser can prove it is the same
// visitor after a reload without the desk keeping a table of visitors.
func visitorToken(secret, visitorID string) string {
	return visitorID + "." + sign(secret, "visitor:"+visitorID)
}

// checkVisitorToken returns the visitor id of a valid token.
func checkVisitorToken(secret, token string) (string, bool) {
	id, sig, ok := strings.Cut(token, ".")
	if !ok || len(id) != 32 {
		return "", false
	}
	want := sign(secret, "visitor:"+id)
	return id, hmac.Equal([]byte(sig), []byte(want))
}

func sign(secret, msg string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(msg))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// Identity is what the brand's site says about its signed-in user. Sig is
// hex(HMAC-SHA256(identity_secret, user_id + ":" + email + ":" + ts)), made
// on the brand's server; ts is Unix seconds and is honoured for a day.
type Identity struct {
	UserID string `json:"user_id"`
	Email  string `json:"email"`
	Name   string `json:"name"`
	TS     int64  `json:"ts"`
	Sig    string `json:"sig"`
}

// IdentityMaxAge bounds how old a signed identity may be.
const IdentityMaxAge = 24 * time.Hour

// SignIdentity is what the brand's server computes (exported for their SDKs
// and for tests).
func SignIdentity(secret, userID, email string, ts int64) string {
	m := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(m, "%s:%s:%d", userID, email, ts)
	return hex.EncodeToString(m.Sum(nil))
}

// Verify checks a signed identity in constant time.
func (id Identity) Verify(secret string, now time.Time) error {
	if secret == "" {
		return fmt.Errorf("%w: this chat does not accept signed identities", hark.ErrInvalid)
	}
	if id.UserID == "" || id.Sig == "" {
		return fmt.Errorf("%w: identity needs user_id and sig", hark.ErrInvalid)
	}
	age := now.Sub(time.Unix(id.TS, 0))
	if age > IdentityMaxAge || age < -5*time.Minute {
		return fmt.Errorf("%w: identity timestamp is stale", hark.ErrInvalid)
	}
	want := SignIdentity(secret, id.UserID, id.Email, id.TS)
	if !hmac.Equal([]byte(strings.ToLower(id.Sig)), []byte(want)) {
		return fmt.Errorf("%w: identity signature does not match", hark.ErrInvalid)
	}
	return nil
}
