"""[figures]: a figure several answers state is stated the same way in each, or `upfaq validate` says where."""

from __future__ import annotations

from upfaq.kb import check
from upfaq.lint import figure_findings

ROLLOVER = """\
[figures.connects-rollover]
value = ["no limit", "all unused"]
when = ["roll over"]

[figures.security-period]
value = ["5-day", "5 days"]
when = ["security period"]
unless = ["before 2019"]

[[entry]]
id = "agency-plus-price"
question = "How much is Agency Plus?"
answer = \"\"\"
Agency Plus costs $20 a month.
- Up to 160 unused Connects roll over each month; Connects expire a year after purchase.
\"\"\"

[[entry]]
id = "connects-rollover"
question = "Do unused Connects roll over?"
answer = "Yes, all unused Connects roll over each month, for freelancers and agencies alike: there is no limit."

[[entry]]
id = "bonus"
question = "When is a bonus available?"
answer = "After the usual 5-day security period. Before 2019 the security period was 10 days."
"""


def messages(text: str) -> list[str]:
    kb, found = check(text.encode(), "kb.toml")
    assert kb is not None, found
    return [str(f) for f in figure_findings(kb)]


def test_the_agency_rollover_contradiction_is_found() -> None:
    """As it was: one entry said 160 Connects roll over for agencies, another that all do, with no limit."""
    found = messages(ROLLOVER)
    assert len(found) == 1, found
    assert "entry 'agency-plus-price'" in found[0] and "'connects-rollover'" in found[0]
    assert "Up to 160 unused Connects roll over" in found[0]


def test_a_figure_stated_the_same_way_everywhere_passes() -> None:
    """Every spelling in `value` is accepted; `unless` exempts a sentence about something else."""
    fixed = ROLLOVER.replace("Up to 160 unused Connects roll over", "All unused Connects roll over")
    assert messages(fixed) == []
    changed = ROLLOVER.replace("the usual 5-day security period", "the usual 7-day security period")
    assert [m for m in messages(changed) if "security-period" in m and "entry 'bonus'" in m]


def test_history_and_sentences_without_a_figure_are_not_checked() -> None:
    """Only figures in current answers count: a sentence with no digit states none."""
    text = ROLLOVER.replace("Up to 160 unused Connects roll over each month", "Agency Connects roll over")
    assert messages(text) == []


def test_a_malformed_figures_table_is_reported() -> None:
    """value and when are required strings or arrays of strings; unknown keys are named."""
    bad = (
        '[figures.fee]\nvalue = 10\nwhen = ["fee"]\n\n[figures.x]\nvalue = "1"\nwhen = []\n\n'
        '[figures.y]\nvalue = "1"\nwhen = "a"\nunits = "b"\n\n'
        '[[entry]]\nid = "a"\nquestion = "Q?"\nanswer = "An answer."\n'
    )
    found = [str(f) for f in check(bad.encode(), "kb.toml")[1]]
    assert any("figures.fee.value must be a string or an array" in f and "error" in f for f in found), found
    assert any("figures.x needs a value and at least one 'when' phrase" in f for f in found), found
    assert any("figures.y: unknown key 'units'" in f and "warning" in f for f in found), found


def test_the_bundled_table_catches_the_rollover_contradiction_as_it_was() -> None:
    """The bundled [figures] table, applied to the two answers as they stood at e1e26dc, finds the 160."""
    from upfaq.kb import BUNDLED_PATH, Entry

    bundled, found = check(BUNDLED_PATH.read_bytes(), "faq.toml")
    assert bundled is not None and bundled.figures and not figure_findings(bundled), found
    old = (
        Entry(
            "agency-plus-price",
            "How much does Agency Plus cost, and what does it include?",
            "Agency Plus costs $20 a month per agency.\n"
            "- Up to 160 unused Connects roll over each month; Connects expire a year after purchase.",
        ),
        Entry(
            "connects-rollover",
            "Do unused Connects roll over, and is there a limit?",
            "Yes, all unused Connects roll over each month, and Upwork's current FAQ (2025) says there is no "
            "limit on how many you can hold.\n"
            "- The only cap is time: each Connect expires one year after it was issued.",
        ),
    )
    stale = [str(f) for f in figure_findings(bundled._replace(entries=old))]
    assert len(stale) == 1 and "agency-plus-price" in stale[0] and "160" in stale[0], stale
