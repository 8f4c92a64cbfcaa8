package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/harkdesk/hark/internal/conversation"
	"github.com/harkdesk/hark/internal/hark"
)

// History is what Backfill stored.
type History struct {
	Messages      int
	Conversations int
	threads       []*thread
}

// thread is a back-filled conversation as the demo knows it.
type thread struct {
	convID     int64
	first      Delivery
	last       time.Time
	count      int
	visibility string
}

// Backfill stores n messages sent over the span before now, through the
// pipeline, so the desk opens on a day's worth of traffic.
func (d *Demo) Backfill(ctx context.Context, n int, span time.Duration) (History, error) {
	var h History
	if n <= 0 {
		return h, nil
	}
	now := time.Now()
	times := spread(rand.New(rand.NewPCG(d.seed, 4)), n, now.Add(-span), now.Add(-time.Minute))
	ds := make([]Delivery, n)
	d.mu.Lock()
	for i, t := range times {
		ds[i] = d.gen.next(t)
	}
	d.mu.Unlock()
	if d.Fakes != nil {
		direct := ds[:0:0]
		for _, x := range ds {
			handled, err := d.Fakes.history(ctx, x)
			if err != nil {
				return h, err
			}
			if handled {
				h.Messages++
				continue
			}
			direct = append(direct, x)
		}
		ds = direct
	}
	res, err := d.ingest(ctx, ds)
	if err != nil {
		return h, err
	}
	byConv := map[int64]*thread{}
	for i, r := range res {
		if r.MessageID == 0 || r.Duplicate {
			continue
		}
		h.Messages++
		t := byConv[r.ConversationID]
		if t == nil {
			t = &thread{convID: r.ConversationID, first: ds[i], visibility: ds[i].Msg.Visibility}
			byConv[r.ConversationID] = t
			h.threads = append(h.threads, t)
		}
		t.count++
		t.last = ds[i].Msg.SentAt
	}
	h.Conversations = len(h.threads)
	return h, nil
}

// Work is what the demo's agents did to the history.
type Work struct {
	Replied, Resolved, Pending, Snoozed, Assigned, Tagged, Noted, Linked int
}

// Work has the demo's agents answer, resolve, assign, tag, prioritise and
// link part of the back-filled history, through the same store actions the
// desk uses, so every view of the desk has something in it. Replies are
// stamped now (the store times them), so answered threads sort first.
func (d *Demo) Work(ctx context.Context, h History) (Work, error) {
	var w Work
	r := rand.New(rand.NewPCG(d.seed, 5))
	var workers []Agent
	for _, a := range d.World.Agents {
		if a.Role == "agent" || a.Role == "supervisor" {
			workers = append(workers, a, a)
		} else if a.Role == "admin" {
			workers = append(workers, a)
		}
	}
	if len(workers) == 0 {
		return w, fmt.Errorf("demo: no agents to work the history")
	}
	cs := d.a.Conversations
	now := time.Now()
	type seenContact struct {
		convID     int64
		visibility string
	}
	contacts := map[int64]seenContact{}
	for _, t := range h.threads {
		if err := ctx.Err(); err != nil {
			return w, err
		}
		ag := workers[r.IntN(len(workers))]
		ws := t.first.Workspace
		c, err := cs.Get(ctx, t.convID)
		if err != nil {
			return w, err
		}
		tags := tagsOf(t.first.Post)
		if len(tags) > 0 && r.Float64() < 0.55 {
			if _, err := cs.Tag(ctx, c.ID, ag.ID, tags, nil); err != nil {
				return w, err
			}
			w.Tagged++
		}
		if p := t.first.persona; p.followers >= 50_000 || p.verified {
			if _, err := cs.SetPriority(ctx, c.ID, ag.ID, 2); err != nil {
				return w, err
			}
		} else if t.first.Post.Complaint && r.Float64() < 0.2 {
			if _, err := cs.SetPriority(ctx, c.ID, ag.ID, 1); err != nil {
				return w, err
			}
		}
		// A customer seen in public and in private is one case: link them.
		if prev, ok := contacts[c.ContactID]; ok && prev.visibility != t.visibility && w.Linked < 15 {
			if err := cs.Link(ctx, prev.convID, c.ID, ag.ID); err != nil {
				return w, err
			}
			w.Linked++
		}
		contacts[c.ContactID] = seenContact{c.ID, t.visibility}
		old := now.Sub(t.last) > 90*time.Minute
		x := r.Float64()
		switch {
		case old && x < 0.52:
			if err := d.reply(ctx, ag, t, c); err != nil {
				return w, err
			}
			w.Replied++
			status := hark.StatusResolved
			if x >= 0.4 {
				status = hark.StatusPending // asked the customer for details
			}
			if _, err := cs.SetStatus(ctx, c.ID, ag.ID, status, time.Time{}); err != nil {
				return w, err
			}
			if status == hark.StatusResolved {
				w.Resolved++
			} else {
				w.Pending++
			}
		case old && x < 0.6, !old && x < 0.12:
			if err := d.assign(ctx, ag, ws, c.ID); err != nil {
				return w, err
			}
			w.Assigned++
		case old && x < 0.63:
			if err := d.assign(ctx, ag, ws, c.ID); err != nil {
				return w, err
			}
			w.Assigned++
			if _, err := cs.AddNote(ctx, c.ID, ag.ID, noteFor(r, t.first.Post)); err != nil {
				return w, err
			}
			w.Noted++
			until := now.Add(time.Duration(2+r.IntN(5)) * time.Hour)
			if _, err := cs.SetStatus(ctx, c.ID, ag.ID, hark.StatusSnoozed, until); err != nil {
				return w, err
			}
			w.Snoozed++
		}
		if r.Float64() < 0.05 {
			if _, err := cs.AddNote(ctx, c.ID, ag.ID, noteFor(r, t.first.Post)); err != nil {
				return w, err
			}
			w.Noted++
		}
	}
	return w, nil
}

