package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"

	"github.com/harkdesk/hark/internal/api"
	"github.com/harkdesk/hark/internal/app"
	"github.com/harkdesk/hark/internal/workspace"
)

const accountUsage = `usage:
  hark workspace add --slug SLUG --name NAME
  hark account list [--workspace SLUG]
  hark account add --workspace SLUG --channel CHANNEL --handle HANDLE [--name NAME] [--purpose service|marketing|both]
  hark account config --id ID [--file FILE]   (the connector's JSON config; standard input without --file)
  hark account health --id ID`

// cmdWorkspace adds a brand (workspace) to the desk.
func cmdWorkspace(args []string) error {
	_, args, err := subcommand(args, accountUsage, "add")
	if err != nil {
		return err
	}
	f := newFlags("workspace add", "--slug SLUG --name NAME", "db", "log-level")
	slug := f.fs.String("slug", "", "short name used in URLs")
	name := f.fs.String("name", "", "the brand's name")
	if err := f.parse(args); err != nil {
		return err
	}
	ctx := context.Background()
	a, err := openOneShot(ctx, f, true)
	if err != nil {
		return err
	}
	defer a.Close()
	ws, err := a.Workspaces.Create(ctx, *slug, *name)
	if err != nil {
		return err
	}
	fmt.Printf("added workspace %s (%s), id %d\n", ws.Slug, ws.Name, ws.ID)
	return nil
}

// cmdAccount manages the brand accounts the desk watches.
func cmdAccount(args []string) error {
	sub, args, err := subcommand(args, accountUsage, "list", "add", "config", "health")
	if err != nil {
		return err
	}
	f := newFlags("account "+sub, "[flags]", "db", "log-level")
	wsSlug := f.fs.String("workspace", "", "workspace slug")
	id := f.fs.Int64("id", 0, "account id (see hark account list)")
	channel := f.fs.String("channel", "", "x, facebook, instagram, linkedin, whatsapp, email, chat, form, blog, phone, sms or api")
	handle := f.fs.String("handle", "", "the account's handle, page id, address or number")
	name := f.fs.String("name", "", "display name")
	purpose := f.fs.String("purpose", "both", "service, marketing or both")
	file := f.fs.String("file", "", "read the config from this file instead of standard input")
	if err := f.parse(args); err != nil {
		return err
	}
	if (sub == "config" || sub == "health") && *id == 0 {
		return fmt.Errorf("--id is required: hark account list shows each account's id")
	}
	ctx := context.Background()
	openStore := openExisting
	if sub == "add" {
		openStore = openOneShot
	}
	a, err := openStore(ctx, f, true)
	if err != nil {
		return err
	}
	defer a.Close()
	switch sub {
	case "list":
		return listAccounts(ctx, a, *wsSlug, os.Stdout)
	case "add":
		ws, err := a.Workspaces.BySlug(ctx, *wsSlug)
		if err != nil {
			return fmt.Errorf("workspace %q: %w", *wsSlug, err)
		}
		acct, token, err := a.Workspaces.AddAccount(ctx, workspace.Account{WorkspaceID: ws.ID, Channel: *channel, Handle: *handle, Name: *name, Purpose: *purpose})
		if err != nil {
			return err
		}
		fmt.Printf("added %s account %s, id %d\ningest token (shown once): %s\n", acct.Channel, acct.Handle, acct.ID, token)
		return nil
	case "config":
		var in io.Reader = os.Stdin
		if *file != "" {
			fh, err := os.Open(*file)
			if err != nil {
				return err
			}
			defer fh.Close()
			in = fh
		}
		cfg, err := io.ReadAll(io.LimitReader(in, 1<<20))
		if err != nil {
			return err
		}
		if err := a.ConfigureAccount(ctx, *id, cfg); err != nil {
			return err
		}
		fmt.Printf("account %d configured\n", *id)
		return nil
	case "health":
		acct, err := a.Workspaces.Account(ctx, *id)
		if err != nil {
			return err
		}
		return printHealth(ctx, a, acct, os.Stdout)
	}
	return fmt.Errorf("unknown subcommand %q\n%s", sub, accountUsage)
}

func listAccounts(ctx context.Context, a *app.App, slug string, w io.Writer) error {
	var accts []workspace.Account
	var err error
	if slug != "" {
		ws, err := a.Workspaces.BySlug(ctx, slug)
		if err != nil {
			return fmt.Errorf("workspace %q: %w", slug, err)
		}
		accts, err = a.Workspaces.Accounts(ctx, ws.ID)
		if err != nil {
			return err
		}
	} else if accts, err = a.Workspaces.AllAccounts(ctx); err != nil {
		return err
	}
	wss, err := a.Workspaces.List(ctx)
	if err != nil {
		return err
	}
	slugs := map[int64]string{}
	for _, ws := range wss {
		slugs[ws.ID] = ws.Slug
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tWORKSPACE\tCHANNEL\tHANDLE\tPURPOSE\tCONFIGURED\tHEALTH")
	now := time.Now()
	for _, acct := range accts {
		rep, err := a.Health.Of(ctx, acct, now)
		if err != nil {
			return err
		}
		configured := len(app.ConfigSummary(acct.Config)) > 0
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", acct.ID, slugs[acct.WorkspaceID], acct.Channel, acct.Handle, acct.Purpose, yesNo(configured), rep.Status)
	}
	return tw.Flush()
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// printHealth writes what GET /api/v1/accounts/{id}/health answers, so a
// script reads one format from both: ids as strings (63-bit ids lose
// digits as JavaScript numbers), times in RFC 3339.
func printHealth(ctx context.Context, a *app.App, acct workspace.Account, w io.Writer) error {
	rep, err := a.Health.Of(ctx, acct, time.Now())
	if err != nil {
		return err
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(api.AccountHealthView(acct, rep))
}
