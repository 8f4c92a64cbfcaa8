package demo

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"sync"

	"github.com/harkdesk/hark/internal/app"
	"github.com/harkdesk/hark/internal/hark"
	"github.com/harkdesk/hark/internal/user"
	"github.com/harkdesk/hark/internal/workspace"
)

// AccountSpec is one of a demo brand's channel accounts and how much of the
// brand's traffic lands on it, in public and in private.
type AccountSpec struct {
	Channel, Handle, Name, Purpose string
	Public, Private                int // relative weights
}

// Brand is a demo workspace: who it is, where customers reach it, and which
// dataset its customers' messages come from.
type Brand struct {
	Slug, Name string
	Short      string // what customers call it in running text
	Source     string // SourceAirline or SourceComplaints
	Accounts   []AccountSpec
	Teams      []string
	// Handles are the dataset's own handles for the companies this brand
	// stands in for; the complaints corpus names too many, so it relies on
	// companyHandle instead.
	Handles map[string]bool
}

// Brands are the two demo workspaces. Most traffic lands on the marketing
// accounts, as it does in life: customers write to the handle they know,
// not to the one the brand opened for service.
var Brands = []Brand{
	{
		Slug: "skyway", Name: "Skyway Air", Short: "Skyway", Source: SourceAirline,
		Accounts: []AccountSpec{
			{"x", "SkywayAir", "Skyway Air", "marketing", 34, 4},
			{"x", "SkywayHelp", "Skyway Air Help", "service", 18, 9},
			{"facebook", "skywayair", "Skyway Air", "marketing", 8, 5},
			{"instagram", "skywayair", "Skyway Air", "marketing", 6, 3},
			{"email", "care@skywayair.example", "Skyway Air Customer Care", "service", 0, 8},
			{"whatsapp", "+44 20 7946 0100", "Skyway Air", "service", 0, 6},
			{"linkedin", "skyway-air", "Skyway Air", "marketing", 3, 0},
			{"chat", "skywayair.example", "Skyway Air chat", "service", 0, 5},
			{"form", "skywayair.example/contact", "Skyway Air contact form", "service", 0, 3},
			{"blog", "blog.skywayair.example", "Skyway Air blog", "marketing", 2, 0},
			{"phone", "+44 20 7946 0101", "Skyway Air phone line", "service", 0, 2},
		},
		Teams: []string{"Customer Care", "Social"},
		Handles: map[string]bool{"united": true, "usairways": true, "americanair": true, "southwestair": true,
			"jetblue": true, "virginamerica": true, "delta": true, "deltaassist": true, "southwest": true,
			"americanairlines": true, "southwestairlines": true},
	},
	{
		Slug: "kestrel", Name: "Kestrel Home & Mobile", Short: "Kestrel", Source: SourceComplaints,
		Accounts: []AccountSpec{
			{"x", "KestrelHome", "Kestrel", "marketing", 30, 4},
			{"x", "KestrelHelp", "Kestrel Help", "service", 20, 8},
			{"facebook", "kestrelhome", "Kestrel Home & Mobile", "marketing", 10, 6},
			{"instagram", "kestrel.home", "Kestrel", "marketing", 6, 2},
			{"email", "help@kestrel.example", "Kestrel Support", "service", 0, 10},
			{"sms", "+44 20 7946 0200", "Kestrel", "service", 0, 4},
			{"linkedin", "kestrel-home", "Kestrel Home & Mobile", "marketing", 3, 0},
			{"chat", "kestrel.example", "Kestrel chat", "service", 0, 6},
			{"form", "kestrel.example/help", "Kestrel help form", "service", 0, 3},
			{"blog", "blog.kestrel.example", "Kestrel blog", "marketing", 2, 0},
			{"phone", "+44 20 7946 0201", "Kestrel phone line", "service", 0, 2},
		},
		Teams: []string{"Support", "Social"},
	},
}

// AgentSpec is a demo desk user.
type AgentSpec struct {
	Name, Email, Role string
	Teams             []string // "slug/Team"
	Initials          string   // how they sign public replies
}

// Agents are the demo's desk users, one of each role and two agents.
var Agents = []AgentSpec{
	{"Maya Okafor", "maya@hark.demo", "admin", nil, "MO"},
	{"Jonas Berg", "jonas@hark.demo", "supervisor", []string{"skyway/Customer Care", "skyway/Social", "kestrel/Support", "kestrel/Social"}, "JB"},
	{"Priya Raman", "priya@hark.demo", "agent", []string{"skyway/Customer Care", "kestrel/Social"}, "PR"},
	{"Tomás Alvarez", "tomas@hark.demo", "agent", []string{"skyway/Social", "kestrel/Support"}, "TA"},
	{"Lena Fischer", "lena@hark.demo", "viewer", nil, "LF"},
}

// Agent is a demo user with the password printed at start.
type Agent struct {
	user.User
	Password string
	Initials string
}

// Workspace is a seeded brand: its workspace, its accounts (in the order of
// the brand's specs) and its teams by name.
type Workspace struct {
	workspace.Workspace
	Brand    Brand
	Accounts []workspace.Account
	Teams    map[string]workspace.Team
}

// World is what Seed made or found.
type World struct {
	Workspaces []*Workspace
	Agents     []Agent
	// Existing is true when the store already held the demo workspaces, as
	// when --db names a file from an earlier run.
	Existing bool
}

