package demo

import (
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/harkdesk/hark/internal/ingest"
	"github.com/harkdesk/hark/internal/workspace"
)

// How the made-up traffic behaves.
const (
	regulars    = 60   // customers who keep coming back
	pRegular    = 0.3  // share of new threads started by a regular
	pFollowUp   = 0.12 // share of messages that follow up on the author's own earlier one
	pChimeIn    = 0.04 // share that answer someone else's public post ("same here")
	recentLimit = 400  // messages remembered for follow-ups
	followUpOf  = 150  // follow-ups answer one of this many most recent messages
	airlineMix  = 0.6  // share of the traffic that goes to the airline
	pWritten    = 0.04 // share of new threads written in another language (data/written.tsv)
)

// Delivery is one made-up inbound message for one channel account, with the
// dataset post it was made from.
type Delivery struct {
	Workspace *Workspace
	Account   workspace.Account
	Msg       ingest.Message
	Post      Post
	persona   persona
}

// slot is where a brand's message may land: an account, in public or private.
type slot struct {
	acct    int
	private bool
}

type brandStream struct {
	ws        *Workspace
	posts     []Post // the dataset's, then the brand's written posts
	dataset   int    // how many of posts are the dataset's
	tagging   []int  // the written posts that tag the brand, for a public post on X or Instagram
	order     []int  // this round's shuffled order of the dataset's posts
	pos       int
	byTopic   map[string][]int
	companies map[string]bool
	slots     []slot
	weights   []int
}

type sent struct {
	brand, acct int
	private     bool
	persona     int
	providerID  string
	subject     string
	post        int
}

// generator turns dataset posts into a stream of deliveries: it picks each
// message's brand account, author and thread. The same seed and posts give
// the same stream (apart from the run prefix of provider ids).
type generator struct {
	seed   uint64
	r      *rand.Rand
	run    string // makes provider ids unique across runs on one database
	seq    int
	fresh  int
	brands []*brandStream
	recent []sent
}

func newGenerator(seed uint64, run string, w *World, posts Posts) (*generator, error) {
	g := &generator{seed: seed, r: rand.New(rand.NewPCG(seed, 1)), run: run, fresh: 1000}
	for _, ws := range w.Workspaces {
		b := &brandStream{ws: ws, byTopic: map[string][]int{}}
		switch ws.Brand.Source {
		case SourceAirline:
			b.posts, b.companies = posts.Airline, ws.Brand.Handles
		case SourceComplaints:
			b.posts, b.companies = posts.Complaints, companyHandles(posts.Complaints)
		}
		if len(b.posts) == 0 {
			return nil, fmt.Errorf("demo: no %s posts for %s", ws.Brand.Source, ws.Slug)
		}
		b.dataset = len(b.posts)
		b.posts = slices.Clip(b.posts) // the written posts go after them, not into the caller's slice
		for _, p := range posts.Written {
			if p.Source == ws.Brand.Source {
				if tagsBrand(p) {
					b.tagging = append(b.tagging, len(b.posts))
				}
				b.posts = append(b.posts, p)
			}
		}
		b.companies = maps.Clone(b.companies)
		if b.companies == nil {
			b.companies = map[string]bool{}
		}
		b.companies["brand"] = true // how written posts tag the brand
		for i, p := range b.posts {
			b.byTopic[topicKey(p)] = append(b.byTopic[topicKey(p)], i)
		}
		for i, s := range ws.Brand.Accounts {
			if s.Public > 0 {
				b.slots, b.weights = append(b.slots, slot{i, false}), append(b.weights, s.Public)
			}
			if s.Private > 0 {
				b.slots, b.weights = append(b.slots, slot{i, true}), append(b.weights, s.Private)
			}
		}
		g.brands = append(g.brands, b)
	}
	return g, nil
}

// topicKey groups posts a follow-up may be drawn from: the same subject;
// for a written post, the same language, as a customer keeps to theirs
// (there are too few written posts to group them by subject too).
func topicKey(p Post) string {
	if p.Language != "" {
		return "written/" + p.Language
	}
	return fmt.Sprintf("%s/%s/%t", p.Sentiment, p.Topic, p.Complaint)
}

