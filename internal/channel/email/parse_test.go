package email

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/harkdesk/hark/internal/channel"
	"github.com/harkdesk/hark/internal/conversation"
)

func parseFile(t *testing.T, name string) *Parsed {
	t.Helper()
	raw, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	p, err := ParseMessage(raw, ParseOptions{Mailbox: "support@shop.test", TrustedAuthServ: []string{"mx.hark.test"}, Source: "imap"})
	if err != nil {
		t.Fatalf("parse %s: %v", name, err)
	}
	return p
}

// parseText reads a message written with \n line ends, as mail clients
// send it (with \r\n).
func parseText(t *testing.T, raw string) *Parsed {
	t.Helper()
	p, err := ParseMessage([]byte(strings.ReplaceAll(raw, "\n", "\r\n")), ParseOptions{Mailbox: "support@shop.test"})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestParseReplyThreadsAndFoldsQuotes(t *testing.T) {
	p := parseFile(t, "reply.eml")
	m := p.Msg
	if m.ProviderID != "CAAda-2@mail.example.org" {
		t.Errorf("provider id = %q", m.ProviderID)
	}
	if m.ReplyTo != "hark.0123456789abcdef01234567@shop.test" {
		t.Errorf("reply to = %q", m.ReplyTo)
	}
	// References nearest first without In-Reply-To, then the plus-address reply.
	want := []string{"CAAda-1@mail.example.org", "hark.0123456789abcdef01234567@shop.test"}
	if !slices.Equal(m.References, want) {
		t.Errorf("references = %q, want %q", m.References, want)
	}
	if p.Token != "hark.0123456789abcdef01234567" {
		t.Errorf("token = %q", p.Token)
	}
	if m.Text != "Thanks, the replacement works – but the box is still dented." {
		t.Errorf("folded text = %q", m.Text)
	}
	if m.Author.Email != "ada@example.org" || m.Author.Name != "Ada Lovelace" {
		t.Errorf("author = %+v", m.Author)
	}
	if m.SentAt.UTC().Format("2006-01-02T15:04") != "2026-11-16T10:15" {
		t.Errorf("sent at = %v", m.SentAt)
	}
	// The trusted server's verdict, not the forged header below it.
	if p.Auth.DKIM != "pass" || p.Auth.SPF != "pass" || p.Auth.DMARC != "pass" || p.Auth.Server != "mx.hark.test" {
		t.Errorf("auth = %+v", p.Auth)
	}
	var r Raw
	if err := json.Unmarshal(m.Raw, &r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.FullText, "> A replacement is on its way.") {
		t.Errorf("raw keeps the full text, got %q", r.FullText)
	}
	if r.Auth.DMARC != "pass" || r.Kind != Customer {
		t.Errorf("raw = %+v", r)
	}
}

func TestParseHTMLIsSanitisedAndAttachmentsKept(t *testing.T) {
	p := parseFile(t, "html-attachment.eml")
	text := p.Msg.Text
	for _, bad := range []string{"<html", "<p", "<script", "<img", "alert", "javascript", "color:red", "tracker", "old stuff"} {
		if strings.Contains(text, bad) {
			t.Errorf("text contains %q: %q", bad, text)
		}
	}
	for _, good := range []string{"I need the invoice for order 43.", "Grüße", "order page <https://example.net/o/43>"} {
		if !strings.Contains(text, good) {
			t.Errorf("text lacks %q: %q", good, text)
		}
	}
	if len(p.Files) != 1 || p.Files[0].Type != "application/pdf" || !strings.HasPrefix(string(p.Files[0].Data), "%PDF-1.4") {
		t.Fatalf("files = %+v", p.Files)
	}
	if got := safeFilename(p.Files[0].Name); strings.Contains(got, "/") {
		t.Errorf("stored name %q keeps a path", got)
	}
	if p.Msg.ReplyTo != "" || len(p.Msg.References) != 0 {
		t.Errorf("a new message has no thread refs: %q %q", p.Msg.ReplyTo, p.Msg.References)
	}
}

func TestParseRecognisesMailNoPersonWrote(t *testing.T) {
	for _, tc := range []struct {
		file string
		kind Kind
	}{
		{"autoreply.eml", AutoReply},
		{"bounce.eml", Bounce},
		{"list.eml", List},
		{"reply.eml", Customer},
	} {
		if p := parseFile(t, tc.file); p.Kind != tc.kind {
			t.Errorf("%s: kind = %s (%s), want %s", tc.file, p.Kind, p.Reason, tc.kind)
		}
	}
}

func TestParseBounceNamesTheFailedMessage(t *testing.T) {
	p := parseFile(t, "bounce.eml")
	if p.Kind != Bounce || p.Bounced != "hark.aaaabbbbccccddddeeeeffff@shop.test" {
		t.Errorf("kind %s, bounced %q", p.Kind, p.Bounced)
	}
	if q := parseFile(t, "reply.eml"); q.Bounced != "" {
		t.Errorf("a reply names a bounce: %q", q.Bounced)
	}
}

// A customer forwards the mail they are asking about as an attachment.
func TestAForwardedMessageIsKept(t *testing.T) {
	for _, tc := range []struct{ disposition, name string }{
		{`Content-Disposition: attachment; filename="invoice.eml"`, "invoice.eml"},
		{`Content-Disposition: inline`, "forwarded.eml"},
	} {
		p := parseText(t, `From: ada@example.org
To: support@shop.test
Subject: Fwd: your invoice
Message-ID: <a1@example.org>
Content-Type: multipart/mixed; boundary=A

--A
Content-Type: text/plain

Is this mail really from you? It asks me to pay again.
--A
Content-Type: message/rfc822
`+tc.disposition+`

From: billing@phish.example
Subject: invoice
Message-ID: <v1@phish.example>

Pay now at http://phish.example/pay
--A--
`)
		if len(p.Files) != 1 || p.Files[0].Type != "message/rfc822" || p.Files[0].Name != tc.name || !strings.Contains(string(p.Files[0].Data), "Pay now") {
			t.Fatalf("forwarded message attachment lost: files = %+v, skipped = %v", p.Files, p.Skipped)
		}
		if p.Kind != Customer || p.Bounced != "" {
			t.Errorf("a forward read as a bounce: %s %q", p.Kind, p.Bounced)
		}
	}
}

// A body part whose charset label the decoder does not know is still the
// customer's text; cp932 is Microsoft's name for Shift_JIS.
func TestTextInAnUnknownCharsetIsKept(t *testing.T) {
	for _, tc := range []struct{ charset, body, want string }{
		{"unknown-8bit", "My parcel never arrived.", "My parcel never arrived."},
		{"cp932", "My parcel never arrived.", "My parcel never arrived."},
		{"cp932", "\x82\xa8\x89\xd7\x95\xa8\x82\xaa\x93\xcd\x82\xab\x82\xdc\x82\xb9\x82\xf1\x81B", "お荷物が届きません。"},
	} {
		part := "Content-Type: text/plain; charset=" + tc.charset + "\n\n" + tc.body + "\n"
		multi := parseText(t, "From: ada@example.org\nSubject: help\nContent-Type: multipart/alternative; boundary=B\n\n--B\n"+part+"--B--\n")
		single := parseText(t, "From: ada@example.org\nSubject: help\n"+part)
		for _, p := range []*Parsed{multi, single} {
			if p.Msg.Text != tc.want {
				t.Errorf("charset %s: text = %q, want %q", tc.charset, p.Msg.Text, tc.want)
			}
		}
	}
}

// Apple Mail puts a photo between two text/plain parts of a
// multipart/mixed; the text after the photo is the customer's too.
func TestTextAfterAnInlineImageIsKept(t *testing.T) {
	p := parseText(t, `From: ada@example.org
Subject: broken vase
Content-Type: multipart/mixed; boundary=A

--A
Content-Type: text/plain; charset=us-ascii

Here is the box:
--A
Content-Type: image/jpeg; name=IMG_0001.jpeg
Content-Disposition: inline; filename=IMG_0001.jpeg
Content-Transfer-Encoding: base64

/9j/4AAQ
--A
Content-Type: text/plain; charset=us-ascii

And the vase is in pieces. Please refund order 42.
--A--
`)
	if want := "Here is the box:\n\nAnd the vase is in pieces. Please refund order 42."; p.Msg.Text != want {
		t.Errorf("text = %q, want %q", p.Msg.Text, want)
	}
	if len(p.Files) != 1 || p.Files[0].Name != "IMG_0001.jpeg" {
		t.Errorf("files = %+v", p.Files)
	}
	// Alternatives of one text are not joined.
	q := parseText(t, `From: ada@example.org
Subject: hi
Content-Type: multipart/alternative; boundary=B

--B
Content-Type: text/plain

Hello.
--B
Content-Type: text/plain; format=flowed

Hello again.
--B--
`)
	if q.Msg.Text != "Hello." {
		t.Errorf("alternative text = %q", q.Msg.Text)
	}
}

func TestParseLimitsAttachments(t *testing.T) {
	big := strings.Repeat("A", MaxAttachmentBytes+10)
	raw := "From: a@example.com\r\nTo: support@shop.test\r\nMessage-ID: <big@example.com>\r\nReceived-SPF: softfail (domain does not designate)\r\n" +
		"Content-Type: multipart/mixed; boundary=X\r\n\r\n--X\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n" +
		"--X\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=big.bin\r\n\r\n" + big + "\r\n" +
		"--X\r\nContent-Type: text/csv\r\nContent-Disposition: attachment; filename=small.csv\r\n\r\na,b\r\n--X--\r\n"
	p, err := ParseMessage([]byte(raw), ParseOptions{Mailbox: "support@shop.test"})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Files) != 1 || p.Files[0].Name != "small.csv" || len(p.Skipped) != 1 || !strings.HasPrefix(p.Skipped[0], "big.bin") {
		t.Errorf("files %d, skipped %q", len(p.Files), p.Skipped)
	}
	if p.Auth.SPF != "softfail" {
		t.Errorf("Received-SPF: %+v", p.Auth)
	}
	if _, err := ParseMessage(make([]byte, MaxMessageBytes+1), ParseOptions{}); err == nil {
		t.Error("an over-size message parsed")
	}
}

