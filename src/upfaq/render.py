"""Entries and search results as terminal renderables, plain text or JSON. Returns, never prints.

Rich is imported only inside the functions that build terminal output, so piped and JSON runs
never pay for it. All knowledge-base and query text passes through strip_control before display:
it is data, and must not move the cursor or recolour the terminal.
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from upfaq.kb import BUNDLED_NAME, Entry, KnowledgeBase, Loaded
from upfaq.search import CASE_FACTOR, FIELD_WEIGHTS, FIELDS, GAP_CAP, WEIGHTS, Match, Result, authority_factor
from upfaq.text import CONTROL_CHARACTERS, strip_control, verdict, words

if TYPE_CHECKING:
    from rich.console import RenderableType

    from upfaq.lint import Report

Highlighter = Callable[[str], Sequence[tuple[int, int]]]
"""Given a text, the (start, end) spans of the words the query matched in it."""


class Mode(enum.Enum):
    """How output is written."""

    RICH = "rich"
    PLAIN = "plain"
    JSON = "json"


def choose_mode(*, json_flag: bool, plain_flag: bool, isatty: bool, env: Mapping[str, str]) -> Mode:
    """The one place that decides the output mode: an explicit flag beats FORCE_COLOR beats detection."""
    if json_flag:
        return Mode.JSON
    if plain_flag:
        return Mode.PLAIN
    if env.get("FORCE_COLOR"):
        return Mode.RICH
    return Mode.RICH if isatty else Mode.PLAIN


# -- shared wording ----------------------------------------------------------------------------


def warnings(entry: Entry, kb: KnowledgeBase) -> list[str]:
    """What a reader must be told about this entry, one sentence each: the alarms, then the quiet notes."""
    return alarms(entry, kb) + quiet_notes(entry, kb)


def alarms(entry: Entry, kb: KnowledgeBase) -> list[str]:
    """What a reader must be told before trusting this entry, drawn as warnings above it: that it is
    not official, or that a source as trusted as it says otherwise."""
    found: list[str] = []
    if entry.authority == "community":
        found.append("Community answer: not official policy.")
    elif entry.authority == "doubtful":
        found.append("Doubtful source: this answer may not describe this platform's policy.")
    others = [(other_id, kb.get(other_id)) for other_id in entry.conflicts]
    # An untrusted answer that an official one contradicts is no reason to doubt the official one.
    others = [(other_id, other) for other_id, other in others if other is None or other.trusted or not entry.trusted]
    if others:
        names = ", ".join(f'{other_id} ("{other.question}")' if other else other_id for other_id, other in others)
        verb = "says" if len(others) == 1 else "say"
        found.append(f"Sources disagree: {names} {verb} otherwise.")
    return [strip_control(w) for w in found]


def quiet_notes(entry: Entry, kb: KnowledgeBase) -> list[str]:
    """What an official answer's reader may like to know, said after it, not as an alarm: an untrusted
    entry that it names as conflicting disagrees with it."""
    if not entry.trusted:
        return []
    untrusted = [other for other in (kb.get(i) for i in entry.conflicts) if other is not None and not other.trusted]
    return [strip_control(f"A {other.authority} answer disagrees: {other.id}.") for other in untrusted]


POLICY_NOTICE = "Policies change: check the source before you rely on this answer."
"""Said once under an answer that links to its source."""


def provenance(entry: Entry) -> list[str]:
    """Where the answer comes from, for people: "Source: title (as of date)", then the link."""
    lines: list[str] = []
    dated = f"as of {entry.as_of}" if entry.as_of else ""
    if entry.source or dated:
        head = f"{entry.source} ({dated})" if entry.source and dated else entry.source or dated
        lines.append(f"Source: {head}")
    if entry.url:
        lines.append(f"  {entry.url}" if lines else f"Source: {entry.url}")
    return [_clean(line) for line in lines]


def changes(entry: Entry) -> list[str]:
    """What held before, newest first, one line each: "2016-06 to 2023-05-03: fact"."""
    ordered = sorted(entry.history, key=lambda change: (change.until or change.start, change.start), reverse=True)
    return [_clean(f"{change.span}: {change.fact}") for change in ordered]


def origin_label(entry: Entry) -> str:
    """Where an entry came from, for people: the file, or "bundled"."""
    return "bundled" if entry.origin == BUNDLED_NAME else entry.origin


# -- JSON --------------------------------------------------------------------------------------


def entry_object(entry: Entry, kb: KnowledgeBase) -> dict[str, Any]:
    """The stable JSON form of an entry."""
    return {
        "id": entry.id,
        "question": entry.question,
        "answer": entry.answer,
        "topic": entry.topic,
        "tags": list(entry.tags),
        "aliases": list(entry.aliases),
        "source": entry.source,
        "authority": entry.authority,
        "conflicts": list(entry.conflicts),
        "related": list(entry.related),
        "note": entry.note,
        "url": entry.url,
        "as_of": entry.as_of,
        "citations": list(entry.citations),
        "history": [
            {"fact": change.fact, "from": change.start, "until": change.until, "url": change.url}
            for change in entry.history
        ],
        "warnings": warnings(entry, kb),
        "file": origin_label(entry),
    }


def ask_object(result: Result, kb: KnowledgeBase) -> dict[str, Any]:
    """The JSON object for one answered (or unanswered) query."""
    return {
        "query": result.query,
        "answered": result.answered,
        "results": [{**entry_object(m.entry, kb), "score": m.score} for m in result.matches],
        "suggestions": [
            {
                "id": m.entry.id,
                "question": m.entry.question,
                "headline": headline(m.entry, excluded=bool(m.excluded)),
                "authority": m.entry.authority,
                "score": m.score,
            }
            for m in result.suggestions
        ],
    }


# JSON's own escaping leaves DEL, C1 controls, bidi overrides and the Unicode line and paragraph
# separators raw when ensure_ascii is off; escaped, every JSON Lines reader sees one object a line.
_JSON_UNSAFE = re.compile(f"[{CONTROL_CHARACTERS}\u2028\u2029]")


def to_json(value: object, *, indent: int | None = 2) -> str:
    """Serialise to JSON that is readable UTF-8 yet carries no raw control character."""
    import json

    text = json.dumps(value, ensure_ascii=False, indent=indent)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


CASE_LABELS = {
    "before-start": "before the contract starts",
    "after-start": "after the contract starts",
    "before-end": "before the contract ends",
    "after-end": "after the contract ends",
    "must": "whether you must",
    "how": "how to do it",
}
"""The cases of text.OPPOSITE_CASES in words, for --explain."""


def case_label(case: str) -> str:
    """A case in words: CASE_LABELS, or for "done:..." and "undone:..." whether the thing is done."""
    kind, _, _ = case.partition(":")
    return {"done": "something already done", "undone": "something not done"}.get(kind) or CASE_LABELS[case]


def explain_object(result: Result, threshold: float) -> dict[str, Any]:
    """Why the query got its answer: the decision, and each top candidate's score breakdown."""
    weights = dict(zip(("coverage", "closeness", "resemblance"), WEIGHTS, strict=True))
    evidence = result.evidence
    return {
        "confidence": result.confidence,
        "threshold": threshold,
        "answered": result.answered,
        "evidence": None
        if evidence is None
        else {
            "score": round(100 * evidence.score, 1),
            "lead": round(100 * evidence.gap, 1),
            "rival": evidence.rival,
            "missed": round(evidence.missed, 3),
            "phrasings": round(math.exp(evidence.curation), 1),
        },
        "weights": weights,
        "unknown_words": list(result.unknown_words),
        "candidates": [
            {
                "id": m.entry.id,
                "score": m.score,
                "coverage": round(m.coverage, 3),
                "closeness": round(m.closeness, 3),
                "resemblance": round(m.resemblance, 3),
                "authority_factor": authority_factor(m.entry),
                "case": m.excluded or None,
                "terms": [
                    {
                        "word": t.word,
                        "matched": t.term,
                        "field": t.field,
                        "kind": t.kind,
                        "weight": round(t.weight, 3),
                        "strength": round(t.strength, 3),
                    }
                    for t in m.terms
                ],
            }
            for m in result.candidates
        ],
    }


