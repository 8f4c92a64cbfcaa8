package linkedin

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/harkdesk/hark/internal/channel"
	"github.com/harkdesk/hark/internal/hark"
	"github.com/harkdesk/hark/internal/ingest"
)

// SignatureHeader carries the hex HMAC-SHA256 of a pushed body.
const SignatureHeader = "X-LI-Signature"

// ChallengeResponse is hex(HMAC-SHA256(clientSecret, challengeCode)).
func ChallengeResponse(clientSecret, code string) string {
	m := hmac.New(sha256.New, []byte(clientSecret))
	m.Write([]byte(code))
	return hex.EncodeToString(m.Sum(nil))
}

// Sign returns the X-LI-Signature value for body in the given mode.
func Sign(clientSecret, mode string, body []byte) string {
	m := hmac.New(sha256.New, []byte(clientSecret))
	if mode != SignBody {
		m.Write([]byte("hmacsha256="))
	}
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// Handshake answers LinkedIn's validation: GET ?challengeCode=C is
// answered with the code and its HMAC, as JSON, within LinkedIn's 3 s.
func (c *Connector) Handshake(w http.ResponseWriter, r *http.Request) bool {
	code := r.URL.Query().Get("challengeCode")
	if r.Method != http.MethodGet || code == "" {
		return false
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]string{
		"challengeCode":     code,
		"challengeResponse": ChallengeResponse(c.cfg.ClientSecret, code),
	})
	return true
}

// Verify checks X-LI-Signature in constant time. LinkedIn sends no
// timestamp; redeliveries are harmless because ingest de-duplicates.
func (c *Connector) Verify(r *http.Request, body []byte) error {
	got := strings.TrimPrefix(strings.TrimSpace(r.Header.Get(SignatureHeader)), "hmacsha256=")
	sig, err := hex.DecodeString(got)
	if err != nil || len(sig) == 0 {
		return channel.ErrBadSignature
	}
	want, _ := hex.DecodeString(Sign(c.cfg.ClientSecret, c.cfg.SignatureMode, body))
	if !hmac.Equal(sig, want) {
		return channel.ErrBadSignature
	}
	return nil
}

// Parse reads an organisation social action notification batch.
func (c *Connector) Parse(body []byte) ([]channel.Event, error) { return Parse(body) }

type notification struct {
	NotificationID             json.Number `json:"notificationId"`
	OrganizationalEntity       string      `json:"organizationalEntity"`
	Action                     string      `json:"action"`
	SourcePost                 string      `json:"sourcePost"`
	LastModifiedAt             int64       `json:"lastModifiedAt"`
	GeneratedActivity          string      `json:"generatedActivity"`
	DecoratedGeneratedActivity struct {
		Comment *struct {
			Entity        string          `json:"entity"`
			Owner         string          `json:"owner"`
			Actor         string          `json:"actor"`
			Object        string          `json:"object"`
			ParentComment string          `json:"parentComment"`
			Text          string          `json:"text"`
			Message       json.RawMessage `json:"message"`
		} `json:"comment"`
	} `json:"decoratedGeneratedActivity"`
}

// Parse reads an ORGANIZATION_SOCIAL_ACTION_NOTIFICATIONS body. Comments
// are public messages whose id is the comment URN (the same id polling
// gives, so both paths de-duplicate); edits and deletes become Edited and
// Deleted; the organisation's own comments, likes and shares are skipped.
func Parse(body []byte) ([]channel.Event, error) {
	var env struct {
		Type          string            `json:"type"`
		Notifications []json.RawMessage `json:"notifications"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, fmt.Errorf("%w: linkedin webhook: %v", hark.ErrInvalid, err)
	}
	var out []channel.Event
	for _, raw := range env.Notifications {
		var n notification
		if json.Unmarshal(raw, &n) != nil {
			continue
		}
		var kind channel.EventKind
		switch n.Action {
		case "COMMENT":
			kind = channel.Created
		case "COMMENT_EDIT":
			kind = channel.Edited
		case "COMMENT_DELETE":
			kind = channel.Deleted
		default:
			continue // ADMIN_COMMENT is ours; LIKE, SHARE, SHARE_MENTION are not comments
		}
		m := ingest.Message{
			ProviderID: normaliseCommentURN(n.GeneratedActivity),
			Visibility: "public",
			ReplyTo:    n.SourcePost,
			SentAt:     unixMilli(n.LastModifiedAt),
			Raw:        raw,
		}
		if cm := n.DecoratedGeneratedActivity.Comment; cm != nil {
			if cm.Entity != "" {
				m.ProviderID = normaliseCommentURN(cm.Entity)
			}
			m.Author.ID = cm.Owner
			if m.Author.ID == "" {
				m.Author.ID = cm.Actor
			}
			m.Text = cm.Text
			if m.Text == "" && len(cm.Message) > 0 {
				var msg struct {
					Text string `json:"text"`
				}
				if json.Unmarshal(cm.Message, &msg) != nil {
					_ = json.Unmarshal(cm.Message, &m.Text)
				} else {
					m.Text = msg.Text
				}
			}
			if cm.ParentComment != "" {
				m.ReplyTo = normaliseCommentURN(cm.ParentComment)
			} else if cm.Object != "" {
				m.ReplyTo = cm.Object
			}
		}
		if m.ProviderID == "" || (m.Author.ID != "" && m.Author.ID == n.OrganizationalEntity) {
			continue
		}
		out = append(out, channel.Event{Kind: kind, Target: n.OrganizationalEntity, Msg: m})
	}
	return out, nil
}

func unixMilli(ms int64) time.Time {
	if ms <= 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}
