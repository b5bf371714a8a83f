"""Fit upfaq's confidence: the probability that the first candidate is the right answer.

    python benchmarks/calibrate.py [SET.jsonl ...] [--bench KB QUERIES]... [--folds 5] [--ceiling 0.05]
                                   [--rejecting SET FLOOR] [--seed 1]

With no sets it reads every labelled set of the bundled knowledge base in benchmarks/ (short
queries, problem-style queries and long forum questions) but queries-problems-3.jsonl, held out
of the fit so that it measures how the confidence fares on queries it never saw (pass it as a
SET to fit on it too), and, when no --bench is given and they
lie beside the checkout (../shared/bench), the public StackFAQ sets: an uncurated knowledge base
(questions only), with and without out-of-scope queries, so that the confidence fits knowledge
bases with and without aliases. For each query it ranks its knowledge base and records
search.Evidence (the features of the best candidate, its rival and the knowledge base) and whether
the first candidate is right (for a no-answer query it never is).

It fits a logistic regression (L2-penalised, by Newton's method; no dependency) on those
features, transformed as search.calibration_inputs does, and checks it by cross-validation twice:
folds by query, and folds by entry (every query of an entry in one fold, so that a fold's entries
are never seen in fitting). On the out-of-fold probabilities it chooses the threshold: the lowest
at which no set is confidently wrong on more than --ceiling of its queries (0.05 by default, the
target) under either kind of fold, for each of --seeds shuffles of the folds (one shuffle's
threshold moves by a step or two with the luck of the folds), nor under the model fitted on every
query (the one that ships); then, if need be, raises it until the set named by --rejecting (the
blind set, short queries written apart from the aliases) rejects at least its floor (0.85, the
target for off-topic questions) of its no-answer queries under the model that ships.
It prints, per set and fold kind, right / confidently wrong / rejected / useful at that threshold, then the coefficients
fitted on every query, ready to paste into search.CALIBRATION with the threshold.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from upfaq.kb import load_bundled, load_file
from upfaq.search import SUGGESTION_FLOOR, SUGGESTIONS, Evidence, Index, calibration_inputs

HERE = Path(__file__).parent
DEFAULT_SETS = (
    "queries-blind.jsonl",
    "queries-topics.jsonl",
    "queries-dev.jsonl",
    "queries-bundled.jsonl",
    "queries-problems.jsonl",
    "queries-problems-2.jsonl",
    "real-questions.jsonl",
)
BENCH = HERE.parent.parent / "shared" / "bench"
DEFAULT_BENCH = tuple(
    (BENCH / name / "kb.toml", BENCH / name / "queries.jsonl") for name in ("stackfaq", "stackfaq-oos")
)
PENALTY = 1.0
"""The L2 penalty on the standardised coefficients (the intercept is not penalised)."""


class Row(NamedTuple):
    """One labelled query, ranked."""

    set: str
    query: str
    expect: frozenset[str]
    group: str
    inputs: tuple[float, ...]
    right: bool
    """Whether the first candidate is one of the expected entries."""
    shown: tuple[str, ...]
    """The entries a person is shown as candidates when upfaq is unsure (above SUGGESTION_FLOOR)."""


def rank_sets(index: Index, paths: Sequence[Path], label: str = "") -> list[Row]:
    """Rank every query of every set and record its evidence; label names the knowledge base."""
    rows = []
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            item = json.loads(line)
            expect = frozenset(item["expect"])
            result = index.search(item["query"])
            evidence: Evidence | None = result.evidence
            if evidence is None:
                continue  # nothing matched at all: never answered, whatever the confidence
            candidates = result.candidates
            shown = tuple(m.entry.id for m in candidates if m.score >= SUGGESTION_FLOOR)[:SUGGESTIONS]
            group = label + (min(expect) if expect else "none:" + item["query"])
            right = bool(candidates) and candidates[0].entry.id in expect
            name = f"{label}{path.stem}"
            rows.append(Row(name, item["query"], expect, group, calibration_inputs(evidence), right, shown))
    return rows


def _sigmoid(value: float) -> float:
    return 1 / (1 + math.exp(-max(-30.0, min(30.0, value))))


def _solve(matrix: list[list[float]], vector: list[float]) -> list[float]:
    """Solve matrix x = vector by Gaussian elimination with partial pivoting (small systems)."""
    size = len(vector)
    rows = [[*matrix[i], vector[i]] for i in range(size)]
    for column in range(size):
        pivot = max(range(column, size), key=lambda r: abs(rows[r][column]))
        rows[column], rows[pivot] = rows[pivot], rows[column]
        for r in range(size):
            if r != column and rows[column][column]:
                factor = rows[r][column] / rows[column][column]
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[column], strict=True)]
    return [rows[i][size] / rows[i][i] for i in range(size)]


def fit(inputs: Sequence[Sequence[float]], labels: Sequence[bool], penalty: float = PENALTY) -> list[float]:
    """Logistic regression: [intercept, *coefficients] on the raw inputs (standardised inside)."""
    width = len(inputs[0])
    means = [sum(x[j] for x in inputs) / len(inputs) for j in range(width)]
    spreads = [max(math.sqrt(sum((x[j] - means[j]) ** 2 for x in inputs) / len(inputs)), 1e-9) for j in range(width)]
    data = [[1.0, *((x[j] - means[j]) / spreads[j] for j in range(width))] for x in inputs]
    weights = [0.0] * (width + 1)
    for _ in range(50):
        gradient = [0.0] * (width + 1)
        hessian = [[0.0] * (width + 1) for _ in range(width + 1)]
        for x, y in zip(data, labels, strict=True):
            p = _sigmoid(sum(w * v for w, v in zip(weights, x, strict=True)))
            for a in range(width + 1):
                gradient[a] += (p - y) * x[a]
                for b in range(width + 1):
                    hessian[a][b] += p * (1 - p) * x[a] * x[b]
        for a in range(1, width + 1):
            gradient[a] += penalty * weights[a]
            hessian[a][a] += penalty
        step = _solve(hessian, gradient)
        weights = [w - s for w, s in zip(weights, step, strict=True)]
        if max(abs(s) for s in step) < 1e-9:
            break
    coefficients = [weights[j + 1] / spreads[j] for j in range(width)]
    intercept = weights[0] - sum(c * m for c, m in zip(coefficients, means, strict=True))
    return [intercept, *coefficients]


def probability(model: Sequence[float], inputs: Sequence[float]) -> float:
    """The fitted probability, 0-1."""
    return _sigmoid(model[0] + sum(c * x for c, x in zip(model[1:], inputs, strict=True)))


def out_of_fold(rows: Sequence[Row], folds: int, seed: int, *, by_entry: bool) -> list[float]:
    """Each row's probability from a model fitted without its fold."""
    keys = sorted({row.group for row in rows}) if by_entry else list(range(len(rows)))
    random.Random(seed).shuffle(keys)
    fold_of_key = {key: number % folds for number, key in enumerate(keys)}
    fold_of = [fold_of_key[row.group] if by_entry else fold_of_key[n] for n, row in enumerate(rows)]
    found = [0.0] * len(rows)
    for fold in range(folds):
        train = [n for n in range(len(rows)) if fold_of[n] != fold]
        model = fit([rows[n].inputs for n in train], [rows[n].right for n in train])
        for n in range(len(rows)):
            if fold_of[n] == fold:
                found[n] = probability(model, rows[n].inputs)
    return found


