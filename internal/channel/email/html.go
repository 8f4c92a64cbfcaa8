package email

import (
	"bytes"
	"net/url"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// MaxHTMLBytes bounds the HTML the desk reads from one message.
const MaxHTMLBytes = 2 << 20

// outlookRule is the line Outlook puts above the quoted history in plain text.
const outlookRule = "________________________________"

// HTMLToText turns customer HTML into plain text. Nothing of the markup
// survives: the desk shows the text escaped, never the HTML, so a hostile
// message cannot run script or load trackers in an agent's browser.
// Blockquotes and the quote blocks of common mail clients come out as
// "> " lines so FoldQuotes can fold them like plain-text quotes.
func HTMLToText(src string) string {
	if len(src) > MaxHTMLBytes {
		src = src[:MaxHTMLBytes]
	}
	z := html.NewTokenizer(strings.NewReader(src))
	var b textBuilder
	skip := 0  // depth inside script, style, head...
	quote := 0 // depth inside blockquotes
	var quoteStack []bool
	var href []string
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken: // the end, or HTML too broken to read further
			return b.String()
		case html.TextToken:
			if skip > 0 {
				continue
			}
			b.text(string(z.Text()), quote)
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			a := atom.Lookup(name)
			attrs := map[string]string{}
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				attrs[string(k)] = string(v)
			}
			switch a {
			case atom.Script, atom.Style, atom.Head, atom.Title, atom.Noscript, atom.Template, atom.Svg, atom.Math, atom.Iframe, atom.Object:
				if tt == html.StartTagToken {
					skip++
				}
			case atom.Br:
				b.newline(quote)
			case atom.Blockquote:
				b.block()
				quote++
				quoteStack = append(quoteStack, true)
			case atom.Div:
				// Gmail, Yahoo and Outlook wrap the quoted history in marked divs.
				q := isQuoteDiv(attrs)
				if q {
					quote++
				}
				quoteStack = append(quoteStack, q)
				b.block()
				if attrs["id"] == "divRplyFwdMsg" {
					// Outlook on the web wraps only the header block; the
					// quoted body follows outside it. Its plain-text rule
					// tells FoldQuotes that all the rest is history.
					b.text(outlookRule, quote-1)
					b.block()
				}
			case atom.P, atom.Tr, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Table, atom.Ul, atom.Ol, atom.Pre, atom.Hr:
				b.block()
			case atom.Li:
				b.block()
				b.text("- ", quote)
			case atom.Td, atom.Th:
				b.text(" ", quote)
			case atom.A:
				href = append(href, safeLink(attrs["href"]))
			case atom.Img:
				if alt := strings.TrimSpace(attrs["alt"]); alt != "" {
					b.text("["+alt+"]", quote)
				}
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			switch atom.Lookup(name) {
			case atom.Script, atom.Style, atom.Head, atom.Title, atom.Noscript, atom.Template, atom.Svg, atom.Math, atom.Iframe, atom.Object:
				if skip > 0 {
					skip--
				}
			case atom.Blockquote, atom.Div:
				if n := len(quoteStack); n > 0 {
					if quoteStack[n-1] && quote > 0 {
						quote--
					}
					quoteStack = quoteStack[:n-1]
				}
				b.block()
			case atom.P, atom.Tr, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Table, atom.Ul, atom.Ol, atom.Pre, atom.Li:
				b.block()
			case atom.A:
				if n := len(href); n > 0 {
					if h := href[n-1]; h != "" && !strings.Contains(b.lastLine(), h) {
						b.text(" <"+h+">", quote)
					}
					href = href[:n-1]
				}
			}
		}
	}
}

func isQuoteDiv(attrs map[string]string) bool {
	c, id := attrs["class"], attrs["id"]
	for _, k := range []string{"gmail_quote", "yahoo_quoted", "moz-cite-prefix"} {
		if strings.Contains(c, k) {
			return true
		}
	}
	return id == "divRplyFwdMsg" || id == "appendonsend" || attrs["type"] == "cite"
}

// safeLink keeps only web and mail links; javascript: and data: URLs are
// dropped rather than shown as something an agent might paste.
func safeLink(h string) string {
	u, err := url.Parse(strings.TrimSpace(h))
	if err != nil {
		return ""
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		return u.String()
	case "mailto":
		return ""
	}
	return ""
}

// textBuilder collapses HTML whitespace into readable lines.
type textBuilder struct {
	buf  bytes.Buffer
	line bytes.Buffer
}

func (b *textBuilder) text(s string, quote int) {
	s = strings.ReplaceAll(s, "\u00a0", " ")
	words := strings.Fields(s)
	if len(words) == 0 {
		if s != "" && b.line.Len() > 0 {
			b.space()
		}
		return
	}
	if b.line.Len() == 0 {
		b.line.WriteString(strings.Repeat("> ", quote))
	} else if s[0] == ' ' || s[0] == '\n' || s[0] == '\t' || s[0] == '\r' {
		b.space()
	}
	b.line.WriteString(strings.Join(words, " "))
	if last := s[len(s)-1]; last == ' ' || last == '\n' || last == '\t' || last == '\r' {
		b.space()
	}
}

func (b *textBuilder) space() {
	if !bytes.HasSuffix(b.line.Bytes(), []byte(" ")) {
		b.line.WriteByte(' ')
	}
}

func (b *textBuilder) lastLine() string { return b.line.String() }

func (b *textBuilder) newline(quote int) {
	b.flush()
	if b.line.Len() == 0 && quote > 0 {
		b.buf.WriteString(strings.TrimSpace(strings.Repeat("> ", quote)))
	}
	b.buf.WriteByte('\n')
}

func (b *textBuilder) flush() {
	if b.line.Len() > 0 {
		b.buf.WriteString(strings.TrimRight(b.line.String(), " "))
		b.line.Reset()
	}
}

func (b *textBuilder) block() {
	hadLine := b.line.Len() > 0
	b.flush()
	if hadLine {
		b.buf.WriteByte('\n')
	}
}

func (b *textBuilder) String() string {
	b.flush()
	lines := strings.Split(b.buf.String(), "\n")
	var out []string
	blank := 0
	for _, l := range lines {
		l = strings.TrimRight(l, " ")
		if strings.TrimSpace(strings.Trim(l, ">")) == "" && !strings.HasPrefix(l, ">") {
			blank++
			if blank > 1 {
				continue
			}
			out = append(out, "")
			continue
		}
		blank = 0
		out = append(out, l)
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}
