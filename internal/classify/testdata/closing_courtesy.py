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
import csv, json, os, re, subprocess, sys

from comments_heldout import held_out

HERE = os.path.dirname(os.path.abspath(__file__))
# The same pattern as exp_test.go's closingCourtesy.
CLOSING = re.compile(r"(?i)^(.*\S)[\s,.;:!-]+(many thanks|thanks a lot|thanks so much|thank you so much|thanks in advance|"
                     r"thank you in advance|thanks again|thank you again|thank you|thanks|thx|thank u|tia|ty|cheers)[\s.!:)]*$")


WORDS = re.compile(r"(?:^|[^@\w])([A-Za-z']+)", re.ASCII)  # words, not tags: exp_test.go's courtesyWords


def without_courtesy(text):
    m = CLOSING.match(text)
    return m.group(1) if m and len(WORDS.findall(m.group(1))) >= 3 else None


def classify(binary, rows, texts):
    inputs = "".join(json.dumps({"text": t, "channel": r["channel"], "to_handle": r["to_handle"]}) + "\n" for r, t in zip(rows, texts))
    return [json.loads(l) for l in subprocess.run([binary, "classify"], input=inputs, capture_output=True, text=True, check=True).stdout.splitlines()]


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    for name, keep in (("labelled.tsv", held_out), ("fresh.tsv", None), ("foreign_test.tsv", None)):
        with open(os.path.join(HERE, name), newline="") as f:
            rows = [r for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE) if keep is None or keep(r["text"])]
        rest = [without_courtesy(r["text"]) for r in rows]
        a = classify(sys.argv[1], rows, [r["text"] for r in rows])
        b = classify(sys.argv[1], rows, [t or r["text"] for t, r in zip(rest, rows)])
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