class Figures(NamedTuple):
    """The four figures of one set at one threshold."""

    right: float
    wrong: float
    rejected: float | None
    useful: float


def figures(rows: Sequence[Row], chances: Sequence[float], threshold: float) -> Figures:
    """right (share of answerable), confidently wrong (share of all), no-answer rejected, useful."""
    answerable = [(r, p) for r, p in zip(rows, chances, strict=True) if r.expect]
    none = [p for r, p in zip(rows, chances, strict=True) if not r.expect]
    right = sum(r.right and p >= threshold for r, p in answerable)
    wrong = sum(not r.right and p >= threshold for r, p in zip(rows, chances, strict=True))
    useful = sum(
        (r.right and p >= threshold) or (p < threshold and bool(r.expect & set(r.shown))) for r, p in answerable
    )
    return Figures(
        right / max(len(answerable), 1),
        wrong / max(len(rows), 1),
        sum(p < threshold for p in none) / len(none) if none else None,
        useful / max(len(answerable), 1),
    )


def choose_threshold(rows: Sequence[Row], runs: Sequence[Sequence[float]], ceiling: float) -> float:
    """The lowest threshold (in steps of 0.01) at which no set's confidently wrong exceeds ceiling in any run."""
    sets = sorted({r.set for r in rows})
    for step in range(1, 100):
        threshold = step / 100
        worst = 0.0
        for chances in runs:
            for name in sets:
                members = [n for n, r in enumerate(rows) if r.set == name]
                wrong = figures([rows[n] for n in members], [chances[n] for n in members], threshold).wrong
                worst = max(worst, wrong)
        if worst <= ceiling:
            return threshold
    return 1.0


