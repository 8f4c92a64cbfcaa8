#!/usr/bin/env python3
"""Compare two hark binaries message by message on a labelled file
(MODELS.md's "won / lost" figures on fresh.tsv).

    python3 internal/classify/testdata/compare_binaries.py [--held-out] OLD NEW [FILE]

FILE is a labelled set in labelled.tsv's format (default: fresh.tsv, read
whole; with --held-out, only the rows classify.LabelledTrain holds out).
Prints each binary's intent accuracy, the messages NEW gets right that OLD
got wrong (won) and the reverse (lost), and a two-sided sign test on them;
then each binary's needs_reply accuracy and its commonest intent errors.
"""
import collections, csv, math, os, sys

from comments_heldout import classify, held_out, input_of

HERE = os.path.dirname(os.path.abspath(__file__))


def sign_test(won, lost):
    n, k = won + lost, min(won, lost)
    return min(1.0, 2 * sum(math.comb(n, i) for i in range(k + 1)) / 2 ** n) if n else 1.0


def main():
    args = [a for a in sys.argv[1:] if a != "--held-out"]
    if len(args) not in (2, 3):
        sys.exit(__doc__)
    old, new = args[:2]
    path = args[2] if len(args) == 3 else os.path.join(HERE, "fresh.tsv")
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    if "--held-out" in sys.argv:
        rows = [r for r in rows if held_out(r["text"])]
    inputs = [input_of(r) for r in rows]
    a, b = classify(old, inputs), classify(new, inputs)
    gold = [r["intent"] for r in rows]
    won = sum(x != g and y == g for x, y, g in zip(a, b, gold))
    lost = sum(x == g and y != g for x, y, g in zip(a, b, gold))
    acc = lambda p: sum(x == g for x, g in zip(p, gold)) / len(gold)
    print("%s: %.3f  %s: %.3f  (%d messages)" % (old, acc(a), new, acc(b), len(gold)))
    replies = [r["needs_reply"] == "yes" for r in rows]
    na, nb = (sum(x == y for x, y in zip(classify(bin, inputs, "needs_reply"), replies)) / len(rows) for bin in (old, new))
    print("needs_reply: %.3f  %.3f" % (na, nb))
    print("won %d, lost %d, sign test p = %.2f" % (won, lost, sign_test(won, lost)))
    for bin, p in ((old, a), (new, b)):
        errors = collections.Counter("%s as %s" % (g, x) for x, g in zip(p, gold) if x != g)
        print("%s's commonest errors: %s" % (bin, ", ".join("%s %d" % e for e in errors.most_common(5))))


if __name__ == "__main__":
    main()
