"""Text analysis: folding, stemming, stop words, and making text safe to display."""

import pytest

from upfaq.text import clean_input, fold, question_cases, stem, strip_control, terms, words


@pytest.mark.parametrize(
    ("variants"),
    [
        ("interview", "interviews", "interviewing", "interviewed"),
        ("invite", "invitation", "invited", "invitations"),
        ("remove", "removing", "removal", "removed"),
        ("communicate", "communication", "communicating"),
        ("fee", "fees"),
        ("policy", "policies"),
        ("rating", "ratings", "rated"),
        ("rate", "rates"),
        ("proposal", "proposals"),
        ("tax", "taxes"),
        ("withdrawal", "withdrawals"),
        ("register", "registered", "registering"),
        ("transfer", "transferred", "transfers"),
        ("use", "used", "using"),
        ("site", "sites"),
    ],
)
def test_inflections_share_a_stem(variants: tuple[str, ...]) -> None:
    """Inflected forms of one word reduce to the same stem."""
    assert len({stem(v) for v in variants}) == 1


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("skype", "skip"),
        ("feedback", "feed"),
        ("process", "proceed"),
        ("hourly", "hours"),
        ("weekly", "week"),
        # A suffix rule alone would merge each of these pairs into one short stem.
        ("rating", "rate"),
        ("banner", "ban"),
        ("site", "sit"),
        ("center", "cent"),
        ("customer", "custom"),
        ("letter", "let"),
        ("done", "donation"),
        ("state", "stats"),
        ("accounting", "account"),
        ("news", "new"),
    ],
)
def test_unrelated_words_keep_apart(a: str, b: str) -> None:
    """Stemming does not merge words that merely look alike."""
    assert stem(a) != stem(b)


def test_terms_drop_stop_words_and_fold_case() -> None:
    """Question words and case do not reach the index; content words do."""
    assert terms("How do I Interview on SKYPE?") == ["interview", "skyp"]


def test_fold_removes_accents_and_apostrophes() -> None:
    """Accented and apostrophised spellings fold to the plain one."""
    assert fold("Café’s") == "cafes"
    assert words("client's ratings") == ["clients", "ratings"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("I'd like to see my file ID", ["see", "file", "id"]),
        ("I’ll feel ill", ["feel", "ill"]),
        ("she'd use the shed", ["use", "shed"]),
        ("it doesn't work, it doesnt sync", ["work", "sync"]),
        ("we're certain they've got O'Brien's", ["certain", "obriens"]),
    ],
)
def test_contractions_are_stop_words_but_the_words_they_would_spell_are_not(query: str, expected: list[str]) -> None:
    """Contractions say nothing about the question; "ID", "ill" and "shed" do."""
    assert terms(query) == [stem(w) for w in expected]


def test_strip_control_removes_escape_sequences_but_keeps_layout() -> None:
    """ESC, NUL, C1 and bidi overrides go; newlines and tabs stay."""
    text = "a\x1b[31mred\x00\x9b\u202eb\tc\r\nd"
    assert strip_control(text) == "a[31mredb\tc\nd"


def test_clean_input_replaces_undecodable_bytes() -> None:
    """Surrogate escapes from undecodable argv become U+FFFD, so text can always be printed."""
    assert clean_input("ok\udcff") == "ok\ufffd"
    assert clean_input("lone\ud800").startswith("lone")
    clean_input("lone\ud800").encode("utf-8")


@pytest.mark.parametrize(
    ("question", "cases"),
    [
        ("Can I share my phone number once the client has hired me?", {"after-start"}),
        ("can i send my email before the contract starts", {"before-start"}),
        ("pre-contract call on zoom ok?", {"before-start"}),
        ("Can a client still pay me after the contract has ended?", {"after-end"}),
        ("ask for feedback before the contract ends", {"before-end"}),
        ("My client asked for a refund. Do I have to give it?", {"must"}),
        ("am I required to use the time tracker", {"must"}),
        ("is it mandatory to write memos", {"must"}),
        ("How do I give a refund?", {"how"}),
        ("How long do I have to accept an offer?", set()),
        ("Why do I have to fill in a W-8BEN?", set()),
        ("I need to send a file to my client", set()),
        ("I must say the fee is high", set()),
        ("feedback after submitting the proposal", set()),
        ("Can my client take back a payment that was already released to me?", {"done:releas"}),
        ("client won't release the milestone", {"undone:releas"}),
        ("my client hasn't been paying", {"undone:pay"}),
        ("work I was already paid for", {"done:pay"}),
        ("I did not know that", set()),
    ],
)
def test_a_question_names_its_case(question: str, cases: set[str]) -> None:
    """Before or after the contract starts or ends, "must I" against "how do I", and whether a thing
    is already done or not done (paid is pay, released release), read from the words."""
    assert question_cases(question) == cases
