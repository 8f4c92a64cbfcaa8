package app

import (
	"context"

	"github.com/harkdesk/hark/internal/classify"
	"github.com/harkdesk/hark/internal/conversation"
	"github.com/harkdesk/hark/internal/hark"
	"github.com/harkdesk/hark/internal/ingest"
)

// classifyStage labels every inbound message before it is stored. It runs
// in the callers' goroutines, in parallel across callers, so the single
// writer never waits for it. Everything that reaches a brand account is
// addressed to that brand, so the account's handle is the message's
// addressee. The conversation takes its latest customer message's intent,
// sentiment, needs-reply and (when it could be named) language in the same commit (the writer folds them into
// the thread's one update per batch), so the inbox's filters are never
// behind it.
func classifyStage(c *classify.Classifier) ingest.Stage {
	return ingest.Stage{Name: "classify", Phase: ingest.BeforeCommit, Run: func(ctx context.Context, b *ingest.Batch) error {
		for _, it := range b.Items {
			if it.Err != nil {
				continue
			}
			text := hark.ClassifierText(it.Msg.Subject, it.Msg.Text)
			// A DM arrives on a social account: it is read as private.
			channel := hark.ClassifierChannel(it.Account.Channel, it.Msg.Visibility)
			l := c.Classify(classify.Input{Text: text, Channel: channel, ToHandle: it.Account.Handle,
				AuthorFollowers: int(it.Msg.Author.Followers)})
			if it.Labels == nil {
				it.Labels = map[string]any{}
			}
			it.Labels[conversation.LabelsKey] = l
			it.Thread = &conversation.ThreadLabels{Intent: l.Intent, Sentiment: l.Sentiment, NeedsReply: l.NeedsReply}
			if l.Language != "und" {
				it.Thread.Language = l.Language
			}
		}
		return nil
	}}
}

// ClassifyStages are the stages that label messages and their threads, for
// benchmarks that plug them into a bare pipeline.
func ClassifyStages() []ingest.Stage {
	return []ingest.Stage{classifyStage(classify.Default())}
}
