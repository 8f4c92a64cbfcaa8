package meta_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/harkdesk/hark/internal/channel"
	"github.com/harkdesk/hark/internal/channel/meta"
)

const mediaBase = "https://graph.facebook.com/v23.0"

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type want struct {
	kind       channel.EventKind
	target     string
	id         string
	visibility string
	author     string
	handle     string
	name       string
	text       string
	replyTo    string
	sentAt     int64 // Unix ms; 0 to skip
	attach     int
}

// TestParseFixtures reads Meta's documented payload shapes and checks every
// field the desk relies on.
func TestParseFixtures(t *testing.T) {
	cases := []struct {
		file string
		want []want
	}{
		{"page_feed_comment.json", []want{{
			kind: channel.Created, target: "104000000000001", id: "998877_1200001", visibility: "public",
			author: "7000000000000042", name: "Anna Kowalska", text: "My order #4411 never arrived, who can help?",
			replyTo: "104000000000001_998877", sentAt: 1731772790000,
		}}}, // the Page's own reply and the reaction are skipped
		{"page_feed_edit_remove.json", []want{
			{kind: channel.Edited, target: "104000000000001", id: "998877_1200001", visibility: "public", author: "7000000000000042",
				text: "My order #4411 arrived damaged, who can help?", replyTo: "104000000000001_998877"},
			{kind: channel.Deleted, target: "104000000000001", id: "998877_1200003", visibility: "public", author: "7000000000000044", replyTo: "998877_1200001"},
		}},
		{"messenger_messages.json", []want{
			{kind: channel.Created, target: "104000000000001", id: "m_AG5Hz2Uq7tuwNEhXfYYKj8mJEM_QPpz5jdCK48PnKAjSdjfipqxqMvK8ma6AC8fplwlqLP_5cgXIbu7I3rBN0P",
				visibility: "private", author: "6100000000000077", text: "Hi, where is my refund?", replyTo: "m_previous_page_message", sentAt: 1731772804512},
			{kind: channel.Created, target: "104000000000001", id: "m_attachment_1", visibility: "private", author: "6100000000000077", attach: 1},
		}}, // the echo and the read receipt are skipped
		{"messenger_edit.json", []want{{kind: channel.Edited, target: "104000000000001",
			id: "m_AG5Hz2Uq7tuwNEhXfYYKj8mJEM_QPpz5jdCK48PnKAjSdjfipqxqMvK8ma6AC8fplwlqLP_5cgXIbu7I3rBN0P", visibility: "private",
			author: "6100000000000077", text: "Hi, where is my refund for order 4411?"}}},
		{"instagram_comment_changes.json", []want{{kind: channel.Created, target: "17841400000000001", id: "17865799348089039",
			visibility: "public", author: "232323232", handle: "test_user_ig", text: "Is this available in blue?",
			replyTo: "17865799348089000", sentAt: 1731772800000}}},
		{"instagram_comment_flat.json", []want{{kind: channel.Created, target: "17841400000000001", id: "17865799348089040",
			visibility: "public", author: "242424242", handle: "second_user", text: "Love it, shipping to Canada?",
			replyTo: "18023345989012587", sentAt: 1731772801000}}},
		{"instagram_mention.json", []want{{kind: channel.Created, target: "17841400000000001", id: "17894227972186120",
			visibility: "public", replyTo: "17918195224117851"}}},
		{"instagram_dm.json", []want{
			{kind: channel.Created, target: "17841400000000001", id: "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDAwMDAwMDAwMDAx",
				visibility: "private", author: "5400000000000011", text: "Hello, is the store open on Sunday?", sentAt: 1569262485349},
			{kind: channel.Deleted, target: "17841400000000001", id: "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDAwMDAwMDAwMDAy",
				visibility: "private", author: "5400000000000011"},
		}},
		{"whatsapp_text.json", []want{
			{kind: channel.Created, target: "106540352242922", id: "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=",
				visibility: "private", author: "16505551234", name: "Sheena Nelson", text: "Does it come in another color?", sentAt: 1749416383000},
			{kind: channel.Created, target: "106540352242922", id: "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RwA=",
				visibility: "private", author: "16505551234", name: "Sheena Nelson", text: "This one",
				replyTo: "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI0ODFFQjc1QkM2NTVCODUzRQA=", attach: 1},
		}}, // the reaction is skipped
		{"whatsapp_statuses.json", []want{{kind: channel.Undelivered, target: "106540352242922",
			id: "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI0ODFFQjc1QkM2NTVCODUzRgA=", sentAt: 1750263780000,
			text: "131047 Re-engagement message: Message failed to send because more than 24 hours have passed since the customer last replied to this number."}}},
		// statuses are not messages; the failed one fails our reply, the delivered one is skipped
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			body := fixture(t, c.file)
			evs, err := meta.Parse(body, mediaBase)
			if err != nil {
				t.Fatal(err)
			}
			if len(evs) != len(c.want) {
				t.Fatalf("got %d events, want %d: %+v", len(evs), len(c.want), evs)
			}
			for i, w := range c.want {
				e, m := evs[i], evs[i].Msg
				if e.Kind != w.kind || e.Target != w.target || m.ProviderID != w.id || m.Visibility != w.visibility {
					t.Errorf("event %d: %s %s %s %s, want %s %s %s %s", i, e.Kind, e.Target, m.ProviderID, m.Visibility, w.kind, w.target, w.id, w.visibility)
				}
				if m.Author.ID != w.author || m.Author.Handle != w.handle || (w.name != "" && m.Author.Name != w.name) {
					t.Errorf("event %d author %+v, want %s/%s/%s", i, m.Author, w.author, w.handle, w.name)
				}
				if w.text != "" && m.Text != w.text {
					t.Errorf("event %d text %q, want %q", i, m.Text, w.text)
				}
				if m.ReplyTo != w.replyTo {
					t.Errorf("event %d reply_to %q, want %q", i, m.ReplyTo, w.replyTo)
				}
				if w.sentAt != 0 && m.SentAt.UnixMilli() != w.sentAt {
					t.Errorf("event %d sent_at %d, want %d", i, m.SentAt.UnixMilli(), w.sentAt)
				}
				if len(m.Attachments) != w.attach {
					t.Errorf("event %d attachments %+v, want %d", i, m.Attachments, w.attach)
				}
				if len(m.Raw) == 0 || !strings.Contains(string(body), strings.TrimSpace(string(m.Raw))[:20]) {
					t.Errorf("event %d raw is not the payload's own bytes: %s", i, m.Raw)
				}
				if w.kind == channel.Created && w.author != "" {
					mm := m
					if err := mm.Normalise(channelOf(w.target), time.Now()); err != nil {
						t.Errorf("event %d does not pass ingest: %v", i, err)
					}
				}
			}
		})
	}
}

