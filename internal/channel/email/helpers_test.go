package email_test

import (
	"encoding/json"
	"log/slog"
	"testing"
)

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

var _ = testing.Short

var quiet = slog.New(slog.DiscardHandler)
