"""Provenance: url, as_of, citations and history are checked, carried through the cache, and shown."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from upfaq import render, store
from upfaq.kb import Change, Entry, KBError, Source, check, load, parse, valid_date
from upfaq.search import Index

DATED = """\
[meta]
require = ["url", "as_of"]

[[entry]]
id = "fee"
question = "How much is the service fee?"
answer = "A flat 10% since 3 May 2023."
source = "Help Center: Fees"
url = "https://support.example.com/fees"
as_of = "2023-05-03"
citations = ["https://community.example.com/fees-announcement"]

[[entry.history]]
from = "2016-06"
until = "2023-05-03"
fact = "A sliding fee: 20% of the first $500 with a client, then 10%, then 5%."
url = "https://support.example.com/fees-2016"

[[entry.history]]
until = "2016-06"
fact = "A flat 10% on everything."
"""


def parsed(text: str = DATED) -> Entry:
    """The one entry of a knowledge base written as text."""
    return parse(text.encode(), "dated.toml").entries[0]


def findings(text: str) -> list[str]:
    """Every finding for a file, as the strings `upfaq validate` prints."""
    return [str(f) for f in check(text.encode(), "kb.toml")[1]]


def test_provenance_fields_are_read_with_history_in_order() -> None:
    """url, as_of, citations and each [[entry.history]] table come through as written."""
    entry = parsed()
    assert entry.url == "https://support.example.com/fees"
    assert entry.as_of == "2023-05-03"
    assert entry.citations == ("https://community.example.com/fees-announcement",)
    assert entry.history == (
        Change(
            "A sliding fee: 20% of the first $500 with a client, then 10%, then 5%.",
            "2016-06",
            "2023-05-03",
            "https://support.example.com/fees-2016",
        ),
        Change("A flat 10% on everything.", "", "2016-06", ""),
    )


@pytest.mark.parametrize(
    ("text", "good"),
    [
        ("2024", True),
        ("2024-02", True),
        ("2024-02-29", True),
        ("2023-02-29", False),
        ("2024-13", False),
        ("24-01-01", False),
        ("2024/01/01", False),
        ("", False),
        ("1899", False),
        ("2024-1-1", False),
    ],
)
def test_dates_are_real_iso_dates_of_a_year_month_or_day(text: str, good: bool) -> None:
    """Only YYYY, YYYY-MM and YYYY-MM-DD that name a real date pass."""
    assert valid_date(text) is good


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("url", '"ftp://example.com/x"', "kb.toml:5: error: entry 'x': 'url' must be an http(s) link with no spaces"),
        ("url", '"https://exa mple.com"', "kb.toml:5: error: entry 'x': 'url' must be an http(s) link with no spaces"),
        ("url", '"https://example.com/\\u001b[31m"', "kb.toml:5: error: entry 'x': 'url' must be an http(s) link"),
        ("as_of", '"May 2023"', "kb.toml:5: error: entry 'x': 'as_of' must be a date written YYYY, YYYY-MM or"),
        ("as_of", "2023-05-03", "kb.toml:5: error: entry 'x': 'as_of' must be a date written"),
        ("citations", '"https://example.com"', "kb.toml:5: error: entry 'x': 'citations' must be an array of links"),
        ("citations", '["https://ok.example", "nope"]', "kb.toml:5: error: entry 'x': citation must be an http(s)"),
        ("history", '"it changed"', "kb.toml:5: error: entry 'x': 'history' must be an array of tables"),
    ],
)
def test_malformed_provenance_is_an_error_at_its_line(field: str, value: str, message: str) -> None:
    """A bad link, date, citation list or history is reported with the file and line of its key."""
    text = f'[[entry]]\nid = "x"\nquestion = "Q?"\nanswer = "A."\n{field} = {value}\n'
    found = findings(text)
    assert any(line.startswith(message) for line in found), found
    with pytest.raises(KBError):
        parse(text.encode(), "kb.toml")


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('fact = "Old."', "each change needs 'from' or 'until'"),
        ('from = "2020"', "each change needs a 'fact'"),
        ('fact = "Old."\nfrom = "2021"\nuntil = "2020"', "'from' 2021 is after 'until' 2020"),
        ('fact = "Old."\nuntil = "last year"', "'until' must be a date"),
        ('fact = "Old."\nuntil = "2020"\nurl = "not a link"', "'url' must be an http(s) link"),
    ],
)
def test_a_bad_history_table_is_an_error_at_its_own_header(table: str, message: str) -> None:
    """Each [[entry.history]] is checked, and the finding points at that table's header line."""
    entry = '[[entry]]\nid = "x"\nquestion = "Q?"\nanswer = "A."\n\n'
    text = f'{entry}[[entry.history]]\nfact = "Fine."\nuntil = "2019"\n\n[[entry.history]]\n{table}\n'
    found = findings(text)
    assert any(line.startswith("kb.toml:10: error: entry 'x': history") and message in line for line in found), found


