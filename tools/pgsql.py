#!/usr/bin/env python3
"""Derive a package's postgres.sql from its sqlite.sql by numbering the ? placeholders.

Run it when the two files differ only in placeholders: tools/pgsql.py internal/PKG/sql
Queries that differ in more than that are edited by hand in both files."""
import re, sys
d = sys.argv[1]
s = open(d + '/sqlite.sql').read()
out = []
for block in re.split(r'(?m)^(?=-- name:)', s):
    n = [0]
    def rep(m):
        n[0] += 1
        return '$%d' % n[0]
    out.append(re.sub(r'\?', rep, block))
open(d + '/postgres.sql', 'w').write(''.join(out))
