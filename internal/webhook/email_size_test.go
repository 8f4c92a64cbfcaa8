package webhook_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"testing"

	"github.com/harkdesk/hark/internal/app"
	"github.com/harkdesk/hark/internal/conversation"
	"github.com/harkdesk/hark/internal/workspace"
)

// Inbound e-mail webhooks carry attachments: a Postmark post of several
// megabytes is stored, while the edge still refuses what no provider sends
// and other providers stay bounded at a megabyte.
func TestLargeEmailWebhookIsStored(t *testing.T) {
	ctx := context.Background()
	a, srv := openDesk(t, app.Options{PollEvery: -1})
	ws, acct := connectPostmark(t, a)
	fb, _, _ := a.Workspaces.AddAccount(ctx, workspace.Account{WorkspaceID: ws.ID, Channel: "facebook", Handle: "shop"})
	if err := a.ConfigureAccount(ctx, fb.ID, []byte(`{"app_secret":"s","verify_token":"v","access_token":"t","page_id":"1"}`)); err != nil {
		t.Fatal(err)
	}
	photo := bytes.Repeat([]byte{0x89, 'P', 'N', 'G'}, 3<<20/4) // 3 MiB
	body := postmarkWith(t, []any{map[string]any{"Name": "receipt.png", "ContentType": "image/png", "ContentLength": len(photo),
		"Content": base64.StdEncoding.EncodeToString(photo)}})
	if code := postHook(t, srv, acct.ID, body); code != 200 {
		t.Fatalf("a %d-byte Postmark post: %d", len(body), code)
	}
	page, _ := a.Conversations.List(ctx, conversation.Filter{WorkspaceID: ws.ID})
	if len(page.Conversations) != 1 {
		t.Fatalf("%d conversations", len(page.Conversations))
	}
	msgs, _ := a.Conversations.Messages(ctx, page.Conversations[0].ID)
	if len(msgs) != 1 || len(msgs[0].Attachments) != 1 || msgs[0].Attachments[0].Name != "receipt.png" {
		t.Fatalf("stored %+v", msgs)
	}
	if code := postHook(t, srv, acct.ID, make([]byte, 50<<20)); code != http.StatusRequestEntityTooLarge {
		t.Fatalf("50 MiB: %d", code)
	}
	if code := postHook(t, srv, fb.ID, body); code != http.StatusRequestEntityTooLarge {
		t.Fatalf("3 MiB to a Facebook webhook: %d", code)
	}
}

// A customer e-mails 21 photos of a damaged delivery: the e-mail is stored
// with the first 20 (ingest's limit) and the rest named as skipped, not
// answered 200 and dropped.
func TestAnEmailOfManyAttachmentsIsStored(t *testing.T) {
	ctx := context.Background()
	a, srv := openDesk(t, app.Options{PollEvery: -1})
	ws, acct := connectPostmark(t, a)
	var atts []any
	for i := range 21 {
		photo := bytes.Repeat([]byte{byte(i), 'P', 'N', 'G'}, 1000)
		atts = append(atts, map[string]any{"Name": fmt.Sprintf("p%d.png", i), "ContentType": "image/png", "ContentLength": len(photo),
			"Content": base64.StdEncoding.EncodeToString(photo)})
	}
	code := postHook(t, srv, acct.ID, postmarkWith(t, atts))
	page, err := a.Conversations.List(ctx, conversation.Filter{WorkspaceID: ws.ID})
	if err != nil {
		t.Fatal(err)
	}
	if code != http.StatusOK || len(page.Conversations) != 1 {
		t.Fatalf("answered %d with %d conversations stored, want 200 and the e-mail", code, len(page.Conversations))
	}
	msgs, err := a.Conversations.Messages(ctx, page.Conversations[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(msgs[0].Attachments); n != 20 {
		t.Fatalf("%d attachments kept, want 20", n)
	}
}
