// Package hark holds the vocabulary every part of the desk shares: the
// channels, the conversation states and the domain errors.
package hark

import (
	"errors"
	"strings"
	"unicode/utf8"
)

// Domain errors. Packages wrap them with context; the HTTP edge maps them to
// status codes.
var (
	ErrNotFound  = errors.New("not found")
	ErrInvalid   = errors.New("invalid")
	ErrConflict  = errors.New("conflict")
	ErrForbidden = errors.New("forbidden")
)

// Storable says whether s is text both databases keep as it is: valid
// UTF-8 with no NUL character. PostgreSQL refuses the others, and SQLite
// would keep what nothing else in the desk expects, so the stores refuse
// them alike (ingest alone cleans them, so as to lose no customer text).
func Storable(s string) bool {
	return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0
}

// Channels a channel account can be on, in the order the desk lists them.
var Channels = []string{"x", "facebook", "instagram", "linkedin", "whatsapp", "email", "chat", "form", "blog", "phone", "sms", "api"}

// ChannelLabels are the names people read.
var ChannelLabels = map[string]string{
	"x": "X", "facebook": "Facebook", "instagram": "Instagram", "linkedin": "LinkedIn",
	"whatsapp": "WhatsApp", "email": "E-mail", "chat": "Live chat", "form": "Web form",
	"blog": "Blog", "phone": "Phone", "sms": "SMS", "api": "API",
}

// DefaultVisibility is how a channel's messages are seen by others when
// the provider does not say: posts and comments are public, the rest
// private.
func DefaultVisibility(channel string) string {
	switch channel {
	case "x", "facebook", "instagram", "linkedin", "blog":
		return "public"
	}
	return "private"
}

// PrivateReplies says whether a channel's public conversation can go on in
// private (a hand-off): LinkedIn's API lets an organisation comment, never
// message a member, so the public "we'll message you" would go out and the
// private message fail for good.
func PrivateReplies(channel string) bool { return channel != "linkedin" }

// ClassifierChannel names a message's channel as the classifier, and the
// labelled examples it learns from, read it: a private message on a
// channel that is not private by nature (an X or Instagram DM, Messenger,
// a private message through the API) is "x_dm", so it reads as private,
// like e-mail or chat, and not as a public post.
func ClassifierChannel(channel, visibility string) string {
	if visibility != "private" {
		return channel
	}
	switch channel {
	case "email", "chat", "form", "phone", "sms", "whatsapp":
		return channel
	}
	return channel + "_dm"
}

// ClassifierText is a message as the classifier, and the labelled
// examples it learns from, read it: an e-mail's subject, then its body.
func ClassifierText(subject, text string) string {
	if subject == "" {
		return text
	}
	return subject + ". " + text
}

// ValidChannel reports whether c is a known channel.
func ValidChannel(c string) bool {
	_, ok := ChannelLabels[c]
	return ok
}

// Conversation states.
const (
	StatusOpen     = "open"
	StatusPending  = "pending"
	StatusSnoozed  = "snoozed"
	StatusResolved = "resolved"
)

// Statuses lists the conversation states in workflow order.
var Statuses = []string{StatusOpen, StatusPending, StatusSnoozed, StatusResolved}

// ValidStatus reports whether s is a conversation state.
func ValidStatus(s string) bool {
	for _, v := range Statuses {
		if v == s {
			return true
		}
	}
	return false
}

// Intents are the reasons customers post, the one an agent most needs to
// know first: a request to the brand, a complaint, a question to other
// users (peer), praise, sharing with a wider audience, or none of these.
var Intents = []string{"request", "complaint", "peer", "praise", "share", "other"}

// Sentiments of a message.
var Sentiments = []string{"negative", "neutral", "positive"}

// Purposes of a channel account: who at the brand it was opened for.
var Purposes = []string{"service", "marketing", "both"}

// Roles of a desk user, from most to least trusted.
var Roles = []string{"admin", "supervisor", "agent", "viewer"}
