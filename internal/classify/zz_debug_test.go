package classify

import (
	"encoding/csv"
	"fmt"
	"os"
	"testing"
)

func TestZZShowGloss(t *testing.T) {
	path, lang := os.Getenv("ZZFILE"), os.Getenv("ZZLANG")
	if path == "" {
		t.Skip()
	}
	fh, _ := os.Open(path)
	r := csv.NewReader(fh)
	r.Comma, r.LazyQuotes, r.FieldsPerRecord = '\t', true, -1
	recs, _ := r.ReadAll()
	c := Default()
	var f features
	for _, rec := range recs[1:] {
		if rec[5] != lang {
			continue
		}
		in := Input{Text: rec[0], Channel: rec[3], ToHandle: rec[4]}
		_, text := f.readGlossed(in, c.english)
		l := c.Classify(in)
		mark := " "
		if l.Intent != rec[1] {
			mark = "X"
		}
		fmt.Printf("%s %s/%s %s/%s\n   %s\n   %s\n", mark, rec[1], l.Intent, rec[6], l.Sentiment, rec[0], text)
	}
}
