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
	if len(args) == 0 || args[0] != "export" {
		return fmt.Errorf("usage: hark corrections export [--out FILE]")
	}
	f := newFlags("corrections export", "[--out FILE]", "db", "log-level")
	out := f.fs.String("out", "", "write to this file instead of standard output")
	if err := f.parse(args[1:]); err != nil {
		return err
	}
	ctx := context.Background()
	a, err := openOneShot(ctx, f, false)
	if err != nil {
		return err
	}
	defer a.Close()
	var w io.Writer = os.Stdout
	if *out != "" {
		fh, err := os.Create(*out)
		if err != nil {
			return err
		}
		defer fh.Close()
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
	fmt.Fprintf(os.Stderr, "%d corrections exported\n", n)
	return nil
}