# -- plain text --------------------------------------------------------------------------------


_CHANGE_WORDS = frozenset(
    ("before", "used", "old", "older", "previous", "previously", "changed", "change", "history", "earlier", "anymore")
)
_FIGURE = re.compile(r"\$?\d[\d,.]*%?")


def asks_about_change(query: str, entry: Entry) -> bool:
    """Whether a query asks what held before: it says so ("used to", "before", "old"), or names a figure
    that the entry's history holds and its headline does not ("why does upwork take 20%")."""
    said = set(words(query))
    if said & _CHANGE_WORDS:
        return True
    figures = {figure.rstrip(".,") for figure in _FIGURE.findall(query)}
    past = " ".join(change.fact for change in entry.history)
    first = headline(entry)
    return any(figure in past and figure not in first for figure in figures)


def source_line(entry: Entry) -> str:
    """ "Source: TITLE, as of DATE" (what of it is known), or ""."""
    dated = f"as of {entry.as_of}" if entry.as_of else ""
    said = ", ".join(part for part in (entry.source, dated) if part)
    return _clean(f"Source: {said}") if said else ""


def _newest_change(entry: Entry) -> str:
    return max((change.until or change.start for change in entry.history), default="")


RELATED = 3
"""How many further matches (scoring search.ANSWER_FLOOR or more) an answer lists as related rows."""
SEE_ALSO = 3
"""How many related ids the default answer names at most (upfaq show lists them all)."""


