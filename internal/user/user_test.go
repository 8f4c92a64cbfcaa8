package user_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/db/dbtest"
	"github.com/harkdesk/hark/internal/hark"
	"github.com/harkdesk/hark/internal/user"
)

func TestPasswordsSessionsAndTokens(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := user.New(d)
		u, err := s.Add(ctx, " Ana@Example.COM ", "Ana", "agent", "correct horse")
		if err != nil {
			t.Fatal(err)
		}
		if u.Email != "ana@example.com" {
			t.Fatalf("email %q not normalised", u.Email)
		}
		if _, err := s.Add(ctx, "ana@example.com", "Other", "agent", "another pw"); !errors.Is(err, hark.ErrConflict) {
			t.Fatalf("duplicate e-mail: %v", err)
		}
		for _, bad := range []struct{ email, role, pw string }{{"not-an-email", "agent", ""}, {"b@x.io", "god", ""}, {"c@x.io", "agent", "short"}} {
			if _, err := s.Add(ctx, bad.email, "", bad.role, bad.pw); !errors.Is(err, hark.ErrInvalid) {
				t.Errorf("Add(%q, %q, %q): %v, want invalid", bad.email, bad.role, bad.pw, err)
			}
		}
		if _, err := s.Authenticate(ctx, "ana@example.com", "wrong password"); !errors.Is(err, user.ErrBadCredentials) {
			t.Fatalf("wrong password: %v", err)
		}
		if _, err := s.Authenticate(ctx, "nobody@example.com", "correct horse"); !errors.Is(err, user.ErrBadCredentials) {
			t.Fatalf("unknown user: %v", err)
		}
		got, err := s.Authenticate(ctx, "ANA@example.com", "correct horse")
		if err != nil || got.ID != u.ID {
			t.Fatalf("sign-in: %v", err)
		}
		tok, sess, err := s.StartSession(ctx, got)
		if err != nil {
			t.Fatal(err)
		}
		back, err := s.SessionByToken(ctx, tok)
		if err != nil || back.User.ID != u.ID || back.CSRF != sess.CSRF || back.CSRF == "" {
			t.Fatalf("session lookup: %+v %v", back, err)
		}
		var stored string
		d.R.QueryRow("SELECT token_hash FROM sessions").Scan(&stored)
		if stored == tok || strings.Contains(stored, tok) {
			t.Fatal("the raw session token is stored")
		}
		if err := s.EndSession(ctx, tok); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SessionByToken(ctx, tok); !errors.Is(err, hark.ErrNotFound) {
			t.Fatalf("ended session still works: %v", err)
		}
		api, err := s.CreateToken(ctx, u.ID, "script")
		if err != nil {
			t.Fatal(err)
		}
		if who, err := s.ByToken(ctx, api); err != nil || who.ID != u.ID {
			t.Fatalf("token: %v", err)
		}
		if _, err := s.ByToken(ctx, api+"x"); !errors.Is(err, hark.ErrNotFound) {
			t.Fatalf("tampered token: %v", err)
		}
		// A new password signs the user out everywhere: it is reset
		// because someone else may know the old one.
		other, _, err := s.StartSession(ctx, got)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.SetPassword(ctx, u.ID, "battery staple"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SessionByToken(ctx, other); !errors.Is(err, hark.ErrNotFound) {
			t.Fatalf("a session from before the new password still works: %v", err)
		}
		if _, err := s.Authenticate(ctx, "ana@example.com", "battery staple"); err != nil {
			t.Fatalf("sign-in with the new password: %v", err)
		}
	})
}

func TestRoles(t *testing.T) {
	cases := map[string][4]bool{ // read, work, manage, admin
		"viewer":     {true, false, false, false},
		"agent":      {true, true, false, false},
		"supervisor": {true, true, true, false},
		"admin":      {true, true, true, true},
	}
	for role, want := range cases {
		u := user.User{Role: role}
		for i, action := range []string{"read", "work", "manage", "admin"} {
			if u.Can(action) != want[i] {
				t.Errorf("%s can %s = %v", role, action, !want[i])
			}
		}
	}
}

func TestPasswordHashes(t *testing.T) {
	h := user.HashPassword("s3cret pass")
	if !strings.HasPrefix(h, "$argon2id$") {
		t.Fatalf("hash %q is not argon2id", h)
	}
	if !user.CheckPassword(h, "s3cret pass") || user.CheckPassword(h, "s3cret pasS") {
		t.Fatal("check is wrong")
	}
	if user.HashPassword("s3cret pass") == h {
		t.Fatal("two hashes of one password are equal: no salt")
	}
	for _, bad := range []string{"", "$argon2id$", "$bcrypt$x$y$z$w", "$argon2id$v=19$m=x$a$b"} {
		if user.CheckPassword(bad, "x") {
			t.Errorf("malformed hash %q accepted", bad)
		}
	}
}

