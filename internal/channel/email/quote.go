package email

import (
	"regexp"
	"strings"
)

// Attribution lines that introduce the quoted history, in the languages
// customers write most; a two-line wrap of the "On ... wrote:" form is
// joined before matching.
var (
	attributionRE = regexp.MustCompile(`(?i)^(on\s.{1,250}\swrote|am\s.{1,250}\sschrieb(\s.{0,200})?|le\s.{1,250}\sa\sécrit|el\s.{1,250}\sescribió|op\s.{1,250}\sschreef(\s.{0,200})?|il\s.{1,250}\sha\sscritto)\s?:$`)
	separatorRE   = regexp.MustCompile(`(?i)^(-{2,}\s*(original message|forwarded message|ursprüngliche nachricht|message d'origine)\s*-{2,}|_{10,})$`)
	outlookFromRE = regexp.MustCompile(`(?i)^\*?(from|von|de)\s?:\*?\s.+`)
	outlookNextRE = regexp.MustCompile(`(?i)^\*?(sent|date|gesendet|envoyé|to|an|à|subject|betreff|objet)\s?:`)
	addressRE     = regexp.MustCompile(`[^\s<>\[\]:@]+@[^\s<>\[\]@]+\.[^\s<>\[\]@]+`)
)

// FoldQuotes returns the new part of a reply: the text above the quoted
// history, without "> " lines. The full text stays in the message's raw
// payload; this is what the inbox and the agent read first.
func FoldQuotes(text string) string {
	text = strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\r", "\n")
	lines := strings.Split(text, "\n")
	var out []string
	for i := 0; i < len(lines); i++ {
		l := strings.TrimSpace(lines[i])
		if startsHistory(lines, i) {
			break
		}
		if strings.HasPrefix(l, ">") {
			continue
		}
		out = append(out, strings.TrimRight(lines[i], " \t"))
	}
	folded := strings.TrimSpace(strings.Join(out, "\n"))
	return folded
}

func startsHistory(lines []string, i int) bool {
	l := strings.TrimSpace(lines[i])
	if l == "" {
		return false
	}
	if attributionRE.MatchString(l) || separatorRE.MatchString(l) {
		return true
	}
	if i+1 < len(lines) {
		next := strings.TrimSpace(lines[i+1])
		if attributionRE.MatchString(l + " " + next) {
			return true
		}
		if outlookFromRE.MatchString(l) && addressRE.MatchString(l) && outlookHeaders(lines[i+1:]) >= 2 {
			return true
		}
	}
	return false
}

// outlookHeaders counts the Sent, Date, To and Subject lines of an Outlook
// header block (From, then up to five lines with Cc among them). Asking
// for two, and an address on the From line, keeps a customer's own
// "From: London / To: Paris" as text.
func outlookHeaders(lines []string) int {
	n := 0
	for j := 0; j < len(lines) && j < 5; j++ {
		l := strings.TrimSpace(lines[j])
		if l == "" {
			break
		}
		if outlookNextRE.MatchString(l) {
			n++
		}
	}
	return n
}