def last_lines(entry: Entry, shown: Sequence[Match], *, changed: bool) -> list[str]:
    """The last line of a default answer, longest first, then shorter ones for narrower terminals:
    that the rule changed (when its history is not shown), the see-also ids not listed as related
    rows, and where the rest of the entry is. Each shorter one names fewer see-also ids."""
    listed = {m.entry.id for m in shown}
    also = [other for other in entry.related if other not in listed]
    newest = _newest_change(entry) if changed else ""
    head = [f"changed on {newest}" if newest else "changed"] if changed else []
    more = f"more: upfaq show {entry.id} or --full"
    variants = []
    for count in range(min(len(also), SEE_ALSO), -1, -1):
        ids = ", ".join(also[:count]) + (", …" if len(also) > count and count else "")
        parts = [*head, *([f"see also: {ids}"] if count else []), more]
        variants.append(_clean(" · ".join(parts)))
    return variants


def plain_answer(
    match: Match,
    kb: KnowledgeBase,
    *,
    related: Sequence[Match] = (),
    notice: bool = True,
    full: bool = False,
    query: str = "",
) -> str:
    """An answer as plain text. By default: the question, any warning, the answer, one line on what
    changed (or the history, when the query asks about it), quiet notes, the source and its link on a
    line of its own, the see-also ids, related rows and where the rest is. full: every part, the note,
    history and id/topic/score line included.

    notice adds the reminder that policies change (once per output: the caller decides where).
    """
    if not full:
        return _plain_default(match, kb, related=related, query=query)
    entry = match.entry
    lines = [_clean(entry.question)]
    for warning in warnings(entry, kb):  # before the text it warns about
        lines += ["", warning_line(warning)]
    lines += ["", _clean(entry.answer)]
    if entry.history:
        lines += ["", "Before:"] + [f"- {line}" for line in changes(entry)]
    if entry.note:
        lines += ["", f"Note: {_clean(entry.note)}"]
    source = provenance(entry)
    if source:
        lines += ["", *source]
        if notice and entry.url:
            lines.append(POLICY_NOTICE)
    lines += ["", _facts(entry, f"score {match.score:g}", shown=related)]
    if related:
        lines += ["", "Related:"]
        lines += [f"  {m.entry.id}: {_clean(m.entry.question)}{_marker(m.entry)} ({m.score:g})" for m in related]
    return "\n".join(lines)


def _plain_default(match: Match, kb: KnowledgeBase, *, related: Sequence[Match], query: str) -> str:
    entry = match.entry
    lines = [_clean(entry.question)]
    for warning in alarms(entry, kb):  # before the text it warns about
        lines += ["", warning_line(warning)]
    lines += ["", _clean(entry.answer)]
    history = bool(entry.history) and asks_about_change(query, entry)
    if history:
        lines += ["", "Before:"] + [f"- {line}" for line in changes(entry)]
    lines += quiet_notes(entry, kb)
    lines.append("")
    lines += [line for line in (source_line(entry), _clean(entry.url)) if line]
    if related:
        lines += ["", "Related:"]
        lines += [f"  {m.entry.id}: {_clean(m.entry.question)}{_marker(m.entry)} ({m.score:g})" for m in related]
    lines.append(last_lines(entry, related, changed=bool(entry.history) and not history)[0])
    return "\n".join(lines)


def _marker(entry: Entry) -> str:
    """ " [community]" or " [doubtful]" after an untrusted entry's question in a list; else "".
    Every view marks an untrusted entry with this text (on a terminal in WARNING_STYLE: rich_marker)."""
    return "" if entry.trusted else f" [{entry.authority}]"


