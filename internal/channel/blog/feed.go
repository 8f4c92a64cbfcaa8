package blog

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"golang.org/x/net/html/charset"

	"github.com/harkdesk/hark/internal/channel"
	"github.com/harkdesk/hark/internal/channel/email"
	"github.com/harkdesk/hark/internal/ingest"
)

// MaxFeedBytes bounds a feed download.
const MaxFeedBytes = 8 << 20

// feed is an RSS 2.0 channel or an Atom feed; encoding/xml matches
// elements by local name, so one struct reads both.
type feed struct {
	XMLName xml.Name
	Items   []feedItem `xml:"channel>item"`
	Entries []feedItem `xml:"entry"`
}

type feedItem struct {
	Title   string `xml:"title"`
	GUID    string `xml:"guid"`
	ID      string `xml:"id"`
	Links   []link `xml:"link"`
	PubDate string `xml:"pubDate"`
	Pub     string `xml:"published"`
	Updated string `xml:"updated"`
	Date    string `xml:"http://purl.org/dc/elements/1.1/ date"`
	Creator string `xml:"http://purl.org/dc/elements/1.1/ creator"`
	Author  struct {
		Name  string `xml:"name"`
		URI   string `xml:"uri"`
		Email string `xml:"email"`
		Text  string `xml:",chardata"`
	} `xml:"author"`
	Encoded     string `xml:"http://purl.org/rss/1.0/modules/content/ encoded"`
	Description string `xml:"description"`
	Content     string `xml:"content"`
	Summary     string `xml:"summary"`
	InReplyTo   struct {
		Ref string `xml:"ref,attr"`
	} `xml:"http://purl.org/syndication/thread/1.0 in-reply-to"`
}

type link struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr"`
	Text string `xml:",chardata"`
}

// feedCursor remembers the validators for a conditional GET.
type feedCursor struct {
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
}

func (c *Connector) pollFeed(ctx context.Context, cursor string) ([]channel.Event, string, error) {
	var cur feedCursor
	json.Unmarshal([]byte(cursor), &cur)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.cfg.FeedURL, nil)
	if err != nil {
		return nil, cursor, err
	}
	req.Header.Set("Accept", "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.1")
	if cur.ETag != "" {
		req.Header.Set("If-None-Match", cur.ETag)
	}
	if cur.LastModified != "" {
		req.Header.Set("If-Modified-Since", cur.LastModified)
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return nil, cursor, fmt.Errorf("fetch feed: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotModified {
		return nil, cursor, nil
	}
	if resp.StatusCode != http.StatusOK {
		return nil, cursor, &channel.SendError{Status: resp.StatusCode, Message: "feed answered " + resp.Status, Temporary: resp.StatusCode == 429 || resp.StatusCode >= 500}
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, MaxFeedBytes))
	if err != nil {
		return nil, cursor, fmt.Errorf("read feed: %w", err)
	}
	items, err := ParseFeed(b)
	if err != nil {
		return nil, cursor, err
	}
	var out []channel.Event
	for _, m := range items {
		out = append(out, channel.Event{Kind: channel.Created, Target: c.cfg.FeedURL, Msg: m})
	}
	next, _ := json.Marshal(feedCursor{ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified")})
	return out, string(next), nil
}

// ParseFeed reads the comments of an RSS or Atom feed. Each is identified
// by its GUID (Atom id), else its link, else a hash of its content.
func ParseFeed(b []byte) ([]ingest.Message, error) {
	var f feed
	dec := xml.NewDecoder(strings.NewReader(string(b)))
	dec.Strict = false
	dec.CharsetReader = feedCharset
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("read feed: %w", err)
	}
	var out []ingest.Message
	for _, it := range append(f.Items, f.Entries...) {
		m := ingest.Message{Visibility: "public"}
		link := it.link()
		m.ProviderID = firstNonEmpty(strings.TrimSpace(it.GUID), strings.TrimSpace(it.ID), link)
		body := firstNonEmpty(it.Encoded, it.Content, it.Description, it.Summary)
		if m.ProviderID == "" || len(m.ProviderID) > 400 {
			sum := sha256.Sum256([]byte(m.ProviderID + "\x00" + it.Title + "\x00" + body))
			m.ProviderID = "sha256:" + hex.EncodeToString(sum[:])
		}
		m.Text = email.HTMLToText(body)
		if m.Text == "" {
			m.Text = strings.TrimSpace(it.Title)
		}
		name := strings.TrimSpace(firstNonEmpty(it.Creator, it.Author.Name, it.Author.Text))
		m.Author = ingest.Author{Name: name, Handle: name, Email: strings.ToLower(strings.TrimSpace(it.Author.Email))}
		m.Author.ID = strings.ToLower(firstNonEmpty(m.Author.Email, strings.TrimSpace(it.Author.URI)))
		if m.Author.ID == "" {
			if name == "" {
				name = "anonymous"
			}
			m.Author.ID = "name:" + strings.ToLower(name)
		}
		m.SentAt = parseDate(firstNonEmpty(it.Pub, it.PubDate, it.Date, it.Updated))
		m.ReplyTo = it.InReplyTo.Ref
		m.Raw, _ = json.Marshal(map[string]string{"title": it.Title, "link": link, "guid": m.ProviderID,
			"from": m.Author.Email, "subject": "Your comment: " + strings.TrimSpace(it.Title)})
		if m.Text == "" {
			continue
		}
		out = append(out, m)
	}
	return out, nil
}

// feedCharset decodes a feed declared in a charset other than UTF-8. By
// the web's labels rather than mail's (golang.org/x/net/html/charset, not
// the e-mail channel's go-message), because that is how browsers and feed
// readers take a feed: ISO-8859-1 as windows-1252, whose curly quotes old
// blogs are full of. A label nothing knows leaves the bytes as they came,
// to be read as UTF-8, as before.
func feedCharset(label string, r io.Reader) (io.Reader, error) {
	if dr, err := charset.NewReaderLabel(label, r); err == nil {
		return dr, nil
	}
	return r, nil
}

func (it feedItem) link() string {
	for _, l := range it.Links {
		if l.Href != "" && (l.Rel == "" || l.Rel == "alternate") {
			return strings.TrimSpace(l.Href)
		}
	}
	for _, l := range it.Links {
		if t := strings.TrimSpace(l.Text); t != "" {
			return t
		}
	}
	return ""
}

func parseDate(s string) time.Time {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339, time.RFC1123Z, time.RFC1123, "Mon, 2 Jan 2006 15:04:05 -0700", "Mon, 2 Jan 2006 15:04:05 MST", "2006-01-02T15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t
		}
	}
	return time.Time{}
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			return s
		}
	}
	return ""
}
