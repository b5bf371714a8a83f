"""`upfaq validate`: every problem in knowledge-base files, for their authors. No printing."""

import re
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from upfaq.kb import (
    BUNDLED_NAME,
    BUNDLED_PATH,
    EXPLICIT,
    Entry,
    Finding,
    KBError,
    KnowledgeBase,
    Source,
    check,
    date_before,
    files_of,
    header_lines,
    key_line,
    load,
    read_bytes,
)
from upfaq.search import MAX_PHRASE_WORDS
from upfaq.text import CONTROL, sentences, words

SHORT_ANSWER = 20
"""Answers shorter than this many characters are probably unfinished."""
NEAR_DUPLICATE = 92
"""Questions at least this alike (rapidfuzz token_sort_ratio, 0-100) are probably the same question."""
NEAR_DUPLICATE_LIMIT = 3000
"""Above this many entries the all-pairs near-duplicate check is skipped (it grows with the square)."""


class Report(NamedTuple):
    """What validating some files found."""

    findings: tuple[Finding, ...]
    files: int
    unusable: bool
    """A named path could not be read at all (missing, no TOML files): exit status 2."""

    @property
    def errors(self) -> int:
        """How many error-level findings there are."""
        return sum(f.level == "error" for f in self.findings)


def validate_sources(chain: Sequence[Source], paths: Sequence[Path] = ()) -> Report:
    """What `upfaq validate` checks: the named paths (files, or directories of *.toml), or with none
    every file in effect (chain, as kb.sources gives it), bundled included.

    Named paths are checked against the knowledge bases found without options (the user data
    directory, UPFAQ_KB, the bundled one), so that their references to entries there resolve.
    """
    missing: list[KBError] = []
    files: list[Path] = []
    context: KnowledgeBase | None = None
    if paths:
        for path in paths:
            try:
                files.extend(files_of(Source(path, EXPLICIT)))
            except KBError as error:
                missing.append(error)
        try:
            context = load([source for source in chain if not source.explicit]).kb
        except KBError:
            context = None
    else:
        for source in chain:
            if source.path is None:
                files.append(BUNDLED_PATH)
                continue
            try:
                files.extend(files_of(source))
            except KBError as error:
                missing.append(error)
    return validate(files, context, missing)


def validate(files: Sequence[Path], context: KnowledgeBase | None = None, missing: Sequence[KBError] = ()) -> Report:
    """Check files one by one, then together; context resolves references to entries elsewhere."""
    findings: list[Finding] = [Finding(e.path, e.line, "error", e.message, e.col) for e in missing]
    usable: list[KnowledgeBase] = []
    places: dict[str, tuple[list[str], list[int]]] = {}  # per file: lines and entry headers, for key lines
    for path in files:
        label = str(path)
        try:
            raw = read_bytes(path, label)
        except KBError as error:
            findings.append(Finding(error.path, error.line, "error", error.message, error.col))
            continue
        kb, found = check(raw, label)
        findings.extend(found)
        if kb is not None:
            text = raw.decode("utf-8", "replace")
            places[label] = (text.split("\n"), header_lines(text, len(kb.entries))[0])
            usable.append(kb)
            findings.extend(_entry_warnings(kb))
            findings.extend(_synonym_warnings(kb, label))
            findings.extend(figure_findings(kb, places[label]))
    entries = [entry for kb in usable for entry in kb.entries]
    known = {entry.id for entry in entries} | {entry.id for entry in (context.entries if context else ())}
    rejected = [entry for kb in usable for entry in kb.rejected]
    known |= {entry.id for entry in rejected}  # defined, if badly: what is wrong with it is reported already
    findings.extend(_references([*entries, *rejected], known, places))
    findings.extend(_alias_collisions(entries, context.entries if context else ()))
    if len(entries) <= NEAR_DUPLICATE_LIMIT:
        findings.extend(_near_duplicates(entries))
    findings.sort(key=lambda f: (f.path, f.line or 0, f.level, f.message))
    return Report(tuple(findings), len(files), bool(missing))


SYNONYM_GROUPS_SLOW = 5000
"""Past this many synonym groups every answer from the cache reads noticeably more (about 0.1 s
more at 20,000 groups): they are loaded whole, whatever the question."""


def _synonym_warnings(kb: KnowledgeBase, label: str) -> list[Finding]:
    """Synonyms that would be ignored, or slow every search down."""
    found: list[Finding] = []
    for group, members in kb.synonyms.items():
        for member in members:
            count = len(words(member))
            if count > MAX_PHRASE_WORDS:
                message = (
                    f"synonym group '{group}': '{member[:60]}' has {count} words; phrases of more than "
                    f"{MAX_PHRASE_WORDS} are never matched (they would slow indexing with the cube of their length)"
                )
                found.append(Finding(label, None, "warning", message))
    if len(kb.synonyms) > SYNONYM_GROUPS_SLOW:
        message = f"{len(kb.synonyms)} synonym groups: every answer loads them all; past {SYNONYM_GROUPS_SLOW} it slows"
        found.append(Finding(label, None, "warning", message))
    return found


