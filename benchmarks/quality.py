"""Answer quality of upfaq's ranker against two baselines, on one labelled query set.

    python benchmarks/quality.py KB QUERIES [--threshold N] [--misses]

KB is a knowledge-base TOML file, or "bundled" for the one shipped with upfaq. QUERIES is a JSON
Lines file of {"query": ..., "expect": [acceptable ids]}; an empty expect means the knowledge base
has no answer and the ranker should abstain.

For each ranker (upfaq; rapidfuzz WRatio over question titles; Okapi BM25 over question and
answer) it prints, in one run so that the figures compare:

- top-1 and MRR@5 over the answerable queries;
- at upfaq's default threshold (upfaq only, the baselines have no calibrated one): the share of
  no-answer queries rejected and of answerable queries wrongly rejected;
- at that threshold, the share of answerable queries answered right ("right"), and of all
  queries answered wrongly or answered when there is no answer ("c.wrong": a confident wrong answer);
- "useful": the share of answerable queries answered right, or not answered with a right entry
  among the candidates a person is shown;
- threshold-free abstention: the share of no-answer queries rejected at the threshold where at
  most 10% of answerable queries are rejected ("rej@10%");
- mean time per query.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import fuzz, process, utils

from upfaq.kb import KnowledgeBase, load_bundled, load_file
from upfaq.search import DEFAULT_THRESHOLD, Index

Ranker = Callable[[str], tuple[list[tuple[str, float]], float, list[str]]]
"""A query in; the top five (id, score), the confidence in the first one, and the candidates a person
is shown when the ranker is unsure (ids) out."""


@dataclass
class Figures:
    """What one ranker scored on one query set."""

    name: str
    top1: float
    mrr: float
    rejected: float | None
    wrongly_rejected: float | None
    rejected_at_10: float | None
    threshold_at_10: float
    ms_per_query: float
    ms_worst: float
    answered_right: float | None = None
    """Answerable queries answered (at the threshold) with a right first answer."""
    confident_wrong: float | None = None
    """All queries answered (at the threshold) with a wrong first answer, or answered when none exists."""
    useful: float | None = None
    """Answerable queries answered right, or not answered with a right entry among the candidates shown."""


def upfaq_ranker(kb: KnowledgeBase, index: Index | None = None, threshold: float = DEFAULT_THRESHOLD) -> Ranker:
    """upfaq's own ranker: the top candidates, the confidence in the first, and the candidates it
    shows when unsure at threshold."""
    index = index or Index(kb)

    def rank(query: str) -> tuple[list[tuple[str, float]], float, list[str]]:
        result = index.search(query, limit=5, threshold=threshold)
        shown = [m.entry.id for m in result.suggestions]
        return [(m.entry.id, m.score) for m in result.candidates], result.confidence, shown

    return rank


def wratio_ranker(kb: KnowledgeBase) -> Ranker:
    """Baseline: rapidfuzz WRatio of the query against each question title."""
    titles = [e.question for e in kb.entries]
    ids = [e.id for e in kb.entries]

    def rank(query: str) -> tuple[list[tuple[str, float]], float, list[str]]:
        found = process.extract(query, titles, scorer=fuzz.WRatio, processor=utils.default_process, limit=5)
        return [(ids[i], score) for _, score, i in found], found[0][1] if found else 0.0, []

    return rank


_TOKEN = re.compile(r"\w+")


def bm25_ranker(kb: KnowledgeBase, k1: float = 1.2, b: float = 0.75) -> Ranker:
    """Baseline: Okapi BM25 over question + answer, lower-cased word tokens, no stemming."""
    docs = [Counter(_TOKEN.findall(f"{e.question} {e.answer}".lower())) for e in kb.entries]
    lengths = [sum(d.values()) for d in docs]
    average = sum(lengths) / max(len(docs), 1)
    df: Counter[str] = Counter()
    for d in docs:
        df.update(d.keys())
    n = len(docs)
    idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
    ids = [e.id for e in kb.entries]

    def rank(query: str) -> tuple[list[tuple[str, float]], float, list[str]]:
        terms = set(_TOKEN.findall(query.lower()))
        scores = []
        for i, d in enumerate(docs):
            s = 0.0
            for t in terms:
                tf = d.get(t)
                if tf:
                    s += idf[t] * tf * (k1 + 1) / (tf + k1 * (1 - b + b * lengths[i] / average))
            if s > 0:
                scores.append((ids[i], s))
        scores.sort(key=lambda x: -x[1])
        return scores[:5], scores[0][1] if scores else 0.0, []

    return rank


def evaluate(name: str, rank: Ranker, rows: Sequence[dict], threshold: float | None, misses: bool = False) -> Figures:
    """Run every query through rank and compute the figures."""
    top1 = mrr = 0.0
    answerable_tops: list[float] = []
    unanswerable_tops: list[float] = []
    elapsed = worst = 0.0
    right = wrong = useful = 0
    for row in rows:
        start = time.perf_counter()
        ranked, top, shown = rank(row["query"])
        took = time.perf_counter() - start
        elapsed += took
        worst = max(worst, took)
        expect = set(row["expect"])
        confident = threshold is not None and bool(ranked) and top >= threshold
        if confident and ranked[0][0] not in expect:
            wrong += 1
        if not expect:
            unanswerable_tops.append(top)
            if misses and threshold is not None and top >= threshold:
                print(f"  {name} answered: {row['query']!r} -> {ranked[0][0]} {top:g}")
            continue
        answerable_tops.append(top)
        ids = [i for i, _ in ranked[:5]]
        hit = next((rank_ for rank_, i in enumerate(ids, 1) if i in expect), None)
        top1 += hit == 1
        right += confident and hit == 1
        useful += (confident and hit == 1) or (not confident and not expect.isdisjoint(shown))
        mrr += 1 / hit if hit else 0.0
        if misses and threshold is not None and (hit != 1 or top < threshold):
            got = f"{ranked[0][0]} {top:g}" if ranked else "-"
            print(f"  {name} miss: {row['query']!r} -> {got} (want {' '.join(sorted(expect))})")
    answerable = max(len(answerable_tops), 1)
    # The threshold at which at most 10% of answerable queries fall below it.
    ordered = sorted(answerable_tops)
    at_10 = ordered[int(0.1 * len(ordered))] if ordered else 0.0
    rejected = wrongly = rejected_10 = None
    if unanswerable_tops:
        rejected_10 = sum(t < at_10 for t in unanswerable_tops) / len(unanswerable_tops)
        if threshold is not None:
            rejected = sum(t < threshold for t in unanswerable_tops) / len(unanswerable_tops)
    if threshold is not None and answerable_tops:
        wrongly = sum(t < threshold for t in answerable_tops) / answerable
    return Figures(
        name,
        top1 / answerable,
        mrr / answerable,
        rejected,
        wrongly,
        rejected_10,
        at_10,
        1000 * elapsed / len(rows),
        1000 * worst,
        right / answerable if threshold is not None and answerable_tops else None,
        wrong / len(rows) if threshold is not None else None,
        useful / answerable if threshold is not None and answerable_tops else None,
    )


def _cached_index(kb_argument: str) -> Index:
    """The index as a later run gets it: written to a fresh cache, then read back."""
    import tempfile

    from upfaq.kb import Source
    from upfaq.store import EntryStore, open_knowledge

    chain = [Source(None, "bundled")] if kb_argument == "bundled" else [Source(Path(kb_argument), "--kb")]
    with tempfile.TemporaryDirectory() as directory:
        open_knowledge(chain, {}, Path(directory))
        _, index = open_knowledge(chain, {}, Path(directory))
    assert isinstance(index.entries, EntryStore), "the second open should come from the cache"
    return index


def _cell(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kb", help='knowledge-base TOML file, or "bundled"')
    parser.add_argument("queries", type=Path, help="JSON Lines query file")
    parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD, help="upfaq's abstention threshold")
    parser.add_argument("--misses", action="store_true", help="list upfaq's wrong or rejected answers")
    parser.add_argument("--only-upfaq", action="store_true", help="skip the baselines")
    parser.add_argument(
        "--through-cache", action="store_true", help="also rank with the index as read back from upfaq's cache"
    )
    args = parser.parse_args(argv)

    kb = load_bundled() if args.kb == "bundled" else load_file(Path(args.kb))
    rows = [json.loads(line) for line in args.queries.read_text(encoding="utf-8").splitlines() if line.strip()]
    answerable = sum(bool(r["expect"]) for r in rows)
    print(f"{args.queries}: {len(kb.entries)} entries, {answerable} answerable + {len(rows) - answerable} no-answer")

    start = time.perf_counter()
    upfaq = upfaq_ranker(kb, threshold=args.threshold)
    rankers: list[tuple[str, Ranker, float | None]] = [("upfaq", upfaq, args.threshold)]
    build_ms = 1000 * (time.perf_counter() - start)
    if args.through_cache:
        rankers.append(("upfaq-cached", upfaq_ranker(kb, _cached_index(args.kb), args.threshold), args.threshold))
    if not args.only_upfaq:
        rankers += [("wratio-title", wratio_ranker(kb), None), ("bm25-q+a", bm25_ranker(kb), None)]
    header = f"{'ranker':<13} {'top-1':>6} {'MRR@5':>6} {'rejected':>8} {'wrongly':>8} {'rej@10%':>8} {'t@10%':>7}"
    header += f" {'right':>6} {'c.wrong':>7} {'useful':>6} {'ms/q':>6} {'worst':>6}"
    results = [
        evaluate(name, rank, rows, threshold, args.misses and name == "upfaq") for name, rank, threshold in rankers
    ]
    print(header)
    for f in results:
        print(
            f"{f.name:<13} {f.top1:>6.3f} {f.mrr:>6.3f} {_cell(f.rejected):>8} {_cell(f.wrongly_rejected):>8} "
            f"{_cell(f.rejected_at_10):>8} {f.threshold_at_10:>7.1f} {_cell(f.answered_right):>6} "
            f"{_cell(f.confident_wrong):>7} {_cell(f.useful):>6} {f.ms_per_query:>6.2f} {f.ms_worst:>6.1f}"
        )
    print(f"(upfaq threshold {args.threshold:g}; index built in {build_ms:.0f} ms)", file=sys.stderr)


if __name__ == "__main__":
    main()
