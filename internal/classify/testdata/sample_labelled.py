#!/usr/bin/env python3
"""Deterministic sampling of candidate messages for labelled.tsv (issue 3).

Run from the project root:
    python3 internal/classify/testdata/sample_labelled.py            # round 1: rows 1-394
    python3 internal/classify/testdata/sample_labelled.py --round 2  # round 2: rows 501-921
    python3 internal/classify/testdata/sample_labelled.py --round 3  # round 3: rows 922-2066
    python3 internal/classify/testdata/sample_labelled.py --round 4  # round 4: rows 2067-3114
    python3 internal/classify/testdata/sample_labelled.py --round 5  # round 5: rows 3115-4133
    python3 internal/classify/testdata/sample_labelled.py --round 6  # round 6: fresh.tsv, never trained on
    python3 internal/classify/testdata/sample_labelled.py --round 7  # round 7: rows 4134-
Writes candidates to stdout as TSV: idx, source, source_id, hint, channel, to_handle, text.
Labels were then assigned by reading each message (see LABELLING.md); the
dataset labels printed in `hint` were used only as a hint.
"""
import csv, random, re, sys, collections

D = '../shared/data/'
LABELLED = 'internal/classify/testdata/labelled.tsv'
FRESH = 'internal/classify/testdata/fresh.tsv'

# Per round: the seed and how many messages each stratum gives.
PLANS = {
    1: dict(seed=7, strip_quotes=False, skip=0,
            air={'positive/-': 40, 'neutral/-': 40,
                 'negative/Customer Service Issue': 20, 'negative/Late Flight': 14,
                 'negative/Cancelled Flight': 12, 'negative/Lost Luggage': 10,
                 'negative/Bad Flight': 8, 'negative/Flight Booking Problems': 10,
                 'negative/Flight Attendant Complaints': 8, 'negative/longlines': 5,
                 'negative/Damaged Luggage': 5, "negative/Can't Tell": 8},
            comp=(12, 5, 3), brand=12, off=9, peerish=0, sugg=(12, 10), bitext=3, banking=0),
    2: dict(seed=8, strip_quotes=True, skip=500,
            air={'positive/-': 35, 'neutral/-': 35,
                 'negative/Customer Service Issue': 20, 'negative/Late Flight': 14,
                 'negative/Cancelled Flight': 12, 'negative/Lost Luggage': 8,
                 'negative/Bad Flight': 8, 'negative/Flight Booking Problems': 8,
                 'negative/Flight Attendant Complaints': 6, 'negative/longlines': 3,
                 'negative/Damaged Luggage': 3, "negative/Can't Tell": 8},
            comp=(15, 6, 4), brand=15, off=8, peerish=30, sugg=(15, 15), bitext=0, banking=12),
    3: dict(seed=9, strip_quotes=True, skip=921,
            air={'positive/-': 100, 'neutral/-': 100,
                 'negative/Customer Service Issue': 70, 'negative/Late Flight': 45,
                 'negative/Cancelled Flight': 35, 'negative/Lost Luggage': 20,
                 'negative/Bad Flight': 20, 'negative/Flight Booking Problems': 20,
                 'negative/Flight Attendant Complaints': 15, 'negative/longlines': 8,
                 'negative/Damaged Luggage': 7, "negative/Can't Tell": 10},
            comp=(35, 18, 10), brand=45, off=25, peerish=20, sugg=(40, 40), bitext=3, banking=30),
    4: dict(seed=10, strip_quotes=True, skip=2066,
            air={'positive/-': 80, 'neutral/-': 80,
                 'negative/Customer Service Issue': 70, 'negative/Late Flight': 45,
                 'negative/Cancelled Flight': 35, 'negative/Lost Luggage': 20,
                 'negative/Bad Flight': 20, 'negative/Flight Booking Problems': 20,
                 'negative/Flight Attendant Complaints': 12, 'negative/longlines': 6,
                 'negative/Damaged Luggage': 6, "negative/Can't Tell": 8},
            comp=(35, 18, 10), brand=45, off=20, peerish=15, sugg=(30, 30), bitext=3, banking=30),
}
# Rounds 5 and 6 repeat round 4's plan with their own seed.
PLANS[5] = dict(PLANS[4], seed=11, skip=3114)
PLANS[6] = dict(PLANS[4], seed=12, skip=4133)
# Round 7 asks twice round 4's numbers of every stratum (some run short).
PLANS[7] = dict(PLANS[4], seed=13, skip=4133,
                air={k: 2 * n for k, n in PLANS[4]['air'].items()},
                comp=tuple(2 * n for n in PLANS[4]['comp']),
                **{k: 2 * PLANS[4][k] for k in ('brand', 'off', 'peerish', 'bitext', 'banking')},
                sugg=tuple(2 * n for n in PLANS[4]['sugg']))
ROUND = int(sys.argv[2]) if len(sys.argv) > 2 and sys.argv[1] == '--round' else 1
plan = PLANS[ROUND]
random.seed(plan['seed'])

