package x_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/harkdesk/hark/internal/channel"
	"github.com/harkdesk/hark/internal/channel/x"
)

const brandID = "1420000000000000001"

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func parse(t *testing.T, name string) []channel.Event {
	t.Helper()
	evs, err := x.Parse(fixture(t, name), brandID)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	for _, e := range evs {
		if e.Target != brandID {
			t.Fatalf("%s: event for %q, want the for_user_id", name, e.Target)
		}
		if !json.Valid(e.Msg.Raw) {
			t.Fatalf("%s: raw payload not kept", name)
		}
	}
	return evs
}

func TestParseMentionSkipsOwnPosts(t *testing.T) {
	evs := parse(t, "aaa_mention.json")
	if len(evs) != 1 {
		t.Fatalf("the brand's own reply must be skipped: %d events", len(evs))
	}
	m := evs[0].Msg
	if evs[0].Kind != channel.Created || m.ProviderID != "1924484520617840732" || m.Visibility != "public" || m.ReplyTo != "" {
		t.Fatalf("%+v", m)
	}
	if m.Author.ID != "98765432" || m.Author.Handle != "danawhit" || m.Author.Name != "Dana Whitfield" || m.Author.Followers != 48210 {
		t.Fatalf("author %+v", m.Author)
	}
	if want := time.Date(2025, 5, 19, 14, 1, 46, 0, time.UTC); !m.SentAt.Equal(want) {
		t.Fatalf("sent at %v", m.SentAt)
	}
}

func TestParseLongReply(t *testing.T) {
	evs := parse(t, "aaa_long_reply.json")
	if len(evs) != 1 {
		t.Fatalf("%d events", len(evs))
	}
	m := evs[0].Msg
	if !strings.HasSuffix(m.Text, "not another apology.") || strings.Contains(m.Text, "…") {
		t.Fatalf("a long post is read from extended_tweet.full_text: %q", m.Text)
	}
	if m.ReplyTo != "1924484872000000001" || !m.Author.Verified {
		t.Fatalf("%+v", m)
	}
	if len(m.Attachments) != 1 || m.Attachments[0].Type != "image" || !strings.HasPrefix(m.Attachments[0].URL, "https://pbs.twimg.com/") {
		t.Fatalf("attachments %+v", m.Attachments)
	}
}

func TestParseRetweetAndQuoteCreditTheOriginal(t *testing.T) {
	evs := parse(t, "aaa_retweet_quote.json")
	if len(evs) != 2 {
		t.Fatalf("the brand's own retweet must be skipped: %d events", len(evs))
	}
	rt, quote := evs[0].Msg, evs[1].Msg
	const orig = "1924484520617840732"
	if rt.ProviderID != "1924499000000000003" || !slices.Equal(rt.References, []string{orig}) || rt.ReplyTo != "" {
		t.Fatalf("retweet %+v", rt)
	}
	if rt.Text != "RT @danawhit: @harkdesk my order #4411 never arrived and nobody answers the phone" || rt.Author.Followers != 910000 {
		t.Fatalf("retweet text %q by %+v", rt.Text, rt.Author)
	}
	if quote.ProviderID != "1924500300000000004" || !slices.Equal(quote.References, []string{orig}) || !strings.HasPrefix(quote.Text, "Same thing") {
		t.Fatalf("quote %+v", quote)
	}
}

func TestParseDMs(t *testing.T) {
	evs := parse(t, "aaa_dm.json")
	if len(evs) != 1 {
		t.Fatalf("the brand's echoed DM must be skipped: %d events", len(evs))
	}
	m := evs[0].Msg
	if m.Visibility != "private" || m.ProviderID != "1924510000000000010" || m.Author.Handle != "danawhit" || m.Author.Followers != 48210 {
		t.Fatalf("%+v", m)
	}
	if !m.SentAt.Equal(time.UnixMilli(1747667700000)) || len(m.Attachments) != 1 {
		t.Fatalf("%+v", m)
	}
}

func TestParseDeleteAndUnknownEvents(t *testing.T) {
	evs := parse(t, "aaa_delete.json")
	if len(evs) != 1 || evs[0].Kind != channel.Deleted || evs[0].Msg.ProviderID != "1924500300000000004" {
		t.Fatalf("%+v", evs)
	}
	if evs := parse(t, "aaa_favorite.json"); len(evs) != 0 {
		t.Fatalf("likes and follows are not messages: %+v", evs)
	}
}

