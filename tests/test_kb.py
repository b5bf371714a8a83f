"""Loading knowledge bases: the bundled one, its provenance data, and every way a file can be bad."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from upfaq.kb import AUTHORITIES, BUNDLED_PATH, KBError, KnowledgeBase, from_dict, load_bundled, load_file, merge

SEED_IDS = [
    "contact-outside",
    "interview-outside",
    "share-email",
    "interview-invitation",
    "interview-tips",
    "preferred-freelancer-fees",
    "feedback-delay",
    "feedback-dispute",
    "content-removal",
    "feedback-response",
]


@pytest.fixture(scope="module")
def bundled() -> KnowledgeBase:
    """The bundled knowledge base, loaded once."""
    return load_bundled()


OFFICIAL_HOSTS = ("support.upwork.com", "www.upwork.com", "upwork.com", "community.upwork.com", "upwork.pactsafe.io")
"""Upwork's own sites: the Help Center, the Community (staff posts), upwork.com and its legal pages."""
INTERNAL_HOST = "stage-support.upwork.com"


def host(url: str) -> str:
    """The host of a link."""
    return urlsplit(url).hostname or ""


def test_bundled_kb_keeps_every_seed_id_and_is_large(bundled: KnowledgeBase) -> None:
    """The ten seed ids that scripts rely on are still there, among at least 200 entries."""
    ids = [e.id for e in bundled.entries]
    assert set(SEED_IDS) <= set(ids)
    assert len(ids) >= 200


def test_every_bundled_entry_cites_an_official_page_with_a_date(bundled: KnowledgeBase) -> None:
    """Each entry links to an Upwork page (or says its source is a third party) and says as of when."""
    for entry in bundled.entries:
        assert entry.as_of, entry.id
        assert entry.url.startswith("https://"), entry.id
        if host(entry.url) not in OFFICIAL_HOSTS:
            assert "third-party" in entry.source.lower(), entry.id
            assert entry.authority != "official", entry.id
        assert entry.source, entry.id


def test_internal_pages_are_never_an_entrys_only_source(bundled: KnowledgeBase) -> None:
    """An internal support page may support an answer, never be its link."""
    for entry in bundled.entries:
        assert host(entry.url) != INTERNAL_HOST, entry.id
        for change in entry.history:
            assert host(change.url) != INTERNAL_HOST or host(entry.url) in OFFICIAL_HOSTS, entry.id


def test_bundled_kb_references_and_fields_are_consistent(bundled: KnowledgeBase) -> None:
    """Every conflict and related id exists, every authority is known, every entry has search aids."""
    ids = [e.id for e in bundled.entries]
    assert len(ids) == len(set(ids))
    for entry in bundled.entries:
        assert set(entry.conflicts) <= set(ids) and set(entry.related) <= set(ids), entry.id
        assert entry.id not in entry.related, entry.id
        assert entry.authority in AUTHORITIES
        assert entry.aliases and entry.tags and entry.topic != "General", entry.id


def test_bundled_kb_records_what_is_wrong_with_the_seed(bundled: KnowledgeBase) -> None:
    """The community answer records that it conflicts with the official ones (they do not warn about it:
    its own text now points to them); the foreign program says whose it is."""
    share = bundled.get("share-email")
    assert share.authority == "community"
    assert set(share.conflicts) >= {"contact-outside", "interview-outside"}
    for official in ("contact-outside", "interview-outside"):
        assert "share-email" in bundled.get(official).related and not bundled.get(official).conflicts
        assert official in share.answer or official in share.related
        assert bundled.get(official).authority == "official"
        assert host(bundled.get(official).url) in OFFICIAL_HOSTS
    preferred = bundled.get("preferred-freelancer-fees")
    assert preferred.authority == "doubtful"
    assert "Freelancer.com" in preferred.answer.split(".")[0] + preferred.answer
    assert "service-fee" in preferred.related
    for seed in (bundled.get(seed) for seed in SEED_IDS):
        assert "third-party" in f"{seed.note} {seed.source}".lower(), seed.id


def test_changes_over_time_are_kept_with_their_dates(bundled: KnowledgeBase) -> None:
    """The fee entry states the flat 10% of May 2023, as of no earlier than its start, and keeps the sliding
    scale and the first flat fee."""
    fee = bundled.get("service-fee")
    assert "10%" in fee.answer and "3 May 2023" in fee.answer
    assert fee.as_of >= "2023-05-03"
    spans = {(change.start, change.until) for change in fee.history}
    assert any(until.startswith("2023-05") for _, until in spans)
    assert any("20%" in change.fact for change in fee.history)
    assert sum(bool(entry.history) for entry in bundled.entries) >= 10


