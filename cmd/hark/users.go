package main

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/harkdesk/hark/internal/app"
	"github.com/harkdesk/hark/internal/user"
)

const userUsage = `usage:
  hark user add --email EMAIL [--name NAME] [--role admin|supervisor|agent|viewer] [--password P]
  hark user list
  hark user role --email EMAIL --role admin|supervisor|agent|viewer
  hark user password --email EMAIL [--password P]   (signs them out everywhere; a random one is printed)
  hark user disable --email EMAIL                   (signs them out; no sign-in or API token until enabled)
  hark user enable --email EMAIL
  hark token create --user EMAIL [--name NAME] [--expires 90d]
  hark token list --user EMAIL
  hark token revoke --user EMAIL --id ID`

// cmdUser manages the desk's people.
func cmdUser(args []string) error {
	sub, args, err := subcommand(args, userUsage, "add", "list", "role", "password", "disable", "enable")
	if err != nil {
		return err
	}
	f := newFlags("user "+sub, "[flags]", "db", "log-level")
	email := f.fs.String("email", "", "the user's e-mail address (their sign-in)")
	name := f.fs.String("name", "", "display name (default: the part of the e-mail before @)")
	role := f.fs.String("role", "", "role: admin, supervisor, agent or viewer (add: default agent)")
	password := f.fs.String("password", "", "password (at least 8 characters; for add also env HARK_PASSWORD; default: a random one, printed)")
	if err := f.parse(args); err != nil {
		return err
	}
	if sub != "list" && *email == "" {
		return fmt.Errorf("--email is required\n%s", userUsage)
	}
	pw := *password
	if sub == "add" {
		// Not for a reset: a HARK_PASSWORD left from setting up would be
		// set again, silently, where the reset promises a new one.
		pw = cmp.Or(pw, os.Getenv("HARK_PASSWORD"))
	}
	generated := pw == "" && (sub == "add" || sub == "password")
	if generated {
		pw = randomPassword()
	}
	ctx := context.Background()
	openStore := openExisting
	if sub == "add" {
		openStore = openOneShot // the first user sets a desk up
	}
	a, err := openStore(ctx, f, sub == "add")
	if err != nil {
		return err
	}
	defer a.Close()
	if sub == "add" {
		u, err := a.Users.Add(ctx, *email, *name, cmp.Or(*role, "agent"), pw)
		if err != nil {
			return err
		}
		fmt.Printf("added %s (%s, %s)\n", u.Email, u.Name, u.Role)
		if generated {
			fmt.Printf("password: %s\n", pw)
		}
		return nil
	}
	if sub == "list" {
		return listUsers(ctx, a)
	}
	u, err := a.Users.ByEmail(ctx, *email)
	if err != nil {
		return fmt.Errorf("%w (hark user list shows the desk's users)", err) // it names the user
	}
	switch sub {
	case "role":
		if err := a.Users.SetRole(ctx, u.ID, *role); err != nil {
			return err
		}
		fmt.Printf("%s is now %s\n", u.Email, *role)
		if u.Role = *role; !u.Can("work") {
			return release(ctx, a, u)
		}
	case "password":
		if err := a.Users.SetPassword(ctx, u.ID, pw); err != nil {
			return err
		}
		fmt.Printf("set the password of %s and signed them out everywhere\n", u.Email)
		if generated {
			fmt.Printf("password: %s\n", pw)
		}
	case "disable":
		if err := a.Users.Disable(ctx, u.ID); err != nil {
			return err
		}
		fmt.Printf("disabled %s: signed out everywhere; no sign-in or API token works until hark user enable\n", u.Email)
		return release(ctx, a, u)
	case "enable":
		if err := a.Users.Enable(ctx, u.ID); err != nil {
			return err
		}
		fmt.Printf("enabled %s\n", u.Email)
	}
	return nil
}

func listUsers(ctx context.Context, a *app.App) error {
	us, err := a.Users.List(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "EMAIL\tNAME\tROLE\tSTATUS")
	for _, u := range us {
		status := "active"
		if u.DisabledAt != 0 {
			status = "disabled " + time.UnixMilli(u.DisabledAt).UTC().Format("2006-01-02")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", u.Email, u.Name, u.Role, status)
	}
	return tw.Flush()
}

// cmdToken manages personal API tokens.
func cmdToken(args []string) error {
	sub, args, err := subcommand(args, userUsage, "create", "list", "revoke")
	if err != nil {
		return err
	}
	f := newFlags("token "+sub, "--user EMAIL [flags]", "db", "log-level")
	email := f.fs.String("user", "", "e-mail address of the user the token acts as")
	name := f.fs.String("name", "cli", "a name to recognise the token by")
	expires := f.fs.String("expires", "", "create: how long the token lasts, e.g. 90d or 12h (default: until revoked)")
	id := f.fs.String("id", "", "revoke: the token's id, as hark token list shows it")
	if err := f.parse(args); err != nil {
		return err
	}
	if *email == "" {
		return fmt.Errorf("--user is required\n%s", userUsage)
	}
	ttl, err := parseTTL(*expires)
	if err != nil {
		return err
	}
	ctx := context.Background()
	a, err := openExisting(ctx, f, false)
	if err != nil {
		return err
	}
	defer a.Close()
	u, err := a.Users.ByEmail(ctx, trimLower(*email))
	if err != nil {
		return fmt.Errorf("%w (hark user list shows the desk's users)", err) // it names the user
	}
	switch sub {
	case "create":
		tok, err := a.Users.CreateTokenFor(ctx, u.ID, *name, ttl)
		if err != nil {
			return err
		}
		fmt.Println(tok)
	case "list":
		ts, err := a.Users.Tokens(ctx, u.ID)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tCREATED\tLAST USED\tEXPIRES")
		for _, t := range ts {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, day(t.CreatedAt, ""), day(t.LastUsedAt, "never"), ends(t.ExpiresAt))
		}
		return tw.Flush()
	case "revoke":
		if err := a.Users.RevokeToken(ctx, u.ID, *id); err != nil {
			return err
		}
		fmt.Printf("revoked token %s of %s\n", *id, u.Email)
	}
	return nil
}

// parseTTL reads a token's lifetime: Go durations (12h) or days (90d).
func parseTTL(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	if n, ok := strings.CutSuffix(s, "d"); ok {
		if d, err := strconv.Atoi(n); err == nil && d > 0 && d <= 36500 {
			return time.Duration(d) * 24 * time.Hour, nil
		}
	} else if d, err := time.ParseDuration(s); err == nil && d > 0 && d <= 36500*24*time.Hour {
		return d, nil
	}
	return 0, fmt.Errorf("--expires %q: write a number of days (90d) or hours (12h), up to 100 years", s)
}

// ends says when a token ends, or that it has.
func ends(ms int64) string {
	if ms != 0 && ms <= time.Now().UnixMilli() {
		return "expired " + day(ms, "")
	}
	return day(ms, "when revoked")
}

func day(ms int64, zero string) string {
	if ms == 0 {
		return zero
	}
	return time.UnixMilli(ms).UTC().Format("2006-01-02 15:04")
}

// release puts the conversations of someone who can no longer answer back
// in the unassigned queue, and says how many.
func release(ctx context.Context, a *app.App, u user.User) error {
	n, err := a.Conversations.Release(ctx, u.ID)
	if err != nil {
		return fmt.Errorf("%s can no longer answer, but their conversations are still theirs: %w", u.Email, err)
	}
	if n > 0 {
		fmt.Printf("%d of their conversations are back in the unassigned queue\n", n)
	}
	return nil
}