// tagsBrand reports whether a written post tags the brand, as posts on X
// and Instagram do; the others were written for a chat, an e-mail or a
// comment under the brand's post.
func tagsBrand(p Post) bool { return strings.Contains(p.Text, "@brand") }

// next makes the next delivery, sent at the given time.
func (g *generator) next(at time.Time) Delivery {
	for {
		if d, ok := g.try(at); ok {
			return d
		}
	}
}

func (g *generator) try(at time.Time) (Delivery, bool) {
	var s sent
	var replyTo, subject string
	p := g.r.Float64()
	switch {
	case p < pFollowUp && len(g.recent) > 0:
		// The same customer again, in the same place: "still waiting".
		prev := g.recent[len(g.recent)-1-g.r.IntN(min(followUpOf, len(g.recent)))]
		s = sent{brand: prev.brand, acct: prev.acct, private: prev.private, persona: prev.persona}
		var ok bool
		if s.post, ok = g.related(prev); !ok {
			return Delivery{}, false
		}
		replyTo, subject = prev.providerID, reSubject(prev.subject)
	case p < pFollowUp+pChimeIn && len(g.recent) > 0:
		// Someone else answers a public post.
		prev := g.recent[len(g.recent)-1-g.r.IntN(min(followUpOf, len(g.recent)))]
		if prev.private {
			return Delivery{}, false
		}
		s = sent{brand: prev.brand, acct: prev.acct}
		var ok bool
		if s.post, ok = g.related(prev); !ok {
			return Delivery{}, false
		}
		replyTo = prev.providerID
		s.persona = g.personaFor(g.brands[s.brand].posts[s.post])
	default:
		// Brands[0] is the airline.
		if len(g.brands) > 1 && g.r.Float64() >= airlineMix {
			s.brand = 1
		}
		b := g.brands[s.brand]
		sl := b.slots[pick(g.r, b.weights)]
		s.acct, s.private = sl.acct, sl.private
		written := b.dataset < len(b.posts) && g.r.Float64() < pWritten
		switch {
		case written && !s.private && tagging(b.ws.Accounts[s.acct].Channel):
			if len(b.tagging) == 0 {
				return Delivery{}, false
			}
			s.post = b.tagging[g.r.IntN(len(b.tagging))]
		case written:
			s.post = b.dataset + g.r.IntN(len(b.posts)-b.dataset)
		default:
			s.post = b.nextPost(g.r)
		}
		s.persona = g.personaFor(b.posts[s.post])
	}
	b := g.brands[s.brand]
	acct, spec := b.ws.Accounts[s.acct], b.ws.Brand.Accounts[s.acct]
	post := b.posts[s.post]
	who := newPersona(g.seed, s.persona)
	visibility := "public"
	if s.private || spec.Public == 0 {
		visibility = "private"
	}
	tag := visibility == "public" && tagging(acct.Channel)
	text := post.Text
	if tag && post.Language != "" && !tagsBrand(post) {
		text = "@brand " + text // an answer in a public thread, written for another place
	}
	text = address(text, b.companies, acct.Handle, b.ws.Brand.Short, tag)
	if len(strings.Fields(text)) < 2 && (post.Language == "" || strings.TrimSpace(mentionRE.ReplaceAllString(text, "")) == "") {
		// Nothing left once the company's handle is gone; Chinese and
		// Japanese write a sentence without spaces.
		return Delivery{}, false
	}
	english := post.Language == "" // no English wrapped around another language
	switch acct.Channel {
	case "email":
		if subject == "" {
			subject = emailSubject(post, text)
		}
		if english {
			text = fmt.Sprintf("Hello %s,\n\n%s\n\n%s", b.ws.Brand.Short, text, who.first)
		} else {
			text += "\n\n" + who.first
		}
	case "form":
		if subject == "" {
			subject = emailSubject(post, text)
		}
	case "phone":
		// What a caller leaves: a voicemail, transcribed by the carrier.
		if english {
			text = fmt.Sprintf("Voicemail (0:%02d), transcribed: %s", 12+len(text)%47, text)
		}
	}
	g.seq++
	s.providerID = fmt.Sprintf("%s-%d", g.run, g.seq)
	s.subject = subject
	if acct.Channel != "email" && acct.Channel != "form" {
		s.subject = ""
	}
	if visibility == "private" && acct.Channel != "email" && acct.Channel != "form" {
		replyTo = "" // DMs, Messenger, WhatsApp and SMS thread by participant
	}
	g.recent = append(g.recent, s)
	if len(g.recent) > recentLimit {
		g.recent = append(g.recent[:0], g.recent[len(g.recent)-recentLimit/2:]...)
	}
	raw, _ := json.Marshal(rawOf(post))
	return Delivery{Workspace: b.ws, Account: acct, Post: post, persona: who, Msg: ingest.Message{
		ProviderID: s.providerID, Visibility: visibility, Author: who.author(acct.Channel), Text: text,
		Subject: s.subject, ReplyTo: replyTo, SentAt: at, Raw: raw,
	}}, true
}

