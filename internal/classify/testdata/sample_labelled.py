#!/usr/bin/env python3
"""Deterministic sampling of candidate messages for labelled.tsv (issue 3).

Run from the project root: python3 internal/classify/testdata/sample_labelled.py
Writes candidates to stdout as TSV: idx, source, source_id, hint, channel, to_handle, text.
Labels were then assigned by reading each message (see LABELLING.md); the
dataset labels printed in `hint` were used only as a hint.
"""
import csv, random, re, sys, collections

D = '../shared/data/'
random.seed(7)

def clean(t):
    # undo the \uXXXX escapes of the SemEval dump, then flatten whitespace
    if '\\u' in t:
        t = re.sub(r'\\u([0-9a-fA-F]{4})', lambda m: chr(int(m.group(1), 16)), t)
    t = t.replace('&amp;', '&').replace('&lt;', '<').replace('&gt;', '>')
    return re.sub(r'[\t\r\n]+', ' ', t).strip()

AIR = ['united', 'AmericanAir', 'SouthwestAir', 'JetBlue', 'USAirways', 'VirginAmerica', 'Delta']
AIRL = {a.lower(): a for a in AIR}

def airline_text(t):
    # keep airline handles (canonical case), replace other user handles by @user
    def rep(m):
        h = m.group(1)
        return '@' + AIRL[h.lower()] if h.lower() in AIRL else '@user'
    return re.sub(r'@(\w+)', rep, t)

out = []
seen = set()
def add(src, sid, hint, chan, handle, text):
    text = clean(text)
    if not text or text.lower() in seen:
        return False
    seen.add(text.lower())
    out.append((src, sid, hint, chan, handle, text))
    return True

def take(rows, n, f):
    rows = list(rows)
    random.shuffle(rows)
    k = 0
    for r in rows:
        if k >= n:
            break
        if f(r):
            k += 1

# 1. airline tweets: stratified by sentiment and negative reason
air = list(csv.DictReader(open(D + 'airline/tweets.csv', encoding='utf-8')))
by = collections.defaultdict(list)
for r in air:
    key = r['airline_sentiment'] + '/' + (r['negativereason'] or '-')
    by[key].append(r)
quota = {'positive/-': 40, 'neutral/-': 40,
         'negative/Customer Service Issue': 20, 'negative/Late Flight': 14,
         'negative/Cancelled Flight': 12, 'negative/Lost Luggage': 10,
         'negative/Bad Flight': 8, 'negative/Flight Booking Problems': 10,
         'negative/Flight Attendant Complaints': 8, 'negative/longlines': 5,
         'negative/Damaged Luggage': 5, "negative/Can't Tell": 8}
def air_add(r):
    t = airline_text(r['text'])
    m = re.search(r'@(' + '|'.join(AIR) + r')\b', t)
    h = m.group(1) if m else ''
    return add('airline', r['tweet_id'], r['airline_sentiment'] + '/' + r['negativereason'], 'x', h, t)
for k in sorted(quota):
    take(by[k], quota[k], air_add)

# 2. complaints corpus: stratified by domain and label
comp = list(csv.DictReader(open(D + 'complaints/complaints.csv', encoding='utf-8')))
byd = collections.defaultdict(list)
for r in comp:
    byd[(r['domain'], r['label'])].append(r)
def comp_add(r):
    m = re.match(r'\s*@(\w+)', r['text'])
    h = m.group(1) if m and not r['domain'].startswith('random') else ''
    return add('complaints', r['tweet_id'], r['domain'] + '/' + r['label'], 'x', h, r['text'])
for (d, l) in sorted(byd):
    n = 12 if d.startswith('random') else (5 if l == '1' else 3)
    take(byd[(d, l)], n, comp_add)

# 3. SemEval sentiment tweets: brand/product mentions, and off-topic tweets
BRAND = re.compile(r'\b(apple|iphone|ipad|samsung|galaxy|google|android|amazon|kindle|netflix|starbucks|'
                   r'mcdonald\'?s|microsoft|xbox|playstation|sony|nike|verizon|at&t|sprint|t-mobile|comcast|'
                   r'walmart|target|uber|facebook|twitter|spotify|itunes|nokia|blackberry|dell|hp|'
                   r'windows|chipotle|taco bell|subway|delta|ups|fedex|best buy|ebay|paypal)\b', re.I)
sent = list(csv.DictReader(open(D + 'sentiment/train.tsv', encoding='utf-8'), delimiter='\t', quoting=csv.QUOTE_NONE))
brand = [r for r in sent if BRAND.search(r['text'])]
off = [r for r in sent if not BRAND.search(r['text']) and '@' not in r['text'] and 'http' not in r['text']]
for lab in ('negative', 'neutral', 'positive'):
    take([r for r in brand if r['label'] == lab], 12, lambda r: add('sentiment', r['id'], 'brand/' + r['label'], 'x', '', r['text']))
    take([r for r in off if r['label'] == lab], 9, lambda r: add('sentiment', r['id'], 'off/' + r['label'], 'x', '', r['text']))

# 4. suggestion forum sentences (no header: id,sentence,label)
sug = list(csv.reader(open(D + 'suggestions/train.csv', encoding='utf-8')))
for lab, n in (('1', 12), ('0', 10)):
    take([r for r in sug if r[2] == lab and 25 < len(r[1]) < 300], n,
         lambda r: add('suggestions', r[0], 'sugg/' + r[2], 'form', '', r[1].strip('"')))

# 5. bitext customer-support requests: 3 per category, channel alternates chat/email/form
bit = list(csv.DictReader(open(D + 'intents/bitext.csv', encoding='utf-8')))
byc = collections.defaultdict(list)
for r in bit:
    byc[r['category']].append(r)
chans = ['chat', 'email', 'form']
for i, c in enumerate(sorted(byc)):
    take(byc[c], 3, lambda r, c=c: add('bitext', '', r['intent'], chans[len(out) % 3], '', r['text']))

for i, o in enumerate(out):
    print('\t'.join((str(i),) + o))
print(len(out), collections.Counter(o[0] for o in out), file=sys.stderr)
