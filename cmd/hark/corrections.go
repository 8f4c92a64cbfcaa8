package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
)

// cmdCorrections exports the agents' label corrections as a labelled set
// (text, intent, needs_reply, channel, to_handle) for hark train --extra.
func cmdCorrections(args []string) error {
	const usage = "usage: hark corrections export [--out FILE] [--db FILE]"
	_, args, err := subcommand(args, usage, "export")
	if err != nil {
		return err
	}
	f := newFlags("corrections export", "[--out FILE]", "db", "log-level")
	out := f.fs.String("out", "", "write to this file instead of standard output")
	if err := f.parse(args); err != nil {
		return err
	}
	ctx := context.Background()
	a, err := openExisting(ctx, f, false)
	if err != nil {
		return err
	}
	defer a.Close()
	var w io.Writer = os.Stdout
	var fh *os.File
	if *out != "" {
		if fh, err = os.Create(*out); err != nil {
			return err
		}
		defer fh.Close() // after the checked Close below, a no-op
		w = fh
	}
	bw := bufio.NewWriter(w)
	n, err := a.Conversations.ExportCorrections(ctx, bw)
	if err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if fh != nil {
		// A failed close can lose the file's tail: the training set
		// would silently miss corrections.
		if err := fh.Close(); err != nil {
			return err
		}
	}
	fmt.Fprintf(os.Stderr, "corrections exported: %d\n", n)
	return nil
}
