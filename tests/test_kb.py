"""Loading knowledge bases: the bundled one, its provenance data, and every way a file can be bad."""

from __future__ import annotations

import re
from pathlib import Path

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


def test_bundled_kb_has_every_seed_id_in_order(bundled: KnowledgeBase) -> None:
    """The bundled knowledge base loads and holds exactly the ten seed entries, in seed order."""
    assert [e.id for e in bundled.entries] == SEED_IDS


def test_bundled_kb_answers_are_free_of_scraping_debris(bundled: KnowledgeBase) -> None:
    """No "Was this article helpful", "clicking here" or TeX-style escapes survive cleaning."""
    for entry in bundled.entries:
        for text in (entry.question, entry.answer):
            assert "helpful" not in text.lower(), entry.id
            assert "clicking here" not in text.lower(), entry.id
            assert "\\" not in text, entry.id
    assert "15% project fee" in bundled.get("preferred-freelancer-fees").answer


def test_bundled_kb_records_what_is_wrong_with_the_seed(bundled: KnowledgeBase) -> None:
    """The community answer, the foreign program, the non-answer and the mixed list are all flagged."""
    share = bundled.get("share-email")
    assert share.authority == "community"
    assert set(share.conflicts) == {"contact-outside", "interview-outside"}
    for official in ("contact-outside", "interview-outside"):
        assert "share-email" in bundled.get(official).conflicts
        assert bundled.get(official).authority == "official"
    assert bundled.get("preferred-freelancer-fees").authority == "doubtful"
    assert "another" in bundled.get("preferred-freelancer-fees").note
    assert "does not" in bundled.get("feedback-response").note
    assert "two lists" in bundled.get("interview-tips").note


def test_bundled_kb_references_and_fields_are_consistent(bundled: KnowledgeBase) -> None:
    """Every conflict and related id exists, every authority is known, every entry has search aids."""
    ids = {e.id for e in bundled.entries}
    for entry in bundled.entries:
        assert set(entry.conflicts) <= ids and set(entry.related) <= ids, entry.id
        assert entry.authority in AUTHORITIES
        assert entry.aliases and entry.tags and entry.topic != "General", entry.id
        assert entry.source


def test_bundled_kb_keeps_bullet_lists_as_lists(bundled: KnowledgeBase) -> None:
    """The invitation answer keeps one line per option."""
    lines = bundled.get("interview-invitation").answer.splitlines()
    assert [line.split(":")[0] for line in lines] == ["- Accept", "- Decline", "- Ignore"]


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
    assert bundled.topics == ["Communication", "Interviews", "Fees", "Feedback", "Policies"]


def test_bundled_path_is_inside_the_package() -> None:
    """The bundled file sits next to the code, so no resource machinery is needed to find it."""
    assert BUNDLED_PATH.is_file() and BUNDLED_PATH.parent.parent.name == "upfaq"
