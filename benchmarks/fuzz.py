"""Long fuzzing of upfaq: the property tests of tests/test_properties.py, with many more examples.

    python benchmarks/fuzz.py [--minutes 5] [--batch 500]

Runs each property (any query through the CLI in JSON and plain modes; any lines on `ask -`;
any knowledge-base text through indexing, searching and every renderer; deterministic, bounded
scores) in rounds of --batch fresh random examples until the time is up, then a few hundred
random queries through real processes. Prints how many examples ran and the first failure, if
any (exit 1). Also: damaged cache files, hostile file names, and hostile links, pager, browser and
cache-size settings. Not part of the test suite: it takes minutes.
"""

import argparse
import os
import random
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from hypothesis import HealthCheck, given, settings

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import test_properties as props  # noqa: E402 - the repository root must be on the path first


def properties(batch: int) -> list[tuple[str, Callable[[], None]]]:
    """Each property as a function that checks `batch` new random examples."""
    from upfaq.kb import load_bundled
    from upfaq.search import Index

    index = Index(load_bundled())
    chosen = settings(max_examples=batch, deadline=None, database=None, suppress_health_check=list(HealthCheck))

    def inner(test: Callable[..., None]) -> Callable[..., None]:
        return test.hypothesis.inner_test  # type: ignore[attr-defined]

    search_inner = inner(props.test_search_is_deterministic_and_bounded)
    return [
        ("cli ask, JSON and plain", chosen(given(query=props.queries)(inner(props.test_cli_ask_handles_any_query)))),
        (
            "cli ask -, JSON Lines",
            chosen(
                given(lines=props.st.lists(props.queries, max_size=6))(inner(props.test_cli_batch_handles_any_lines))
            ),
        ),
        (
            "any entry text",
            chosen(
                given(
                    entries=props.st.lists(
                        props.hostile_entries(), min_size=1, max_size=4, unique_by=lambda e: e["id"]
                    ),
                    query=props.queries,
                )(inner(props.test_any_entry_text_indexes_searches_and_renders_safely))
            ),
        ),
        ("search determinism", chosen(given(query=props.queries)(lambda query: search_inner(index, query)))),
    ]


def processes(count: int, seed: int) -> int:
    """Random byte strings as queries to real processes, on argv and stdin; returns failures."""
    rng = random.Random(seed)
    failures = 0
    for _ in range(count):
        raw = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 80)))
        argv_raw = raw.replace(b"\x00", b"")
        for argv, stdin in ((["ask", os.fsdecode(argv_raw) or "x"], None), (["ask", "-", "--json"], raw + b"\n")):
            done = subprocess.run(
                [sys.executable, "-m", "upfaq", *argv], input=stdin or b"", capture_output=True, timeout=60, check=False
            )
            if done.returncode not in (0, 1, 2) or b"Traceback" in done.stderr or b"\x1b" in done.stdout:
                failures += 1
                print(f"  process failure: argv={argv!r} stdin={stdin!r} status={done.returncode}", file=sys.stderr)
    return failures


CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]")


def _bad(done: "subprocess.CompletedProcess[bytes]", statuses: tuple[int, ...] = (0, 1)) -> bool:
    """A run that crashed, or let a control character through."""
    return (
        done.returncode not in statuses
        or b"Traceback" in done.stderr
        or bool(CONTROL_BYTES.search(done.stderr))
        or bool(CONTROL_BYTES.search(done.stdout))
    )


def damaged_caches(count: int, seed: int) -> int:
    """Random truncations and bit flips of a cache file (most in its header): every run answers,
    and the run after it too, from a replaced file. Returns failures."""
    import tempfile

    rng = random.Random(seed)
    failures = 0
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "XDG_CACHE_HOME": home}
        env.pop("UPFAQ_NO_CACHE", None)
        ask = [sys.executable, "-m", "upfaq", "ask", "can I interview on skype"]
        subprocess.run(ask, env=env, capture_output=True, timeout=120, check=False)
        (cached,) = Path(home).rglob("[!.]*.idx")
        sound = cached.read_bytes()
        for _ in range(count):
            data = bytearray(sound)
            if rng.random() < 0.3:
                del data[rng.randrange(len(data)) :]
            else:
                spot = rng.randrange(64) if rng.random() < 0.7 else rng.randrange(len(data))
                data[spot] ^= 1 << rng.randrange(8)
            cached.write_bytes(bytes(data))
            for _ in range(2):
                done = subprocess.run(ask, env=env, capture_output=True, timeout=120, check=False)
                if _bad(done, (0,)):
                    failures += 1
                    print(f"  damaged cache failure: status={done.returncode} {done.stderr[-200:]!r}", file=sys.stderr)
                    break
    return failures