def rich_marker(text: Any, entry: Entry) -> Any:
    """Append an untrusted entry's marker to a Rich Text, in WARNING_STYLE, as every view draws it."""
    if not entry.trusted:
        text.append(f" {_marker(entry).strip()}", style=WARNING_STYLE)
    return text


WARNING_PREFIX = "⚠ Warning: "
"""How every view begins a warning line, in every mode."""


def warning_line(warning: str) -> str:
    """One warning as every view writes it: before the text it warns about."""
    return f"{WARNING_PREFIX}{warning}"


QUERY_ECHO = 200
"""Characters of a query repeated back to a person; JSON carries the query whole."""


def query_label(query: str) -> str:
    """A query as shown back to a person: one line, no control characters, at most QUERY_ECHO characters."""
    text = " ".join(_clean(query).split())
    return text if len(text) <= QUERY_ECHO else text[: QUERY_ECHO - 1] + "…"


def fewer_answers(found: int, asked: int) -> str:
    """Said when -n asked for more confident answers than there are."""
    return f"{found} confident answer{'' if found == 1 else 's'} ({asked} asked for)."


NOTHING_CLOSE = (
    "Nothing in the knowledge bases comes close. Try other words, browse with: upfaq list\n"
    "The bundled one covers Upwork's freelancer policies; add your own answers with: upfaq init"
)
NEXT_STEP = "Read one in full with: upfaq show ID"


HEADLINE_CHARS = 160
"""The most of an answer's first sentence shown under a candidate."""
HEADLINE_SHORT = 25
"""A first sentence shorter than this ("No.", "Partly.", "14 days.") is followed by the next one."""
_SENTENCE_END = re.compile(r"(?<=[.!?])(?<!\.[A-Za-z]\.)(?<!\b[A-Z]\.)\s")
"""The end of a sentence: not after an abbreviation such as U.S., e.g. or a middle initial."""


def headline(entry: Entry, *, excluded: bool = False) -> str:
    """The first sentence of an entry's answer on one line, shortened past HEADLINE_CHARS; when that
    sentence is a bare "No." or "30 days.", the next one as well, which says what it means.

    excluded: the entry is about a case the question excludes (Match.excluded), so the "Yes." or
    "No." its answer opens with is not said: it answers the entry's question, not the asker's.
    """
    first = _clean(next((line.strip() for line in entry.answer.strip().splitlines() if line.strip()), ""))
    if excluded and (said := verdict(first)):
        first = first[len(said) :]
        first = first[:1].upper() + first[1:]
    sentences = _SENTENCE_END.split(first, maxsplit=2)
    shown = sentences[0] if len(sentences[0]) >= HEADLINE_SHORT else " ".join(sentences[:2])
    sentence = " ".join(shown.split())
    return sentence if len(sentence) <= HEADLINE_CHARS else sentence[: HEADLINE_CHARS - 1].rstrip() + "…"


SPLIT = "Entries on different questions match it about equally. Did you mean:"
"""Said over the candidates when the best alone would be the answer but a different one fits nearly as well."""


def _choose(result: Result) -> str:
    """The line over the candidates of an unanswered query."""
    return SPLIT if result.split else "Did you mean:"


def plain_no_answer(result: Result) -> str:
    """The message for a query with no confident answer: near misses worth reading, each with the first
    sentence of its answer, and the next step."""
    lines = [f'No confident answer for "{query_label(result.query)}".']
    if result.suggestions:
        lines.append(_choose(result))
        for m in result.suggestions:
            lines.append(f"  {m.entry.id}: {_clean(m.entry.question)}{_marker(m.entry)} ({m.score:g})")
            lines.append(f"    {headline(m.entry, excluded=bool(m.excluded))}")
        lines.append(NEXT_STEP)
    else:
        lines.append(NOTHING_CLOSE)
    return "\n".join(lines)


