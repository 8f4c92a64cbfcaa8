// Command hark is the social customer service desk: one binary that serves
// the desk, runs the demo, migrates the store and trains the classifiers.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

type command struct {
	run     func(args []string) error
	summary string
}

func commands() map[string]command {
	return map[string]command{
		"serve":       {cmdServe, "run the desk (web desk, API, webhooks)"},
		"demo":        {cmdDemo, "run the desk on a temporary database with a live stream of real customer messages"},
		"migrate":     {cmdMigrate, "apply pending schema migrations"},
		"user":        {cmdUser, "manage desk users (hark user add|list|role|password|disable|enable)"},
		"token":       {cmdToken, "create, list and revoke personal API tokens (hark token create --user EMAIL)"},
		"workspace":   {cmdWorkspace, "add a brand (hark workspace add --slug --name)"},
		"account":     {cmdAccount, "list, add and configure the brand accounts the desk watches, and read their health"},
		"version":     {cmdVersion, "print the version"},
		"corrections": {cmdCorrections, "export the agents' label corrections for hark train --extra"},
		"train":       {cmdTrain, "train the message classifiers from ../shared/data"},
		"classify":    {cmdClassify, "label messages read from standard input, one JSON object per line"},
		"eval":        {cmdEval, "print the classifiers' scoreboard on the shared data"},
		"bench":       {cmdBench, "measure a hot path (hark bench ingest|inbox)"},
		"fake":        {cmdFake, "run a provider's fake API (meta, linkedin, twilio, wordpress) for trials"},
	}
}

func usage() {
	fmt.Fprintf(os.Stderr, "hark %s: a social customer service desk\n\nUsage: hark COMMAND [flags]\n\nCommands:\n", version)
	cmds := commands()
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(os.Stderr, "  %-9s %s\n", n, cmds[n].summary)
	}
	fmt.Fprintf(os.Stderr, "\nRun 'hark COMMAND --help' for a command's flags.\n")
}

func main() {
	if len(os.Args) < 2 || os.Args[1] == "-h" || os.Args[1] == "--help" || os.Args[1] == "help" {
		usage()
		if len(os.Args) < 2 {
			os.Exit(2)
		}
		return
	}
	cmd, ok := commands()[os.Args[1]]
	if !ok {
		fmt.Fprintf(os.Stderr, "hark: unknown command %q\n\n", os.Args[1])
		usage()
		os.Exit(2)
	}
	if err := cmd.run(os.Args[2:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		if errors.Is(err, context.Canceled) {
			return
		}
		fmt.Fprintf(os.Stderr, "hark %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}

func cmdVersion(args []string) error {
	if len(args) > 0 {
		if isHelp(args[0]) {
			return help("usage: hark version")
		}
		return fmt.Errorf("unexpected argument %q: hark version takes none", args[0])
	}
	fmt.Println("hark", version)
	return nil
}

// isHelp reports whether a command's first argument asks for its usage.
func isHelp(arg string) bool {
	return arg == "-h" || arg == "-help" || arg == "--help" || arg == "help"
}

// help prints a command's usage as the answer to --help: flag.ErrHelp
// ends hark with status 0, as a subcommand's own --help does.
func help(usage string) error {
	fmt.Fprintln(os.Stderr, usage)
	return flag.ErrHelp
}

// subcommand reads the word after a command (hark user add): one of
// known, with the flags that follow it. It is read before any store is
// opened, so that --help, a missing word or a misspelt one, each answered
// with the usage, makes or migrates no database.
func subcommand(args []string, usage string, known ...string) (string, []string, error) {
	switch {
	case len(args) > 0 && isHelp(args[0]):
		return "", nil, help(usage)
	case len(args) == 0:
		return "", nil, fmt.Errorf("%s", usage)
	case !slices.Contains(known, args[0]):
		return "", nil, fmt.Errorf("unknown subcommand %q\n%s", args[0], usage)
	}
	return args[0], args[1:], nil
}

// trimLower is how e-mail addresses are compared on the command line.
func trimLower(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
