package desk

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/harkdesk/hark/internal/auth"
	"github.com/harkdesk/hark/internal/classify"
	"github.com/harkdesk/hark/internal/conversation"
)

// shownLabels is what the desk shows of a message's classification.
type shownLabels struct {
	Intent      string             `json:"intent"`
	IntentProbs map[string]float64 `json:"intent_probs"`
	NeedsReply  bool               `json:"needs_reply"`
	NeedsReplyP float64            `json:"needs_reply_p"`
	Sentiment   string             `json:"sentiment"`
	Score       float64            `json:"sentiment_score"`
	Complaint   float64            `json:"complaint"`
	Suggestion  float64            `json:"suggestion"`
	Spam        float64            `json:"spam"`
	Language    string             `json:"language"`
	Why         []string           `json:"why"`
	CorrectedBy int64              `json:"corrected_by"`
}

// Explain is the hover text: the decision and what drove it.
func (l shownLabels) Explain() string {
	var b strings.Builder
	switch {
	case l.CorrectedBy != 0:
		// The agent's word, not the model's: its probabilities and signals
		// were for what it had said.
		reply := "no reply needed"
		if l.NeedsReply {
			reply = "needs a reply"
		}
		fmt.Fprintf(&b, "Corrected by an agent: %s, %s", l.Intent, reply)
	case l.NeedsReply:
		fmt.Fprintf(&b, "%s (%.0f%%), needs a reply (%.0f%%)", l.Intent, 100*l.IntentProbs[l.Intent], 100*l.NeedsReplyP)
	default:
		fmt.Fprintf(&b, "%s (%.0f%%), no reply needed (%.0f%%)", l.Intent, 100*l.IntentProbs[l.Intent], 100*(1-l.NeedsReplyP))
	}
	fmt.Fprintf(&b, "; %s sentiment (%+.2f)", l.Sentiment, l.Score)
	if l.Complaint >= 0.5 {
		fmt.Fprintf(&b, "; complaint %.0f%%", 100*l.Complaint)
	}
	if l.Suggestion >= 0.5 {
		fmt.Fprintf(&b, "; idea %.0f%%", 100*l.Suggestion)
	}
	if l.Spammy() {
		fmt.Fprintf(&b, "; spam %.0f%%", 100*l.Spam)
	}
	if l.Language != "" && l.Language != "und" {
		fmt.Fprintf(&b, "; language %s", languageName(l.Language))
	}
	if len(l.Why) > 0 && l.CorrectedBy == 0 {
		b.WriteString(". Signals: " + strings.Join(l.Why, ", "))
	}
	return b.String()
}

// Foreign is the language of a message the classifier named as another
// than English, for a badge: an agent sees who should answer it, and
// (ForeignNote) that the models, which learnt English, read it less well.
// Empty for English and for a language it could not tell.
func (l shownLabels) Foreign() string {
	if l.Language == "en" || l.Language == "und" {
		return ""
	}
	return l.Language
}

// ForeignNote is the language badge's hover. Every language the
// classifier names is read through a glossary into English (its
// TestGlossariesLoad), which the agent should know before trusting the
// labels as much as an English message's.
func (l shownLabels) ForeignNote() string {
	name := languageName(l.Language)
	return "written in " + name + "; the models, which learnt English, read it through a " + name + " glossary, less surely than English"
}

// languageName is the English name of a language the classifier names,
// or its code.
func languageName(code string) string { return cmp.Or(classify.LanguageName(code), code) }

// Spammy reports whether the spam score weighed on the classifier's
// decision (it pushes such a message towards other), so the badge shows
// wherever it did; until then it showed from 0.5 only.
func (l shownLabels) Spammy() bool { return l.Spam >= classify.SpamThreshold }

// messageLabels reads the classification stored with a message, if any.
func messageLabels(m conversation.Message) *shownLabels {
	if m.Direction != "in" || len(m.Labels) == 0 {
		return nil
	}
	var all map[string]json.RawMessage
	if json.Unmarshal(m.Labels, &all) != nil || all[conversation.LabelsKey] == nil {
		return nil
	}
	var l shownLabels
	if json.Unmarshal(all[conversation.LabelsKey], &l) != nil || l.Intent == "" {
		return nil
	}
	return &l
}

// correct stores an agent's one-click correction of a message's labels.
func (d *desk) correct(w http.ResponseWriter, r *http.Request, c auth.Caller) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	needs, _ := strconv.ParseBool(r.PostFormValue("needs_reply"))
	m, err := d.a.Conversations.Correct(r.Context(), conversation.Correction{MessageID: id, UserID: c.User.ID,
		Intent: r.PostFormValue("intent"), NeedsReply: needs})
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/c/"+strconv.FormatInt(m.ConversationID, 10)+"#m"+strconv.FormatInt(m.ID, 10), http.StatusSeeOther)
	return nil
}
