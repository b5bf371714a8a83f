"""Shared fixtures: a tiny knowledge base built in code, and a way to run the CLI in-process."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from upfaq.cli import main
from upfaq.kb import KnowledgeBase, from_dict

ROOT = Path(__file__).resolve().parent.parent

TINY = {
    "synonyms": {"video": ["skype", "zoom", "call"], "pay": ["pay", "payment", "invoice"]},
    "entry": [
        {
            "id": "calls",
            "question": "Can I take calls with customers?",
            "answer": "Calls must happen on the platform.",
            "topic": "Talking",
            "tags": ["calls"],
            "aliases": ["Can I use a video call app?"],
            "authority": "official",
            "conflicts": ["rumour"],
        },
        {
            "id": "rumour",
            "question": "Is it fine to call customers on skype?",
            "answer": "Sure, skype calls are fine, just get paid on the platform.",
            "topic": "Talking",
            "authority": "community",
            "conflicts": ["calls"],
            "note": "A forum reply; contradicts calls.",
        },
        {
            "id": "invoices",
            "question": "When are invoices sent?",
            "answer": "Invoices are sent every Monday.",
            "topic": "Money",
            "tags": ["billing"],
        },
    ],
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Skip what this system cannot run: POSIX-only tests on Windows, fork tests off Linux."""
    for item in items:
        if "posix" in item.keywords and os.name != "posix":
            item.add_marker(pytest.mark.skip(reason="needs POSIX"))
        if "fork" in item.keywords and not sys.platform.startswith("linux"):
            item.add_marker(pytest.mark.skip(reason="upfaq indexes in forked processes on Linux only"))
        if "linux" in item.keywords and not sys.platform.startswith("linux"):
            item.add_marker(pytest.mark.skip(reason="needs Linux (/proc, ru_maxrss in kB)"))


@pytest.fixture(autouse=True)
def hermetic_environment(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test sees an empty user data directory and no UPFAQ_KB, whatever the machine has.

    The cache directory is the session's own, shared by the tests: entries in it are keyed by
    content, so sharing only saves indexing the bundled knowledge base again for every test.
    Tests of the cache use directories of their own.
    """
    data_home = tmp_path_factory.mktemp("xdg-data")
    monkeypatch.setenv("XDG_DATA_HOME", str(data_home))
    shared_cache = tmp_path_factory.getbasetemp() / "xdg-cache-shared"
    shared_cache.mkdir(mode=0o700, exist_ok=True)
    monkeypatch.setenv("XDG_CACHE_HOME", str(shared_cache))
    monkeypatch.delenv("UPFAQ_KB", raising=False)
    return data_home / "upfaq"


@pytest.fixture
def tiny_kb() -> KnowledgeBase:
    """A three-entry knowledge base with a synonym table, a conflict and a community answer."""
    return from_dict(TINY, "tiny.toml")


@dataclass
class Run:
    """What one upfaq run printed and how it exited."""

    status: int
    out: str
    err: str


@pytest.fixture
def upfaq(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Callable[..., Run]:
    """Run the CLI in-process (stdout is not a terminal) and capture its output."""
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)

    def run(*argv: str) -> Run:
        status = main(list(argv))
        captured = capsys.readouterr()
        return Run(status, captured.out, captured.err)

    return run


def run_process(
    *argv: str, stdin: str | bytes | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    """Run `python -m upfaq` as a real process with pipes for its streams."""
    data = stdin.encode() if isinstance(stdin, str) else stdin
    return subprocess.run(
        [sys.executable, "-m", "upfaq", *argv], input=data, capture_output=True, env=env, timeout=60, check=False
    )
