package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"
)

// The ingest decoder reads bodies from anyone holding an ingest token: it
// must never panic, must answer every bad body with a 400 that explains it,
// and what it accepts must survive a round trip unchanged.
func FuzzDecodeIngest(f *testing.F) {
	for _, seed := range []string{
		`{"provider_id":"1","author":{"id":"7","handle":"@maria"},"text":"hello","sent_at":"2026-01-01T10:00:00Z"}`,
		`{"messages":[{"provider_id":"1","author":{"id":"7"},"text":"a"},{"provider_id":"2","author":{"email":"a@b.c"},"text":"b","attachments":[{"url":"https://x/y.png"}]}]}`,
		`{"messages":[]}`,
		`{"messages":null}`,
		`{"messages":[1]}`,
		`{"messages":[],"text":"x"}`,
		`{"provider_id":"1","raw":{"deep":[1,2,{"x":null}]},"references":["a","b"]}`,
		`{"provider_id":"1","colour":"red"}`,
		`{"provider_id":1}`,
		`{"sent_at":"yesterday"}`,
		`null`, `[]`, `"x"`, `{}`, `{"a":1}{"b":2}`, `{"provider_id":"\u0000\ud800"}`, "\xff\xfe{}",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		msgs, batch, err := decodeIngest(body)
		if err != nil {
			var re *requestError
			if !errors.As(err, &re) || re.status != http.StatusBadRequest || re.msg == "" || re.code == "" {
				t.Fatalf("error %v is not a 400 with a message", err)
			}
			return
		}
		if len(msgs) == 0 || (!batch && len(msgs) != 1) || len(msgs) > MaxIngestBatch {
			t.Fatalf("batch=%v with %d messages", batch, len(msgs))
		}
		for _, m := range msgs {
			once, err := json.Marshal(m)
			if err != nil {
				t.Fatalf("accepted a message that does not encode: %v", err)
			}
			back, batch2, err := decodeIngest(once)
			if err != nil || batch2 || len(back) != 1 {
				t.Fatalf("re-decoding %s: %v", once, err)
			}
			twice, _ := json.Marshal(back[0])
			if !bytes.Equal(once, twice) {
				t.Fatalf("round trip changed the message:\n%s\n%s", once, twice)
			}
			m.Normalise("x", time.Now()) // must not panic whatever it says
		}
	})
}
