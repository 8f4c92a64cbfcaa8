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
// addressee. The conversation takes the labels in the same commit (the
// writer folds them into the thread's one update per batch), so the inbox's
// filters are never behind it: while it waits for our reply, the intent an
// agent most needs to know of the customer's messages since and whether any
// needs a reply; the latest message's sentiment and (when it could be
// named) language.
func classifyStage(c *classify.Classifier) ingest.Stage {
	return ingest.Stage{Name: "classify", Phase: ingest.BeforeCommit, Run: func(ctx context.Context, b *ingest.Batch) error {
		for _, it := range b.Items {
			if it.Err != nil {
				continue
			}
			l := read(c, conversation.LabelInput{Text: it.Msg.Text, Subject: it.Msg.Subject, Channel: it.Account.Channel,
				Visibility: it.Msg.Visibility, ToHandle: it.Account.Handle, Followers: it.Msg.Author.Followers,
				Attachments: len(it.Msg.Attachments)})
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

// read labels one customer message.
func read(c *classify.Classifier, in conversation.LabelInput) classify.Labels {
	// A DM arrives on a social account: it is read as private.
	return c.Classify(classify.Input{Text: hark.ClassifierText(in.Subject, in.Text), Channel: hark.ClassifierChannel(in.Channel, in.Visibility),
		ToHandle: in.ToHandle, AuthorFollowers: int(in.Followers), Attachments: in.Attachments})
}

// labeller reads a message again when its customer edits it.
func labeller(c *classify.Classifier) func(conversation.LabelInput) any {
	return func(in conversation.LabelInput) any { return read(c, in) }
}

// ClassifyStages are the stages that label messages and their threads, for
// benchmarks that plug them into a bare pipeline.
func ClassifyStages() []ingest.Stage {
	return []ingest.Stage{classifyStage(classify.Default())}
}
