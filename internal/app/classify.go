package app

import (
	"context"

	"github.com/harkdesk/hark/internal/classify"
	"github.com/harkdesk/hark/internal/conversation"
	"github.com/harkdesk/hark/internal/ingest"
)

// classifyStage labels every inbound message before it is stored. It runs
// in the callers' goroutines, in parallel across callers, so the single
// writer never waits for it. Everything that reaches a brand account is
// addressed to that brand, so the account's handle is the message's
// addressee.
func classifyStage(c *classify.Classifier) ingest.Stage {
	return ingest.Stage{Name: "classify", Phase: ingest.BeforeCommit, Run: func(ctx context.Context, b *ingest.Batch) error {
		for _, it := range b.Items {
			if it.Err != nil {
				continue
			}
			text := it.Msg.Text
			if it.Msg.Subject != "" {
				text = it.Msg.Subject + ". " + text
			}
			l := c.Classify(classify.Input{Text: text, Channel: it.Account.Channel, ToHandle: it.Account.Handle,
				AuthorFollowers: int(it.Msg.Author.Followers)})
			if it.Labels == nil {
				it.Labels = map[string]any{}
			}
			it.Labels[conversation.LabelsKey] = l
		}
		return nil
	}}
}

// labelThreadsStage keeps each conversation's intent, sentiment and
// needs-reply equal to its customer's latest message's, in the commit that
// stores the message, so the inbox's filters are never behind it.
func labelThreadsStage() ingest.Stage {
	return ingest.Stage{Name: "label-threads", Phase: ingest.InCommit, Run: func(ctx context.Context, b *ingest.Batch) error {
		latest := map[int64]*ingest.Item{}
		for _, it := range b.Items {
			if it.Err != nil || it.Result.Duplicate || it.Result.ConversationID == 0 {
				continue
			}
			if prev, ok := latest[it.Result.ConversationID]; !ok || !it.Msg.SentAt.Before(prev.Msg.SentAt) {
				latest[it.Result.ConversationID] = it
			}
		}
		for conv, it := range latest {
			l, ok := it.Labels[conversation.LabelsKey].(classify.Labels)
			if !ok {
				continue
			}
			if err := conversation.SetThreadLabels(ctx, b.Tx, b.DB.Dialect, conv, l.Intent, l.Sentiment, l.NeedsReply); err != nil {
				return err
			}
		}
		return nil
	}}
}
