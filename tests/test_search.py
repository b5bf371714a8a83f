"""Ranking: right answers for paraphrases, typos and synonyms; abstention when there is none."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from upfaq import render, search
from upfaq.kb import KnowledgeBase, from_dict, load_bundled
from upfaq.search import DEFAULT_THRESHOLD, SUGGESTION_FLOOR, Index, calibrated, suggest_ids
from upfaq.text import stem

from .conftest import TINY


@pytest.fixture(scope="module")
def index() -> Index:
    """The bundled knowledge base, indexed once."""
    return Index(load_bundled())


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("can I interview on skype", "interview-outside"),
        ("google meet interview", "interview-outside"),
        ("how do I decline an invitation", "interview-invitation"),
        ("tips to prepare for an interview", "interview-tips"),
        ("how do I contest a bad review", "feedback-dispute"),
        ("will upwork delete a post that breaks the terms", "content-removal"),
        ("can I edit my reply to feedback", "feedback-response"),
        ("recruiter project fee", "preferred-freelancer-fees"),
        ("why does upwork take 20%", "service-fee"),
        ("india tds rate", "india-tds-rate"),
        ("change my hourly rate", "hourly-rate-increase"),
    ],
)
def test_paraphrases_find_the_right_entry(index: Index, query: str, expected: str) -> None:
    """Questions phrased the way users talk get the intended entry first, confidently."""
    result = index.search(query)
    assert result.answered, query
    assert result.matches[0].entry.id == expected


def test_a_period_in_words_finds_the_entry_that_counts_it_in_days(index: Index) -> None:
    """The bundled synonyms make "two weeks" the 14 days an answer gives (and so for the other periods)."""
    best = index.search("milestone released automatically after two weeks").candidates[0]
    assert best.entry.id == "fixed-review-period"
    assert any(t.term == "~two-weeks" and t.kind == "synonym" for t in best.terms)


@pytest.mark.parametrize(
    ("query", "expected"), [("conects expiry", "connects-expiry"), ("feedbak disptue", "feedback-dispute")]
)
def test_typos_are_tolerated(index: Index, query: str, expected: str) -> None:
    """Misspelt words still find the entry, and the match says it was a typo."""
    result = index.search(query)
    assert result.candidates[0].entry.id == expected
    assert any(t.kind == "typo" for t in result.candidates[0].terms)


@pytest.mark.parametrize(
    "query",
    [
        "weather tomorrow",
        "qwertyuiop",
        "",
        "???",
        "how do i",
        "how do I get more clients",
        "how do I learn web design",
    ],
)
def test_unrelated_queries_are_not_answered(index: Index, query: str) -> None:
    """Queries the knowledge base cannot answer get no confident match."""
    result = index.search(query)
    assert not result.answered and not result.matches


def test_synonyms_from_the_knowledge_base_bridge_words(tiny_kb: KnowledgeBase) -> None:
    """A query word found only through the [synonyms] table still matches, marked as a synonym."""
    result = Index(tiny_kb).search("zoom")
    assert result.candidates[0].entry.id == "calls"
    assert result.candidates[0].terms[0].kind == "synonym"


def test_official_answer_outranks_community_answer_on_a_tie(tiny_kb: KnowledgeBase) -> None:
    """When a community and an official entry match equally, the official one comes first."""
    result = Index(tiny_kb).search("call customers")
    ids = [m.entry.id for m in result.matches]
    assert ids.index("calls") < ids.index("rumour")


def test_a_conflict_recorded_only_on_the_official_side_still_puts_it_first(tiny_kb: KnowledgeBase) -> None:
    """An official entry that names a community one as conflicting leads, even if only it records the conflict."""
    entries = [{**e, "conflicts": []} if e["id"] == "rumour" else e for e in TINY["entry"]]
    kb = from_dict({**TINY, "entry": entries}, "tiny.toml")
    assert kb.get("rumour").conflicts == () and "rumour" in kb.get("calls").conflicts
    unordered = Index(kb).search("is it fine to call customers on skype")
    assert [m.entry.id for m in unordered.candidates][:2] == ["calls", "rumour"]


def test_official_answer_comes_first_when_a_community_answer_disagrees(index: Index) -> None:
    """When the best match is a community answer contradicted by a confident official one, the official leads."""
    for query in ("is it okay to give my email address on upwork", "Is it okay to give email address on Upwork?"):
        result = index.search(query)
        ids = [m.entry.id for m in result.candidates]
        assert ids[0] in index.kb.get("share-email").conflicts and "share-email" in ids, query


@pytest.mark.parametrize(("authority", "factor"), [("community", 0.97), ("doubtful", 0.8)])
def test_a_doubtful_answer_needs_stronger_evidence(tiny_kb: KnowledgeBase, authority: str, factor: float) -> None:
    """The same entry scores a little less as a community answer and a fifth less as a doubtful one."""
    official = Index(tiny_kb).search("when are invoices sent").candidates[0]
    entries = [e if e["id"] != "invoices" else {**e, "authority": authority} for e in TINY["entry"]]
    marked = Index(from_dict({**TINY, "entry": entries}, "tiny.toml")).search("when are invoices sent").candidates[0]
    assert marked.entry.id == official.entry.id == "invoices" and marked.entry.authority == authority
    assert marked.score == pytest.approx(official.score * factor, abs=0.11)


def test_a_query_of_words_every_entry_holds_is_not_answered() -> None:
    """Full coverage by a word nearly every entry holds says nothing about which entry is meant."""
    entries = [{"id": f"e{n}", "question": f"Can clients see topic{n}?", "answer": f"Yes, {n}."} for n in range(6)]
    index = Index(from_dict({"entry": entries}, "six.toml"))
    vague = index.search("clients")
    assert not vague.answered and all(m.score < search.ANSWER_FLOOR for m in vague.candidates)
    assert index.search("clients topic3").matches[0].entry.id == "e3"


def test_close_runner_up_lowers_confidence() -> None:
    """Confidence is estimated from the best score and its lead over an unrelated rival: a close one lowers it."""
    kb = from_dict(
        {
            "entry": [
                {"id": "a", "question": "How do refunds work for customers?", "answer": "Refunds take a week."},
                {"id": "b", "question": "How do invoices work for customers?", "answer": "Invoices go out monthly."},
                {"id": "c", "question": "Where is the office?", "answer": "In town."},
            ]
        },
        "test",
    )
    result = Index(kb).search("how does it work for customers")
    first, second = result.candidates[:2]
    assert result.evidence is not None
    assert result.evidence.rival == second.entry.id
    assert result.evidence.gap == pytest.approx((first.score - second.score) / 100)
    assert result.confidence == calibrated(result.evidence)
    alone = calibrated(result.evidence._replace(gap=first.score / 100, rival=None))
    assert result.confidence < alone


def test_a_related_runner_up_does_not_lower_confidence() -> None:
    """Siblings that name each other agree: the best is the answer, the other its "see also"."""
    entries = [
        {"id": "a", "question": "How do refunds work for customers?", "answer": "Refunds take a week."},
        {"id": "b", "question": "How do refunds work for agencies?", "answer": "Agencies refund too."},
        {"id": "c", "question": "Where is the office?", "answer": "In town."},
    ]
    query = "how do refunds work for customers and agencies"
    apart = Index(from_dict({"entry": entries}, "test")).search(query)
    assert not apart.answered
    entries[1]["related"] = ["a"]
    linked = Index(from_dict({"entry": entries}, "test")).search(query)
    assert linked.answered
    assert linked.evidence is not None and linked.evidence.rival != "b"
    assert linked.confidence > apart.confidence


def test_a_synonym_group_stands_for_one_query_word_per_entry() -> None:
    """Two query words of one group do not both count in an entry that holds only the group.

    "star rating" must find the entry that holds both words, not one that says "feedback" once.
    """
    index = small_index(
        {"feedback": ["feedback", "rating", "stars"]},
        ("general", "Can a client raise or lower feedback?", "Feedback can be changed."),
        ("change", "Can a client change the stars or rating they gave?", "Yes, within a week."),
        ("other", "What is a contract?", "An agreement."),
    )
    assert index.search("client raise star rating").candidates[0].entry.id == "change"


def test_rare_words_outweigh_common_ones(index: Index) -> None:
    """A telling word decides the answer even beside words that appear everywhere."""
    assert index.search("upwork upwork arbitration").candidates[0].entry.id.startswith("dispute-arbitration")
    assert index.search("upwork upwork tds").candidates[0].entry.id.startswith("india-")


def test_near_misses_become_suggestions_not_answers(index: Index) -> None:
    """A weak match is offered as a suggestion, never as a result."""
    result = index.search("best time of day to send proposals")
    assert not result.answered and result.confidence < DEFAULT_THRESHOLD and not result.matches
    assert result.suggestions and all(m.score >= SUGGESTION_FLOOR for m in result.suggestions)


def test_limit_caps_confident_matches(index: Index) -> None:
    """limit bounds the number of matches returned."""
    assert len(index.search("feedback", limit=2).matches) <= 2


def small_index(synonyms: dict[str, list[str]], *entries: tuple[str, str, str]) -> Index:
    """An index of a small knowledge base written as (id, question, answer) triples."""
    rows = [{"id": eid, "question": question, "answer": answer} for eid, question, answer in entries]
    return Index(from_dict({"synonyms": synonyms, "entry": rows}, "test"))


def test_highlighter_marks_matched_words_including_typos_and_synonyms() -> None:
    """Spans cover the words the query matched, whatever form they take in the text."""
    index = small_index(
        {"video-call": ["skype", "zoom"]},
        ("a", "Can I hold an interview on Skype?", "Not before a contract."),
        ("b", "When are invoices sent?", "On Mondays."),
    )
    match = index.search("intervew on zoom").candidates[0]
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


def test_synonym_phrases_keep_their_stop_words() -> None:
    """A multi-word synonym ("turn down") matches as a phrase, and its first word alone does not."""
    index = small_index(
        {"decline": ["decline", "turn down"]},
        ("no", "How do I decline an offer?", "Click decline."),
        ("heat", "How do I turn the heating on?", "Use the dial."),
    )
    phrase = index.search("can I turn down an offer").matches[0]
    assert phrase.entry.id == "no" and any(t.term == "~decline" for t in phrase.terms)
    assert all(t.term != "~decline" for m in index.search("turn heating").candidates for t in m.terms)


def _random_kb(count: int = 600) -> KnowledgeBase:
    import random

    rng = random.Random(5)
    vocabulary = [f"w{n}x" for n in range(400)] + ["skype", "call", "turn", "down", "invoice"]
    entries = [
        {
            "id": f"e{n}",
            "question": " ".join(rng.choices(vocabulary, k=8)) + "?",
            "answer": " ".join(rng.choices(vocabulary, k=40)),
            "tags": rng.choices(vocabulary, k=3),
            "aliases": [" ".join(rng.choices(vocabulary, k=6)) for _ in range(rng.randint(0, 3))],
        }
        for n in range(count)
    ]
    return from_dict({"synonyms": {"talk": ["call", "skype", "turn down"]}, "entry": entries}, "random")


@pytest.mark.fork
def test_indexing_in_parallel_processes_gives_the_same_index() -> None:
    """Splitting the entries among worker processes builds exactly the index one pass builds."""
    kb = _random_kb()
    serial = Index(kb, workers=1)
    parallel = Index(kb, workers=3)
    assert parallel.state() == serial.state()
    assert parallel.search("skype w1x w2x").candidates == serial.search("skype w1x w2x").candidates


@pytest.mark.fork
def test_the_parallel_path_itself_builds_each_range() -> None:
    """The worker processes return each range's part: a failing worker is not hidden by the fallback."""
    serial = Index(_random_kb(), workers=1)
    parts = search._parallel_parts(serial, 600, 3)
    assert parts == [serial._build_range(0, 200), serial._build_range(200, 400), serial._build_range(400, 600)]