// author picks who starts a thread: a regular or someone new.
func (g *generator) author() int {
	if g.r.Float64() < pRegular {
		return g.r.IntN(regulars)
	}
	return g.newcomer()
}

// personaFor picks who writes post: whoever writes in another language
// is a newcomer, since a regular who wrote in English, or a private
// thread that switched language, would read as made up.
func (g *generator) personaFor(p Post) int {
	if p.Language != "" {
		return g.newcomer()
	}
	return g.author()
}

// newcomer is a customer who has not written before.
func (g *generator) newcomer() int {
	g.fresh++
	return g.fresh
}

// tagging reports whether a public post on the channel tags whom it is
// written to.
func tagging(channel string) bool { return channel == "x" || channel == "instagram" }

// related picks a post on the same subject as an earlier message, for a
// follow-up that reads like one: another than prev's own, which would
// repeat it word for word, so none when prev is the only one on its
// subject (a language with one written post).
func (g *generator) related(prev sent) (int, bool) {
	b := g.brands[prev.brand]
	same := b.byTopic[topicKey(b.posts[prev.post])]
	if len(same) == 1 {
		return 0, false
	}
	if i := same[g.r.IntN(len(same)-1)]; i != prev.post {
		return i, true
	}
	return same[len(same)-1], true
}

// nextPost walks the posts in a shuffled order, reshuffling each round, so
// the stream loops over the data forever without repeating a pattern.
func (b *brandStream) nextPost(r *rand.Rand) int {
	if b.pos >= len(b.order) {
		b.order = r.Perm(b.dataset)
		b.pos = 0
	}
	b.pos++
	return b.order[b.pos-1]
}

func pick(r *rand.Rand, weights []int) int {
	total := 0
	for _, w := range weights {
		total += w
	}
	n := r.IntN(total)
	for i, w := range weights {
		if n < w {
			return i
		}
		n -= w
	}
	return len(weights) - 1
}

var reasonSubjects = map[string]string{
	"Late Flight":                 "Delayed flight",
	"Cancelled Flight":            "My flight was cancelled",
	"Lost Luggage":                "Missing bag",
	"Damaged Luggage":             "Damaged suitcase",
	"Customer Service Issue":      "Complaint about customer service",
	"Flight Booking Problems":     "Problem with my booking",
	"Bad Flight":                  "Feedback on my flight",
	"Flight Attendant Complaints": "Cabin crew",
	"longlines":                   "Queues at the airport",
}

func emailSubject(p Post, text string) string {
	if s, ok := reasonSubjects[p.Topic]; ok {
		return s
	}
	words := strings.Fields(text)
	if len(words) > 7 {
		return strings.Join(words[:7], " ") + "…"
	}
	return strings.Join(words, " ")
}

func reSubject(s string) string {
	if s == "" || strings.HasPrefix(s, "Re: ") {
		return s
	}
	return "Re: " + s
}

// rawOf is the delivery's provider payload: where the text came from and
// the dataset's own labels, so a classifier's answers can be checked.
func rawOf(p Post) map[string]any {
	if p.Language != "" {
		return map[string]any{"dataset": "written", "id": p.ID, "language": p.Language, "intent": p.Intent, "sentiment": p.Sentiment}
	}
	if p.Source == SourceAirline {
		return map[string]any{"dataset": "airline", "tweet_id": p.ID, "airline": p.Company,
			"airline_sentiment": p.Sentiment, "negativereason": p.Topic}
	}
	label := 0
	if p.Complaint {
		label = 1
	}
	return map[string]any{"dataset": "complaints", "tweet_id": p.ID, "label": label, "domain": p.Topic}
}