func channelOf(target string) string {
	switch target {
	case "104000000000001":
		return "facebook"
	case "17841400000000001":
		return "instagram"
	}
	return "whatsapp"
}

func TestParseThreadsReplies(t *testing.T) {
	evs, _ := meta.Parse(fixture(t, "instagram_comment_changes.json"), mediaBase)
	if got := evs[0].Msg.References; len(got) != 1 || got[0] != "18023345989012587" {
		t.Fatalf("a reply to a comment should reference the media too: %v", got)
	}
	f := meta.NewFake("s", "v", "t")
	at := time.Unix(1731772800, 0)
	evs, _ = meta.Parse(f.FeedBody(meta.FeedComment{CommentID: "1_3", PostID: "104_1", ParentID: "1_2", FromID: "9", Message: "me too", At: at}), mediaBase)
	if m := evs[0].Msg; m.ReplyTo != "1_2" || len(m.References) != 1 || m.References[0] != "104_1" {
		t.Fatalf("nested comment threads to its parent then the post: %+v", m)
	}
}

func TestParseStatuses(t *testing.T) {
	st, err := meta.ParseStatuses(fixture(t, "whatsapp_statuses.json"))
	if err != nil || len(st) != 2 {
		t.Fatalf("%+v %v", st, err)
	}
	if st[0].Status != "delivered" || st[0].Target != "106540352242922" || st[0].ProviderID != "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI0ODFFQjc1QkM2NTVCODUzRQA=" || st[0].At.Unix() != 1750263773 {
		t.Fatalf("delivered: %+v", st[0])
	}
	if st[1].Status != "failed" || !strings.Contains(st[1].Error, "131047") || !strings.Contains(st[1].Error, "24 hours") {
		t.Fatalf("failed: %+v", st[1])
	}
	if st, _ := meta.ParseStatuses(fixture(t, "whatsapp_text.json")); len(st) != 0 {
		t.Fatalf("messages are not statuses: %+v", st)
	}
}

