package desk

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/harkdesk/hark/internal/auth"
	"github.com/harkdesk/hark/internal/contact"
	"github.com/harkdesk/hark/internal/conversation"
	"github.com/harkdesk/hark/internal/hark"
)

// historyThreads bounds how many conversations the customer page shows
// with their messages; older ones are listed without them.
const historyThreads = 20

// threadHistory is one conversation on the customer page, with its messages.
type threadHistory struct {
	C        conversation.Conversation
	Messages []conversation.Message
	Older    string // the cursor of the messages before these, read on the conversation's page
}

// customer is a customer's page: who they are on every channel, their whole
// history, who else they may be, and the merges that made them.
func (d *desk) customer(w http.ResponseWriter, r *http.Request, c auth.Caller) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	cx, err := d.a.Contacts.Get(ctx, id)
	if err != nil {
		return err
	}
	ws, err := d.a.Workspaces.ByID(ctx, cx.WorkspaceID)
	if err != nil {
		return err
	}
	v, err := d.view(r, c, ws)
	if err != nil {
		return err
	}
	convs, err := d.a.Conversations.OfContact(ctx, id)
	if err != nil {
		return err
	}
	var history []threadHistory
	for i, cv := range convs {
		if i == historyThreads {
			break
		}
		page, err := d.a.Conversations.MessagesBefore(ctx, cv.ID, "")
		if err != nil {
			return err
		}
		history = append(history, threadHistory{C: cv, Messages: page.Messages, Older: page.Older})
	}
	sugg, err := d.a.Contacts.Suggest(ctx, cx)
	if err != nil {
		return err
	}
	merges, err := d.a.Contacts.Merges(ctx, cx)
	if err != nil {
		return err
	}
	q := r.URL.Query().Get("q")
	var found []contact.Match
	if q != "" {
		all, err := d.a.Contacts.Search(ctx, cx.WorkspaceID, q)
		if err != nil {
			return err
		}
		for _, m := range all {
			if m.ID != cx.ID {
				found = append(found, m)
			}
		}
	}
	return d.pages.render(w, "customer", "", map[string]any{"View": v, "Contact": cx, "Conversations": convs,
		"History": history, "Suggestions": sugg, "Merges": merges, "Find": q, "Found": found,
		"Back": "/w/" + slugPath(ws.Slug)})
}

// mergeCustomer links another contact to this one: the other's identities
// and conversations move here, undoably.
func (d *desk) mergeCustomer(w http.ResponseWriter, r *http.Request, c auth.Caller) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	other, err := strconv.ParseInt(r.PostFormValue("other"), 10, 64)
	if err != nil {
		return fmt.Errorf("%w: choose the customer to merge", hark.ErrInvalid)
	}
	if _, err := d.a.Contacts.Merge(r.Context(), id, other, c.User.ID); err != nil {
		return err
	}
	http.Redirect(w, r, "/p/"+strconv.FormatInt(id, 10)+"#merges", http.StatusSeeOther)
	return nil
}

// unmergeCustomer undoes one merge into this contact.
func (d *desk) unmergeCustomer(w http.ResponseWriter, r *http.Request, c auth.Caller) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	merge, err := strconv.ParseInt(r.PostFormValue("merge"), 10, 64)
	if err != nil {
		return fmt.Errorf("%w: which merge to undo", hark.ErrInvalid)
	}
	if err := d.a.Contacts.Unmerge(r.Context(), id, merge, c.User.ID); err != nil {
		return err
	}
	http.Redirect(w, r, "/p/"+strconv.FormatInt(id, 10)+"#merges", http.StatusSeeOther)
	return nil
}
