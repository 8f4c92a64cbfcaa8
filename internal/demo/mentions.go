package demo

import (
	"regexp"
	"strings"
)

var (
	mentionRE = regexp.MustCompile(`@([A-Za-z0-9_]{1,30})`)
	// Service handles name themselves: @FC_Help, @AppleSupport, @comcastcares.
	serviceHandleRE = regexp.MustCompile(`(?i)(help|care|cares|support|service|custserv|custsvc|_uk|_us)$`)
)

// companyHandles picks out of the complaints corpus the handles that belong
// to companies: those a tweet opens with (the corpus is tweets written to
// companies), those several customers mention, and service handles. A
// friend tagged once in passing keeps their handle.
func companyHandles(posts []Post) map[string]bool {
	authors := map[string]int{}
	out := map[string]bool{}
	for _, p := range posts {
		seen := map[string]bool{}
		leading := true
		last := 0
		for _, m := range mentionRE.FindAllStringSubmatchIndex(p.Text, -1) {
			h := strings.ToLower(p.Text[m[2]:m[3]])
			if strings.TrimLeft(p.Text[last:m[0]], " \t:,.-") != "" {
				leading = false
			}
			last = m[1]
			if leading {
				out[h] = true
			}
			if !seen[h] {
				seen[h] = true
				authors[h]++
			}
		}
	}
	for h, n := range authors {
		if n >= 3 || serviceHandleRE.MatchString(h) {
			out[h] = true
		}
	}
	return out
}

// address rewrites a message written to a dataset's company so it is written
// to a demo brand's account. In public on X and Instagram the company's
// handles become the account's handle; elsewhere (a page post, a DM, an
// e-mail) the customer does not tag whom they write to, so leading company
// mentions go and later ones become the brand's name.
func address(text string, isCompany map[string]bool, handle, brand string, tag bool) string {
	matches := mentionRE.FindAllStringSubmatchIndex(text, -1)
	var b strings.Builder
	last, leading, prevBrand := 0, true, false
	for _, m := range matches {
		start, end := m[0], m[1]
		if start > 0 && start != last && isWordByte(text[start-1]) {
			continue // an e-mail address, not a mention
		}
		between := text[last:start]
		if strings.TrimLeft(between, " \t:,.-") != "" {
			leading = false
		}
		company := isCompany[strings.ToLower(text[m[2]:m[3]])]
		switch {
		case !company:
			b.WriteString(between)
			b.WriteString(text[start:end])
			prevBrand = false
		case tag && prevBrand && strings.TrimSpace(between) == "":
			// "@SHO_Network @sho_help" both become the one account
		case tag:
			b.WriteString(between)
			b.WriteString("@" + handle)
			prevBrand = true
		case leading:
			// dropped, and the separator after it with it
		default:
			b.WriteString(between)
			b.WriteString(brand)
		}
		last = end
	}
	b.WriteString(text[last:])
	out := b.String()
	if !tag {
		out = strings.TrimLeft(out, " \t:,.-")
	}
	return strings.TrimSpace(out)
}

func isWordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
