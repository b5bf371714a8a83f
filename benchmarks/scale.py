"""upfaq on large knowledge bases: synthetic files of 1k, 10k and 100k entries.

    python benchmarks/scale.py [--sizes 1000 10000 100000] [--runs 5] [--upfaq PATH] [--keep DIR]

Generates deterministic synthetic knowledge bases (questions of about 10 words, answers of about
60, a few tags and aliases; words drawn from a Zipf distribution over a 30,000-word vocabulary,
so that some words are common and most are rare, as in real text) and measures, through the
installed command with `--no-bundled --kb FILE`:

- first ask: nothing cached (a fresh cache directory);
- repeated ask: the median of --runs asks of varied questions once the cache is warm;
- list --json: the whole knowledge base as JSON;
- peak RSS of the repeated ask and of list --json (from GNU time).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from itertools import accumulate
from pathlib import Path

SYLLABLES = [c + v for c in "bcdfghjklmnprstvwz" for v in ("a", "e", "i", "o", "u", "ai", "ou")]
TOPICS = [f"Topic {n}" for n in range(25)]


def vocabulary(rng: random.Random, size: int = 30000) -> list[str]:
    """Distinct pseudo-words of two to four syllables."""
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))))
    return sorted(words)


def generate(entries: int, seed: int = 7) -> str:
    """A knowledge base of the given size, as TOML text. The same size and seed give the same text."""
    rng = random.Random(seed)
    vocab = vocabulary(rng)
    weights = list(accumulate(1 / (rank + 1) for rank in range(len(vocab))))

    def phrase(n: int) -> str:
        return " ".join(rng.choices(vocab, cum_weights=weights, k=n))

    out: list[str] = []
    for number in range(entries):
        question = f"How do I {phrase(rng.randint(5, 9))}?"
        answer = ". ".join(phrase(rng.randint(8, 14)).capitalize() for _ in range(5)) + "."
        tags = ", ".join(f'"{t}"' for t in rng.choices(vocab, cum_weights=weights, k=rng.randint(2, 5)))
        aliases = ", ".join(f'"Can I {phrase(rng.randint(4, 8))}?"' for _ in range(rng.randint(1, 3)))
        out.append(
            f'[[entry]]\nid = "e{number:06d}"\nquestion = "{question}"\nanswer = "{answer}"\n'
            f'topic = "{rng.choice(TOPICS)}"\ntags = [{tags}]\naliases = [{aliases}]\n'
        )
    return "\n".join(out)


def queries(text_rng: random.Random, path: Path, count: int) -> list[str]:
    """Questions taken from the knowledge base itself, shuffled and cut, so they have answers."""
    questions = [
        line[12:-2] for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("question = ")
    ]
    chosen = text_rng.sample(questions, count)
    return [" ".join(q.split()[1:-1]) for q in chosen]


def run(argv: list[str], env: dict[str, str]) -> tuple[float, int, int]:
    """Wall seconds, peak RSS in MB and exit status of one command."""
    timer = shutil.which("time") or "/usr/bin/time"
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        start = time.perf_counter()
        done = subprocess.run([timer, "-f", "%M", "-o", rss.name, *argv], env=env, capture_output=True, check=False)
        elapsed = time.perf_counter() - start
        peak = int(rss.read().strip().splitlines()[-1] or 0) // 1024
    return elapsed, peak, done.returncode


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--upfaq", default=str(Path(sys.executable).with_name("upfaq")))
    parser.add_argument("--keep", type=Path, help="write the generated files here and keep them")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="upfaq-scale-"))
    folder = args.keep or work
    folder.mkdir(parents=True, exist_ok=True)
    columns = ("entries", "MB", "first ask s", "repeat ask ms", "list --json s", "RSS ask MB", "RSS list MB")
    widths = (8, 6, 11, 13, 13, 10, 11)
    print(" ".join(f"{name:>{width}}" for name, width in zip(columns, widths, strict=True)))
    try:
        for size in args.sizes:
            path = folder / f"synthetic-{size}.toml"
            if not path.exists():
                path.write_text(generate(size), encoding="utf-8")
            cache = work / f"cache-{size}"
            env = {**os.environ, "XDG_CACHE_HOME": str(cache), "XDG_DATA_HOME": str(work / "no-data")}
            env.pop("UPFAQ_KB", None)
            asks = queries(random.Random(size), path, args.runs + 1)
            base = [args.upfaq, "--no-bundled", "--kb", str(path)]
            first, _, status = run([*base, "ask", asks[0]], env)
            repeats = [run([*base, "ask", q], env) for q in asks[1:]]
            listing, list_rss, _ = run([*base, "list", "--json"], env)
            repeat = statistics.median(t for t, _, _ in repeats)
            ask_rss = max(r for _, r, _ in repeats)
            megabytes = path.stat().st_size / 1e6
            print(
                f"{size:>8} {megabytes:>6.1f} {first:>11.2f} {1000 * repeat:>13.0f} {listing:>13.2f} "
                f"{ask_rss:>10} {list_rss:>11}" + ("" if status in (0, 1) else f"  (first ask exit {status})")
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
