"""The session: which knowledge bases are in effect, and what is looked up in them, without the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest

from upfaq.kb import KBError
from upfaq.session import NoKnowledge, Replay, Session, UnknownEntry, UnknownTopic

TEAM = """\
[[entry]]
id = "vpn-policy"
question = "May I use a VPN for client work?"
answer = "Use the team VPN profile."
topic = "Security"

[[entry]]
id = "vpn-setup"
question = "How do I set up the VPN?"
answer = "Install the profile from the wiki."
topic = "Security"
"""


@pytest.fixture
def team(tmp_path: Path) -> Path:
    path = tmp_path / "team.toml"
    path.write_text(TEAM, encoding="utf-8")
    return path


def test_the_environment_given_is_the_one_read(team: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """UPFAQ_KB comes from the environment passed in, never from os.environ behind its back."""
    monkeypatch.setenv("UPFAQ_KB", "/nonexistent/elsewhere.toml")
    session = Session(bundled=False, env={"UPFAQ_KB": str(team), "UPFAQ_NO_CACHE": "1"})
    assert [e.id for e in session.loaded.kb.entries] == ["vpn-policy", "vpn-setup"]


def test_nothing_in_effect_is_an_error_of_the_library(tmp_path: Path) -> None:
    """With the bundled knowledge base left out and nothing else, opening raises NoKnowledge (a KBError)."""
    session = Session(bundled=False, env={"XDG_DATA_HOME": str(tmp_path)})
    with pytest.raises(NoKnowledge) as raised:
        session.open()
    assert isinstance(raised.value, KBError) and "no knowledge base in effect" in str(raised.value)


def test_an_entry_is_found_by_its_id_or_one_typo_away(team: Path) -> None:
    """An exact id is no guess; an id one edit away is found and said to be a guess; a far one names the closest."""
    session = Session([team], bundled=False, env={})
    assert session.entry("vpn-setup") == (session.loaded.kb.get("vpn-setup"), False)
    found, guessed = session.entry("vpn-stup")
    assert (found.id, guessed) == ("vpn-setup", True)
    with pytest.raises(UnknownEntry) as raised:
        session.entry("vpn")
    assert raised.value.wanted == "vpn" and set(raised.value.close) >= {"vpn-setup", "vpn-policy"}


def test_a_topic_is_found_whatever_its_case_or_one_typo_away(team: Path) -> None:
    """A topic matches ignoring case; one edit away it is guessed and named; else UnknownTopic lists the topics."""
    session = Session([team], bundled=False, env={})
    assert [e.id for e in session.topic("security")[0]] == ["vpn-policy", "vpn-setup"]
    assert session.topic("security")[1] is None
    assert session.topic("Securty")[1] == "Security"
    with pytest.raises(UnknownTopic) as raised:
        session.topic("billing")
    assert raised.value.topics == ("Security",)


def test_a_search_leaves_room_for_the_related_rows(team: Path) -> None:
    """search(query, n) ranks n answers plus the related rows shown under them."""
    from upfaq import render

    session = Session([team], bundled=False, env={})
    assert len(session.search("vpn", 1).candidates) == min(2, 1 + render.RELATED)
    assert session.search("vpn", 1).query == "vpn"


def test_a_replay_forgets_the_least_recently_asked_first() -> None:
    """Past its count, the query asked least recently goes; a query asked again is kept."""
    replay = Replay(count=2, chars=1 << 20)
    replay.keep("a", "A", True)
    replay.keep("b", "B", False)
    assert replay.get("a") == ("A", True)  # a is now the most recent
    replay.keep("c", "C", True)
    assert replay.get("b") is None and replay.get("a") == ("A", True) and len(replay) == 2


def test_a_replay_stays_within_its_size() -> None:
    """Past its size in characters, the oldest texts go until it fits."""
    replay = Replay(count=100, chars=10)
    replay.keep("q1", "x" * 4, True)
    replay.keep("q2", "y" * 4, True)
    assert replay.get("q1") is None and replay.get("q2") == ("yyyy", True)
