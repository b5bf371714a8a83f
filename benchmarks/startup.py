"""Start-up time of the upfaq command, as ratios to a bare interpreter measured in the same run.

    python benchmarks/startup.py [--runs 25] [--upfaq PATH] [--against PATH]

Runs each command --runs times, interleaved round-robin so that load on this shared machine
hits every command alike, and prints the median wall time and its ratio to the baseline:
`python -c pass` for piped commands, and the same under a pseudo-terminal (`script -qec`) for
the terminal rendering. Output goes to a pipe (or the pseudo-terminal), never to this terminal.

With --against, a second upfaq (another version, installed in its own venv) runs every upfaq
command in the same rounds, and a last column gives the ratio of the first to it: an A/B in one run.

Measure a regular install (`pip install .`, which compiles bytecode), not an editable one: under
PYTHONDONTWRITEBYTECODE an editable install recompiles upfaq's modules at every start.
"""

from __future__ import annotations

import argparse
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

QUERY = "can I interview on skype"
# The framework alone: a one-command Typer app, for what upfaq adds on top of it.
BARE_TYPER = (
    "import typer\n"
    "app = typer.Typer(add_completion=False, rich_markup_mode=None)\n"
    "@app.command()\n"
    "def ask(query: list[str]) -> None:\n"
    "    print(' '.join(query))\n"
    "app()\n"
)


def _time(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, capture_output=True, stdin=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def _under_pty(argv: list[str]) -> list[str]:
    return ["script", "-qec", shlex.join(argv), "/dev/null"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=25)
    parser.add_argument("--upfaq", default=str(Path(sys.executable).with_name("upfaq")), help="the upfaq executable")
    parser.add_argument("--against", help="another upfaq executable to compare with, in the same run")
    args = parser.parse_args(argv)

    python = sys.executable
    upfaq = args.upfaq
    cases: dict[str, tuple[list[str], str]] = {
        "python -c pass (piped)": ([python, "-c", "pass"], "pipe"),
        "bare Typer app, one command": ([python, "-c", BARE_TYPER, QUERY], "pipe"),
        f'upfaq ask "{QUERY}"': ([upfaq, "ask", QUERY], "pipe"),
        f'upfaq ask "{QUERY}" --json': ([upfaq, "ask", QUERY, "--json"], "pipe"),
        "upfaq list": ([upfaq, "list"], "pipe"),
        "upfaq --help": ([upfaq, "--help"], "pipe"),
    }
    if shutil.which("script"):
        cases["python -c pass (pty)"] = (_under_pty([python, "-c", "pass"]), "pty")
        cases[f'upfaq ask "{QUERY}" (pty, panel)'] = (_under_pty([upfaq, "ask", QUERY]), "pty")
    others: dict[str, str] = {}
    if args.against:
        # Each version keeps its own index cache: sharing one, each would rebuild the other's.
        caches = {upfaq: tempfile.mkdtemp(prefix="upfaq-a-"), args.against: tempfile.mkdtemp(prefix="upfaq-b-")}
        for name, (command, kind) in list(cases.items()):
            if name.startswith("upfaq"):
                swapped = [args.against if part == upfaq else part.replace(upfaq, args.against) for part in command]
                others[name] = f"{name} [against]"
                cases[name] = (["env", f"XDG_CACHE_HOME={caches[upfaq]}", *command], kind)
                cases[others[name]] = (["env", f"XDG_CACHE_HOME={caches[args.against]}", *swapped], kind)
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for command, _ in cases.values():  # warm the file cache once
        _time(command)
    for _ in range(args.runs):
        for name, (command, _) in cases.items():
            samples[name].append(_time(command))
    medians = {name: statistics.median(values) for name, values in samples.items()}
    baseline = {"pipe": medians["python -c pass (piped)"], "pty": medians.get("python -c pass (pty)", 0.0)}
    print(f"{'command':<48} {'median ms':>9} {'ratio':>6}" + (f" {'vs against':>10}" if others else ""))
    for name, (_, kind) in cases.items():
        if name in others.values():
            continue
        ratio = medians[name] / baseline[kind] if baseline[kind] else float("nan")
        versus = f" {medians[name] / medians[others[name]]:>9.2f}x" if name in others else ""
        print(f"{name:<48} {1000 * medians[name]:>9.1f} {ratio:>5.1f}x{versus}")
    print(f"({args.runs} runs each, interleaved; ratios against the baseline of the same kind)")


if __name__ == "__main__":
    main()