// A reply whose new text is a pasted XML log, above the quoted history:
// the full text kept in the raw payload must not push the message over
// ingest's raw limit, or ingest refuses the whole message.
func TestALongReplyWithPastedMarkupIsStorable(t *testing.T) {
	var b strings.Builder
	b.WriteString("From: dev@example.org\nSubject: Re: API errors\nContent-Type: text/plain; charset=utf-8\n\nThe export fails, here is the response:\n")
	for b.Len() < 80<<10 {
		b.WriteString("<r><e><c>42</c><m>bad</m></e></r>\n")
	}
	b.WriteString("\nOn Mon, 16 Nov 2026 at 10:00, Support <support@shop.test> wrote:\n> Please send us the response you get.\n")
	p := parseText(t, b.String())
	m := p.Msg
	// The connector adds where the original is kept.
	m.Raw = withOriginal(m.Raw, conversation.Attachment{URL: "https://desk.shop.test/files/" + strings.Repeat("x", 200)})
	if err := m.Normalise("email", time.Now()); err != nil {
		t.Fatalf("the customer's reply is refused by ingest (raw is %d bytes): %v", len(m.Raw), err)
	}
	var r struct {
		FullText string `json:"full_text"`
		Original string `json:"original"`
	}
	if err := json.Unmarshal(m.Raw, &r); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(r.FullText, "The export fails, here is the response:\n<r><e>") || r.Original == "" {
		t.Errorf("raw lost the full text or the original: %q... original %q", r.FullText[:min(60, len(r.FullText))], r.Original)
	}
}