def plain_explain(result: Result, threshold: float) -> str:
    """The score breakdown of the top candidates, for knowledge-base authors."""
    data = explain_object(result, threshold)
    decision = "answered" if result.answered else "no confident answer"
    lines = [
        f"Explain: confidence {result.confidence:g}% that the first entry is the answer, against a threshold of "
        f"{threshold:g}%: {decision}.",
        *_explain_evidence(result),
        "Score = 100 x ({coverage:g} x coverage + {closeness:g} x closeness + {resemblance:g} x resemblance)".format(
            **data["weights"]
        ),
        "  coverage: the weighted share of query words the entry holds ("
        + ", ".join(f"{field} {weight:g}" for field, weight in zip(FIELDS, FIELD_WEIGHTS, strict=True))
        + ")",
        "  closeness: overlap with the entry's closest phrasing; resemblance: shared letter sequences with it",
    ]
    if result.unknown_words:
        lines.append("Words no entry holds: " + ", ".join(_clean(w) for w in result.unknown_words))
    for rank, candidate in enumerate(data["candidates"], 1):
        factor = "" if candidate["authority_factor"] == 1.0 else f" x {candidate['authority_factor']:g} (not official)"
        if candidate["case"]:
            factor += f" x {CASE_FACTOR:g} (it is about {case_label(candidate['case'])}; the question is not)"
        lines.append(
            f"#{rank} {candidate['id']}: score {candidate['score']:g} = coverage {candidate['coverage']:.2f}, "
            f"closeness {candidate['closeness']:.2f}, resemblance {candidate['resemblance']:.2f}{factor}"
        )
        for t in candidate["terms"]:
            lines.append(
                f"    {_clean(t['word'])} -> {_clean(t['matched'])} in {t['field']} ({t['kind']}), "
                f"weight {t['weight']:.2f}, strength {t['strength']:.2f}"
            )
    return "\n".join(lines)


def _explain_evidence(result: Result) -> list[str]:
    """The confidence's inputs, in words."""
    evidence = result.evidence
    if evidence is None:
        return ["  No entry holds any word of the question."]
    score = f"{100 * evidence.score:.1f}"
    if evidence.rival is None:
        lead = "no different answer is among the candidates"
    else:
        points = f"{100 * evidence.gap:.1f}"
        capped = f" (a lead past {100 * GAP_CAP:g} counts as {100 * GAP_CAP:g})" if evidence.gap > GAP_CAP else ""
        lead = f"it leads the nearest different answer, {_clean(evidence.rival)}, by {points} points{capped}"
    lines = [
        f"  Estimated from the first entry's score, {score}, and its lead: {lead}; and from the knowledge base's "
        f"{math.exp(evidence.curation):.1f} phrasings an entry on average (the more phrasings, the higher a score "
        "must be to mean as much)."
    ]
    if evidence.missed:
        lines.append(f"  The first entry holds no form of {100 * evidence.missed:.0f}% of the question's weight.")
    return lines


def plain_entry(entry: Entry, kb: KnowledgeBase) -> str:
    """One entry in full, every field labelled; its warnings first, before the text they warn about."""
    lines = [_clean(entry.question), ""]
    for warning in warnings(entry, kb):
        lines += [warning_line(warning), ""]
    lines += [_clean(entry.answer), ""]
    for label, value in _details(entry):
        lines.append(f"{label}: {value}")
    return "\n".join(lines)


def plain_list(entries: Iterable[Entry], *, show_files: bool = False) -> str:
    """Entries grouped by topic: a topic line, then an indented "id  question" line each.

    With show_files each line ends with the file the entry came from, in parentheses.
    """
    lines: list[str] = []
    for topic, group in _by_topic(entries):
        if lines:
            lines.append("")
        lines.append(_clean(topic))
        width = max(len(e.id) for e in group)
        for entry in group:
            flag = f" {_marker(entry)}" if not entry.trusted else ""
            where = f"  ({_clean(origin_label(entry))})" if show_files else ""
            lines.append(f"  {entry.id:<{width}}  {_clean(entry.question)}{flag}{where}")
    return "\n".join(lines)


def layers_object(loaded: Loaded) -> list[dict[str, Any]]:
    """The files in effect, highest precedence first, as JSON."""
    return [
        {
            "file": "bundled" if layer.label == BUNDLED_NAME else layer.label,
            "via": layer.via,
            "entries": layer.entries,
            "overridden": layer.overridden,
        }
        for layer in loaded.layers
    ]


def plain_layers(loaded: Loaded) -> str:
    """The files in effect, highest precedence first: file, how it was found, entry counts."""
    rows = layers_object(loaded)
    width = max(len(_clean(row["file"])) for row in rows)
    lines = ["Knowledge bases in effect, highest precedence first:"]
    for row in rows:
        counts = f"{row['entries']} entries"
        if row["overridden"]:
            counts += f" ({row['overridden']} replaced by a higher file)"
        lines.append(f"  {_clean(row['file']):<{width}}  {row['via']:<13}  {counts}")
    lines.append(f"{len(loaded.kb.entries)} entries in all")
    return "\n".join(lines)


