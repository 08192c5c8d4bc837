"""How many embedding rows a batch of B IMDb training reviews touches: the
rows the row-sparse gradient exchange sends (docs/scaling.md). Tokens are
approximated (lower-cased words, punctuation apart, at most 600 a review)
over the 30,000 most frequent; bigrams hashed into the bag model's 200,000
buckets (collisions as with any hash).
    python3 scripts/bench/union_rows.py "$IMDB_TARBALL"
"""
import tarfile, re, random, collections, sys
tb = sys.argv[1]
docs = []
with tarfile.open(tb) as t:
    for m in t:
        if m.isfile() and re.match(r'aclImdb/train/(pos|neg)/.*\.txt$', m.name):
            s = t.extractfile(m).read().decode('utf-8', 'replace').lower().replace('<br />', ' ')
            docs.append(re.findall(r"[a-z0-9']+|[^\sa-z0-9']", s)[:600])
cnt = collections.Counter(w for d in docs for w in d)
vocab = {w for w, _ in cnt.most_common(30000)}
random.seed(1)
print("reviews", len(docs), "mean tokens", sum(map(len, docs)) / len(docs))
print("batch  word rows  bigram buckets (of 200,000)")
for B in (32, 64, 128, 256, 512, 1024, 2048, 4096, 8192):
    u, g = [], []
    for _ in range(10):
        s, bi = set(), set()
        for d in random.sample(docs, B):
            s.update(w for w in d if w in vocab)
            bi.update(hash((a, b)) % 200000 for a, b in zip(d, d[1:]))
        u.append(len(s))
        g.append(len(bi))
    print(B, round(sum(u) / len(u)), round(sum(g) / len(g)))