def test_answers_lead_with_the_answer_and_list_with_dashes(bundled: KnowledgeBase) -> None:
    """No answer opens with a bullet or a number list; bullets are written "- "."""
    for entry in bundled.entries:
        first = entry.answer.splitlines()[0]
        assert not first.startswith(("-", "*", "1.")), entry.id
        assert not any(line.lstrip().startswith(("* ", "• ")) for line in entry.answer.splitlines()), entry.id


def test_minimal_file_gets_defaults(tmp_path: Path) -> None:
    """An entry with only id, question and answer loads with the documented defaults."""
    path = tmp_path / "mine.toml"
    path.write_text('[[entry]]\nid = "a"\nquestion = "Q?"\nanswer = "A."\n', encoding="utf-8")
    kb = load_file(path)
    entry = kb.entries[0]
    assert (entry.topic, entry.tags, entry.authority, entry.origin) == ("General", (), None, str(path))
    assert entry.trusted


def test_bom_and_crlf_are_accepted(tmp_path: Path) -> None:
    """A UTF-8 byte-order mark and Windows line ends do not stop a file loading."""
    path = tmp_path / "win.toml"
    path.write_bytes(b'\xef\xbb\xbf[[entry]]\r\nid = "a"\r\nquestion = "Q?"\r\nanswer = "A."\r\n')
    assert load_file(path).entries[0].id == "a"


BAD_FILES = [
    ('[[entry]]\nid = "a"\nquestion = = "Q"\n', r"^bad\.toml:3:12: invalid TOML: Invalid value$"),
    ('[[entry]]\nid = "a"\nanswer = "A"\n', r"^bad\.toml:1: entry 'a': missing required field 'question'$"),
    ('[[entry]]\nid = "a"\nquestion = 3\nanswer = "A"\n', r"^bad\.toml:3: entry 'a': 'question' must be a string$"),
    ('[[entry]]\nid = "a"\nquestion = "Q"\nanswer = "A"\ntags = "x"\n', r"'tags' must be an array of strings$"),
    ('[[entry]]\nid = "Bad Id"\nquestion = "Q"\nanswer = "A"\n', r"id must be a lowercase slug"),
    ('[[entry]]\nid = "a"\nquestion = "Q"\nanswer = "A"\nauthority = "gospel"\n', r"'authority' must be one of"),
    (
        '[[entry]]\nid = "a"\nquestion = "Q"\nanswer = "A"\n\n[[entry]]\nid = "a"\nquestion = "R"\nanswer = "B"\n',
        r"^bad\.toml:6: duplicate id 'a' \(first at line 1\)$",
    ),
    ('entry = "x"\n', r"'entry' must be an array of tables"),
    ('[synonyms]\nx = "y"\n', r"synonyms\.x must be an array of strings"),
]


@pytest.mark.parametrize(("text", "message"), BAD_FILES)
def test_bad_files_give_one_line_errors_naming_the_file(tmp_path: Path, text: str, message: str) -> None:
    """Each kind of broken file raises KBError whose message names the file and, where known, the line."""
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(KBError) as caught:
        load_file(path, "bad.toml")
    assert re.search(message, str(caught.value)), str(caught.value)
    assert "\n" not in str(caught.value)


def test_unreadable_inputs_are_errors_not_crashes(tmp_path: Path) -> None:
    """A missing file, a directory and non-UTF-8 bytes each raise KBError."""
    with pytest.raises(KBError, match="no such file"):
        load_file(tmp_path / "missing.toml")
    with pytest.raises(KBError, match="is a directory"):
        load_file(tmp_path)
    latin = tmp_path / "latin.toml"
    latin.write_bytes(b'[[entry]]\nid = "a"\nquestion = "caf\xe9"\nanswer = "A"\n')
    with pytest.raises(KBError, match=r"latin\.toml:3: not UTF-8"):
        load_file(latin)


def test_merge_lets_a_higher_layer_replace_an_entry_by_id() -> None:
    """The first layer wins for a shared id; other entries from both layers remain."""
    low = from_dict(
        {"entry": [{"id": "a", "question": "Old?", "answer": "old"}, {"id": "b", "question": "B?", "answer": "b"}]},
        "low",
    )
    high = from_dict({"entry": [{"id": "a", "question": "New?", "answer": "new"}]}, "high")
    merged = merge([high, low])
    assert {e.id: (e.answer, e.origin) for e in merged.entries} == {"a": ("new", "high"), "b": ("b", "low")}


def test_topics_in_order_of_first_appearance(bundled: KnowledgeBase) -> None:
    """Topics list each topic once, in file order."""
    first_seen = list(dict.fromkeys(entry.topic for entry in bundled.entries))
    assert bundled.topics == first_seen and len(first_seen) > 20
    assert bundled.topics[:3] == ["Circumvention", "Communication", "Accounts"]


def test_bundled_path_is_inside_the_package() -> None:
    """The bundled file sits next to the code, so no resource machinery is needed to find it."""
    assert BUNDLED_PATH.is_file() and BUNDLED_PATH.parent.parent.name == "upfaq"