// assign gives a conversation to an agent and to one of the brand's teams.
func (d *Demo) assign(ctx context.Context, ag Agent, ws *Workspace, convID int64) error {
	if _, err := d.a.Conversations.Assign(ctx, convID, ag.ID, ag.ID); err != nil {
		return err
	}
	team := ws.Teams[ws.Brand.Teams[0]]
	if team.ID == 0 {
		return nil
	}
	_, err := d.a.Conversations.SetTeam(ctx, convID, ag.ID, team.ID)
	return err
}

// reply answers as the brand account the customer wrote to.
func (d *Demo) reply(ctx context.Context, ag Agent, t *thread, c conversation.Conversation) error {
	first, _, _ := strings.Cut(c.ContactName, " ")
	if first == "" || strings.HasPrefix(first, "+") || strings.Contains(first, "@") {
		first = "there"
	}
	text := fmt.Sprintf(replyFor(t.first.Post), first)
	acct := t.first.Account
	switch {
	case acct.Channel == "email":
		text = strings.Replace(text, "DM us", "reply with", 1)
		text += fmt.Sprintf("\n\nKind regards,\n%s\n%s", strings.Fields(ag.Name)[0], acct.Name)
	case t.visibility == "public":
		text += " ^" + ag.Initials
	default:
		text = strings.Replace(text, "DM us", "send us", 1)
	}
	_, err := d.a.Conversations.Reply(ctx, conversation.ReplyInput{ConversationID: c.ID, UserID: ag.ID, Text: text,
		Author: conversation.Author{Name: acct.Name, Handle: acct.Handle}})
	return err
}

// airlineTags are the desk's tags for the airline data's negative reasons.
var airlineTags = map[string]string{
	"Late Flight": "delay", "Cancelled Flight": "cancellation", "Lost Luggage": "lost-bag",
	"Damaged Luggage": "damaged-bag", "Customer Service Issue": "service", "Flight Booking Problems": "booking",
	"Bad Flight": "onboard", "Flight Attendant Complaints": "crew", "longlines": "queues",
}

// sectorTags are the desk's tags for the complaint corpus's sectors.
var sectorTags = map[string]string{
	"services": "broadband", "software": "app", "electronics": "devices", "apparel": "fashion",
	"retail": "store", "food": "grocery", "other": "general",
}

func tagsOf(p Post) []string {
	var out []string
	switch p.Source {
	case SourceAirline:
		if t := airlineTags[p.Topic]; t != "" {
			out = append(out, t)
		}
		if p.Sentiment == "positive" {
			out = append(out, "praise")
		}
	case SourceComplaints:
		if t := sectorTags[p.Topic]; t != "" {
			out = append(out, t)
		}
		if p.Complaint {
			out = append(out, "complaint")
		}
	}
	return out
}

// replyFor is an agent's answer to a post, with %s for the customer's name.
// A written post in another language is answered in English too, as
// many brands do: the demo has no agents' replies in those languages.
func replyFor(p Post) string {
	if p.Source == SourceAirline {
		switch p.Topic {
		case "Late Flight":
			return "Hi %s, sorry for the wait today. DM us your confirmation code and we'll check your connection."
		case "Cancelled Flight":
			return "Hi %s, we're sorry your flight was cancelled. DM us your confirmation code and we'll look at rebooking options with you."
		case "Lost Luggage":
			return "Hi %s, so sorry your bag didn't make it. DM us your baggage file reference and we'll trace it right away."
		case "Damaged Luggage":
			return "Hi %s, sorry to see that. DM us a photo and your file reference and we'll arrange a repair or replacement."
		case "Flight Booking Problems":
			return "Hi %s, let's get your booking sorted. DM us your confirmation code and what you'd like to change."
		}
		switch p.Sentiment {
		case "positive":
			return "Thanks so much, %s! We'll pass this on to the team."
		case "negative":
			return "Hi %s, thanks for telling us, and sorry we fell short. We've shared this with the team; DM us your flight details if you'd like us to follow up."
		}
		return "Hi %s, thanks for reaching out! DM us your flight details and we'll take a look."
	}
	if p.Complaint {
		return "Hi %s, sorry for the trouble. DM us your account number or order reference and we'll look into it today."
	}
	return "Hi %s, thanks for getting in touch! DM us a few details and we'll help you out."
}

// notes are what agents leave for each other, by dataset.
var notes = map[string][]string{
	SourceAirline: {
		"Checked with the baggage desk: located, arriving on the evening flight.",
		"Rebooked on the 7:40 tomorrow; waiting for the customer to confirm.",
		"Customer also wrote in private; answer there, not in public.",
		"Escalated to the duty manager at the hub.",
		"Offered a meal voucher; check the compensation policy before promising more.",
	},
	SourceComplaints: {
		"Asked billing for a goodwill credit; waiting to hear back.",
		"Known issue, engineering ticket open. Update when the fix ships.",
		"Customer also wrote in private; answer there, not in public.",
		"Offered a callback tomorrow morning.",
		"Replacement ordered, courier booked for Thursday.",
	},
}

func noteFor(r *rand.Rand, p Post) string {
	ns := notes[p.Source]
	return ns[r.IntN(len(ns))]
}
