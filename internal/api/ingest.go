package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/harkdesk/hark/internal/hark"
	"github.com/harkdesk/hark/internal/ingest"
)

// MaxIngestBatch bounds the messages one ingest request may carry.
const MaxIngestBatch = 500

// ingestResult is what a caller learns about one stored message.
type ingestResult struct {
	MessageID       int64 `json:"message_id,string"`
	ConversationID  int64 `json:"conversation_id,string"`
	Duplicate       bool  `json:"duplicate"`
	NewConversation bool  `json:"new_conversation"`
}

// ingestItemError is a rejected message of a batch.
type ingestItemError struct {
	Index int      `json:"index"`
	Error apiError `json:"error"`
}

// ingest stores inbound messages for the channel account whose ingest token
// authenticates the request, and answers only once they are committed.
func (s *service) ingest(w http.ResponseWriter, r *http.Request) error {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || !strings.HasPrefix(strings.TrimSpace(token), "hki_") {
		writeError(w, http.StatusUnauthorized, "unauthorized", "send the channel account's ingest token as Authorization: Bearer hki_…")
		return nil
	}
	acct, err := s.tokens.account(r.Context(), s.a.Workspaces, strings.TrimSpace(token))
	if errors.Is(err, hark.ErrNotFound) {
		writeError(w, http.StatusUnauthorized, "unauthorized", "unknown ingest token")
		return nil
	}
	if err != nil {
		return err
	}
	body, err := readBody(w, r)
	if err != nil {
		return err
	}
	msgs, batch, err := decodeIngest(body)
	if err != nil {
		return err
	}
	results, err := s.a.Pipeline.Ingest(r.Context(), acct.ID, msgs...)
	if err != nil {
		return fmt.Errorf("ingest for account %d: %w", acct.ID, err)
	}
	if !batch {
		if err := results[0].Err; err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, storedResult(results[0]))
		return nil
	}
	out := struct {
		Results []any `json:"results"`
		Errors  int   `json:"errors"`
	}{Results: make([]any, len(results))}
	for i, res := range results {
		if res.Err != nil {
			status, e := classify(res.Err)
			if status == http.StatusInternalServerError {
				s.a.Log.Error("ingest item failed", "account", acct.ID, "index", i, "err", res.Err)
			}
			out.Results[i] = ingestItemError{Index: i, Error: e}
			out.Errors++
			continue
		}
		out.Results[i] = storedResult(res)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func storedResult(r ingest.Result) ingestResult {
	return ingestResult{MessageID: r.MessageID, ConversationID: r.ConversationID, Duplicate: r.Duplicate, NewConversation: r.NewConversation}
}

// decodeIngest reads one canonical message, or {"messages": [...]} for a
// batch, rejecting unknown fields in either.
func decodeIngest(body []byte) (msgs []ingest.Message, batch bool, err error) {
	var top map[string]json.RawMessage
	if err := decodeStrict(body, &top); err != nil {
		return nil, false, err
	}
	if top == nil {
		return nil, false, badRequest("bad_json", "send a JSON object, not null")
	}
	raw, batch := top["messages"]
	if !batch {
		var m ingest.Message
		if err := decodeStrict(body, &m); err != nil {
			return nil, false, err
		}
		return []ingest.Message{m}, false, nil
	}
	if len(top) > 1 {
		return nil, true, badRequest("bad_json", `a batch is {"messages": [...]} with no other fields`)
	}
	if err := decodeStrict(raw, &msgs); err != nil {
		return nil, true, err
	}
	if len(msgs) == 0 {
		return nil, true, badRequest("invalid", `"messages" is empty`)
	}
	if len(msgs) > MaxIngestBatch {
		return nil, true, badRequest("invalid", fmt.Sprintf("a batch holds at most %d messages, not %d", MaxIngestBatch, len(msgs)))
	}
	return msgs, true, nil
}
