package email

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// IMAPConfig is how to read the mailbox.
type IMAPConfig struct {
	Addr     string `json:"addr"` // host:port
	Username string `json:"username"`
	Password string `json:"password"`
	Folder   string `json:"folder,omitempty"` // INBOX by default
	// Security is "tls" (the default, port 993), "starttls" or "none".
	Security           string `json:"security,omitempty"`
	InsecureSkipVerify bool   `json:"insecure_skip_verify,omitempty"`
	// BackfillDays is how far back the first poll reads (3 by default).
	BackfillDays int `json:"backfill_days,omitempty"`
}

// Cursor is where reading a folder got to. UIDs only mean something within
// one UIDVALIDITY: when the server changes it, reading starts again (and
// Message-ID dedupe absorbs what was read before).
type Cursor struct {
	UIDValidity uint32
	UID         uint32
}

// String writes the cursor as UIDVALIDITY:UID ("" before the first read).
func (c Cursor) String() string {
	if c.UIDValidity == 0 {
		return ""
	}
	return fmt.Sprintf("%d:%d", c.UIDValidity, c.UID)
}

// ParseCursor reads a cursor written by Cursor.String; "" is the start.
func ParseCursor(s string) (Cursor, error) {
	if s == "" {
		return Cursor{}, nil
	}
	a, b, ok := strings.Cut(s, ":")
	v, err1 := strconv.ParseUint(a, 10, 32)
	u, err2 := strconv.ParseUint(b, 10, 32)
	if !ok || err1 != nil || err2 != nil {
		return Cursor{}, fmt.Errorf("bad imap cursor %q", s)
	}
	return Cursor{UIDValidity: uint32(v), UID: uint32(u)}, nil
}

// Fetched is one message read from the folder.
type Fetched struct {
	UID  uint32
	Raw  []byte
	Size int64 // set when the message was too big to fetch
}

// Mailbox reads new mail from a folder. It hides go-imap (still in beta)
// from the rest of the channel.
type Mailbox interface {
	// Fetch returns up to limit messages after cur and the cursor after them.
	Fetch(ctx context.Context, cur Cursor, limit int) ([]Fetched, Cursor, error)
	// Wait returns when the folder may have new mail (IMAP IDLE), after at
	// most max, or when ctx ends. Servers without IDLE just sleep.
	Wait(ctx context.Context, max time.Duration) error
	// Check logs in and opens the folder, for health reports.
	Check(ctx context.Context) error
	Close() error
}

// IMAP is a Mailbox over an IMAP connection, dialled on first use and
// again after any error.
type IMAP struct {
	Config IMAPConfig
	c      *imapclient.Client
	wake   chan struct{}
}

// NewIMAP returns an IMAP mailbox; nothing is dialled yet.
func NewIMAP(cfg IMAPConfig) *IMAP {
	if cfg.Folder == "" {
		cfg.Folder = "INBOX"
	}
	if cfg.BackfillDays == 0 {
		cfg.BackfillDays = 3
	}
	return &IMAP{Config: cfg, wake: make(chan struct{}, 1)}
}

func (m *IMAP) dial() (*imapclient.Client, error) {
	if m.c != nil {
		return m.c, nil
	}
	host, _, _ := net.SplitHostPort(m.Config.Addr)
	opts := &imapclient.Options{
		TLSConfig: &tls.Config{ServerName: host, InsecureSkipVerify: m.Config.InsecureSkipVerify},
		Dialer:    &net.Dialer{Timeout: 30 * time.Second},
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			Mailbox: func(d *imapclient.UnilateralDataMailbox) {
				if d.NumMessages != nil {
					select {
					case m.wake <- struct{}{}:
					default:
					}
				}
			},
		},
	}
	var c *imapclient.Client
	var err error
	switch m.Config.Security {
	case "none":
		c, err = imapclient.DialInsecure(m.Config.Addr, opts)
	case "starttls":
		c, err = imapclient.DialStartTLS(m.Config.Addr, opts)
	default:
		c, err = imapclient.DialTLS(m.Config.Addr, opts)
	}
	if err != nil {
		return nil, fmt.Errorf("connect to imap %s: %w", m.Config.Addr, err)
	}
	if err := c.Login(m.Config.Username, m.Config.Password).Wait(); err != nil {
		c.Close()
		return nil, fmt.Errorf("imap login as %s: %w", m.Config.Username, err)
	}
	m.c = c
	return c, nil
}

func (m *IMAP) reset() {
	if m.c != nil {
		m.c.Close()
		m.c = nil
	}
}

