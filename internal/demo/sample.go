package demo

import (
	"bytes"
	"cmp"
	"encoding/csv"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"path/filepath"
	"slices"
)

// Sizes of the embedded sample.
const (
	SampleAirline    = 1500
	SampleComplaints = 500
)

// MakeSample cuts the embedded sample from the full datasets under dataDir:
// the rows the demo would use, of which a fixed number chosen by a hash of
// their tweet id, kept in file order. Same input, same bytes.
func MakeSample(dataDir string) (airline, complaints []byte, err error) {
	airline, err = sampleFile(filepath.Join(dataDir, filepath.FromSlash(AirlineFile)), airlineColumns, keepAirline, SampleAirline)
	if err != nil {
		return nil, nil, err
	}
	complaints, err = sampleFile(filepath.Join(dataDir, filepath.FromSlash(ComplaintsFile)), complaintColumns, keepComplaint, SampleComplaints)
	return airline, complaints, err
}

func sampleFile(path string, columns []string, keep func(map[string]string, map[string]bool) bool, n int) ([]byte, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	type candidate struct {
		rec  []string
		line int
		key  uint64
	}
	var rows []candidate
	seen := map[string]bool{}
	err = table(fh, columns, func(row map[string]string) error {
		line := len(rows)
		if !keep(row, seen) {
			return nil
		}
		h := fnv.New64a()
		io.WriteString(h, "hark-demo/"+row["tweet_id"])
		rec := make([]string, len(columns))
		for i, c := range columns {
			rec[i] = row[c]
		}
		rows = append(rows, candidate{rec, line, h.Sum64()})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(rows) < n {
		return nil, fmt.Errorf("%s: %d usable rows, the sample needs %d", path, len(rows), n)
	}
	slices.SortFunc(rows, func(a, b candidate) int { return cmp.Or(cmp.Compare(a.key, b.key), a.line-b.line) })
	rows = rows[:n]
	slices.SortFunc(rows, func(a, b candidate) int { return a.line - b.line })
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write(columns)
	for _, r := range rows {
		w.Write(r.rec)
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}