func TestParseWithoutMessageIDHashesTheMessage(t *testing.T) {
	a, b := parseFile(t, "noid.eml"), parseFile(t, "noid.eml")
	if !strings.HasPrefix(a.Msg.ProviderID, "sha256:") || a.Msg.ProviderID != b.Msg.ProviderID {
		t.Errorf("provider ids %q %q", a.Msg.ProviderID, b.Msg.ProviderID)
	}
}

func TestFoldQuotes(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Yes please.\n\nOn Mon, 1 Jan 2026, A <a@b.c> wrote:\n> old", "Yes please."},
		{"Ja.\n\nAm 01.01.2026 um 10:00 schrieb A <a@b.c>:\n> alt", "Ja."},
		{"Fine.\n\n-----Original Message-----\nFrom: x\nold", "Fine."},
		{"Fine.\n\nFrom: Shop <s@shop.test>\nSent: Monday\nTo: me\n\nold", "Fine."},
		{"top\n> quoted\nbottom", "top\nbottom"},
		{"> only quote", ""},
		{"Reply on Monday wrote: nothing special", "Reply on Monday wrote: nothing special"},
	} {
		if got := FoldQuotes(tc.in); got != tc.want {
			t.Errorf("FoldQuotes(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// "From:" and "To:" lines the customer wrote are not an Outlook header
// block: that names an address and has at least two of Sent, Date, To and
// Subject under it.
func TestFromAndToLinesTheCustomerWroteAreKept(t *testing.T) {
	p := parseText(t, `From: ada@example.org
Subject: change my booking

Please change my booking to:
From: London Heathrow
To: Paris CDG
Date: 3 May, 10:00
Booking ref XJ42.
`)
	if want := "Please change my booking to:\nFrom: London Heathrow\nTo: Paris CDG\nDate: 3 May, 10:00\nBooking ref XJ42."; p.Msg.Text != want {
		t.Errorf("customer's own text folded away as history: %q", p.Msg.Text)
	}
	for _, tc := range []struct{ in, want string }{
		{"From: me <ada@example.org>\nTo: you\nthanks", "From: me <ada@example.org>\nTo: you\nthanks"},
		{"Fine.\n\nFrom: Shop [mailto:s@shop.test]\nSent: Monday\nCc: x\nSubject: Order\n\nold", "Fine."},
		{"Gut.\n\n*Von:* Shop <s@shop.test>\n*Gesendet:* Montag\n*An:* Ada\n\nalt", "Gut."},
	} {
		if got := FoldQuotes(tc.in); got != tc.want {
			t.Errorf("FoldQuotes(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestHTMLToText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"<p>Hello <b>world</b></p><p>Second</p>", "Hello world\nSecond"},
		{"a<br>b", "a\nb"},
		{"<ul><li>one</li><li>two</li></ul>", "- one\n- two"},
		{"<script>x()</script><style>p{}</style>ok", "ok"},
		{"<p>new</p><blockquote><p>old</p></blockquote>", "new\n> old"},
		{"&lt;script&gt;", "<script>"}, // text, shown escaped by the desk
		{"<a href='https://x.test/'>https://x.test/</a>", "https://x.test/"},
	} {
		if got := HTMLToText(tc.in); got != tc.want {
			t.Errorf("HTMLToText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// Outlook on the web and the new Outlook: divRplyFwdMsg holds only the
// header block; the quoted body follows it in a sibling div.
func TestOutlookOnTheWebHistoryIsFolded(t *testing.T) {
	p := parseText(t, `From: ada@example.org
Subject: RE: Order 42
Content-Type: text/html; charset=utf-8

<html><body><div>Thanks, that works.</div>
<div id="appendonsend"></div>
<hr style="display:inline-block;width:98%" tabindex="-1">
<div id="divRplyFwdMsg" dir="ltr"><font face="Calibri, sans-serif" style="font-size:11pt"><b>From:</b> Support &lt;support@shop.test&gt;<br>
<b>Sent:</b> Monday, 16 November 2026 10:00<br>
<b>To:</b> Ada &lt;ada@example.org&gt;<br>
<b>Subject:</b> Re: Order 42</font>
<div>&nbsp;</div>
</div>
<div><div>So sorry! A new vase ships today.</div></div>
</body></html>
`)
	if p.Msg.Text != "Thanks, that works." {
		t.Errorf("quoted history kept as the customer's text: %q", p.Msg.Text)
	}
	var r Raw
	if err := json.Unmarshal(p.Msg.Raw, &r); err != nil || !strings.Contains(r.FullText, "So sorry!") {
		t.Errorf("the full text lost the history: %v %q", err, r.FullText)
	}
}

func TestNormaliseSubject(t *testing.T) {
	if NormaliseSubject("RE: Fwd: [Ticket 9]  Order   42") != "order 42" {
		t.Error(NormaliseSubject("RE: Fwd: [Ticket 9]  Order   42"))
	}
	if !IsReplySubject("AW: hallo") || IsReplySubject("Order 42") {
		t.Error("IsReplySubject")
	}
}

func FuzzParseMessage(f *testing.F) {
	for _, n := range []string{"reply.eml", "html-attachment.eml", "bounce.eml", "noid.eml"} {
		b, _ := os.ReadFile("testdata/" + n)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		p, err := ParseMessage(raw, ParseOptions{Mailbox: "support@shop.test"})
		if err != nil {
			return
		}
		if p.Msg.ProviderID == "" || p.Msg.Author.Email == "" {
			t.Fatalf("parsed without id or author: %+v", p.Msg)
		}
	})
}

func FuzzHTMLToText(f *testing.F) {
	f.Add("<p>a<script>b</script></p>")
	f.Fuzz(func(t *testing.T, s string) {
		out := HTMLToText(s)
		if strings.Contains(strings.ToLower(out), "<script") && !strings.Contains(strings.ToLower(s), "&lt;script") {
			t.Fatalf("script tag survived: %q", out)
		}
	})
}

// A bounce of one of our replies becomes an Undelivered event naming it,
// so the desk fails the reply; a report that only warns of a delay, or a
// bounce that names no mail of ours, changes nothing.
func TestABounceNamesTheReplyThatFailed(t *testing.T) {
	c := &Connector{cfg: Config{Address: "support@shop.test"}, deps: Deps{Log: slog.New(slog.DiscardHandler)}}
	raw, err := os.ReadFile("testdata/bounce.eml")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, from, to string
		undelivered    bool
	}{
		{"failed", "", "", true},
		{"delayed", "Action: failed", "Action: delayed", false},
		{"names no mail", "Message-ID: <hark.aaaabbbbccccddddeeeeffff@shop.test>\r\n", "", false},
	} {
		eml := raw
		if tc.from != "" {
			eml = []byte(strings.Replace(string(raw), tc.from, tc.to, 1))
		}
		p, err := ParseMessage(eml, ParseOptions{Mailbox: "support@shop.test", Source: "imap"})
		if err != nil {
			t.Fatal(err)
		}
		ev, skip, err := c.event(context.Background(), p, nil)
		if err != nil {
			t.Fatal(err)
		}
		got := !skip && ev.Kind == channel.Undelivered
		if got != tc.undelivered {
			t.Errorf("%s: undelivered %v (skip %v, kind %s), want %v", tc.name, got, skip, ev.Kind, tc.undelivered)
		}
		if got && (ev.Msg.ProviderID != "hark.aaaabbbbccccddddeeeeffff@shop.test" || !strings.Contains(ev.Msg.Text, "could not be delivered")) {
			t.Errorf("%s: %+v", tc.name, ev.Msg)
		}
	}
}