def test_dates_of_different_precision_are_compared_at_the_coarser_one() -> None:
    """A change from 15 June 2016 until June 2016 is consistent: the month holds the day."""
    entry = '[[entry]]\nid = "x"\nquestion = "Q?"\nanswer = "A."\n'
    assert findings(f'{entry}[[entry.history]]\nfact = "Old."\nfrom = "2016-06-15"\nuntil = "2016-06"\n') == []
    assert findings(f'{entry}[[entry.history]]\nfact = "Old."\nfrom = "2016-07"\nuntil = "2016-06-30"\n')


def test_an_unknown_history_field_is_a_warning() -> None:
    """A typo in a history table is pointed out but does not stop the file loading."""
    entry = '[[entry]]\nid = "x"\nquestion = "Q?"\nanswer = "A."\n'
    text = f'{entry}[[entry.history]]\nfact = "Old."\nuntill = "2020"\nfrom = "2019"\n'
    assert findings(text) == ["kb.toml:5: warning: entry 'x': history: unknown field 'untill' (ignored)"]


def test_meta_require_makes_provenance_mandatory() -> None:
    """A file whose [meta] requires url and as_of refuses an entry without them, naming the entry's line."""
    text = '[meta]\nrequire = ["url", "as_of"]\n\n[[entry]]\nid = "x"\nquestion = "Q?"\nanswer = "A."\nurl = "https://example.com"\n'
    assert findings(text) == [
        "kb.toml:4: error: entry 'x': missing 'as_of' (this file's [meta] requires it of every entry)"
    ]
    assert findings(text.replace('require = ["url", "as_of"]', "")) == []
    assert findings(text.replace('"as_of"', '"answer"'))[0].startswith(
        "kb.toml: error: meta.require: 'answer' cannot be required"
    )


def test_history_is_searchable_with_the_answer() -> None:
    """A question about an old fact finds the entry whose history holds it."""
    other = 'id = "other"\nquestion = "How do I withdraw money?"\nanswer = "Pick a method."\n'
    text = DATED + f'\n[[entry]]\n{other}url = "https://support.example.com/withdraw"\nas_of = "2024"\n'
    index = Index(parse(text.encode(), "dated.toml"))
    top = index.search("sliding fee").candidates
    assert top
    assert top[0].entry.id == "fee"


def test_the_default_answer_says_a_rule_changed_and_gives_source_date_and_link_in_two_lines() -> None:
    """By default: one line says the rule changed and where the rest is; the source with its date on one
    line, the link alone on the next. Asked about the change, the history itself is shown."""
    kb = parse(DATED.encode(), "dated.toml")
    match = Index(kb).search("service fee").matches[0]
    shown = render.plain_answer(match, kb)
    assert "Before:" not in shown and "2016-06" not in shown
    assert "Source: Help Center: Fees, as of 2023-05-03\nhttps://support.example.com/fees\n" in shown
    assert shown.endswith("\nchanged on 2023-05-03 · more: upfaq show fee or --full")
    assert render.POLICY_NOTICE not in shown
    asked = render.plain_answer(match, kb, query="why was the fee 20% before")
    assert "Before:\n- 2016-06 to 2023-05-03: A sliding fee" in asked and "changed on" not in asked


