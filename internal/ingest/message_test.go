package ingest

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/harkdesk/hark/internal/conversation"
	"github.com/harkdesk/hark/internal/hark"
)

func TestNormaliseDefaultsAndLimits(t *testing.T) {
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	m := Message{ProviderID: " 1 ", Author: Author{Handle: "@Maria", Followers: -5}, Text: "  hi\x00 there  ", SentAt: now.Add(time.Hour)}
	if err := m.Normalise("x", now); err != nil {
		t.Fatal(err)
	}
	if m.ProviderID != "1" || m.Visibility != "public" || m.Author.Handle != "Maria" || m.Author.Followers != 0 || m.Text != "hi there" || !m.SentAt.Equal(now) {
		t.Fatalf("normalised %+v", m)
	}
	dm := Message{ProviderID: "2", Author: Author{Email: "a@b.c"}, Text: "x"}
	dm.Normalise("email", now)
	if dm.Visibility != "private" {
		t.Fatalf("e-mail visibility %s", dm.Visibility)
	}
	bad := []Message{
		{Author: Author{ID: "1"}, Text: "no provider id"},
		{ProviderID: strings.Repeat("x", 513), Author: Author{ID: "1"}, Text: "long id"},
		{ProviderID: "1", Text: "no author"},
		{ProviderID: "1", Author: Author{ID: "1"}, Text: "   "},
		{ProviderID: "1", Author: Author{ID: "1"}, Text: strings.Repeat("a", MaxTextBytes+1)},
		{ProviderID: "1", Author: Author{ID: "1"}, Text: "x", Visibility: "secret"},
		{ProviderID: "1", Author: Author{ID: "1"}, Text: "x", Raw: make([]byte, MaxRawBytes+1)},
	}
	for i, b := range bad {
		if err := b.Normalise("x", now); !errors.Is(err, hark.ErrInvalid) {
			t.Errorf("case %d: %v, want ErrInvalid", i, err)
		}
	}
}

func FuzzNormalise(f *testing.F) {
	f.Add("1", "maria", "hello @brand", "public")
	f.Add("", "", "\xff\xfe", "")
	f.Add("x", "@", "\x00\x00", "private")
	f.Fuzz(func(t *testing.T, id, handle, text, vis string) {
		m := Message{ProviderID: id, Author: Author{Handle: handle}, Text: text, Visibility: vis}
		err := m.Normalise("x", time.Now())
		if err != nil {
			if !errors.Is(err, hark.ErrInvalid) {
				t.Fatalf("error %v is not ErrInvalid", err)
			}
			return
		}
		if !utf8.ValidString(m.Text) || strings.ContainsRune(m.Text, 0) {
			t.Fatalf("stored text %q is not clean UTF-8", m.Text)
		}
		if m.ProviderID == "" || (m.Visibility != "public" && m.Visibility != "private") {
			t.Fatalf("accepted %+v", m)
		}
	})
}

func TestAttachmentURLs(t *testing.T) {
	for url, ok := range map[string]bool{
		"https://cdn.example/a.png": true, "http://cdn.example/a.png": true, "/email/attachments/1/a.png": true,
		"//evil.example/a.png": false, "/\\evil.example": false, "javascript:alert(1)": false, "data:text/html,x": false, "": false,
	} {
		m := Message{ProviderID: "1", Author: Author{ID: "a"}, Text: "x", Attachments: []conversation.Attachment{{URL: url}}}
		if err := m.Normalise("x", time.Now()); (err == nil) != ok {
			t.Errorf("%q: %v", url, err)
		}
	}
}