func TestParseActivityEnvelope(t *testing.T) {
	evs := parse(t, "xaa_mention.json")
	if len(evs) != 1 {
		t.Fatalf("%d events", len(evs))
	}
	m := evs[0].Msg
	if m.ProviderID != "1924520000000000020" || m.ReplyTo != "1924510900000000015" || m.Author.Handle != "leemarsh" || m.Author.Followers != 340 {
		t.Fatalf("%+v", m)
	}
	if !slices.Equal(m.References, []string{"1924484520617840732"}) {
		t.Fatalf("a reply names its conversation's root too: %v", m.References)
	}
}

func TestParseEdit(t *testing.T) {
	// X's v1.1 payloads carry no edit event: an edited post arrives as a new
	// post whose edit_history names the first version.
	body := `{"for_user_id":"` + brandID + `","tweet_create_events":[{"id_str":"1002","text":"@harkdesk order 4411, not 4412",
		"user":{"id_str":"9","screen_name":"dana"},"edit_history":{"initial_tweet_id":"1001","edit_tweet_ids":["1001","1002"]}}]}`
	evs, err := x.Parse([]byte(body), brandID)
	if err != nil || len(evs) != 1 || evs[0].Kind != channel.Edited || evs[0].Msg.ProviderID != "1001" {
		t.Fatalf("%+v %v", evs, err)
	}
}

func TestParseMalformed(t *testing.T) {
	for _, body := range []string{`{not json`, `[1,2]`, `"text"`, `{"tweet_create_events":"nope"}`} {
		if _, err := x.Parse([]byte(body), brandID); err == nil {
			t.Errorf("%s: want an error", body)
		}
	}
	for _, body := range []string{`{}`, `{"for_user_id":"1","tweet_create_events":[{"id_str":7}]}`, `{"data":{"event_type":"follow.follow"}}`} {
		if evs, err := x.Parse([]byte(body), brandID); err != nil || len(evs) != 0 {
			t.Errorf("%s: %v %v", body, evs, err)
		}
	}
}

func TestReplyAllowed(t *testing.T) {
	first := func(name string) json.RawMessage {
		evs := parse(t, name)
		return evs[0].Msg.Raw
	}
	cases := []struct {
		name string
		raw  json.RawMessage
		ok   bool
	}{
		{"v1.1 mention", first("aaa_mention.json"), true},
		{"v1.1 reply to the brand", first("aaa_long_reply.json"), true},
		{"v2 mention", first("xaa_mention.json"), true},
		{"a DM", first("aaa_dm.json"), true},
		{"retweet without a mention of its own", json.RawMessage(`{"id_str":"5","text":"so true","user":{"id_str":"9"},"entities":{"user_mentions":[]}}`), false},
		{"quote of someone else", json.RawMessage(`{"id_str":"6","text":"lol","user":{"id_str":"9"},"quoted_status":{"id_str":"4","user":{"id_str":"8"}}}`), false},
		{"quote of the brand", json.RawMessage(`{"id_str":"6","text":"lol","user":{"id_str":"9"},"quoted_status":{"id_str":"4","user":{"id_str":"` + brandID + `"}}}`), true},
		{"v2 post naming the handle only in text", json.RawMessage(`{"id":"7","author_id":"9","text":"hey @HarkDesk help"}`), true},
		{"v2 reply in someone else's thread", json.RawMessage(`{"id":"7","author_id":"9","text":"@someone agreed","in_reply_to_user_id":"8"}`), false},
		{"no payload", nil, true},
	}
	for _, c := range cases {
		ok, why := x.ReplyAllowed(c.raw, brandID, "harkdesk")
		if ok != c.ok || why == "" {
			t.Errorf("%s: allowed=%v (%s)", c.name, ok, why)
		}
		if !ok && !strings.Contains(why, "DM") {
			t.Errorf("%s: a refusal must offer a DM: %s", c.name, why)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, name := range []string{"aaa_mention.json", "aaa_long_reply.json", "aaa_retweet_quote.json", "aaa_dm.json", "aaa_delete.json", "aaa_favorite.json", "xaa_mention.json"} {
		f.Add(fixture(f, name))
	}
	f.Add([]byte(`{"data":[{"event_type":"dm.received","payload":{"id":"1","sender_id":"2","text":"hi"}}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		evs, err := x.Parse(body, brandID)
		if err != nil {
			return
		}
		for _, e := range evs {
			if e.Msg.ProviderID == "" {
				t.Fatalf("an event without a provider id: %+v", e)
			}
			if e.Kind == channel.Created && e.Msg.Author.ID == brandID {
				t.Fatalf("the brand's own message came through: %+v", e)
			}
			x.ReplyAllowed(e.Msg.Raw, brandID, "harkdesk")
		}
	})
}
