"""upfaq as a library: upfaq.answer, upfaq.entries and upfaq.entry give what --json gives."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import upfaq as library

from .conftest import Run

Upfaq = Callable[..., Run]


def test_answer_is_what_ask_json_prints(upfaq: Upfaq) -> None:
    """library.answer(query, n=2) is the object `upfaq ask --json -n 2 query` prints, key for key."""
    for query in ("can I interview on skype", "best time of day to send proposals"):
        printed = json.loads(upfaq("ask", "--json", "-n", "2", query).out)
        assert library.answer(query, n=2) == printed


def test_entries_and_entry_are_what_list_and_show_json_print(upfaq: Upfaq) -> None:
    """library.entries() is `upfaq list --json`; library.entry(id) is `upfaq show ID --json`, None when unknown."""
    assert library.entries() == json.loads(upfaq("list", "--json").out)
    assert library.entry("service-fee") == json.loads(upfaq("show", "service-fee", "--json").out)
    assert library.entry("no-such-id") is None


def test_answer_takes_knowledge_bases_as_the_command_does(tmp_path: Path) -> None:
    """kb= adds files as --kb does; bundled=False leaves the bundled one out; n below 1 is refused."""
    mine = tmp_path / "mine.toml"
    mine.write_text('[[entry]]\nid = "vpn"\nquestion = "Where is the VPN guide?"\nanswer = "On the wiki."\n')
    found = library.answer("vpn guide", kb=[mine], bundled=False, env={"UPFAQ_NO_CACHE": "1"})
    assert found["answered"] and found["results"][0]["id"] == "vpn" and found["results"][0]["file"] == str(mine)
    with pytest.raises(ValueError, match="at least 1"):
        library.answer("vpn", n=0)


def test_importing_upfaq_loads_nothing_of_the_library() -> None:
    """`import upfaq` stays free: the library is imported on first use of upfaq.answer and the like."""
    import subprocess

    code = "import sys, upfaq; print('upfaq.api' in sys.modules, 'upfaq.store' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "False"]
    with pytest.raises(AttributeError):
        library.no_such_thing  # noqa: B018 - the lookup is what is tested