def hostile_file_names(count: int, seed: int) -> int:
    """Knowledge-base files with random bytes in their names, in the user data directory: no
    control character of a name reaches the output. Returns failures."""
    import tempfile

    rng = random.Random(seed)
    failures = 0
    for _ in range(count):
        with tempfile.TemporaryDirectory() as home:
            directory = Path(home) / "upfaq"
            directory.mkdir()
            raw = bytes(rng.choice([*range(1, 47), *range(48, 256)]) for _ in range(rng.randrange(1, 30)))
            name = os.fsdecode(raw + b".toml")
            body = rng.choice([b"not toml [[[", b'[[entry]]\nid = "x"\nquestion = "Q?"\nanswer = "A."\n', b"\xff\xfe"])
            try:
                (directory / name).write_bytes(body)
            except OSError:
                continue
            env = {**os.environ, "XDG_DATA_HOME": home}
            for argv in (["ask", "skype"], ["list", "--topic", "nope"], ["validate"], ["kb"]):
                done = subprocess.run(
                    [sys.executable, "-m", "upfaq", *argv], env=env, capture_output=True, timeout=120, check=False
                )
                if _bad(done, (0, 1, 2)):
                    failures += 1
                    print(f"  file name failure: {raw!r} {argv} status={done.returncode}", file=sys.stderr)
    return failures


URL_PIECES = (
    "https://",
    "http://",
    "ftp://",
    "javascript:",
    "example.com",
    "@evil.example",
    "/",
    "$(id)",
    "`id`",
    " ",
    "\u202e",
    "\x1b]0;x\x07",
    "%20",
    "?a=1&b=2",
    "#x",
    "~",
    "'",
    '"',
    "\\",
    "\t",
    "é",
)
SETTING_PIECES = ("less", "more", "cat", " -R", ' "', " '", "%s", "&", ";", "|", "$(id)", "\\", "", ":")


def hostile_settings(count: int, seed: int) -> int:
    """Random links in a knowledge base (through validate and open), and random UPFAQ_PAGER, PAGER,
    BROWSER and UPFAQ_CACHE_MB values: never a traceback, an internal error or a control character
    in the output. Returns failures."""
    import tempfile

    rng = random.Random(seed)
    failures = 0
    for _ in range(count):
        with tempfile.TemporaryDirectory() as home:
            url = "".join(rng.choice(URL_PIECES) for _ in range(rng.randrange(1, 6)))
            kb_file = Path(home) / "links.toml"
            escaped = (
                url.replace("\\", "\\\\").replace('"', '\\"').replace("\x1b", "\\u001b").replace("\x07", "\\u0007")
            )
            escaped = escaped.replace("\t", "\\t")
            kb_file.write_text(
                f'[[entry]]\nid = "x"\nquestion = "Where?"\nanswer = "There, long enough."\nurl = "{escaped}"\n',
                encoding="utf-8",
            )
            setting = "".join(rng.choice(SETTING_PIECES) for _ in range(rng.randrange(0, 5)))
            size = rng.choice(["", "0", "1", "²", "①", "9" * rng.randrange(1, 5000), "-1", "12MB", " 7 "])
            env = {
                **os.environ,
                "XDG_CACHE_HOME": home,
                "UPFAQ_CACHE_MB": size,
                "UPFAQ_PAGER": setting,
                "PAGER": setting,
                "BROWSER": setting,
            }
            env.pop("UPFAQ_NO_CACHE", None)
            for argv in (["validate", str(kb_file)], ["--kb", str(kb_file), "open", "x"], ["ask", "skype"]):
                done = subprocess.run(
                    [sys.executable, "-m", "upfaq", *argv], env=env, capture_output=True, timeout=120, check=False
                )
                if _bad(done, (0, 1, 2)):
                    failures += 1
                    print(
                        f"  setting failure: {url!r} {setting!r} {size[:20]!r} {argv} status={done.returncode}",
                        file=sys.stderr,
                    )
    return failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--processes", type=int, default=200, help="random queries run as real processes")
    args = parser.parse_args(argv)

    os.environ.setdefault("UPFAQ_NO_CACHE", "1")
    checks = properties(args.batch)
    counts = dict.fromkeys((name for name, _ in checks), 0)
    stop = time.monotonic() + 60 * args.minutes
    started = time.monotonic()
    try:
        while time.monotonic() < stop:
            for name, check in checks:
                check()
                counts[name] += args.batch
    except Exception as error:  # noqa: BLE001 - report the first failure whatever it is
        print(f"FAILED after {time.monotonic() - started:.0f} s: {type(error).__name__}: {error}")
        return 1
    failures = processes(args.processes, seed=int(started))
    damaged = damaged_caches(args.processes // 4, seed=int(started))
    named = hostile_file_names(args.processes // 8, seed=int(started))
    settings_failures = hostile_settings(args.processes // 8, seed=int(started))
    elapsed = time.monotonic() - started
    for name, count in counts.items():
        print(f"{name:<28} {count:>8} examples")
    print(f"{'real processes':<28} {2 * args.processes:>8} runs, {failures} failures")
    print(f"{'damaged cache files':<28} {args.processes // 4:>8} files, {damaged} failures")
    print(f"{'hostile file names':<28} {args.processes // 8:>8} names, {named} failures")
    print(f"{'hostile links and settings':<28} {args.processes // 8:>8} sets, {settings_failures} failures")
    failures += damaged + named + settings_failures
    print(
        f"{sum(counts.values())} in-process examples in {elapsed:.0f} s: {'no failure' if not failures else 'FAILURES'}"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