def test_plain_answer_shows_what_changed_the_source_the_date_and_the_link() -> None:
    """In full, plain text carries the earlier facts newest first, the source with its date, the link,
    and the notice once."""
    text = DATED
    kb = parse(text.encode(), "dated.toml")
    match = Index(kb).search("service fee").matches[0]
    shown = render.plain_answer(match, kb, full=True)
    assert (
        "Before:\n"
        "- 2016-06 to 2023-05-03: A sliding fee: 20% of the first $500 with a client, then 10%, then 5%.\n"
        "- until 2016-06: A flat 10% on everything.\n"
        "\n"
        "Source: Help Center: Fees (as of 2023-05-03)\n"
        "  https://support.example.com/fees\n"
        f"{render.POLICY_NOTICE}\n"
    ) in shown
    assert shown.count("Policies change") == 1
    assert render.POLICY_NOTICE not in render.plain_answer(match, kb, notice=False, full=True)


def test_an_entry_without_provenance_shows_none() -> None:
    """A team's entry with no source, link or date gets no empty Source line and no notice."""
    kb = parse(b'[[entry]]\nid = "x"\nquestion = "Where is the VPN guide?"\nanswer = "On the wiki."\n', "t.toml")
    shown = render.plain_answer(Index(kb).search("vpn guide").matches[0], kb)
    assert "Source" not in shown
    assert "Policies change" not in shown


def test_json_carries_url_as_of_citations_and_history() -> None:
    """--json gives every provenance field, history as objects with from and until."""
    entry = parsed()
    kb = parse(DATED.encode(), "dated.toml")
    value = json.loads(render.to_json(render.entry_object(entry, kb)))
    assert value["url"] == "https://support.example.com/fees"
    assert value["as_of"] == "2023-05-03"
    assert value["citations"] == ["https://community.example.com/fees-announcement"]
    assert value["history"][1] == {"fact": "A flat 10% on everything.", "from": "", "until": "2016-06", "url": ""}


def test_the_panel_shows_the_source_link_and_says_policies_change() -> None:
    """On a terminal the link is underlined text, not an escape sequence, beside the date and notice
    (in full; by default the source is on the frame and the link under it)."""
    from rich.console import Console

    kb = parse(DATED.encode(), "dated.toml")
    match = Index(kb).search("service fee").matches[0]
    out = io.StringIO()
    Console(file=out, width=120, force_terminal=True, color_system="truecolor").print(
        render.rich_answer(match, kb, full=True)
    )
    drawn = out.getvalue()
    assert "Source: Help Center: Fees (as of 2023-05-03)" in drawn
    assert "2016-06 to 2023-05-03: A sliding fee" in drawn
    assert render.POLICY_NOTICE in drawn
    assert "\x1b[4mhttps://support.example.com/fees\x1b[0m" in drawn
    assert "\x1b]" not in drawn  # no OSC sequence: data never travels inside an escape


def test_history_survives_the_cache(tmp_path: Path) -> None:
    """An entry read back from the cache has the same provenance and history as a freshly parsed one."""
    path = tmp_path / "dated.toml"
    path.write_text(DATED, encoding="utf-8")
    sources = [Source(path, "--kb")]
    fresh = load(sources).kb.entries[0]
    store.open_knowledge(sources, env={}, directory=tmp_path / "cache")
    cached_loaded, _ = store.open_knowledge(sources, env={}, directory=tmp_path / "cache")
    assert isinstance(cached_loaded.kb.entries, store.EntryStore)
    cached = cached_loaded.kb.entries[0]
    assert cached == fresh
    assert isinstance(cached.history[0], Change)


def test_the_cache_key_changes_with_the_shape_of_entries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A cache written when Entry had other fields is never read back into today's Entry."""
    path = tmp_path / "dated.toml"
    path.write_text(DATED, encoding="utf-8")
    files = store.read_sources([Source(path, "--kb")])
    key = store._key(files)
    monkeypatch.setattr(store, "SCHEMA", store.SCHEMA.replace("history", "histories"))
    assert store._key(files) != key
