package channel_test

import (
	"context"
	"testing"

	"github.com/harkdesk/hark/internal/channel"
	"github.com/harkdesk/hark/internal/ingest"
	"github.com/harkdesk/hark/internal/workspace"
)

type bounces map[string]string

func (b bounces) Undelivered(_ context.Context, _ int64, providerID, reason string) (bool, error) {
	if _, ok := b[providerID]; !ok {
		return false, nil
	}
	b[providerID] = reason
	return true, nil
}

// A bounce reaches the outbox through the sink, and counts as stored only
// when it named a reply of the account.
func TestTheSinkPassesBouncesOn(t *testing.T) {
	b := bounces{"reply-1": ""}
	n, err := channel.Sink{Bounces: b}.Store(context.Background(), workspace.Account{ID: 7}, []channel.Event{
		{Kind: channel.Undelivered, Msg: ingest.Message{ProviderID: "reply-1", Text: "550 no such user"}},
		{Kind: channel.Undelivered, Msg: ingest.Message{ProviderID: "someone-else", Text: "550"}},
	})
	if err != nil || n != 1 || b["reply-1"] != "550 no such user" {
		t.Fatalf("stored %d, %v; bounces %v", n, err, b)
	}
}
