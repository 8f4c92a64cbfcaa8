#!/usr/bin/env python3
"""Second round of candidates for labelled.tsv (rows 501 on), issue 3.

Run from the project root: python3 internal/classify/testdata/sample_more.py
Same cleaning and handle rules as sample_labelled.py (imported from it is
not possible without re-running its sampling, so the helpers are repeated
here), a different seed, and every text already in labelled.tsv skipped.
Writes TSV to stdout: idx, source, source_id, hint, channel, to_handle, text.
"""
import csv, random, re, sys, collections

D = '../shared/data/'
random.seed(8)

def clean(t):
    if '\\u' in t:
        t = re.sub(r'\\u([0-9a-fA-F]{4})', lambda m: chr(int(m.group(1), 16)), t)
    t = t.replace('&amp;', '&').replace('&lt;', '<').replace('&gt;', '>')
    t = t.replace('"""', '"').replace('""', '"')
    if t.count('"') % 2 == 1 and t.startswith('"'):
        t = t[1:]  # a stray opening quote left by the dump
    elif len(t) > 1 and t.startswith('"') and t.endswith('"'):
        t = t[1:-1]
    return re.sub(r'[\t\r\n]+', ' ', t).strip()

AIR = ['united', 'AmericanAir', 'SouthwestAir', 'JetBlue', 'USAirways', 'VirginAmerica', 'Delta']
AIRL = {a.lower(): a for a in AIR}

def airline_text(t):
    def rep(m):
        h = m.group(1)
        return '@' + AIRL[h.lower()] if h.lower() in AIRL else '@user'
    return re.sub(r'@(\w+)', rep, t)

seen = set()
for r in csv.reader(open('internal/classify/testdata/labelled.tsv', encoding='utf-8'), delimiter='\t', quoting=csv.QUOTE_NONE):
    seen.add(r[0].lower())

out = []
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

air = list(csv.DictReader(open(D + 'airline/tweets.csv', encoding='utf-8')))
by = collections.defaultdict(list)
for r in air:
    by[r['airline_sentiment'] + '/' + (r['negativereason'] or '-')].append(r)
quota = {'positive/-': 35, 'neutral/-': 35,
         'negative/Customer Service Issue': 20, 'negative/Late Flight': 14,
         'negative/Cancelled Flight': 12, 'negative/Lost Luggage': 8,
         'negative/Bad Flight': 8, 'negative/Flight Booking Problems': 8,
         'negative/Flight Attendant Complaints': 6, 'negative/longlines': 3,
         'negative/Damaged Luggage': 3, "negative/Can't Tell": 8}
def air_add(r):
    t = airline_text(r['text'])
    m = re.search(r'@(' + '|'.join(AIR) + r')\b', t)
    return add('airline', r['tweet_id'], r['airline_sentiment'] + '/' + r['negativereason'], 'x', m.group(1) if m else '', t)
for k in sorted(quota):
    take(by[k], quota[k], air_add)

comp = list(csv.DictReader(open(D + 'complaints/complaints.csv', encoding='utf-8')))
byd = collections.defaultdict(list)
for r in comp:
    byd[(r['domain'], r['label'])].append(r)
def comp_add(r):
    m = re.match(r'\s*@(\w+)', r['text'])
    h = m.group(1) if m and not r['domain'].startswith('random') else ''
    return add('complaints', r['tweet_id'], r['domain'] + '/' + r['label'], 'x', h, r['text'])
for (d, l) in sorted(byd):
    take(byd[(d, l)], 15 if d.startswith('random') else (6 if l == '1' else 4), comp_add)

BRAND = re.compile(r'\b(apple|iphone|ipad|samsung|galaxy|google|android|amazon|kindle|netflix|starbucks|'
                   r'mcdonald\'?s|microsoft|xbox|playstation|sony|nike|verizon|at&t|sprint|t-mobile|comcast|'
                   r'walmart|target|uber|facebook|twitter|spotify|itunes|nokia|blackberry|dell|hp|'
                   r'windows|chipotle|taco bell|subway|delta|ups|fedex|best buy|ebay|paypal)\b', re.I)
PEER = re.compile(r'\b(anyone|anybody|recommend|should i (get|buy)|which .* better|advice|thoughts on|does any|has any)\b', re.I)
sent = list(csv.DictReader(open(D + 'sentiment/train.tsv', encoding='utf-8'), delimiter='\t', quoting=csv.QUOTE_NONE))
brand = [r for r in sent if BRAND.search(r['text'])]
off = [r for r in sent if not BRAND.search(r['text']) and '@' not in r['text'] and 'http' not in r['text']]
for lab in ('negative', 'neutral', 'positive'):
    take([r for r in brand if r['label'] == lab], 15, lambda r: add('sentiment', r['id'], 'brand/' + r['label'], 'x', '', r['text']))
    take([r for r in off if r['label'] == lab], 8, lambda r: add('sentiment', r['id'], 'off/' + r['label'], 'x', '', r['text']))
take([r for r in sent if PEER.search(r['text']) and '?' in r['text']], 30,
     lambda r: add('sentiment', r['id'], 'peerish/' + r['label'], 'x', '', r['text']))

sug = list(csv.reader(open(D + 'suggestions/train.csv', encoding='utf-8')))
for lab, n in (('1', 15), ('0', 15)):
    take([r for r in sug if r[2] == lab and 25 < len(r[1]) < 300], n,
         lambda r: add('suggestions', r[0], 'sugg/' + r[2], 'form', '', r[1].strip('"')))

bank = list(csv.DictReader(open(D + 'intents/banking77-train.csv', encoding='utf-8')))
chans = ['chat', 'email', 'form']
take(bank, 12, lambda r: add('banking77', '', r['category'], chans[len(out) % 3], '', r['text']))

for i, o in enumerate(out):
    print('\t'.join((str(i),) + o))
print(len(out), collections.Counter(o[0] for o in out), file=sys.stderr)
