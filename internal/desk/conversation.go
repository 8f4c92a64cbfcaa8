package desk

import (
	"net/http"

	"github.com/harkdesk/hark/internal/auth"
	"github.com/harkdesk/hark/internal/conversation"
)

func (d *desk) conversationData(r *http.Request, c auth.Caller) (map[string]any, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	ctx := r.Context()
	conv, err := d.a.Conversations.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	ws, err := d.a.Workspaces.ByID(ctx, conv.WorkspaceID)
	if err != nil {
		return nil, err
	}
	v, err := d.view(r, c, ws)
	if err != nil {
		return nil, err
	}
	// before, from a page's "older messages" link, reads the thread back
	// a page at a time: a thread longer than a page hid its start.
	before := r.URL.Query().Get("before")
	page, err := d.a.Conversations.MessagesBefore(ctx, id, before)
	if err != nil {
		return nil, err
	}
	msgs := page.Messages
	// The newest message the page shows goes back with a reply, which is
	// refused if someone else has answered since (the thread's live
	// refresh renders it again, so it follows what the agent sees).
	var newest int64
	for _, m := range msgs {
		newest = max(newest, m.ID)
	}
	revs := map[int64][]conversation.Revision{}
	for _, m := range msgs {
		if m.EditedAt != 0 || m.DeletedAt != 0 {
			if revs[m.ID], err = d.a.Conversations.Revisions(ctx, m.ID); err != nil {
				return nil, err
			}
		}
	}
	notes, err := d.a.Conversations.Notes(ctx, id)
	if err != nil {
		return nil, err
	}
	log, err := d.a.Conversations.Activity(ctx, id)
	if err != nil {
		return nil, err
	}
	contact, err := d.a.Contacts.Get(ctx, conv.ContactID)
	if err != nil {
		return nil, err
	}
	others, err := d.a.Conversations.OfContact(ctx, conv.ContactID)
	if err != nil {
		return nil, err
	}
	acct := v.Accounts[conv.AccountID]
	advice := d.a.Advise(acct, conv)
	// "Continue in private" is offered only where the private message can
	// be sent: not on LinkedIn, nor on a blog not set up to e-mail.
	handoff := conv.Visibility == "public" && d.a.CheckHandoff(acct) == nil
	return map[string]any{"View": v, "C": conv, "Messages": msgs, "Older": page.Older, "Before": before, "Newest": newest,
		"Revisions": revs, "Notes": notes, "Activity": log, "Advice": advice,
		"Handoff": handoff, "Contact": contact, "Others": others, "Account": acct, "Back": "/w/" + slugPath(ws.Slug),
		// What a refused reply shows again (replyRefused).
		"Draft": "", "DraftPrivate": "", "WasHandoff": false, "Refused": "", "Answered": nil}, nil
}

func (d *desk) conversation(w http.ResponseWriter, r *http.Request, c auth.Caller) error {
	data, err := d.conversationData(r, c)
	if err != nil {
		return err
	}
	return d.pages.render(w, "conversation", "", data)
}

// thread is the conversation's messages and side panel alone, for live views.
func (d *desk) thread(w http.ResponseWriter, r *http.Request, c auth.Caller) error {
	data, err := d.conversationData(r, c)
	if err != nil {
		return err
	}
	block := "thread"
	if r.URL.Query().Get("part") == "side" {
		block = "sidepanel"
	}
	return d.pages.render(w, "conversation", block, data)
}
