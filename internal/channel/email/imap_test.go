package email_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/harkdesk/hark/internal/channel/email"
)

func TestCursorRoundTrip(t *testing.T) {
	for _, s := range []string{"", "7:42", "4294967295:1"} {
		c, err := email.ParseCursor(s)
		if err != nil || c.String() != s {
			t.Errorf("%q: %v %q", s, err, c.String())
		}
	}
	for _, bad := range []string{"x", "1:", ":2", "1:2:3", "-1:2"} {
		if _, err := email.ParseCursor(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

// The IMAP mailbox reads only what is new, in batches, and starts over
// when the server's UIDVALIDITY changes.
func TestIMAPMailboxCursor(t *testing.T) {
	ctx := context.Background()
	f := startFake(t)
	m := email.NewIMAP(f.Config().IMAP)
	defer m.Close()
	deliver := func(n int, from int) {
		for i := from; i < from+n; i++ {
			msg := fmt.Sprintf("From: c%d@example.com\r\nTo: support@shop.test\r\nSubject: s\r\nMessage-ID: <m%d@example.com>\r\n\r\nhi\r\n", i, i)
			if err := f.Deliver([]byte(msg)); err != nil {
				t.Fatal(err)
			}
		}
	}
	deliver(5, 0)
	got, cur, err := m.Fetch(ctx, email.Cursor{}, 3)
	if err != nil || len(got) != 3 || cur.UID != got[2].UID || cur.UIDValidity == 0 {
		t.Fatalf("first batch: %v %d %+v", err, len(got), cur)
	}
	got, cur, err = m.Fetch(ctx, cur, 3)
	if err != nil || len(got) != 2 {
		t.Fatalf("second batch: %v %d", err, len(got))
	}
	got, same, err := m.Fetch(ctx, cur, 3)
	if err != nil || len(got) != 0 || same != cur {
		t.Fatalf("nothing new: %v %d %+v", err, len(got), same)
	}
	deliver(1, 5)
	got, cur, err = m.Fetch(ctx, cur, 3)
	if err != nil || len(got) != 1 {
		t.Fatalf("one new: %v %d", err, len(got))
	}
	// A cursor from another UIDVALIDITY reads the recent mail again.
	stale := email.Cursor{UIDValidity: cur.UIDValidity + 1, UID: 999}
	got, _, err = m.Fetch(ctx, stale, 10)
	if err != nil || len(got) != 6 {
		t.Fatalf("after UIDVALIDITY change: %v %d", err, len(got))
	}
}