@pytest.mark.fork
def test_a_dead_worker_falls_back_to_one_pass_and_says_why(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A worker killed mid-way (here: it exits) is a reason to index in one pass, shown when debugging."""
    import logging
    import os

    kb = _random_kb(60)
    expected = Index(kb, workers=1).state()
    parent, build = os.getpid(), Index._build_range

    def dies_in_a_worker(self: Index, start: int, end: int) -> dict[str, object]:
        if os.getpid() != parent:
            os._exit(3)
        return build(self, start, end)

    monkeypatch.setattr(Index, "_build_range", dies_in_a_worker)
    with caplog.at_level(logging.DEBUG, logger="upfaq.search"):
        assert Index(kb, workers=3).state() == expected
    assert "indexing 60 entries in one pass: BrokenProcessPool" in caplog.text


@pytest.mark.fork
def test_a_bug_in_a_worker_is_not_taken_for_a_missing_fork(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the failures ParallelUnavailable names lead to one pass; any other error is raised."""

    import os

    parent, build = os.getpid(), Index._build_range

    def fails_in_a_worker(self: Index, start: int, end: int) -> dict[str, object]:
        if os.getpid() != parent:
            raise KeyError("bug")
        return build(self, start, end)

    monkeypatch.setattr(Index, "_build_range", fails_in_a_worker)
    with pytest.raises(KeyError, match="bug"):
        Index(_random_kb(60), workers=3)


def test_no_fork_falls_back_to_one_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where fork does not exist (Windows, or a Python without it), one pass builds the index."""
    import multiprocessing

    def no_fork(method: str | None = None) -> None:
        raise ValueError(f"cannot find context for {method!r}")

    kb = _random_kb(60)
    monkeypatch.setattr(multiprocessing, "get_context", no_fork)
    assert Index(kb, workers=3).state() == Index(kb, workers=1).state()


@pytest.mark.parametrize("name", ["postings", "surface", "weights", "synonym_words"])
def test_a_state_of_the_wrong_shape_is_refused(name: str) -> None:
    """A state read from elsewhere (the cache) is checked before use: a part of the wrong type is refused."""
    kb = _random_kb(20)
    state = dict(Index(kb).state())
    Index(kb, state)  # the state as given fits
    state[name] = 7
    with pytest.raises(TypeError, match=name):
        Index(kb, state)


def test_an_official_answer_nearly_as_good_comes_before_an_untrusted_one() -> None:
    """A community answer leads only when it outscores every official one by UNTRUSTED_LEAD or more."""
    entries = [
        {"id": "rumour", "question": "Can I give my email to clients?", "answer": "Sure.", "authority": "community"},
        {"id": "rule", "question": "Can I give clients my email address?", "answer": "No.", "authority": "official"},
        {"id": "other", "question": "Where is the office?", "answer": "In town."},
    ]
    kb = from_dict({"entry": entries}, "test")
    index = Index(kb)
    result = index.search("give my email to clients")
    ranked = [m.entry.id for m in result.candidates]
    assert ranked[0] == "rule" and "rumour" in ranked
    untrusted = next(m for m in result.candidates if m.entry.id == "rumour")
    assert untrusted.score > result.candidates[0].score  # it matched better, yet is not shown first


def test_an_identical_answer_is_no_rival() -> None:
    """Two entries with the same answer are either right: the second does not make the first a guess."""
    answer = "Refunds take a week."
    index = small_index(
        {},
        ("a", "How do refunds work for customers?", answer),
        ("b", "How do refunds work for buyers?", answer),
        ("c", "Where is the office?", "In town."),
    )
    result = index.search("how do refunds work")
    assert result.evidence is not None
    assert {m.entry.id for m in result.candidates[:2]} == {"a", "b"}
    assert result.evidence.rival not in ("a", "b")


def test_the_typo_penalty_grows_with_the_number_of_edits() -> None:
    """A long word two edits away counts for less than one edit away, and both less than the word itself."""
    index = small_index(
        {}, ("v", "How does verification work?", "Send a photo."), ("o", "Where is the office?", "In town.")
    )

    def strength(query: str) -> float:
        (term,) = index.search(query).candidates[0].terms
        return term.strength

    exact, one, two = strength("verification"), strength("verificatoin"), strength("verifcatoin")
    assert exact > one > two
    assert one == pytest.approx(exact * (1 - search.TYPO_PENALTY))
    assert two == pytest.approx(exact * (1 - 2 * search.TYPO_PENALTY))


def test_a_repeated_query_word_counts_once(index: Index) -> None:
    """Saying a word twice neither raises an entry's score nor changes the ranking."""
    once, twice = index.search("refund client"), index.search("refund refund client")
    assert [(m.entry.id, m.score) for m in once.candidates] == [(m.entry.id, m.score) for m in twice.candidates]
    assert once.confidence == twice.confidence


def test_a_subject_word_gets_the_best_answer_and_its_siblings() -> None:
    """A one-word query on a subject several entries hold alike is answered, the others listed after it,
    also beside a word every entry holds ("upwork"); a word most entries hold names no subject, and
    gets no answer."""
    rows = [
        ("fee", "How much is the service fee?", "Ten percent on Upwork."),
        ("client-fee", "What fee does a client pay?", "A marketplace fee on Upwork."),
        ("hire-fee", "Is there a fee on Any Hire?", "No, not on Upwork."),
        *((f"other{n}", f"How does part {n} of the account work?", f"Step {n} on Upwork.") for n in range(9)),
    ]
    index = small_index({}, *rows)
    siblings = {"fee", "client-fee", "hire-fee"}
    for query in ("fees", "what is the upwork fee"):
        result = index.search(query)
        assert result.answered and result.evidence is not None and result.evidence.rival not in siblings, query
        assert {m.entry.id for m in result.matches} == siblings, query
    assert not index.search("account").answered


def test_a_word_only_aliases_hold_names_no_subject() -> None:
    """A one-word query is a subject only when the best entry is about it (its question, tags or
    topic): "safe" in three unrelated entries' aliases leaves them rivals, and upfaq unsure."""

    def row(eid: str, question: str, *aliases: str) -> dict[str, object]:
        return {"id": eid, "question": question, "answer": f"The answer on {eid}.", "aliases": list(aliases)}

    def index_of(*extra: dict[str, object]) -> Index:
        rows = [
            row("verify", "Why must I verify my identity again?", "is my id data safe"),
            row("vpn", "Can I use a VPN?", "is a vpn safe to use"),
            row("links", "Can I open links a client sends?", "are client links safe"),
            *(row(f"other{n}", f"How does part {n} of the account work?") for n in range(9)),
            *extra,
        ]
        return Index(from_dict({"entry": rows}, "test"))

    unsure = index_of().search("safe")
    assert not unsure.answered and unsure.evidence is not None and unsure.evidence.rival is not None
    about = index_of(row("safety", "Is Upwork safe?")).search("safe")
    assert about.answered and about.matches[0].entry.id == "safety"


def test_an_entry_about_a_thing_already_done_gives_way_when_it_is_not_done() -> None:
    """Asked about a payment the client won't release, the entry on a payment already released is
    ranked below the one on disputing it, and --explain says why; asked about a released one, it leads."""
    rows = [
        ("released", "Can my client take back a milestone payment that was already released to me?", "Only by asking."),
        ("dispute", "What can I do when a client holds back my milestone payment?", "Open a dispute."),
        *((f"other{n}", f"How does part {n} of the account work?", f"Step {n}.") for n in range(9)),
    ]
    index = small_index({}, *rows)
    unreleased = index.search("client won't release my milestone payment")
    assert unreleased.candidates[0].entry.id == "dispute"
    assert [m.excluded for m in unreleased.candidates if m.entry.id == "released"] == ["done:releas"]
    assert "something already done" in render.plain_explain(unreleased, DEFAULT_THRESHOLD)
    assert index.search("client took back a released milestone payment").candidates[0].entry.id == "released"


def test_the_askers_case_wins_over_the_entrys_case() -> None:
    """Asked about before the contract, the sibling about after it is ranked below and never answers
    with its "Yes."; asked "do I have to", the entry on whether you must beats the one with the steps."""
    rows = [
        ("after", "Can I share my phone number once the client has hired me?", "Yes. Share it freely."),
        ("before", "What happens if I share contact details before a contract?", "Warnings, then suspension."),
        ("steps", "How do I give a refund to a client?", "Open the contract and choose Give a refund."),
        ("choice", "My client asked for a refund. Do I have to give it?", "No. It is your decision."),
        *((f"other{n}", f"How does part {n} of the account work?", f"Step {n}.") for n in range(9)),
    ]
    index = small_index({"contact": ["phone number", "contact details"]}, *rows)
    before = index.search("can i share my phone number before the contract starts", limit=3)
    assert before.candidates[0].entry.id == "before"
    assert [m.excluded for m in before.candidates if m.entry.id == "after"] == ["after-start"]
    assert "after" not in {m.entry.id for m in before.matches}
    after = index.search("can i share my phone number after the contract starts")
    assert after.candidates[0].entry.id == "after" and not after.candidates[0].excluded
    assert index.search("client wants a refund, do i have to give it").candidates[0].entry.id == "choice"
    assert index.search("how do i give a refund").candidates[0].entry.id == "steps"


def test_the_steps_still_answer_whether_you_must_when_no_entry_says() -> None:
    """With no entry on whether you must, a "how do I" entry is not held back on a "do I have to" question;
    an entry whose "Yes." is for the other time (after the contract) never answers a question about before."""
    rows = [
        ("steps", "How do I give a refund to a client?", "Open the contract and choose Give a refund."),
        ("after", "Can I share my phone number once the client has hired me?", "Yes. Share it freely."),
        *((f"other{n}", f"How does part {n} of the account work?", f"Step {n}.") for n in range(9)),
    ]
    index = small_index({}, *rows)
    steps = index.search("do i have to give a refund")
    assert steps.candidates[0].entry.id == "steps" and not steps.candidates[0].excluded
    before = index.search("share phone number before hire")
    assert before.candidates[0].entry.id == "after" and before.candidates[0].excluded
    assert before.confidence >= DEFAULT_THRESHOLD and not before.answered


def test_a_question_asked_without_its_aside_is_still_close_to_it() -> None:
    """ "(the service fee)" or ", for example by PayPal" in an entry's question does not push a query that
    asks just the question below an entry that merely shares its words."""
    rows = [
        ("paid-outside", "Can a client pay me outside Upwork, for example by PayPal or bank transfer?", "No."),
        ("refund-outside", "Can I refund my client outside Upwork instead?", "No, refunds go through Upwork."),
        *((f"other{n}", f"How does part {n} of the account work?", f"Step {n}.") for n in range(9)),
    ]
    kb = from_dict(
        {
            "entry": [
                {
                    "id": i,
                    "question": q,
                    "answer": a,
                    "aliases": ["pay a client back outside upwork"] * (i == "refund-outside"),
                }
                for i, q, a in rows
            ]
        },
        "test",
    )
    assert Index(kb).search("can a client pay me outside upwork").candidates[0].entry.id == "paid-outside"


def test_the_confidence_fits_how_curated_the_knowledge_base_is() -> None:
    """Evidence.curation is the log of the phrasings an entry has on average; the same score and lead
    mean more among bare questions than among entries with many aliases each; below SUGGESTION_FLOOR
    nothing is an answer, however alone."""
    import math

    bare = [{"id": f"e{n}", "question": f"How does part {n} of the shop work?", "answer": "So."} for n in range(4)]
    rich = [{**row, "aliases": [f"part {n} shop question {k}" for k in range(9)]} for n, row in enumerate(bare)]
    for rows, phrasings in ((bare, 1), (rich, 10)):
        evidence = Index(from_dict({"entry": rows}, "t")).search("part 2 of the shop").evidence
        assert evidence is not None and evidence.curation == pytest.approx(math.log(phrasings))
    alone = search.Evidence(score=0.45, gap=0.45, rival=None, missed=0.0)
    assert (
        calibrated(alone._replace(curation=0.0))
        >= DEFAULT_THRESHOLD
        > calibrated(alone._replace(curation=math.log(20)))
    )
    office = [
        {"id": "refunds", "question": "How do refunds work?", "answer": "A week."},
        {"id": "office", "question": "Where is the office?", "answer": "In town."},
        {"id": "invoices", "question": "When are invoices sent?", "answer": "Monthly."},
    ]
    lone = Index(from_dict({"entry": office}, "t")).search("refund policy for broken glass items")
    assert lone.evidence is not None and lone.evidence.rival is None and lone.confidence >= DEFAULT_THRESHOLD
    assert lone.candidates[0].score < SUGGESTION_FLOOR and not lone.answered


def test_a_long_question_is_close_to_the_entry_whose_question_it_holds() -> None:
    """A pasted post that holds an entry's whole question ranks it first, above an entry whose longer
    question shares more of the post's context words (CONTAINED_QUERY)."""
    rows = [
        {"id": "refund-outside", "question": "Can I refund a client outside Upwork?", "answer": "No."},
        {
            "id": "late-client",
            "question": "My client is late paying the invoice for the logo design project, what can I do?",
            "answer": "Wait.",
        },
        *(
            {"id": f"o{n}", "question": f"How does part {n} of the account work?", "answer": f"Step {n}."}
            for n in range(9)
        ),
    ]
    post = (
        "the client says the logo design project was late and wants money back, "
        "can I refund a client outside Upwork by paypal"
    )
    first = Index(from_dict({"entry": rows}, "t")).search(post).candidates[0]
    assert first.entry.id == "refund-outside" and first.closeness == 1.0


def test_each_query_word_is_analysed_step_by_step() -> None:
    """A word's own term, its synonym group, the known words it is part of, and typos only for an unknown word."""
    kb = from_dict(
        {
            "synonyms": {"video": ["skype", "zoom"], "2fa": ["two-step verification"]},
            "entry": [
                {"id": "a", "question": "Can I use skype for calls?", "answer": "Only on the platform."},
                {"id": "b", "question": "How do I set up two-step verification?", "answer": "In settings."},
                {"id": "c", "question": "Is the email address shown?", "answer": "No, it is hidden."},
            ],
        },
        "steps.toml",
    )
    index = Index(kb)
    term = stem("skype")
    own = index._alternatives("skype", term, index._single.get(term, ()))
    assert [(a.term, a.kind) for a in own] == [(term, "exact"), ("~video", "synonym")]
    assert [(a.term, a.kind) for a in index._alternatives("mail", "mail", ())] == [("email", "partial")]
    typos = [(a.term, a.factor, a.kind) for a in index._typo_alternatives("skipe")]
    assert typos[0] == (term, 1 - search.TYPO_PENALTY, "typo")
    # "zoom" is only a synonym, in no entry: a typo of it stands for its group alone.
    assert [(a.term, a.kind) for a in index._typo_alternatives("zoon")] == [("~video", "typo")]
    every = ["set", "two", "step", "verification", "now"]
    assert index._phrases_at(every, [0, 1, 2, 3, 4]) == {1: ["~2fa"], 2: ["~2fa"], 3: ["~2fa"]}
    assert index._token_weight("zzz", []) == index._unseen_idf
    tokens = index._tokens("skype skype zoom the skipe")
    assert [(t.word, t.alternatives[0].kind) for t in tokens] == [
        ("skype", "exact"),
        ("zoom", "synonym"),
        ("skipe", "typo"),
    ]
