#!/usr/bin/env python3
"""Score hark binaries on the held-out labelled rows read as comments under
a brand's post (MODELS.md, "Comments under a brand's post").

    python3 internal/classify/testdata/comments_heldout.py HARK [HARK...]

HARK is a hark binary built at any commit (go build -o /tmp/hark-X ./cmd/hark
in a checkout of that commit); the rows are the current labelled.tsv's. For
each binary it prints the intent accuracy on all held-out rows, then on two
kinds, as written and as comments, chosen as train.go's taggedComment and
strayComment choose them: rows that start with their brand's tag and tag no
one else (the tag removed, sent to that brand on facebook; and again
without to_handle), and public rows to no brand that tag no one (sent to
"brand" on facebook), and public rows to no brand that tag people, none of
them the brand (friendComment: sent to "brand" on instagram). Last, the
labelled comments under a brand's post themselves (eval.go postComment:
a to_handle on a channel of comments), intent and needs_reply, all of
them and those of the eighth round (rows 6042-6881, LABELLING.md). The
held-out split is classify.LabelledTrain's, recomputed here (FNV-1a).
"""
import csv, json, os, re, subprocess, sys

HERE = os.path.dirname(os.path.abspath(__file__))
PRIVATE = {"email", "chat", "form"}  # the labelled set's private channels


def held_out(text):
    h = (2166136261 ^ ord("s")) * 16777619 & 0xFFFFFFFF
    for c in ("split:" + text).encode():
        h = (h ^ c) * 16777619 & 0xFFFFFFFF
    return (h & ((1 << 18) - 1)) % 10 >= 6


def handle_byte(c):
    return c == "_" or c.isascii() and c.isalnum()


def tags_someone(text):
    return tags(text, "")[0]


def tags(text, handle):
    """Whether text tags someone, as features.go tokenize reads tags (inWord;
    links as the labelled rows need), and whether a tag is handle (sameHandle)."""
    someone, i = False, 0
    while i + 1 < len(text):
        c = text[i]
        if c == "@" and handle_byte(text[i + 1]) and not in_word(text, i):
            someone, j = True, i + 1
            while j < len(text) and (handle_byte(text[j]) or text[j] == "." and j + 1 < len(text) and handle_byte(text[j + 1])):
                j += 1
            if handle and same_handle(text[i + 1:j], handle):
                return True, True
            i = j
            continue
        if c in "hw" and (i == 0 or not handle_byte(text[i - 1])) and text.startswith(("http://", "https://", "www."), i):
            while i < len(text) and text[i] > " ":
                i += 1
            continue
        i += 1
    return someone, False


FILLER = {"", "www", "com", "net", "org", "co", "blog", "shop", "store", "help", "support", "the"}


def alnum(s):
    return "".join(c for c in s.lower() if c.isascii() and c.isalnum())


def share_stem(x, y):
    n = 0
    while n < len(x) and n < len(y) and x[n] == y[n]:
        n += 1
    return n >= 5 or n == min(len(x), len(y)) and (n >= 2 or n > 0 and len(x) == len(y))


def in_word(text, i):
    """features.go inWord: an @ after an ASCII letter, digit or underscore
    is an e-mail address (RT@bob aside)."""
    if i == 0:
        return False
    if not handle_byte(text[i - 1]):
        return False
    return not (i >= 2 and text[i - 2:i].lower() == "rt" and (i == 2 or not handle_byte(text[i - 3])))


def unask(b):
    return b[3:] if len(b) > 5 and b.startswith("ask") else b


def same_handle(tag, handle):
    x, y = alnum(tag), alnum(handle)
    if share_stem(x, y) or share_stem(unask(x), unask(y)):
        return True
    words = re.split(r"[^0-9A-Za-z]", handle)
    return len(words) > 1 and any(w.lower() not in FILLER and share_stem(x, w.lower()) for w in words)


def tagged_comment(r):
    t, h = r["text"], r["to_handle"]
    n = len(h) + 1
    if not h or len(t) <= n or t[0] != "@" or t[1:n].lower() != h.lower() or handle_byte(t[n]) or "@" in t[1:]:
        return None
    rest = t[n:].lstrip(" ,:")
    return {"text": rest, "channel": "facebook", "to_handle": h} if rest else None


def stray_comment(r):
    if r["to_handle"] or r["channel"] in PRIVATE or tags_someone(r["text"]):
        return None
    return {"text": r["text"], "channel": "facebook", "to_handle": "brand"}


def friend_comment(r):
    if r["to_handle"] or r["channel"] in PRIVATE:
        return None
    someone, brand = tags(r["text"], "brand")
    if not someone or brand:
        return None
    return {"text": r["text"], "channel": "instagram", "to_handle": "brand"}


def classify(binary, inputs, field="intent"):
    """BINARY's FIELD for each input, or with field None every label."""
    out = subprocess.run([binary, "classify"], input="".join(json.dumps(i) + "\n" for i in inputs),
                         capture_output=True, text=True, check=True).stdout.splitlines()
    return [json.loads(o) if field is None else json.loads(o)[field] for o in out]


def input_of(row, text=None):
    """The hark classify input of a labelled row, its text replaced if given."""
    return {"text": row["text"] if text is None else text, "channel": row["channel"], "to_handle": row["to_handle"]}


COMMENTS = {"facebook", "instagram", "linkedin", "blog"}  # the labelled set's channels of comments


def main():
    with open(os.path.join(HERE, "labelled.tsv"), newline="") as f:
        every = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    rows = [r for r in every if held_out(r["text"])]
    comments = [(i >= 6041, r) for i, r in enumerate(every)
                if held_out(r["text"]) and r["to_handle"] and r["channel"] in COMMENTS]
    written = [input_of(r) for r in rows]
    for binary in sys.argv[1:]:
        got = classify(binary, written)
        line = ["%s: all %.3f (%d)" % (binary, sum(g == r["intent"] for g, r in zip(got, rows)) / len(rows), len(rows))]
        for name, make in (("tagged", tagged_comment), ("stray", stray_comment), ("friend", friend_comment)):
            pairs = [(r, c) for r, c in ((r, make(r)) for r in rows) if c]
            a = classify(binary, [input_of(r) for r, _ in pairs])
            b = classify(binary, [c for _, c in pairs])
            gold = [r["intent"] for r, _ in pairs]
            acc = lambda p: sum(x == y for x, y in zip(p, gold)) / len(gold)
            line.append("%s %.3f / %.3f (%d)" % (name, acc(a), acc(b), len(gold)))
            if name == "tagged":
                # The same comments from a scorer that does not say the brand.
                line.append("tagged as comments without to_handle %.3f" % acc(classify(binary, [dict(c, to_handle="") for _, c in pairs])))
        inputs = [{"text": r["text"], "channel": r["channel"], "to_handle": r["to_handle"]} for _, r in comments]
        intents, replies = classify(binary, inputs), classify(binary, inputs, "needs_reply")
        for name, keep in (("comments", lambda new: True), ("eighth round", lambda new: new)):
            got = [(g, n, r) for g, n, (new, r) in zip(intents, replies, comments) if keep(new)]
            line.append("%s %.3f / %.3f (%d)" % (name, sum(g == r["intent"] for g, _, r in got) / len(got),
                                                 sum(n == (r["needs_reply"] == "yes") for _, n, r in got) / len(got), len(got)))
        print(", ".join(line))


if __name__ == "__main__":
    main()
