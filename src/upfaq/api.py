"""upfaq as a library: the same answers, entries and provenance as the command line's --json, as
Python data, for scripts that should not shell out.

    >>> import upfaq
    >>> found = upfaq.answer("can I interview on skype")
    >>> found["answered"], found["results"][0]["id"]
    (True, 'interview-outside')

Knowledge bases are found as the command finds them (the bundled one, the user data directory,
UPFAQ_KB, then `kb`), through the same cache.
"""

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from upfaq import render
from upfaq.session import Session


def _session(kb: Sequence[str | os.PathLike[str]], bundled: bool, env: Mapping[str, str] | None) -> Session:
    return Session([Path(path) for path in kb], bundled=bundled, env=os.environ if env is None else env)


def answer(
    query: str,
    *,
    kb: Sequence[str | os.PathLike[str]] = (),
    n: int = 1,
    bundled: bool = True,
    env: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The answer to a question: the object `upfaq ask --json -n N QUERY` prints (`query`, `answered`,
    `results` with every entry's fields and score, `suggestions` when nothing is confident).

    kb: further knowledge-base files or directories, as --kb; bundled=False leaves out the bundled
    one; env: the environment to read (UPFAQ_KB, XDG_*, UPFAQ_NO_CACHE), this process's by default.
    Raises kb.KBError for a file that cannot be used (session.NoKnowledge when none is in effect), as
    the command exits 2.
    """
    if n < 1:
        raise ValueError("n must be at least 1")
    session = _session(kb, bundled, env)
    return render.ask_object(session.search(query, n), session.loaded.kb)


def entries(
    *,
    kb: Sequence[str | os.PathLike[str]] = (),
    bundled: bool = True,
    env: Mapping[str, str] | None = None,
) -> list[dict[str, Any]]:
    """Every entry in effect, as `upfaq list --json` gives them."""
    merged = _session(kb, bundled, env).loaded.kb
    return [render.entry_object(entry, merged) for entry in merged.entries]


def entry(
    entry_id: str,
    *,
    kb: Sequence[str | os.PathLike[str]] = (),
    bundled: bool = True,
    env: Mapping[str, str] | None = None,
) -> dict[str, Any] | None:
    """One entry, as `upfaq show ID --json` gives it; None when no knowledge base in effect has the id."""
    merged = _session(kb, bundled, env).loaded.kb
    found = merged.get(entry_id)
    return None if found is None else render.entry_object(found, merged)