def report_object(report: Report) -> dict[str, Any]:
    """A validation report as JSON."""
    return {
        "files": report.files,
        "errors": report.errors,
        "warnings": len(report.findings) - report.errors,
        "findings": [
            {"file": f.path, "line": f.line, "column": f.col, "level": f.level, "message": f.message}
            for f in report.findings
        ],
    }


def plain_suggestions(word: str, candidates: Sequence[str]) -> str:
    """An unknown id with the closest known ones."""
    text = f"no entry with id '{_clean(word)}'"
    if candidates:
        text += "; did you mean: " + ", ".join(candidates)
    return text


# -- terminal (Rich) ---------------------------------------------------------------------------


def rich_answer(
    match: Match,
    kb: KnowledgeBase,
    *,
    related: Sequence[Match] = (),
    highlight: Highlighter | None = None,
    notice: bool = True,
    full: bool = False,
    query: str = "",
) -> RenderableType:
    """An answer as a Rich panel: question as title, warnings, answer; by default one line on what
    changed and the source in the panel, then the link on a line of its own under it (never
    wrapped), see also, related rows and where the rest is. full: every part, as plain_answer."""
    from rich.console import Group
    from rich.text import Text

    if not full:
        return _rich_default(match, kb, related=related, highlight=highlight, query=query)
    entry = match.entry
    extra: list[RenderableType] = []
    if entry.history:
        before = Text("Before:", style="bold")
        for line in changes(entry):
            before.append(f"\n- {line}", style="not bold")
        extra += [Text(""), before]
    if entry.note:
        extra += [Text(""), Text.assemble(("Note: ", "bold"), _clean(entry.note), style="italic")]
    extra += _rich_source(entry, notice=notice)
    extra += [Text(""), _Footer(_facts(entry, f"score {match.score:g}", shown=related), style="dim")]
    title = _highlighted(entry.question, highlight)
    title.stylize("bold")
    parts: list[RenderableType] = [_panel(entry, kb, title, _highlighted(entry.answer, highlight), extra)]
    if related:
        parts.append(_listed(Text("Related:", style="bold"), related))
    return Group(*parts)


def _rich_default(
    match: Match, kb: KnowledgeBase, *, related: Sequence[Match], highlight: Highlighter | None, query: str
) -> RenderableType:
    from rich.console import Group
    from rich.text import Text

    entry = match.entry
    extra: list[RenderableType] = []
    history = bool(entry.history) and asks_about_change(query, entry)
    if history:
        before = Text("Before:", style="bold")
        for line in changes(entry):
            before.append(f"\n- {line}", style="not bold")
        extra += [Text(""), before]
    extra += [Text(note, style="italic") for note in quiet_notes(entry, kb)]
    source = source_line(entry)
    title = _highlighted(entry.question, highlight)
    title.stylize("bold")
    answer = _highlighted(entry.answer, highlight)
    subtitle = Text(source, style="not bold") if source else None
    parts: list[RenderableType] = [_panel(entry, kb, title, answer, extra, alarms_only=True, subtitle=subtitle)]
    if entry.url:
        # Outside the frame and never wrapped: a link broken across lines can be neither clicked nor copied.
        parts.append(Text(_clean(entry.url), style="underline", no_wrap=True, overflow="ignore"))
    if related:
        parts.append(_listed(Text("Related:", style="bold"), related))
    parts.append(_Fitted(last_lines(entry, related, changed=bool(entry.history) and not history), style="dim"))
    return Group(*parts)


class _Fitted:
    """The first of some lines (longest first) that fits the width; the last one, wrapped, if none does."""

    def __init__(self, variants: Sequence[str], style: str) -> None:
        self.variants, self.style = variants, style

    def __rich_console__(self, console: Any, options: Any) -> Any:
        from rich.cells import cell_len
        from rich.text import Text

        fits = next((v for v in self.variants if cell_len(v) <= options.max_width), self.variants[-1])
        yield Text(fits, style=self.style)


def rich_no_answer(result: Result) -> RenderableType:
    """The no-answer message for a terminal."""
    from rich.text import Text

    text = Text(f'No confident answer for "{query_label(result.query)}".', style="bold")
    if result.suggestions:
        text.append(f"\n{_choose(result)}")
        _listed(text, result.suggestions, headlines=True)
        text.append(f"\n{NEXT_STEP}", style="not bold")
    else:
        text.append(f"\n{NOTHING_CLOSE}", style="not bold")
    return text