func TestParseRejectsNonJSON(t *testing.T) {
	if _, err := meta.Parse([]byte("object=page"), mediaBase); err == nil {
		t.Fatal("a body that is not JSON must be an error")
	}
	evs, err := meta.Parse([]byte(`{"object":"user","entry":[{"id":"1","changes":[{"field":"email","value":{}}]}]}`), mediaBase)
	if err != nil || len(evs) != 0 {
		t.Fatalf("unknown objects are skipped, not errors: %v %v", evs, err)
	}
}

func FuzzParse(f *testing.F) {
	entries, _ := os.ReadDir("testdata")
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".json") {
			b, _ := os.ReadFile(filepath.Join("testdata", e.Name()))
			f.Add(b)
		}
	}
	f.Add([]byte(`{"object":"instagram","entry":[{"id":"1","field":"comments","value":[]}]}`))
	f.Add([]byte(`{"object":"page","entry":[{"messaging":[{"message":{"mid":"x","text":5}}]}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		evs, err := meta.Parse(body, mediaBase)
		if err != nil {
			return
		}
		for _, e := range evs {
			if e.Msg.ProviderID == "" {
				t.Fatalf("event without a provider id: %+v", e)
			}
			switch e.Kind {
			case channel.Created, channel.Edited, channel.Deleted, channel.Undelivered:
			default:
				t.Fatalf("unknown kind %q", e.Kind)
			}
			m := e.Msg
			_ = m.Normalise("facebook", time.Now()) // must not panic
		}
		_, _ = meta.ParseStatuses(body)
	})
}

func TestWindowPolicy(t *testing.T) {
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	messenger := meta.Policy{Standard: 24 * time.Hour, HumanAgent: 7 * 24 * time.Hour}
	whatsapp := meta.Policy{Standard: 24 * time.Hour, TemplatesOnly: true}
	cases := []struct {
		name     string
		p        meta.Policy
		ago      time.Duration
		free     bool
		tag      string
		template bool
	}{
		{"messenger fresh", messenger, time.Hour, true, "", false},
		{"messenger 23h59", messenger, 24*time.Hour - time.Minute, true, "", false},
		{"messenger 2 days", messenger, 48 * time.Hour, false, meta.HumanAgentTag, false},
		{"messenger 8 days", messenger, 8 * 24 * time.Hour, false, "", false},
		{"messenger never", messenger, -1, false, "", false},
		{"no human agent tag", meta.Policy{Standard: 24 * time.Hour}, 48 * time.Hour, false, "", false},
		{"whatsapp fresh", whatsapp, time.Hour, true, "", false},
		{"whatsapp 25h", whatsapp, 25 * time.Hour, false, "", true},
		{"whatsapp never", whatsapp, -1, false, "", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var last time.Time
			if c.ago >= 0 {
				last = now.Add(-c.ago)
			}
			w := c.p.Check(last, now)
			if w.FreeForm != c.free || w.Tag != c.tag || w.TemplateOnly != c.template || w.Reason == "" {
				t.Fatalf("%+v", w)
			}
			if w.Allowed() != (c.free || c.tag != "") {
				t.Fatalf("Allowed %v for %+v", w.Allowed(), w)
			}
			if w.Allowed() && !w.Closes.After(now) {
				t.Fatalf("an open window must say when it closes: %+v", w)
			}
		})
	}
}

func TestTemplateCommand(t *testing.T) {
	tpl := meta.Template{Name: "order_update", Language: "pt_BR", Params: []string{"Anna", "#12345"}}
	got, ok := meta.ParseTemplate(tpl.Text())
	if !ok || got.Name != "order_update" || got.Language != "pt_BR" || len(got.Params) != 2 || got.Params[1] != "#12345" {
		t.Fatalf("%q -> %+v %v", tpl.Text(), got, ok)
	}
	for _, text := range []string{"/templates are great", "please use /template x", "/template", "/template a b c d"} {
		if _, ok := meta.ParseTemplate(text); ok {
			t.Errorf("%q is free text", text)
		}
	}
	if got, _ := meta.ParseTemplate("/template hello_world"); got.Language != "en_US" {
		t.Fatalf("default language: %+v", got)
	}
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
