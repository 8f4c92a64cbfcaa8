package desk

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/harkdesk/hark/internal/auth"
	"github.com/harkdesk/hark/internal/conversation"
	"github.com/harkdesk/hark/internal/hark"
)

// Every action redirects back to the conversation (post/redirect/get), so
// the desk works without JavaScript and a reload never repeats an action.
func back(w http.ResponseWriter, r *http.Request, id int64) error {
	http.Redirect(w, r, "/c/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}

func (d *desk) reply(w http.ResponseWriter, r *http.Request, c auth.Caller) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	to, err := d.sendReply(r, c, id)
	if errors.Is(err, hark.ErrInvalid) || errors.Is(err, hark.ErrConflict) {
		return d.replyRefused(w, r, c, err)
	}
	if err != nil {
		return err
	}
	return back(w, r, to)
}

// sendReply queues the reply the form holds and says which conversation
// the agent goes on in.
func (d *desk) sendReply(r *http.Request, c auth.Caller, id int64) (int64, error) {
	conv, err := d.a.Conversations.Get(r.Context(), id)
	if err != nil {
		return 0, err
	}
	acct, err := d.a.Workspaces.Account(r.Context(), conv.AccountID)
	if err != nil {
		return 0, err
	}
	if err := d.a.CheckReplyable(acct.Channel); err != nil {
		return 0, err
	}
	// The newest message the page showed. The page that says someone else
	// answered since shows their answer, so sending from it ("Send
	// anyway") passes, unless yet another answer came after it.
	seen, _ := strconv.ParseInt(r.PostFormValue("last_message_id"), 10, 64)
	author := conversation.Author{Name: acct.Name, Handle: acct.Handle}
	if r.PostFormValue("handoff") != "" {
		if err := d.a.CheckHandoff(acct); err != nil {
			return 0, err
		}
		_, priv, err := d.a.Conversations.Handoff(r.Context(), conversation.HandoffInput{ConversationID: id, UserID: c.User.ID,
			Public: r.PostFormValue("text"), Private: r.PostFormValue("private"), Author: author, SeenUpTo: seen})
		if err != nil {
			return 0, err
		}
		return priv.ConversationID, nil // the agent goes on in private
	}
	text := r.PostFormValue("text")
	if err := d.a.CheckAdvice(acct, conv, text); err != nil {
		return 0, err
	}
	_, err = d.a.Conversations.Reply(r.Context(), conversation.ReplyInput{ConversationID: id, UserID: c.User.ID,
		Text: text, Author: author, SeenUpTo: seen})
	if err != nil {
		return 0, err
	}
	if r.PostFormValue("resolve") != "" {
		if _, err := d.a.Conversations.SetStatus(r.Context(), id, c.User.ID, hark.StatusResolved, time.Time{}); err != nil {
			return 0, err
		}
	}
	return id, nil
}

// replyRefused shows the conversation again with why the reply was not
// sent above the reply box and the agent's draft still in it, where an
// error page lost what they wrote. A reply refused because someone else
// answered since says who and when, and offers to send it anyway.
func (d *desk) replyRefused(w http.ResponseWriter, r *http.Request, c auth.Caller, refused error) error {
	data, err := d.conversationData(r, c)
	if err != nil {
		return err
	}
	data["Draft"], data["DraftPrivate"] = r.PostFormValue("text"), r.PostFormValue("private")
	data["WasHandoff"] = r.PostFormValue("handoff") != ""
	code := http.StatusBadRequest
	var answered *conversation.AnsweredError
	switch {
	case errors.As(refused, &answered):
		code = http.StatusConflict
		who := "An automation"
		if u, ok := data["View"].(view).Users[answered.Reply.UserID]; ok && answered.Reply.UserID != 0 {
			who = u.Name
		}
		data["Answered"] = map[string]any{"Who": who, "At": answered.Reply.SentAt, "ID": answered.Reply.ID}
	case errors.Is(refused, hark.ErrConflict):
		code = http.StatusConflict
		data["Refused"] = reason(refused, hark.ErrConflict)
	default:
		data["Refused"] = reason(refused, hark.ErrInvalid)
	}
	return d.pages.renderStatus(w, code, "conversation", "", data)
}

func (d *desk) assign(w http.ResponseWriter, r *http.Request, c auth.Caller) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var to int64
	switch v := r.PostFormValue("assignee"); v {
	case "me":
		to = c.User.ID
	case "", "none":
	default:
		if to, err = strconv.ParseInt(v, 10, 64); err != nil {
			return hark.ErrInvalid
		}
		if err := d.a.CheckAssignee(r.Context(), to); err != nil {
			return err
		}
	}
	if _, err := d.a.Conversations.Assign(r.Context(), id, c.User.ID, to); err != nil {
		return err
	}
	return back(w, r, id)
}

func (d *desk) status(w http.ResponseWriter, r *http.Request, c auth.Caller) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var until time.Time
	if h, _ := strconv.Atoi(r.PostFormValue("snooze_hours")); h > 0 {
		until = time.Now().Add(time.Duration(h) * time.Hour)
	}
	if _, err := d.a.Conversations.SetStatus(r.Context(), id, c.User.ID, r.PostFormValue("status"), until); err != nil {
		return err
	}
	return back(w, r, id)
}

func (d *desk) tags(w http.ResponseWriter, r *http.Request, c auth.Caller) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	add := strings.FieldsFunc(r.PostFormValue("add"), func(r rune) bool { return r == ',' || r == ' ' })
	var remove []string
	if t := r.PostFormValue("remove"); t != "" {
		remove = []string{t}
	}
	if _, err := d.a.Conversations.Tag(r.Context(), id, c.User.ID, add, remove); err != nil {
		return err
	}
	return back(w, r, id)
}

func (d *desk) note(w http.ResponseWriter, r *http.Request, c auth.Caller) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if _, err := d.a.Conversations.AddNote(r.Context(), id, c.User.ID, r.PostFormValue("body")); err != nil {
		return err
	}
	return back(w, r, id)
}