// Seed creates the demo workspaces, accounts, teams and users, or finds them
// in a store seeded before, and gives every demo user a fresh password.
func Seed(ctx context.Context, a *app.App) (*World, error) {
	w := &World{}
	// The demo streams made-up traffic and resets its users' passwords: never
	// into a desk that serves real brands.
	all, err := a.Workspaces.List(ctx)
	if err != nil {
		return nil, err
	}
	for _, ws := range all {
		if !isDemoSlug(ws.Slug) {
			return nil, fmt.Errorf("%w: the database holds workspace %q, which the demo did not make; give the demo a new database", hark.ErrConflict, ws.Slug)
		}
	}
	for _, b := range Brands {
		ws, existed, err := seedBrand(ctx, a, b)
		if err != nil {
			return nil, err
		}
		w.Existing = w.Existing || existed
		w.Workspaces = append(w.Workspaces, ws)
	}
	// Hashing a password is deliberately slow; do them side by side.
	w.Agents = make([]Agent, len(Agents))
	errs := make([]error, len(Agents))
	var wg sync.WaitGroup
	for i, s := range Agents {
		wg.Go(func() {
			w.Agents[i], errs[i] = seedAgent(ctx, a, s)
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	for _, ag := range w.Agents {
		for _, t := range Agents[indexOfAgent(ag.Email)].Teams {
			team, ok := w.team(t)
			if !ok {
				return nil, fmt.Errorf("demo agent %s: no team %s", ag.Email, t)
			}
			if !w.Existing {
				if err := a.Workspaces.AddTeamMember(ctx, team.ID, ag.ID); err != nil {
					return nil, fmt.Errorf("demo team %s: %w", t, err)
				}
			}
		}
	}
	return w, nil
}

func seedBrand(ctx context.Context, a *app.App, b Brand) (*Workspace, bool, error) {
	ws := &Workspace{Brand: b, Teams: map[string]workspace.Team{}}
	found, err := a.Workspaces.BySlug(ctx, b.Slug)
	switch {
	case err == nil:
		ws.Workspace = found
		accts, err := a.Workspaces.Accounts(ctx, found.ID)
		if err != nil {
			return nil, true, err
		}
		for _, s := range b.Accounts {
			i := indexOfAccount(accts, s)
			if i < 0 {
				// A demo kept from an earlier version: add the accounts it lacks.
				acct, _, err := a.Workspaces.AddAccount(ctx, workspace.Account{WorkspaceID: found.ID, Channel: s.Channel,
					Handle: s.Handle, Name: s.Name, Purpose: s.Purpose})
				if err != nil {
					return nil, true, fmt.Errorf("workspace %s: add %s account %s: %w", b.Slug, s.Channel, s.Handle, err)
				}
				ws.Accounts = append(ws.Accounts, acct)
				continue
			}
			ws.Accounts = append(ws.Accounts, accts[i])
		}
		teams, err := a.Workspaces.Teams(ctx, found.ID)
		if err != nil {
			return nil, true, err
		}
		for _, t := range teams {
			ws.Teams[t.Name] = t
		}
		return ws, true, nil
	case !errors.Is(err, hark.ErrNotFound):
		return nil, false, err
	}
	if ws.Workspace, err = a.Workspaces.Create(ctx, b.Slug, b.Name); err != nil {
		return nil, false, err
	}
	for _, s := range b.Accounts {
		acct, _, err := a.Workspaces.AddAccount(ctx, workspace.Account{WorkspaceID: ws.ID, Channel: s.Channel,
			Handle: s.Handle, Name: s.Name, Purpose: s.Purpose})
		if err != nil {
			return nil, false, err
		}
		ws.Accounts = append(ws.Accounts, acct)
	}
	for _, name := range b.Teams {
		t, err := a.Workspaces.AddTeam(ctx, ws.ID, name)
		if err != nil {
			return nil, false, err
		}
		ws.Teams[name] = t
	}
	return ws, false, nil
}

func isDemoSlug(slug string) bool {
	for _, b := range Brands {
		if b.Slug == slug {
			return true
		}
	}
	return false
}

func indexOfAccount(accts []workspace.Account, s AccountSpec) int {
	for i, a := range accts {
		if a.Channel == s.Channel && a.Handle == s.Handle {
			return i
		}
	}
	return -1
}

func indexOfAgent(email string) int {
	for i, s := range Agents {
		if s.Email == email {
			return i
		}
	}
	return -1
}

// seedAgent adds a demo user, or resets the password of one that exists.
func seedAgent(ctx context.Context, a *app.App, s AgentSpec) (Agent, error) {
	pw := newPassword()
	u, err := a.Users.ByEmail(ctx, s.Email)
	switch {
	case err == nil:
		err = a.Users.SetPassword(ctx, u.ID, pw)
	case errors.Is(err, hark.ErrNotFound):
		u, err = a.Users.Add(ctx, s.Email, s.Name, s.Role, pw)
	}
	if err != nil {
		return Agent{}, fmt.Errorf("demo user %s: %w", s.Email, err)
	}
	return Agent{User: u, Password: pw, Initials: s.Initials}, nil
}

func (w *World) team(ref string) (workspace.Team, bool) {
	for _, ws := range w.Workspaces {
		for name, t := range ws.Teams {
			if ws.Slug+"/"+name == ref {
				return t, true
			}
		}
	}
	return workspace.Team{}, false
}

// newPassword returns 12 characters that are easy to read and type. Each
// run gets new ones: the demo may listen on more than localhost.
func newPassword() string {
	const alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 12)
	for i := range b {
		n, _ := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		b[i] = alphabet[n.Int64()]
	}
	return string(b)
}
