// Command sample cuts the demo's embedded sample from the full datasets:
//
//	go run ./internal/demo/sample                      # from the repository root
//	go run ./internal/demo/sample -data DIR -out DIR
//
// The same files always give the same bytes; a test checks the committed
// sample against ../shared/data.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/harkdesk/hark/internal/demo"
)

func main() {
	data := flag.String("data", "../shared/data", "the shared/data directory holding airline/ and complaints/")
	out := flag.String("out", "internal/demo/data", "where to write airline.csv and complaints.csv")
	flag.Parse()
	airline, complaints, err := demo.MakeSample(*data)
	if err != nil {
		fmt.Fprintln(os.Stderr, "sample:", err)
		os.Exit(1)
	}
	for name, b := range map[string][]byte{"airline.csv": airline, "complaints.csv": complaints} {
		p := filepath.Join(*out, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "sample:", err)
			os.Exit(1)
		}
		fmt.Printf("wrote %s (%d bytes)\n", p, len(b))
	}
}
