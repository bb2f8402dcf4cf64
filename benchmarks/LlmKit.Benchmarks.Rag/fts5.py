"""SQLite FTS5 reference for the LlmKit.Rag benchmark: same documents, same queries, bm25() ranking, OR queries.

usage: fts5.py quality DOCS QUERIES DEPTH TOKENIZER   -> JSON {query_id: [doc_id, ...]}
       fts5.py speed   DOCS QUERIES TOP WARMUP        -> JSON {build_s, median_ms, p99_ms, mean_ms, top: [[rowid...]...]}
DOCS: one document per line as "id<TAB>text"; QUERIES: one query per line as "id<TAB>text".
"""
import json, re, sqlite3, statistics, sys, time

WORD = re.compile(r"[0-9A-Za-z]+")

def read_tsv(path):
    with open(path, encoding="utf-8") as f:
        return [line.rstrip("\n").split("\t", 1) for line in f if line.strip()]

def match_expr(text):
    words = WORD.findall(text)
    return " OR ".join('"%s"' % w for w in words)

def build(docs, tokenizer):
    con = sqlite3.connect(":memory:")
    con.execute("CREATE VIRTUAL TABLE t USING fts5(body, tokenize = '%s')" % tokenizer)
    start = time.perf_counter()
    with con:
        con.executemany("INSERT INTO t(rowid, body) VALUES (?, ?)", ((int(i), text) for i, text in docs))
    con.execute("INSERT INTO t(t) VALUES('optimize')")
    return con, time.perf_counter() - start

def search(con, expr, limit):
    if not expr:
        return []
    return [r[0] for r in con.execute("SELECT rowid FROM t WHERE t MATCH ? ORDER BY bm25(t) LIMIT ?", (expr, limit))]

def main():
    mode = sys.argv[1]
    docs, queries = read_tsv(sys.argv[2]), read_tsv(sys.argv[3])
    if mode == "quality":
        depth, tokenizer = int(sys.argv[4]), sys.argv[5]
        con, _ = build(docs, tokenizer)
        out = {qid: [str(r) for r in search(con, match_expr(text), depth)] for qid, text in queries}
        print(json.dumps(out))
    else:
        top, warmup = int(sys.argv[4]), int(sys.argv[5])
        con, build_s = build(docs, "unicode61")
        exprs = [match_expr(text) for _, text in queries]
        for e in exprs[:warmup]:
            search(con, e, top)
        times, tops = [], []
        for e in exprs:
            t0 = time.perf_counter()
            rows = search(con, e, top)
            times.append((time.perf_counter() - t0) * 1000)
            tops.append(rows)
        times.sort()
        print(json.dumps({
            "sqlite_version": sqlite3.sqlite_version,
            "build_s": build_s,
            "median_ms": statistics.median(times),
            "p99_ms": times[min(len(times) - 1, int(0.99 * len(times)))],
            "mean_ms": statistics.fmean(times),
            "top": tops,
        }))

main()
