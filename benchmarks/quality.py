"""Answer quality of upfaq's ranker on a labelled query set.

    python benchmarks/quality.py KB.toml QUERIES.jsonl [--threshold N] [--misses]

KB may be "bundled" for the knowledge base shipped with upfaq. Each query line is
{"query": ..., "expect": [acceptable ids]}; an empty expect means the tool must abstain.
Prints top-1 accuracy and MRR@5 on answerable queries, the share of no-answer queries
rejected, the share of answerable queries wrongly rejected, and time per query.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from upfaq.kb import load_bundled, load_file
from upfaq.search import DEFAULT_THRESHOLD, Index


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kb")
    parser.add_argument("queries", type=Path)
    parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    parser.add_argument("--misses", action="store_true", help="list the queries answered wrongly")
    args = parser.parse_args()
    kb = load_bundled() if args.kb == "bundled" else load_file(Path(args.kb))
    index = Index(kb)
    rows = [json.loads(line) for line in args.queries.read_text(encoding="utf-8").splitlines() if line.strip()]
    top1 = mrr = answerable = wrongly_rejected = rejected = unanswerable = 0
    elapsed = 0.0
    for row in rows:
        start = time.perf_counter()
        result = index.search(row["query"], limit=5, threshold=0.0)
        elapsed += time.perf_counter() - start
        ranked = list(result.matches)
        confident = [m for m in ranked if m.score >= args.threshold]
        expect = set(row["expect"])
        if expect:
            answerable += 1
            ids = [m.entry.id for m in ranked[:5]]
            hit = next((rank for rank, i in enumerate(ids, 1) if i in expect), None)
            if hit == 1:
                top1 += 1
            if hit:
                mrr += 1 / hit
            if not confident:
                wrongly_rejected += 1
            if args.misses and (hit != 1 or not confident):
                top = f"{ranked[0].entry.id} {ranked[0].score}" if ranked else "-"
                print(f"  miss: {row['query']!r} -> {top} (want {sorted(expect)})")
        else:
            unanswerable += 1
            if not confident:
                rejected += 1
            elif args.misses:
                print(f"  answered: {row['query']!r} -> {confident[0].entry.id} {confident[0].score}")
    print(f"entries {len(kb.entries)}  queries {len(rows)} ({answerable} answerable, {unanswerable} no answer)")
    if answerable:
        share = wrongly_rejected / answerable
        print(f"top-1 {top1 / answerable:.3f}  MRR@5 {mrr / answerable:.3f}  wrongly rejected {share:.3f}")
    if unanswerable:
        print(f"no-answer rejected {rejected / unanswerable:.3f}")
    print(f"time per query {1000 * elapsed / len(rows):.2f} ms")


if __name__ == "__main__":
    main()
