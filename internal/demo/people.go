package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/harkdesk/hark/internal/ingest"
)

// Made-up customers. Names are common ones from many places; addresses use
// the reserved example domains and phone numbers from ranges kept for
// fiction (fictionalPhone), so none reaches a real person.
var (
	firstNames = []string{"Maria", "James", "Aisha", "Wei", "Sofia", "Daniel", "Fatima", "Liam", "Yuki", "Carlos",
		"Emma", "Kwame", "Olivia", "Raj", "Chloe", "Mateo", "Hannah", "Omar", "Grace", "Lucas", "Amara", "Noah",
		"Ingrid", "Diego", "Zoe", "Ahmed", "Mia", "Ethan", "Leila", "Sam", "Nadia", "Ben", "Priyanka", "Jack",
		"Elena", "Tariq", "Ruby", "Kenji", "Isabel", "Tom", "Chiara", "Marcus", "Ana", "Jamal", "Freya", "Luis",
		"Sara", "Hugo", "Mei", "Oscar", "Lucy", "Dmitri", "Ava", "Andre", "Nora", "Felix", "Jade", "Pedro",
		"Ella", "Kofi", "Megan", "Ravi", "Alice", "Joe"}
	lastNames = []string{"Garcia", "Smith", "Khan", "Chen", "Rossi", "Müller", "Okafor", "Johnson", "Tanaka",
		"Silva", "Brown", "Mensah", "Williams", "Patel", "Martin", "Lopez", "Schmidt", "Haddad", "Taylor",
		"Dubois", "Nwosu", "Wilson", "Larsen", "Hernández", "Clarke", "Hassan", "Kowalski", "Davies", "Rahman",
		"Murphy", "Ivanova", "Cohen", "Sharma", "O'Brien", "Novak", "Aziz", "Evans", "Sato", "Moreau", "Walker",
		"Bianchi", "Reyes", "Andersen", "Ali", "Baker", "Santos", "Fischer", "Kim", "Nguyen", "Wright", "Costa",
		"Jensen", "Park", "Lewis", "Romero", "Hughes", "Popescu", "Mwangi", "Young", "Ortiz", "Berg", "Das"}
	emailDomains = []string{"example.com", "example.net", "example.org"}
)

// persona is one made-up customer, the same on every channel and every run
// with the same seed.
type persona struct {
	n           int
	first, last string
	handle      string // on X and Instagram
	email       string
	phone       string
	followers   int64
	verified    bool
}

// newPersona derives customer n from the seed alone, so a regular's second
// message carries the same handle, address and reach as the first.
func newPersona(seed uint64, n int) persona {
	r := rand.New(rand.NewPCG(seed, uint64(n)*0x9e3779b97f4a7c15+1))
	p := persona{n: n, first: firstNames[r.IntN(len(firstNames))], last: lastNames[r.IntN(len(lastNames))]}
	f, l := asciiLower(p.first), asciiLower(p.last)
	switch r.IntN(6) {
	case 0:
		p.handle = f + l
	case 1:
		p.handle = f + "_" + l
	case 2:
		p.handle = f[:1] + l + fmt.Sprint(r.IntN(90)+10)
	case 3:
		p.handle = f + fmt.Sprint(r.IntN(9000)+1000)
	case 4:
		p.handle = "the" + f + l[:1]
	default:
		p.handle = f + "." + l
	}
	p.handle = strings.ReplaceAll(p.handle, ".", "_") // X handles have no dots
	// The customer's number, whole: no two customers share an address.
	p.email = fmt.Sprintf("%s.%s%d@%s", f, l, n, emailDomains[r.IntN(len(emailDomains))])
	p.phone = fictionalPhone(n)
	// Reach is roughly log-normal (most people have a few hundred
	// followers) with a long tail of accounts that are widely read.
	p.followers = int64(math.Exp(5.6 + 1.5*r.NormFloat64()))
	switch x := r.Float64(); {
	case x < 0.015:
		p.followers = 150_000 + r.Int64N(2_500_000)
		p.verified = r.Float64() < 0.7
	case x < 0.06:
		p.followers = 10_000 + r.Int64N(140_000)
		p.verified = r.Float64() < 0.1
	}
	return p
}

func (p persona) name() string { return p.first + " " + p.last }

// fictionalPhone is customer n's mobile number, one of the UK's 1,000 kept
// for drama (07700 900000-900999), then of North America's 100 per area
// code (555-0100 to 555-0199, in every area code), so that two customers
// share a number (and so an SMS or WhatsApp thread) only past 72,100, not
// past 1,000: a demo streams that many newcomers in a few hours.
func fictionalPhone(n int) string {
	if n < 1000 {
		return fmt.Sprintf("+44 7700 900%03d", n)
	}
	n -= 1000
	area := n / 100 % len(areaCodes)
	return fmt.Sprintf("+1 %d 555 01%02d", areaCodes[area], n%100)
}

// areaCodes are the North American area codes' shape: 201-989, no middle
// 9 (kept for expansion) and no N11 (service codes).
var areaCodes = func() []int {
	var out []int
	for a := 201; a <= 989; a++ {
		if a/10%10 != 9 && a%100 != 11 {
			out = append(out, a)
		}
	}
	return out
}()

// author is how a channel presents the persona.
func (p persona) author(channel string) ingest.Author {
	id := fmt.Sprint(1_000_000_000 + uint64(p.n)*7919)
	switch channel {
	case "x":
		return ingest.Author{ID: id, Handle: p.handle, Name: p.name(), Followers: p.followers, Verified: p.verified}
	case "instagram":
		return ingest.Author{ID: "ig" + id, Handle: strings.ReplaceAll(p.handle, "_", "."), Name: p.name(), Followers: p.followers / 2}
	case "facebook":
		return ingest.Author{ID: "fb" + id, Name: p.name()}
	case "email", "form":
		return ingest.Author{Email: p.email, Name: p.name()}
	case "blog":
		// WordPress names a visitor's comments by the address they gave.
		return ingest.Author{ID: p.email, Email: p.email, Name: p.name()}
	case "whatsapp", "sms", "phone":
		return ingest.Author{Phone: p.phone, Name: p.name()}
	case "linkedin":
		return ingest.Author{ID: "urn:li:person:" + id, Name: p.name(), Followers: p.followers / 3}
	case "chat":
		return ingest.Author{ID: "visitor-" + id, Email: p.email, Name: p.name()}
	}
	return ingest.Author{ID: id, Name: p.name()}
}

// asciiLower folds a name to what fits in a handle.
func asciiLower(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z':
			b.WriteRune(r)
		case strings.ContainsRune("áàâä", r):
			b.WriteByte('a')
		case strings.ContainsRune("éèêë", r):
			b.WriteByte('e')
		case strings.ContainsRune("íìîï", r):
			b.WriteByte('i')
		case strings.ContainsRune("óòôöø", r):
			b.WriteByte('o')
		case strings.ContainsRune("úùûü", r):
			b.WriteByte('u')
		case r == 'ñ':
			b.WriteByte('n')
		}
	}
	return b.String()
}