// An admin takes away the access of someone who left: their browser is
// signed out, their password and API tokens stop working, and they cannot
// be assigned; enabling them gives it back. Before, nothing could: a user
// could only be added.
func TestADisabledUserHasNoAccess(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := user.New(d)
		u, err := s.Add(ctx, "leaver@example.com", "Leaver", "agent", "correct horse")
		if err != nil {
			t.Fatal(err)
		}
		cookie, _, err := s.StartSession(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		token, err := s.CreateToken(ctx, u.ID, "laptop")
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Disable(ctx, u.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SessionByToken(ctx, cookie); !errors.Is(err, hark.ErrNotFound) {
			t.Errorf("the session outlived the disabling: %v", err)
		}
		if _, err := s.Authenticate(ctx, "leaver@example.com", "correct horse"); !errors.Is(err, user.ErrBadCredentials) {
			t.Errorf("a disabled user signed in: %v", err)
		}
		if _, err := s.ByToken(ctx, token); !errors.Is(err, hark.ErrNotFound) {
			t.Errorf("a disabled user's token worked: %v", err)
		}
		if got, _ := s.ByID(ctx, u.ID); got.DisabledAt == 0 || got.Can("work") || got.Can("read") {
			t.Errorf("a disabled user may still act: %+v", got)
		}
		if err := s.Enable(ctx, u.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ByToken(ctx, token); err != nil {
			t.Errorf("the token did not work again once enabled: %v", err)
		}
		if err := s.SetRole(ctx, u.ID, "viewer"); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.ByToken(ctx, token); got.Role != "viewer" || got.Can("work") {
			t.Errorf("the new role did not hold: %+v", got)
		}
		if err := s.SetRole(ctx, u.ID, "god"); !errors.Is(err, hark.ErrInvalid) {
			t.Errorf("an unknown role: %v", err)
		}
		if err := s.Disable(ctx, 42); !errors.Is(err, hark.ErrNotFound) {
			t.Errorf("disabling no one: %v", err)
		}
	})
}

// A personal API token can be given an end, and any token revoked at once
// by the id its list shows; the list never shows a token itself.
func TestTokensEndAndAreRevoked(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := user.New(d)
		u, err := s.Add(ctx, "ci@example.com", "CI", "agent", "")
		if err != nil {
			t.Fatal(err)
		}
		short, err := s.CreateTokenFor(ctx, u.ID, "short", time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		long, err := s.CreateTokenFor(ctx, u.ID, "long", 90*24*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond)
		if _, err := s.ByToken(ctx, short); !errors.Is(err, hark.ErrNotFound) {
			t.Errorf("an expired token worked: %v", err)
		}
		if _, err := s.ByToken(ctx, long); err != nil {
			t.Fatalf("a live token: %v", err)
		}
		ts, err := s.Tokens(ctx, u.ID)
		if err != nil || len(ts) != 2 {
			t.Fatalf("tokens %+v %v", ts, err)
		}
		for _, tk := range ts {
			if strings.Contains(short+long, tk.ID) || tk.ExpiresAt == 0 {
				t.Errorf("listed %+v", tk)
			}
		}
		if err := s.RevokeToken(ctx, u.ID, "nope"); !errors.Is(err, hark.ErrNotFound) {
			t.Errorf("revoking an unknown id: %v", err)
		}
		if err := s.RevokeToken(ctx, u.ID, ""); !errors.Is(err, hark.ErrNotFound) {
			t.Errorf("revoking no id: %v", err)
		}
		var longID string
		for _, tk := range ts {
			if tk.Name == "long" {
				longID = tk.ID
			}
		}
		other, _ := s.Add(ctx, "other@example.com", "Other", "agent", "")
		if err := s.RevokeToken(ctx, other.ID, longID); !errors.Is(err, hark.ErrNotFound) {
			t.Errorf("another user revoked the token: %v", err)
		}
		if err := s.RevokeToken(ctx, u.ID, longID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ByToken(ctx, long); !errors.Is(err, hark.ErrNotFound) {
			t.Errorf("a revoked token worked: %v", err)
		}
	})
}