// Fetch implements Mailbox.
func (m *IMAP) Fetch(ctx context.Context, cur Cursor, limit int) ([]Fetched, Cursor, error) {
	out, next, err := m.fetch(ctx, cur, limit)
	if err != nil {
		m.reset()
	}
	return out, next, err
}

func (m *IMAP) fetch(ctx context.Context, cur Cursor, limit int) ([]Fetched, Cursor, error) {
	c, err := m.dial()
	if err != nil {
		return nil, cur, err
	}
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	sel, err := c.Select(m.Config.Folder, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		return nil, cur, fmt.Errorf("select %s: %w", m.Config.Folder, err)
	}
	crit := &imap.SearchCriteria{}
	backfill := cur.UIDValidity != sel.UIDValidity
	if backfill {
		cur = Cursor{UIDValidity: sel.UIDValidity}
		crit.Since = time.Now().AddDate(0, 0, -m.Config.BackfillDays)
	} else {
		var set imap.UIDSet
		set.AddRange(imap.UID(cur.UID+1), 0)
		crit.UID = []imap.UIDSet{set}
	}
	sd, err := c.UIDSearch(crit, nil).Wait()
	if err != nil {
		return nil, cur, fmt.Errorf("search %s: %w", m.Config.Folder, err)
	}
	var uids []imap.UID
	for _, u := range sd.AllUIDs() {
		if uint32(u) > cur.UID { // "n:*" always matches the last message
			uids = append(uids, u)
		}
	}
	slices.Sort(uids)
	if len(uids) > limit {
		uids = uids[:limit]
	}
	if len(uids) == 0 {
		if backfill {
			// Nothing recent: start after what the folder holds now, or the
			// next poll, searching by UID alone, would read all of it.
			if sel.UIDNext == 0 {
				return nil, Cursor{}, nil // no UIDNEXT: backfill again next time
			}
			cur.UID = uint32(sel.UIDNext) - 1
		}
		return nil, cur, nil
	}
	sizes, err := c.Fetch(imap.UIDSetNum(uids...), &imap.FetchOptions{UID: true, RFC822Size: true}).Collect()
	if err != nil {
		return nil, cur, fmt.Errorf("fetch sizes: %w", err)
	}
	var small []imap.UID
	var out []Fetched
	for _, s := range sizes {
		if s.RFC822Size > MaxMessageBytes {
			out = append(out, Fetched{UID: uint32(s.UID), Size: s.RFC822Size})
			continue
		}
		small = append(small, s.UID)
	}
	if len(small) > 0 {
		section := &imap.FetchItemBodySection{Peek: true}
		msgs, err := c.Fetch(imap.UIDSetNum(small...), &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{section}}).Collect()
		if err != nil {
			return nil, cur, fmt.Errorf("fetch messages: %w", err)
		}
		for _, msg := range msgs {
			out = append(out, Fetched{UID: uint32(msg.UID), Raw: msg.FindBodySection(section)})
		}
	}
	slices.SortFunc(out, func(a, b Fetched) int { return int(int64(a.UID) - int64(b.UID)) })
	cur.UID = out[len(out)-1].UID
	return out, cur, nil
}

// Check implements Mailbox.
func (m *IMAP) Check(ctx context.Context) error {
	c, err := m.dial()
	if err != nil {
		return err
	}
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	if _, err := c.Select(m.Config.Folder, &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		m.reset()
		return fmt.Errorf("select %s: %w", m.Config.Folder, err)
	}
	return nil
}

// Wait implements Mailbox with IDLE where the server has it.
func (m *IMAP) Wait(ctx context.Context, max time.Duration) error {
	timer := time.NewTimer(max)
	defer timer.Stop()
	c, err := m.dial()
	if err != nil {
		return err
	}
	if !c.Caps().Has(imap.CapIdle) {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-timer.C:
			return nil
		}
	}
	if c.Mailbox() == nil {
		if _, err := c.Select(m.Config.Folder, &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
			m.reset()
			return fmt.Errorf("select %s: %w", m.Config.Folder, err)
		}
	}
	select { // a wake from before this wait is stale: the fetch saw it
	case <-m.wake:
	default:
	}
	idle, err := c.Idle()
	if err != nil {
		m.reset()
		return fmt.Errorf("idle: %w", err)
	}
	select {
	case <-ctx.Done():
	case <-timer.C:
	case <-m.wake:
	}
	if err := idle.Close(); err != nil {
		m.reset()
		return err
	}
	if err := idle.Wait(); err != nil {
		m.reset()
		return err
	}
	return ctx.Err()
}

// Close logs out.
func (m *IMAP) Close() error {
	if m.c == nil {
		return nil
	}
	m.c.Logout().Wait()
	err := m.c.Close()
	m.c = nil
	return err
}