def figure_findings(kb: KnowledgeBase, place: tuple[list[str], list[int]] | None = None) -> list[Finding]:
    """Answers that state a figure of the file's [figures] table otherwise than the table does.

    place (the file's lines and entry headers) points each finding at the entry's `answer` line.
    """
    found: list[Finding] = []
    for figure in kb.figures:
        when = [_phrase(phrase) for phrase in figure.when]
        unless = [_phrase(phrase) for phrase in figure.unless]
        values = [re.compile(rf"(?<![0-9a-z]){re.escape(value.casefold())}(?![0-9a-z])") for value in figure.value]
        for entry in kb.entries:
            if any(p.search(entry.question.casefold()) for p in unless):
                continue  # the entry is about something else (another fee, another country's tax)
            for sentence in sentences(entry.answer):
                folded = sentence.casefold()
                if not all(p.search(folded) for p in when) or any(p.search(folded) for p in unless):
                    continue
                if not any(c.isdigit() for c in folded) or any(v.search(folded) for v in values):
                    continue
                line = entry.line
                if place is not None and entry.line is not None:
                    line = key_line(place[0], place[1], entry.line, "answer")
                stated = sentence if len(sentence) <= FIGURE_QUOTE else sentence[: FIGURE_QUOTE - 1] + "…"
                message = (
                    f"entry '{entry.id}': states figure '{figure.name}' otherwise than [figures] does "
                    f'({" or ".join(figure.value)}): "{stated}"'
                )
                found.append(Finding(display_path(entry), line, "warning", message))
    return found


def _phrase(phrase: str) -> "re.Pattern[str]":
    """A `when` or `unless` phrase as a pattern: from the start of a word ("agenc" finds "agencies"), any case."""
    return re.compile(rf"(?<![0-9a-z]){re.escape(phrase.casefold())}")


FIGURE_QUOTE = 100
"""How much of a sentence that states a figure otherwise is quoted in the finding."""


def display_path(entry: Entry) -> str:
    """The file an entry came from, as a path a person can open."""
    return str(BUNDLED_PATH) if entry.origin == BUNDLED_NAME else entry.origin


def _entry_warnings(kb: KnowledgeBase) -> list[Finding]:
    found: list[Finding] = []
    for entry in kb.entries:
        where = display_path(entry)
        if not entry.answer:
            found.append(Finding(where, entry.line, "warning", f"entry '{entry.id}': answer is empty"))
        elif len(entry.answer) < SHORT_ANSWER:
            found.append(
                Finding(
                    where,
                    entry.line,
                    "warning",
                    f"entry '{entry.id}': answer is very short ({len(entry.answer)} characters)",
                )
            )
        for change in entry.history:
            if change.until and entry.as_of and date_before(entry.as_of, change.until):
                message = (
                    f"entry '{entry.id}': as_of {entry.as_of} is before {change.until}, when an earlier fact in its "
                    "history stopped holding"
                )
                found.append(Finding(where, entry.line, "warning", message))
        texts = (entry.question, entry.answer, entry.note, entry.source, entry.topic, *entry.aliases, *entry.tags)
        if any(CONTROL.search(text.replace("\r\n", "\n")) for text in texts):
            found.append(
                Finding(
                    where,
                    entry.line,
                    "warning",
                    f"entry '{entry.id}': text holds control characters (not shown to users)",
                )
            )
    return found


def _references(
    entries: Sequence[Entry], known: set[str], places: dict[str, tuple[list[str], list[int]]]
) -> list[Finding]:
    found: list[Finding] = []
    for entry in entries:
        for kind, ids in (("conflicts", entry.conflicts), ("related", entry.related)):
            line = entry.line
            if line is not None and entry.origin in places:
                line = key_line(*places[entry.origin], line, kind)
            for other in ids:
                if other not in known:
                    message = f"entry '{entry.id}': {kind} names '{other}', which no knowledge base in effect defines"
                    found.append(Finding(display_path(entry), line, "error", message))
            for other in sorted({other for other in ids if ids.count(other) > 1}):
                message = f"entry '{entry.id}': {kind} names '{other}' more than once"
                found.append(Finding(display_path(entry), line, "warning", message))
    return found


def _fold(text: str) -> str:
    return " ".join(words(text))


def _alias_collisions(entries: Sequence[Entry], elsewhere: Sequence[Entry]) -> list[Finding]:
    owners: dict[str, set[str]] = {}
    for entry in (*entries, *elsewhere):
        for phrasing in (entry.question, *entry.aliases):
            owners.setdefault(_fold(phrasing), set()).add(entry.id)
    found: list[Finding] = []
    for entry in entries:
        for alias in entry.aliases:
            others = sorted(owners.get(_fold(alias), set()) - {entry.id})
            if others:
                names = ", ".join(f"'{other}'" for other in others)
                message = f"entry '{entry.id}': alias \"{alias}\" is also a question or alias of {names}"
                found.append(Finding(display_path(entry), entry.line, "warning", message))
    return found


def _near_duplicates(entries: Sequence[Entry]) -> list[Finding]:
    from rapidfuzz import fuzz, process, utils

    questions = [entry.question for entry in entries]
    found: list[Finding] = []
    for index, entry in enumerate(entries):
        matches = process.extract(
            entry.question,
            questions,
            scorer=fuzz.token_sort_ratio,
            processor=utils.default_process,
            score_cutoff=NEAR_DUPLICATE,
            limit=None,
        )
        for _, score, other in matches:
            if other > index and entries[other].id != entry.id:
                twin = entries[other].id
                message = f"entry '{entry.id}': question is nearly the same as that of '{twin}' ({score:.0f}% alike)"
                found.append(Finding(display_path(entry), entry.line, "warning", message))
    return found