def rejecting_enough(rows: Sequence[Row], chances: Sequence[float], threshold: float, name: str, floor: float) -> float:
    """The lowest threshold from the given one (in steps of 0.01) at which set name rejects at least
    floor of its no-answer queries, with these probabilities (those of the model that ships)."""
    members = [n for n, r in enumerate(rows) if r.set == name]
    while threshold < 1.0:
        rejected = figures([rows[n] for n in members], [chances[n] for n in members], threshold).rejected
        if rejected is None or rejected >= floor:
            break
        threshold = round(threshold + 0.01, 2)
    return threshold


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sets", nargs="*", type=Path, help="labelled query sets (default: benchmarks/*)")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1, help="the first seed that shuffles the folds")
    parser.add_argument(
        "--seeds", type=int, default=10, help="how many shuffles of the folds the threshold must hold under"
    )
    parser.add_argument("--ceiling", type=float, default=0.05, help="confidently wrong allowed per set")
    parser.add_argument(
        "--rejecting",
        nargs=2,
        default=("queries-blind", "0.85"),
        metavar=("SET", "FLOOR"),
        help="the set whose no-answer queries must be rejected at least FLOOR of the time (off-topic target)",
    )
    parser.add_argument(
        "--bench",
        nargs=2,
        action="append",
        default=[],
        metavar=("KB", "QUERIES"),
        help="also fit on a labelled set of another knowledge base (repeatable)",
    )
    args = parser.parse_args(argv)
    paths = args.sets or [HERE / name for name in DEFAULT_SETS if (HERE / name).exists()]
    rows = rank_sets(Index(load_bundled()), paths)
    bench = args.bench or [pair for pair in DEFAULT_BENCH if all(path.exists() for path in pair)]
    for kb_path, queries in bench:
        rows += rank_sets(Index(load_file(Path(kb_path))), [Path(queries)], Path(kb_path).parent.name + "/")
    runs = {
        (kind, seed): out_of_fold(rows, args.folds, seed, by_entry=kind == "entry")
        for kind in ("query", "entry")
        for seed in range(args.seed, args.seed + args.seeds)
    }
    model = fit([r.inputs for r in rows], [r.right for r in rows])
    runs["all", 0] = [probability(model, r.inputs) for r in rows]  # the model that ships, on the sets it saw
    bounded = choose_threshold(rows, list(runs.values()), args.ceiling)
    name, floor = args.rejecting[0], float(args.rejecting[1])
    threshold = rejecting_enough(rows, runs["all", 0], bounded, name, floor)
    print(
        f"{len(rows)} queries; threshold {threshold:.2f}: from {bounded:.2f} confidently wrong <= {args.ceiling} "
        f"on every set, under {args.seeds} shuffles of the folds; from {threshold:.2f} {name} rejects >= {floor} "
        "of its no-answer queries"
    )
    print(f"{'set':<20} {'folds':<6} {'right':>6} {'c.wrong':>7} {'rejected':>8} {'useful':>6}  (worst over shuffles)")
    for name in sorted({r.set for r in rows}):
        members = [n for n, r in enumerate(rows) if r.set == name]
        for kind in ("query", "entry", "all"):
            found = [
                figures([rows[n] for n in members], [chances[n] for n in members], threshold)
                for (of, _), chances in runs.items()
                if of == kind
            ]
            right, wrong = min(f.right for f in found), max(f.wrong for f in found)
            useful = min(f.useful for f in found)
            rejections = [f.rejected for f in found if f.rejected is not None]
            rejected = f"{min(rejections):.3f}" if rejections else "-"
            print(f"{name:<20} {kind:<6} {right:>6.3f} {wrong:>7.3f} {rejected:>8} {useful:>6.3f}")
    print("\nFitted on every query (search.CALIBRATION):", file=sys.stderr)
    print("(" + ", ".join(f"{value:.4g}" for value in model) + ")")


if __name__ == "__main__":
    main()