def rich_entry(entry: Entry, kb: KnowledgeBase) -> RenderableType:
    """One entry in full: a panel with the answer, then a table of every field."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold")
    table.add_column()
    for label, value in _details(entry):
        table.add_row(label, Text(value))
    title = Text(_clean(entry.question), style="bold")
    return Group(_panel(entry, kb, title, Text(_clean(entry.answer))), table)


def rich_list(entries: Iterable[Entry], *, show_files: bool = False) -> RenderableType:
    """Entries grouped by topic in one table (with a file column when several files are in effect)."""
    from rich.table import Table
    from rich.text import Text

    table = Table(show_header=True, header_style="bold", box=None, padding=(0, 1))
    table.add_column("id", style="cyan", no_wrap=True)
    table.add_column("question")
    if show_files:
        table.add_column("file", style="dim")
    for topic, group in _by_topic(entries):
        table.add_row(Text(_clean(topic), style="bold magenta"), "", *([""] if show_files else []))
        for entry in group:
            question = rich_marker(Text(_clean(entry.question)), entry)
            extra = [Text(_clean(origin_label(entry)))] if show_files else []
            table.add_row(Text(entry.id), question, *extra)
    return table


def narrow_list(entries: Iterable[Entry], *, show_files: bool = False) -> RenderableType:
    """Entries grouped by topic for a narrow terminal: each id on its line, the question under it."""
    from rich.console import Group
    from rich.padding import Padding
    from rich.text import Text

    rows: list[RenderableType] = []
    for topic, group in _by_topic(entries):
        if rows:
            rows.append(Text(""))
        rows.append(Text(_clean(topic), style="bold magenta"))
        for entry in group:
            name = rich_marker(Text(f"  {entry.id}", style="cyan"), entry)
            rows += [name, Padding(Text(_clean(entry.question)), (0, 0, 0, 4))]
            if show_files:
                rows.append(Padding(Text(_clean(origin_label(entry)), style="dim"), (0, 0, 0, 4)))
    return Group(*rows)


# -- helpers -----------------------------------------------------------------------------------


def _clean(text: str) -> str:
    return strip_control(text)


def _rich_source(entry: Entry, *, notice: bool) -> list[RenderableType]:
    """The source lines, the link underlined.

    The link is plain text (terminals detect links themselves), not an OSC 8 hyperlink: an
    escape sequence carrying a knowledge base's text is one more way for data to reach the terminal.
    """
    from rich.text import Text

    lines = provenance(entry)
    if not lines:
        return []
    text = Text()
    for number, line in enumerate(lines):
        if number:
            text.append("\n")
        if entry.url and line.endswith(entry.url):
            text.append(line[: -len(entry.url)])
            text.append(line[-len(entry.url) :], style="underline")
        else:
            text.append(line)
    if notice and entry.url:
        text.append(f"\n{POLICY_NOTICE}", style="italic")
    return [Text(""), text]


def _facts(entry: Entry, extra: str, shown: Sequence[Match] = ()) -> str:
    """The topic, id and score line, then the related ids not already listed below as Related."""
    parts = [f"topic: {entry.topic}", f"id: {entry.id}"]
    parts.append(extra)
    text = " | ".join(parts)
    listed = {m.entry.id for m in shown}
    also = [other for other in entry.related if other not in listed]
    if also:
        text += "\nsee also: " + ", ".join(also)
    return _clean(text)


def _details(entry: Entry) -> list[tuple[str, str]]:
    rows = [("id", entry.id), ("topic", entry.topic)]
    optional = [
        ("tags", ", ".join(entry.tags)),
        ("aliases", " | ".join(entry.aliases)),
        ("source", entry.source),
        ("authority", entry.authority or ""),
        ("conflicts", ", ".join(entry.conflicts)),
        ("related", ", ".join(entry.related)),
        ("note", entry.note),
        ("url", entry.url),
        ("as of", entry.as_of),
        ("citations", " | ".join(entry.citations)),
        ("before", " | ".join(changes(entry))),
    ]
    rows += [(label, value) for label, value in optional if value]
    rows.append(("file", origin_label(entry)))
    return [(label, _clean(value)) for label, value in rows]


def _by_topic(entries: Iterable[Entry]) -> list[tuple[str, list[Entry]]]:
    groups: dict[str, list[Entry]] = {}
    for entry in entries:
        groups.setdefault(entry.topic, []).append(entry)
    return list(groups.items())


def _panel(
    entry: Entry,
    kb: KnowledgeBase,
    title: Any,
    answer: Any,
    extra: Sequence[RenderableType] = (),
    *,
    alarms_only: bool = False,
    subtitle: Any = None,
) -> RenderableType:
    """The answer in a panel, each warning above it, then extra; yellow when not to be trusted as is.

    alarms_only: only the alarms go above (the quiet notes are among extra, after the answer).
    subtitle: a line for the bottom frame (the source), inside the panel when it does not fit there.
    """
    from rich import box
    from rich.text import Text

    # Warnings come first, before the text they warn about: bold red reads on light and dark
    # backgrounds alike, and the symbol and the word keep them apart without colour (NO_COLOR).
    body: list[RenderableType] = []
    for warning in alarms(entry, kb) if alarms_only else warnings(entry, kb):
        body += [Text(warning_line(warning), style=WARNING_STYLE), Text("")]
    body += [answer, *extra]
    if not entry.trusted:  # a community or doubtful answer: a heavy red frame, seen at a glance
        return _TitledPanel(title, body, subtitle, border_style="red", box=box.HEAVY)
    return _TitledPanel(title, body, subtitle, border_style="yellow" if alarms(entry, kb) else "green")


class _TitledPanel:
    """A panel with the question as its title, or, when the title would not fit on the frame (a
    narrow terminal), as the panel's first lines, wrapped rather than cut. A subtitle (the source
    line) goes on the bottom frame, shortened with "…" to fit there: the link follows in full."""

    def __init__(self, title: Any, body: Sequence[RenderableType], subtitle: Any = None, **frame: Any) -> None:
        self.title, self.body, self.subtitle, self.frame = title, body, subtitle, frame

    def __rich_console__(self, console: Any, options: Any) -> Any:
        from rich.console import Group
        from rich.panel import Panel
        from rich.text import Text

        body = list(self.body)
        room = options.max_width - 6
        subtitle = self.subtitle
        if subtitle is not None and subtitle.cell_len > room:
            # The title of the page gives way, not its date: "Source: Upwork Help Center: Cre…, as of 2024".
            head, sep, tail = subtitle.plain.rpartition(", as of ")
            keep = f"{sep}{tail}" if sep else ""
            subtitle = Text(head if sep else subtitle.plain, style=subtitle.style)
            subtitle.truncate(max(room - len(keep), 1), overflow="ellipsis")
            subtitle.append(keep)
        place = {"subtitle": subtitle, "subtitle_align": "left"} if subtitle is not None else {}
        if self.title.cell_len <= room:
            yield Panel(Group(*body), title=self.title, title_align="left", **place, **self.frame)
        else:
            yield Panel(Group(self.title, *body), **place, **self.frame)


class _Footer:
    """The facts under an answer ("topic: ... | id: ... | score 70.9"), wrapped between its parts,
    never inside one: "score 70.9" stays whole at any width."""

    def __init__(self, text: str, style: str) -> None:
        self.text, self.style = text, style

    def __rich_console__(self, console: Any, options: Any) -> Any:
        from rich.text import Text

        width = max(options.max_width, 1)
        for source_line in self.text.split("\n"):
            line = ""
            for part in source_line.split(" | "):
                joined = f"{line} | {part}" if line else part
                if line and len(joined) > width:
                    yield Text(line, style=self.style)
                    line = part
                else:
                    line = joined
            yield Text(line, style=self.style)


WARNING_STYLE = "bold red"
"""How warnings are drawn: readable on light and dark terminals (bold yellow on white is not)."""


def _listed(text: Any, matches: Sequence[Match], *, headlines: bool = False) -> Any:
    """Append one "id  question (score)" line a match to a Rich Text, each followed by the first
    sentence of its answer with headlines, and return it."""
    for m in matches:
        text.append(f"\n  {m.entry.id}", style="cyan")
        text.append(f"  {_clean(m.entry.question)}", style="bold" if headlines else "")
        rich_marker(text, m.entry)
        text.append(f" ({m.score:g})")
        if headlines:
            text.append(f"\n    {headline(m.entry, excluded=bool(m.excluded))}", style="not bold")
    return text


def _highlighted(text: str, highlight: Highlighter | None) -> Any:
    from rich.text import Text

    clean = _clean(text)
    rendered = Text(clean)
    if highlight:
        for start, end in highlight(clean):
            rendered.stylize("bold cyan underline", start, end)
    return rendered
