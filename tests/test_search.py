"""Ranking: right answers for paraphrases, typos and synonyms; abstention when there is none."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from upfaq.kb import KnowledgeBase, load_bundled
from upfaq.search import DEFAULT_THRESHOLD, Index, suggest_ids


@pytest.fixture(scope="module")
def index() -> Index:
    """The bundled knowledge base, indexed once."""
    return Index(load_bundled())


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("can I interview on skype", "interview-outside"),
        ("is it okay to have an interview outside upwork", "interview-outside"),
        ("how do I decline an invite", "interview-invitation"),
        ("tips to prepare for an interview", "interview-tips"),
        ("how do I contest a bad review", "feedback-dispute"),
        ("will upwork delete a post that breaks the terms", "content-removal"),
        ("can I edit my reply to feedback", "feedback-response"),
        ("recruiter project fee", "preferred-freelancer-fees"),
    ],
)
def test_paraphrases_find_the_right_entry(index: Index, query: str, expected: str) -> None:
    """Questions phrased the way users talk get the intended entry first, confidently."""
    result = index.search(query)
    assert result.answered, query
    assert result.matches[0].entry.id == expected


@pytest.mark.parametrize(
    ("query", "expected"), [("intervew on skyp", "interview-outside"), ("feedbak disptue", "feedback-dispute")]
)
def test_typos_are_tolerated(index: Index, query: str, expected: str) -> None:
    """Misspelt words still match, and the match says it was a typo."""
    result = index.search(query)
    assert result.matches[0].entry.id == expected
    assert any(t.kind == "typo" for t in result.matches[0].terms)


@pytest.mark.parametrize("query", ["weather tomorrow", "qwertyuiop", "how do I get paid faster", "", "???", "how do i"])
def test_unrelated_queries_are_not_answered(index: Index, query: str) -> None:
    """Queries the knowledge base cannot answer get no confident match."""
    result = index.search(query)
    assert not result.answered and not result.matches


def test_synonyms_from_the_knowledge_base_bridge_words(tiny_kb: KnowledgeBase) -> None:
    """A query word found only through the [synonyms] table still matches, marked as a synonym."""
    result = Index(tiny_kb).search("zoom")
    assert result.matches[0].entry.id == "calls"
    assert result.matches[0].terms[0].kind == "synonym"


def test_official_answer_outranks_community_answer_on_a_tie(tiny_kb: KnowledgeBase) -> None:
    """When a community and an official entry match equally, the official one comes first."""
    result = Index(tiny_kb).search("call customers")
    ids = [m.entry.id for m in result.matches]
    assert ids.index("calls") < ids.index("rumour")


def test_rare_words_outweigh_common_ones(index: Index) -> None:
    """A telling word decides the answer even beside words that appear everywhere."""
    assert index.search("upwork upwork dispute").matches[0].entry.id == "feedback-dispute"


def test_near_misses_become_suggestions_not_answers(index: Index) -> None:
    """A weak match is offered as a suggestion, never as a result."""
    result = index.search("how long does it take to withdraw funds")
    assert not result.answered
    assert result.suggestions and all(m.score < DEFAULT_THRESHOLD for m in result.suggestions)


def test_limit_caps_confident_matches(index: Index) -> None:
    """limit bounds the number of matches returned."""
    assert len(index.search("feedback", limit=2).matches) <= 2


def test_highlighter_marks_matched_words_including_typos_and_synonyms(index: Index) -> None:
    """Spans cover the words the query matched, whatever form they take in the text."""
    match = index.search("intervew on zoom").matches[0]
    text = "Interviews on Skype are not the same as a coffee."
    spans = index.highlighter(match)(text)
    assert [text[s:e] for s, e in spans] == ["Interviews", "Skype"]


def test_suggest_ids_finds_close_ids(index: Index) -> None:
    """A mistyped id suggests the intended one first."""
    assert suggest_ids(index.kb, "feedback-dispte")[0] == "feedback-dispute"
    assert suggest_ids(index.kb, "zzzz") == []


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_any_query_is_handled_and_ranking_is_deterministic(query: str) -> None:
    """Arbitrary text never raises, scores stay within 0-100, and the same query ranks the same way."""
    index = _shared_index()
    first = index.search(query)
    second = index.search(query)
    assert [(m.entry.id, m.score) for m in first.matches] == [(m.entry.id, m.score) for m in second.matches]
    assert all(0 <= m.score <= 100 for m in (*first.matches, *first.suggestions))
    assert first.answered == bool(first.matches)


_INDEX: list[Index] = []


def _shared_index() -> Index:
    if not _INDEX:
        _INDEX.append(Index(load_bundled()))
    return _INDEX[0]
