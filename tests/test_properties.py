"""Property tests: arbitrary queries and arbitrary knowledge-base text, through the library and the CLI.

Invariants: no exception escapes, every query is handled (an answer, no answer, or a usage
error; never an internal error), JSON output parses, plain output holds no escape or control
character, and the same input gives the same output.
"""

import contextlib
import io
import json
import re
import sys
from collections.abc import Iterator
from unittest import mock

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from upfaq import cli, render
from upfaq.kb import from_dict
from upfaq.search import Index
from upfaq.status import ExitStatus

HANDLED = {ExitStatus.OK, ExitStatus.NO_ANSWER, ExitStatus.USAGE}
"""What a query may end with. An internal error (70) is a crash, not a way of handling one."""
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

# Text that looks for trouble: markup, escapes, controls, surrogates, right-to-left, combining marks.
nasty = st.sampled_from(
    ["[/]", "[red]", "[link=x]", "\x1b[2J", "\x1b]0;t\x07", "\x00", "\u202e", "\u0301", "\ud800", "\udcff"]
)
texts = st.lists(st.one_of(st.text(max_size=40), nasty), max_size=8).map("".join)
words = st.sampled_from(["skype", "interview", "feedback", "dispute", "email", "fee", "contract", "how", "the", "zzz"])
queries = st.one_of(texts, st.lists(words, min_size=1, max_size=6).map(" ".join))

SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@contextlib.contextmanager
def captured() -> Iterator[tuple[io.StringIO, io.StringIO]]:
    """Capture stdout and stderr of an in-process run."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        yield out, err


@pytest.fixture(scope="module")
def bundled_index() -> Index:
    """The bundled knowledge base, indexed once for all examples."""
    from upfaq.kb import load_bundled

    return Index(load_bundled())


@SETTINGS
@given(query=queries)
def test_cli_ask_handles_any_query(query: str) -> None:
    """Any query is handled (0, 1 or 2); JSON parses and plain output holds no control character."""
    assume(query != "-")  # that one means "read queries from stdin", tested on its own
    with captured() as (out, err):
        status = cli.main(["ask", "--json", "--", query])
    assert status in HANDLED
    if status in (ExitStatus.OK, ExitStatus.NO_ANSWER):
        data = json.loads(out.getvalue())
        assert data["answered"] == (status == ExitStatus.OK)
    with captured() as (out, err):
        status = cli.main(["ask", "--plain", "--", query])
    assert status in HANDLED
    assert not CONTROL.search(out.getvalue().replace("\n", "").replace("\t", ""))
    assert not CONTROL.search(err.getvalue().replace("\n", ""))
    assert "Traceback" not in err.getvalue()


@SETTINGS
@given(lines=st.lists(queries, max_size=6))
def test_cli_batch_handles_any_lines(lines: list[str]) -> None:
    """`ask - --json` prints one parseable JSON object per non-blank line, whatever the lines hold."""
    text = "\n".join(line.replace("\n", " ").replace("\r", " ") for line in lines) + "\n"
    safe = text  # lone surrogates included: clean_input must cope with whatever a stream yields
    with mock.patch.object(sys, "stdin", io.StringIO(safe)), captured() as (out, _):
        status = cli.main(["ask", "-", "--json"])
    assert status in HANDLED
    rows = [json.loads(row) for row in out.getvalue().splitlines()]
    # Lines end at "\n" only, as a file reads them (not at the other breaks str.splitlines knows).
    assert len(rows) == sum(1 for line in safe.split("\n") if cli.clean_input(line).strip())


entry_text = st.one_of(texts, st.text(min_size=1, max_size=300))


@st.composite
def hostile_entries(draw: st.DrawFn) -> dict[str, object]:
    """An entry whose every text field is arbitrary (but a non-empty question, as the format needs)."""
    question = draw(entry_text.filter(lambda t: t.strip()))
    return {
        "id": draw(st.from_regex(r"[a-z0-9][a-z0-9-]{0,12}", fullmatch=True)),
        "question": question,
        "answer": draw(entry_text),
        "topic": draw(entry_text),
        "tags": draw(st.lists(entry_text, max_size=3)),
        "aliases": draw(st.lists(entry_text, max_size=3)),
        "note": draw(entry_text),
        "source": draw(entry_text),
    }


@SETTINGS
@given(entries=st.lists(hostile_entries(), min_size=1, max_size=4, unique_by=lambda e: e["id"]), query=queries)
def test_any_entry_text_indexes_searches_and_renders_safely(entries: list[dict[str, object]], query: str) -> None:
    """Arbitrary entry text builds an index, is searchable, and renders without control characters."""
    kb = from_dict({"entry": entries}, "hostile")
    index = Index(kb)
    result = index.search(query)
    for entry in kb.entries:
        for text in (render.plain_entry(entry, kb), render.plain_list([entry], show_files=True)):
            assert not CONTROL.search(text.replace("\n", "").replace("\t", ""))
        encoded = render.to_json(render.entry_object(entry, kb))
        assert json.loads(encoded)["id"] == entry.id
        assert not re.search("[\x00-\x1f\x7f-\x9f]", encoded.replace("\n", ""))
    for match in result.matches:
        text = render.plain_answer(match, kb, related=result.matches)
        assert not CONTROL.search(text.replace("\n", "").replace("\t", ""))
        drawn = _draw(render.rich_answer(match, kb, highlight=index.highlighter(match)))
        assert "\x1b" not in drawn


@SETTINGS
@given(query=queries)
def test_search_is_deterministic_and_bounded(bundled_index: Index, query: str) -> None:
    """Searching twice gives the same ranking; every score and the confidence lie within 0-100."""
    first, second = bundled_index.search(query), bundled_index.search(query)
    assert first == second
    assert 0 <= first.confidence <= 100
    assert all(0 <= m.score <= 100 for m in first.candidates)


def _draw(renderable: object) -> str:
    from rich.console import Console

    console = Console(file=io.StringIO(), width=60, force_terminal=False, color_system=None, record=True)
    console.print(renderable)
    return console.export_text(styles=False)


def test_an_internal_error_is_one_line_unless_debugging(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug shows as one line and exit 70; UPFAQ_DEBUG=1 lets the traceback through."""

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(Index, "search", broken)
    with captured() as (_, err):
        status = cli.main(["ask", "skype"])
    assert status == ExitStatus.INTERNAL
    assert err.getvalue() == "upfaq: error: internal error: RuntimeError: boom (UPFAQ_DEBUG=1 shows more)\n"
    monkeypatch.setenv("UPFAQ_DEBUG", "1")
    with pytest.raises(RuntimeError, match="boom"), captured():
        cli.main(["ask", "skype"])


@SETTINGS
@given(text=st.one_of(texts, st.text(max_size=200)))
def test_indexing_splits_text_into_the_words_the_tokeniser_finds(text: str) -> None:
    """Indexing's fast pre-split (punctuation to spaces) finds exactly the terms text.terms finds."""
    from upfaq.search import _Vocabulary
    from upfaq.text import terms

    vocabulary = _Vocabulary(lambda token: tuple(terms(token)))
    assert vocabulary.terms(text) == set(terms(text))