def clean(t):
    # undo the \uXXXX escapes of the SemEval dump, then flatten whitespace
    if '\\u' in t:
        t = re.sub(r'\\u([0-9a-fA-F]{4})', lambda m: chr(int(m.group(1), 16)), t)
    t = t.replace('&amp;', '&').replace('&lt;', '<').replace('&gt;', '>')
    if plan['strip_quotes']:
        # round 1 removed the dump's extra quotes by hand afterwards
        t = t.replace('"""', '"').replace('""', '"')
        if t.count('"') % 2 == 1 and t.startswith('"'):
            t = t[1:]
        elif len(t) > 1 and t.startswith('"') and t.endswith('"'):
            t = t[1:-1]
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
if plan['skip']:  # every text labelled in the earlier rounds
    rows = csv.reader(open(LABELLED, encoding='utf-8'), delimiter='\t', quoting=csv.QUOTE_NONE)
    next(rows)
    for i, r in enumerate(rows):
        if i < plan['skip']:
            seen.add(r[0].lower())
# Round 6 went to fresh.tsv, not labelled.tsv: every later round skips its
# texts too. A round after the seventh needs a plan of its own, with a seed
# after 13 and skip=6041; the complaints corpus's company strata are spent.
if ROUND > 6:
    rows = csv.reader(open(FRESH, encoding='utf-8'), delimiter='\t', quoting=csv.QUOTE_NONE)
    next(rows)
    for r in rows:
        seen.add(r[0].lower())

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
    by[r['airline_sentiment'] + '/' + (r['negativereason'] or '-')].append(r)
def air_add(r):
    t = airline_text(r['text'])
    m = re.search(r'@(' + '|'.join(AIR) + r')\b', t)
    h = m.group(1) if m else ''
    return add('airline', r['tweet_id'], r['airline_sentiment'] + '/' + r['negativereason'], 'x', h, t)
for k in sorted(plan['air']):
    take(by[k], plan['air'][k], air_add)

# 2. complaints corpus: stratified by domain and label
comp = list(csv.DictReader(open(D + 'complaints/complaints.csv', encoding='utf-8')))
byd = collections.defaultdict(list)
for r in comp:
    byd[(r['domain'], r['label'])].append(r)
def comp_add(r):
    m = re.match(r'\s*@(\w+)', r['text'])
    h = m.group(1) if m and not r['domain'].startswith('random') else ''
    return add('complaints', r['tweet_id'], r['domain'] + '/' + r['label'], 'x', h, r['text'])
n_random, n_yes, n_no = plan['comp']
for (d, l) in sorted(byd):
    take(byd[(d, l)], n_random if d.startswith('random') else (n_yes if l == '1' else n_no), comp_add)

# 3. SemEval sentiment tweets: brand/product mentions, off-topic tweets, and
# (round 2) tweets with peer words and a question
BRAND = re.compile(r'\b(apple|iphone|ipad|samsung|galaxy|google|android|amazon|kindle|netflix|starbucks|'
                   r'mcdonald\'?s|microsoft|xbox|playstation|sony|nike|verizon|at&t|sprint|t-mobile|comcast|'
                   r'walmart|target|uber|facebook|twitter|spotify|itunes|nokia|blackberry|dell|hp|'
                   r'windows|chipotle|taco bell|subway|delta|ups|fedex|best buy|ebay|paypal)\b', re.I)
PEER = re.compile(r'\b(anyone|anybody|recommend|should i (get|buy)|which .* better|advice|thoughts on|does any|has any)\b', re.I)
sent = list(csv.DictReader(open(D + 'sentiment/train.tsv', encoding='utf-8'), delimiter='\t', quoting=csv.QUOTE_NONE))
brand = [r for r in sent if BRAND.search(r['text'])]
off = [r for r in sent if not BRAND.search(r['text']) and '@' not in r['text'] and 'http' not in r['text']]
for lab in ('negative', 'neutral', 'positive'):
    take([r for r in brand if r['label'] == lab], plan['brand'], lambda r: add('sentiment', r['id'], 'brand/' + r['label'], 'x', '', r['text']))
    take([r for r in off if r['label'] == lab], plan['off'], lambda r: add('sentiment', r['id'], 'off/' + r['label'], 'x', '', r['text']))
if plan['peerish']:
    take([r for r in sent if PEER.search(r['text']) and '?' in r['text']], plan['peerish'],
         lambda r: add('sentiment', r['id'], 'peerish/' + r['label'], 'x', '', r['text']))

# 4. suggestion forum sentences (no header: id,sentence,label)
sug = list(csv.reader(open(D + 'suggestions/train.csv', encoding='utf-8')))
for lab, n in zip(('1', '0'), plan['sugg']):
    take([r for r in sug if r[2] == lab and 25 < len(r[1]) < 300], n,
         lambda r: add('suggestions', r[0], 'sugg/' + r[2], 'form', '', r[1].strip('"')))

# 5. customer-support requests; the channel alternates chat/email/form
chans = ['chat', 'email', 'form']
if plan['bitext']:  # bitext: a few per category
    byc = collections.defaultdict(list)
    for r in csv.DictReader(open(D + 'intents/bitext.csv', encoding='utf-8')):
        byc[r['category']].append(r)
    for c in sorted(byc):
        take(byc[c], plan['bitext'], lambda r: add('bitext', '', r['intent'], chans[len(out) % 3], '', r['text']))
if plan['banking']:  # banking77: at random
    bank = list(csv.DictReader(open(D + 'intents/banking77-train.csv', encoding='utf-8')))
    take(bank, plan['banking'], lambda r: add('banking77', '', r['category'], chans[len(out) % 3], '', r['text']))

for i, o in enumerate(out):
    print('\t'.join((str(i),) + o))
print(len(out), collections.Counter(o[0] for o in out), file=sys.stderr)
