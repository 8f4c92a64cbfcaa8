#!/usr/bin/python3
"""A reference for the linear models (MODELS.md): scikit-learn's logistic
regression over TF-IDF word 1-2-grams and character 2-5-grams, on the same
files hark eval scores. Not part of the build or the tests; it answers
whether the Go trainer leaves anything on the table for this model family.

    apt-get install python3-sklearn          # Debian's package, for /usr/bin/python3
    /usr/bin/python3 internal/classify/testdata/reference_sklearn.py   # from the project root, about 5 minutes

C is the inverse regularisation strength; every C tried is printed, so the
best line was picked on the file it scores and is an upper bound for the
family, not a held-out figure.
"""
import csv, re
import numpy as np
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, recall_score
from sklearn.model_selection import StratifiedKFold

D = '../shared/data/'
CS = (1, 3, 10)


def norm(t):
    # the SemEval dump's escapes, handles and links, as features.go reads them
    t = t.replace('\\u002c', ',').replace('\\u2019', "'").replace('&amp;', '&')
    return re.sub(r'https?://\S+', 'http', re.sub(r'@\w+', '@user', t))


def vectorizers():
    return (TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, token_pattern=r"(?u)\b\w+\b|[!?]"),
            TfidfVectorizer(analyzer='char_wb', ngram_range=(2, 5), min_df=2, sublinear_tf=True))


def fit_transform(train, *others):
    w, c = vectorizers()
    X = hstack([w.fit_transform(train), c.fit_transform(train)]).tocsr()
    return [X] + [hstack([w.transform(o), c.transform(o)]).tocsr() for o in others]


def tsv(path):
    return [(r['label'], norm(r['text'])) for r in
            csv.DictReader(open(path, encoding='utf-8'), delimiter='\t', quoting=csv.QUOTE_NONE)]


# Sentiment: trained on train.tsv alone, scored on val.tsv and the airline tweets.
train, val = tsv(D + 'sentiment/train.tsv'), tsv(D + 'sentiment/val.tsv')
air = [(r['airline_sentiment'], norm(r['text'])) for r in csv.DictReader(open(D + 'airline/tweets.csv', encoding='utf-8'))]
Xt, Xv, Xa = fit_transform([t for _, t in train], [t for _, t in val], [t for _, t in air])
for C in CS:
    m = LogisticRegression(C=C, class_weight='balanced', max_iter=2000).fit(Xt, [l for l, _ in train])
    print('sentiment C=%g: macro recall val.tsv %.3f, airline %.3f' % (
        C, recall_score([l for l, _ in val], m.predict(Xv), average='macro'),
        recall_score([l for l, _ in air], m.predict(Xa), average='macro')), flush=True)

# Complaints: 10-fold stratified CV over the corpus alone.
rows = list(csv.DictReader(open(D + 'complaints/complaints.csv', encoding='utf-8')))
X = [norm(r['text']) for r in rows]
y = np.array([int(r['label']) for r in rows])
for C in CS:
    pred = np.zeros(len(y), int)
    for tr, te in StratifiedKFold(10, shuffle=True, random_state=1).split(X, y):
        A, B = fit_transform([X[i] for i in tr], [X[i] for i in te])
        pred[te] = LogisticRegression(C=C, class_weight='balanced', max_iter=3000).fit(A, y[tr]).predict(B)
    print('complaints C=%g: 10-fold macro F1 %.3f, complaint F1 %.3f' % (
        C, f1_score(y, pred, average='macro'), f1_score(y, pred)), flush=True)
