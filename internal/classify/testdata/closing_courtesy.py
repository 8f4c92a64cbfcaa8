#!/usr/bin/env python3
"""MODELS.md "A closing courtesy": would reading a message without its
closing courtesy ("... hasn't arrived. thanks") fix the requests read as
praise?

    python3 internal/classify/testdata/closing_courtesy.py HARK

For the held-out rows of labelled.tsv, fresh.tsv and foreign_test.tsv:
HARK's intent and needs_reply accuracy as is, and when a message read as
praise takes the reading of its text without the courtesy if that is not
praise; then each change it makes, with the gold label.
"""
import csv, os, re, sys

from comments_heldout import classify, held_out, input_of

HERE = os.path.dirname(os.path.abspath(__file__))
# exp_test.go reads the same patterns: a message that closes with a
# courtesy and what precedes it; the tags and links in that; a word.
with open(os.path.join(HERE, "closing_courtesy.re")) as f:
    CLOSING, NOT_WORDS, WORD = (re.compile(line, re.ASCII) for line in f.read().strip().split("\n"))


def without_courtesy(text):
    m = CLOSING.match(text)
    return m.group(1) if m and len(WORD.findall(NOT_WORDS.sub(" ", m.group(1)))) >= 3 else None


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    for name, keep in (("labelled.tsv", held_out), ("fresh.tsv", None), ("foreign_test.tsv", None)):
        with open(os.path.join(HERE, name), newline="") as f:
            rows = [r for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE) if keep is None or keep(r["text"])]
        rest = [without_courtesy(r["text"]) for r in rows]
        a = classify(sys.argv[1], [input_of(r) for r in rows], None)
        b = classify(sys.argv[1], [input_of(r, t) for r, t in zip(rows, rest)], None)
        ok = [[0, 0], [0, 0]]  # [as is, re-read] x [intent, needs_reply]
        closing_right = sum(x["intent"] == r["intent"] for r, x, t in zip(rows, a, rest) if t)
        for r, x, y, t in zip(rows, a, b, rest):
            z = y if t and x["intent"] == "praise" and y["intent"] != "praise" else x
            if z is y:
                print("  %-9s %s -> %-9s %s" % (r["intent"], x["intent"], y["intent"], r["text"][:100]))
            for i, got in enumerate((x, z)):
                ok[i][0] += got["intent"] == r["intent"]
                ok[i][1] += got["needs_reply"] == (r["needs_reply"] == "yes")
        n = len(rows)
        closing = sum(t is not None for t in rest)
        print("%s%s, %d rows (%d close with a courtesy, %d of them read right as is): intent %.4f -> %.4f, needs_reply %.4f -> %.4f" % (
            name, " held out" if keep else "", n, closing, closing_right, ok[0][0] / n, ok[1][0] / n, ok[0][1] / n, ok[1][1] / n))


if __name__ == "__main__":
    main()
