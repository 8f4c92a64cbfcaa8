package email

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
)

// A first poll that finds nothing in the backfill window must not make the
// next poll read every older message in the folder.
func TestIMAPBackfillWindowHoldsAfterAnEmptyFirstPoll(t *testing.T) {
	ctx := context.Background()
	f, err := StartFake("support@shop.test", "s3cret")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for i := 0; i < 3; i++ { // a year-old mailbox: mail from long ago
		msg := fmt.Sprintf("From: old%d@example.com\r\nSubject: old\r\nMessage-ID: <old%d@example.com>\r\n\r\nancient\r\n", i, i)
		if _, err := f.user.Append("INBOX", bytes.NewReader([]byte(msg)), &imap.AppendOptions{Time: time.Now().AddDate(-1, 0, 0)}); err != nil {
			t.Fatal(err)
		}
	}
	m := NewIMAP(f.Config().IMAP)
	defer m.Close()
	got, cur, err := m.Fetch(ctx, Cursor{}, 50)
	if err != nil || len(got) != 0 {
		t.Fatalf("first poll: %v %d", err, len(got))
	}
	got, next, err := m.Fetch(ctx, cur, 50)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 0 {
		t.Errorf("second poll (cursor %q) read %d messages older than the %d-day backfill", cur, len(got), m.Config.BackfillDays)
	}
	// Mail that arrives after the empty first poll is still read.
	if err := f.Deliver([]byte("From: new@example.com\r\nSubject: new\r\nMessage-ID: <new@example.com>\r\n\r\nhello\r\n")); err != nil {
		t.Fatal(err)
	}
	got, _, err = m.Fetch(ctx, next, 50)
	if err != nil || len(got) != 1 {
		t.Fatalf("new mail after the empty backfill: %v %d", err, len(got))
	}
}
