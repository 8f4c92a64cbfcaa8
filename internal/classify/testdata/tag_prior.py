#!/usr/bin/env python3
"""What a message tells before its words are read: the intents and
needs_reply of the labelled public messages by how they address the brand
(MODELS.md, "Ten more languages"; rules.go, unreadTag).

    python3 internal/classify/testdata/tag_prior.py

Reads labelled.tsv and fresh.tsv. A message is private on an e-mail, chat,
form, DM or Messenger channel; a public one "tags the brand alone" when its
@tags are all the to_handle, "to_handle, no tag" when it has a to_handle
and no @tag (most are comments under the brand's post), and "leading tag,
no to_handle" when it starts with an @tag and names no to_handle.
"""
import collections, csv, os, re

HERE = os.path.dirname(os.path.abspath(__file__))
PRIVATE = {"email", "chat", "form", "dm", "x_dm", "messenger", "instagram_dm", "facebook_messenger", "phone", "sms", "whatsapp"}


def kind(r):
    ch = r["channel"].lower()
    if ch in PRIVATE or ch.endswith("dm") or ch.endswith("messenger"):
        return "private"
    tags = re.findall(r"@\w+", r["text"].lower())
    if not r["to_handle"]:
        return "leading tag, no to_handle" if r["text"].startswith("@") and ch in ("x", "") else "no to_handle"
    brand = "@" + r["to_handle"].lower()
    if not tags:
        return "to_handle, no tag"
    if all(t == brand for t in tags):
        return "tags the brand alone"
    return "tags the brand and others" if brand in tags else "tags others"


def main():
    rows = []
    for name in ("labelled.tsv", "fresh.tsv"):
        with open(os.path.join(HERE, name), newline="") as f:
            rows += list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    intents, replies = collections.defaultdict(collections.Counter), collections.Counter()
    counts = collections.Counter()
    for r in rows:
        k = kind(r)
        counts[k] += 1
        intents[k][r["intent"]] += 1
        replies[k] += r["needs_reply"] == "yes"
    for k, n in counts.most_common():
        shares = ", ".join(f"{i} {c / n:.3f}" for i, c in intents[k].most_common())
        print(f"{k}: {n} messages, needs_reply {replies[k] / n:.3f}; {shares}")


if __name__ == "__main__":
    main()
