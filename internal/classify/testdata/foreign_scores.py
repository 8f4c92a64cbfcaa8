#!/usr/bin/env python3
"""Score hark binaries on a foreign set, whole, per language and per kind
of message (MODELS.md, "Messages in other languages"; FOREIGN.md,
UNREAD.md).

    python3 internal/classify/testdata/foreign_scores.py FILE HARK [HARK...]

FILE is foreign_dev.tsv, foreign_test.tsv, unread_dev.tsv or
unread_test.tsv; HARK a hark binary built at any
commit (go build -o /tmp/hark-X ./cmd/hark in a checkout of it). For each
binary it prints intent accuracy, needs_reply accuracy, sentiment macro
recall and language accuracy, over all rows (the figures `hark eval
--foreign FILE` prints, through `hark classify`), per language, and per
kind: public posts that tag the brand, comments under its post that do
not, private messages, and public posts to no brand.
"""
import csv, re, sys

from comments_heldout import classify, input_of

SENTIMENTS = ("negative", "neutral", "positive")


def macro_recall(gold, got):
    recalls = []
    for c in SENTIMENTS:
        n = sum(g == c for g in gold)
        recalls.append(sum(g == c and p == c for g, p in zip(gold, got)) / n if n else 0)
    return sum(recalls) / len(recalls)


def line(name, rows, out):
    n = len(rows)
    intent = sum(r["intent"] == o["intent"] for r, o in zip(rows, out)) / n
    reply = sum((r["needs_reply"] == "yes") == o["needs_reply"] for r, o in zip(rows, out)) / n
    sentiment = macro_recall([r["sentiment"] for r in rows], [o["sentiment"] for o in out])
    language = sum(r["language"] == o["language"] for r, o in zip(rows, out)) / n
    print(f"  {name:7} {n:4}  intent {intent:.3f}  needs_reply {reply:.3f}  sentiment {sentiment:.3f}  language {language:.3f}")


def kind(r):
    if r["channel"] in ("email", "chat", "form"):
        return "private"
    if not r["to_handle"]:
        return "nobrand"
    tags = [t.lower() for t in re.findall(r"@(\w+)", r["text"])]
    return "tag" if r["to_handle"].lower() in tags else "comment"


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    with open(sys.argv[1], newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    for binary in sys.argv[2:]:
        out = classify(binary, [input_of(r) for r in rows], None)
        print(binary)
        line("all", rows, out)
        langs = list(dict.fromkeys(r["language"] for r in rows))
        for group, key in [(lang, lambda r, l=lang: r["language"] == l) for lang in langs] + \
                [(k, lambda r, k=k: kind(r) == k) for k in ("tag", "comment", "private", "nobrand")]:
            pairs = [(r, o) for r, o in zip(rows, out) if key(r)]
            if pairs:
                line(group, [r for r, _ in pairs], [o for _, o in pairs])


if __name__ == "__main__":
    main()
