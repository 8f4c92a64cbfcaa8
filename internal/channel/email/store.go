package email

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/harkdesk/hark/internal/conversation"
	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/hark"
)

//go:embed sql
var sqlFS embed.FS

var queries = db.MustLoadQueries(sqlFS, "sql")

// Store keeps what the e-mail channel needs beyond messages: attachment
// blobs, seen webhook tokens, and the parent lookups threading needs.
type Store struct {
	db *db.DB
	// BaseURL is the desk's public address; attachment links start with it.
	BaseURL string
}

// NewStore returns a Store over d whose links start with baseURL.
func NewStore(d *db.DB, baseURL string) *Store {
	return &Store{db: d, BaseURL: strings.TrimRight(baseURL, "/")}
}

func (s *Store) q(name string) string { return queries.Get(s.db.Dialect, name) }

// PutFile stores an attachment for an account and returns its reference.
// Storing the same file twice (a redelivered message) keeps one copy.
func (s *Store) PutFile(ctx context.Context, accountID int64, f File) (conversation.Attachment, error) {
	h := sha256.New()
	fmt.Fprintf(h, "%d\x00", accountID)
	h.Write(f.Data)
	id := hex.EncodeToString(h.Sum(nil))
	name := safeFilename(f.Name)
	ct := f.Type
	if ct == "" {
		ct = "application/octet-stream"
	}
	_, err := s.db.W.ExecContext(ctx, s.q("PutBlob"), id, accountID, name, ct, len(f.Data), f.Data, db.Now())
	if err != nil {
		return conversation.Attachment{}, fmt.Errorf("store attachment %s: %w", name, err)
	}
	return conversation.Attachment{URL: s.BaseURL + AttachmentPath + id + "/" + url.PathEscape(name), Type: ct, Name: name, Size: int64(len(f.Data))}, nil
}

// Blob is a stored attachment.
type Blob struct {
	AccountID int64
	Name      string
	Type      string
	Size      int64
	Data      []byte
}

// File returns a stored attachment by id.
func (s *Store) File(ctx context.Context, id string) (Blob, error) {
	var b Blob
	err := s.db.R.QueryRowContext(ctx, s.q("GetBlob"), id).Scan(&b.AccountID, &b.Name, &b.Type, &b.Size, &b.Data)
	if errors.Is(err, sql.ErrNoRows) {
		return b, fmt.Errorf("attachment %s: %w", id, hark.ErrNotFound)
	}
	return b, err
}

// SeeToken records a webhook token and reports false if it was seen before.
func (s *Store) SeeToken(ctx context.Context, token string, ttl time.Duration) (bool, error) {
	now := db.Now()
	res, err := s.db.W.ExecContext(ctx, s.q("SeeToken"), token, now)
	if err != nil {
		return false, fmt.Errorf("record webhook token: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, err
	}
	if n == 1 && now%64 == 0 { // prune now and then, not on every request
		s.db.W.ExecContext(ctx, s.q("PruneTokens"), now-2*ttl.Milliseconds())
	}
	return n == 1, nil
}

// Parent is what a reply needs to know about the message it answers.
type Parent struct {
	Raw     Raw
	Author  string
	Subject string // the conversation's subject
}

// Parent looks up a stored message by its Message-ID.
func (s *Store) Parent(ctx context.Context, accountID int64, messageID string) (Parent, bool, error) {
	var p Parent
	var raw string
	err := s.db.R.QueryRowContext(ctx, s.q("ParentMessage"), accountID, messageID).Scan(&raw, &p.Author, &p.Subject)
	if errors.Is(err, sql.ErrNoRows) {
		return p, false, nil
	}
	if err != nil {
		return p, false, fmt.Errorf("look up parent %s: %w", messageID, err)
	}
	_ = json.Unmarshal([]byte(raw), &p.Raw) // a parent from another source may carry other raw
	return p, true, nil
}

// SubjectThread finds the latest message of the sender's recent
// conversation on the account with the same normalised subject: the last
// resort for replies whose mail client dropped every threading header.
func (s *Store) SubjectThread(ctx context.Context, workspaceID, accountID int64, from, subject string, since time.Time) (string, error) {
	want := NormaliseSubject(subject)
	if want == "" {
		return "", nil
	}
	rows, err := s.db.R.QueryContext(ctx, s.q("ThreadsOfSender"), accountID, workspaceID, strings.ToLower(from), since.UnixMilli())
	if err != nil {
		return "", fmt.Errorf("find threads of %s: %w", from, err)
	}
	var convID int64
	for rows.Next() {
		var id int64
		var subj string
		if err := rows.Scan(&id, &subj); err != nil {
			rows.Close()
			return "", err
		}
		if convID == 0 && NormaliseSubject(subj) == want {
			convID = id
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil || convID == 0 {
		return "", err
	}
	var pid string
	err = s.db.R.QueryRowContext(ctx, s.q("LatestProviderID"), convID).Scan(&pid)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return pid, err
}

// AttachmentPath is where attachments are served, followed by id/name.
const AttachmentPath = "/email/attachments/"

func safeFilename(name string) string {
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || strings.ContainsRune(`/\"<>|:*?`, r) {
			return '_'
		}
		return r
	}, strings.TrimSpace(name))
	if name == "" || name == "." || name == ".." {
		name = "attachment"
	}
	return conversation.Clip(name, 200)
}
