"""Knowledge bases: the entry model, reading and checking TOML files, finding and layering them.

No printing: problems come back as Finding values or KBError exceptions, for the CLI to show.
"""

import gc
import os
import re
import sys
from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple

BUNDLED_PATH = Path(__file__).parent / "data" / "faq.toml"
BUNDLED_NAME = "<bundled>"
EXAMPLE_PATH = Path(__file__).parent / "data" / "example.toml"
EXAMPLE_WARNING = (
    "upfaq's unedited example: it answers nothing until you edit it and delete 'example = true' "
    "(or delete the file, and this warning goes)"
)
ENV_VAR = "UPFAQ_KB"
EXPLICIT = "--kb"
"""How a source named on the command line is marked: its problems are errors, not warnings."""

DEFAULT_TOPIC = "General"

# How much an answer can be trusted. Anything but "official" is shown with a warning.
AUTHORITIES = ("official", "community", "doubtful")

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")

_STRING_FIELDS = ("topic", "source", "authority", "note")
_LIST_FIELDS = ("tags", "aliases", "conflicts", "related")
_STRING_KEYS = frozenset(("id", "question", "answer", *_STRING_FIELDS))
_PROVENANCE_KEYS = frozenset(("url", "as_of", "citations", "history"))
KNOWN_TABLES = frozenset(("entry", "synonyms", "meta", "figures"))

URL_PATTERN = re.compile(r"^https?://[^\s/?#\x00-\x1f\x7f-\x9f]+[^\s\x00-\x1f\x7f-\x9f]*$")
"""A link a reader can open: http(s), a host, no whitespace or control characters."""
BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""Characters that reorder text on screen: a link holding one can show a reader another address."""


def link_problem(url: str) -> str:
    """What is wrong with a link a reader is to open, as the end of a sentence, or "": not http(s),
    whitespace or control characters, bidirectional controls, or user-info before the host
    (https://support.upwork.com@evil.example/ goes to evil.example)."""
    if not URL_PATTERN.match(url):
        return "must be an http(s) link with no spaces"
    if BIDI.search(url):
        return "holds a character that reorders text on screen (a bidirectional control)"
    authority = url.split("://", 1)[1].split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    if "@" in authority:
        return "holds user-info before its host ('name@'): it would open the host after the '@'"
    return ""


DATE_PATTERN = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$", re.ASCII)
"""How dates are written in a knowledge base: a year, a year and month, or a day (ISO 8601)."""
REQUIRABLE = ("url", "as_of", "source", "authority", "topic")
"""Fields a file's [meta] table may require of every entry (require = [...])."""


class Change(NamedTuple):
    """An earlier state of an entry's facts, and when it held."""

    fact: str
    start: str = ""
    """The date it began to hold ("from" in the file), or "" when unknown."""
    until: str = ""
    """The date it stopped holding, or "" when unknown."""
    url: str = ""
    """Where that earlier fact is stated, when known."""

    @property
    def span(self) -> str:
        """The dates as a reader sees them: "2016-06 to 2023-05-03", "until 2016-06", "from 2019"."""
        if self.start and self.until:
            return f"{self.start} to {self.until}"
        return f"until {self.until}" if self.until else f"from {self.start}"


class Entry(NamedTuple):
    """One question and its answer, with search aids and provenance."""

    id: str
    question: str
    answer: str
    topic: str = DEFAULT_TOPIC
    tags: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    source: str = ""
    authority: str | None = None
    conflicts: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    note: str = ""
    url: str = ""
    """The page the answer comes from."""
    as_of: str = ""
    """The date from which the answer's facts are known to hold (YYYY, YYYY-MM or YYYY-MM-DD)."""
    citations: tuple[str, ...] = ()
    """Other pages that support the answer."""
    history: tuple[Change, ...] = ()
    """Earlier states of the facts, oldest first."""
    origin: str = ""
    """The knowledge-base file the entry was loaded from (BUNDLED_NAME for the bundled one)."""
    line: int | None = None
    """The line of the entry's [[entry]] header in that file, when known."""

    @property
    def trusted(self) -> bool:
        """Whether the entry can be shown without a warning about its source."""
        return self.authority in (None, "official")


class Figure(NamedTuple):
    """A figure that several answers state (a fee, a period, a limit): `[figures.NAME]` in a file.

    A sentence of a current answer states it when it holds every `when` phrase and a digit, and
    neither it nor its entry's question holds an `unless` phrase (another fee, another country's
    tax); it must then hold one of `value`, the ways the figure is written, as a whole word.
    History and notes are not checked: they hold what was true before.
    """

    name: str
    value: tuple[str, ...]
    when: tuple[str, ...]
    unless: tuple[str, ...] = ()
    line: int | None = None


class KnowledgeBase(NamedTuple):
    """Entries in file order, plus the synonym groups that searching them uses."""

    entries: Sequence[Entry]
    synonyms: Mapping[str, tuple[str, ...]] = MappingProxyType({})
    example: bool = False
    """An unedited example (`[meta] example = true`, as `upfaq init` writes it): loaded, it answers nothing."""
    figures: tuple[Figure, ...] = ()
    """The file's [figures] table, for `upfaq validate` (layers and the cache do not keep it)."""
    rejected: tuple[Entry, ...] = ()
    """Entries that failed a check (a bad id, say), kept only so that `upfaq validate` checks their
    `related` and `conflicts` too: every problem of a file is reported at once."""

    def get(self, entry_id: str) -> Entry | None:
        """The entry with this id, or None."""
        find = getattr(self.entries, "find", None)
        if find is not None:  # a store that finds an id without decoding every entry (store.EntryStore)
            found: Entry | None = find(entry_id)
            return found
        for entry in self.entries:
            if entry.id == entry_id:
                return entry
        return None

    @property
    def topics(self) -> list[str]:
        """Every topic, in order of first appearance."""
        return list(dict.fromkeys(entry.topic for entry in self.entries))


class Finding(NamedTuple):
    """One problem in a knowledge-base file, as `upfaq validate` reports it."""

    path: str
    line: int | None
    level: str  # "error" or "warning"
    message: str
    col: int | None = None

    def __str__(self) -> str:
        return f"{_where(self.path, self.line, self.col)}: {self.level}: {self.message}"


def _where(path: str, line: int | None, col: int | None) -> str:
    """path, path:line or path:line:col, as compilers and linters write it."""
    if line is None:
        return path
    return f"{path}:{line}" if col is None else f"{path}:{line}:{col}"


class KBError(Exception):
    """A knowledge-base file that cannot be used. str() is one line: path[:line[:col]]: message."""

    def __init__(self, path: str, message: str, line: int | None = None, col: int | None = None) -> None:
        self.path = path
        self.message = message
        self.line = line
        self.col = col
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"{_where(self.path, self.line, self.col)}: {self.message}"

    @classmethod
    def from_finding(cls, finding: Finding) -> "KBError":
        """The error for an error-level finding."""
        return cls(finding.path, finding.message, finding.line, finding.col)


def valid_date(text: str) -> bool:
    """Whether text is a real date written YYYY, YYYY-MM or YYYY-MM-DD."""
    found = DATE_PATTERN.match(text)
    if found is None:
        return False
    year, month, day = (int(part) if part else 1 for part in found.groups())
    if year < 1900 or not 1 <= month <= 12:
        return False
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    days = 29 if month == 2 and leap else (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)[month - 1]
    return 1 <= day <= days


def date_before(date: str, other: str) -> bool:
    """Whether date is earlier than other, compared at the coarser of their precisions (2023 is not before 2023-05)."""
    length = min(len(date), len(other))
    return date[:length] < other[:length]


# -- reading one file --------------------------------------------------------------------------


MAX_FILE_BYTES = 512 * 1024 * 1024
"""A knowledge-base file larger than this is refused rather than read (about 700,000 entries)."""


def _size(count: int) -> str:
    return f"{count / 2**20:.0f} MiB" if count >= 2**20 else f"{count / 2**10:.0f} KiB"


def read_bytes(path: Path, label: str) -> bytes:
    """A file's bytes, or KBError saying in a few words why they cannot be had."""
    if path.is_fifo() or (path.exists() and not path.is_file() and not path.is_dir()):
        raise KBError(label, "not a regular file")
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise KBError(label, f"too large ({_size(size)}; the limit is {_size(MAX_FILE_BYTES)})")
        return path.read_bytes()
    except IsADirectoryError:
        raise KBError(label, "is a directory, not a TOML file") from None
    except FileNotFoundError:
        raise KBError(label, "no such file") from None
    except PermissionError:
        raise KBError(label, "permission denied") from None
    except OSError as error:
        raise KBError(label, error.strerror or str(error)) from None


def load_file(path: Path, name: str | None = None) -> KnowledgeBase:
    """Read and check one knowledge-base file. Raises KBError naming the file on the first problem."""
    label = name or str(path)
    return parse(read_bytes(path, label), label)


def load_bundled() -> KnowledgeBase:
    """The knowledge base shipped inside the package."""
    return load_file(BUNDLED_PATH, BUNDLED_NAME)


def parse(raw: bytes, label: str) -> KnowledgeBase:
    """Parse knowledge-base bytes (UTF-8, optional BOM) into a checked KnowledgeBase, or raise KBError."""
    kb, findings = check(raw, label)
    for finding in findings:
        if finding.level == "error":
            raise KBError.from_finding(finding)
    assert kb is not None  # no error findings means the file parsed
    return kb


def check(raw: bytes, label: str) -> tuple[KnowledgeBase | None, list[Finding]]:
    """Parse and check one file's bytes: the entries that passed (None if unparsable) and every finding."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        return None, [Finding(label, line, "error", "not UTF-8 text")]
    import tomli  # here, not at the top: a cached answer never parses TOML, and tomli costs ~2 ms to load

    enabled = gc.isenabled()
    gc.disable()  # parsing makes a dict per entry and no cycles: the collector would only slow it down
    try:
        try:
            data = tomli.loads(text)
        except tomli.TOMLDecodeError as error:
            message = f"invalid TOML: {getattr(error, 'msg', str(error))}"
            return None, [
                Finding(label, getattr(error, "lineno", None), "error", message, getattr(error, "colno", None))
            ]
        except RecursionError:
            return None, [Finding(label, None, "error", "invalid TOML: nested too deeply")]
        return _Checker(label, text).run(data)
    finally:
        if enabled:
            gc.enable()


def from_dict(data: dict[str, Any], label: str, text: str = "") -> KnowledgeBase:
    """Build a KnowledgeBase from parsed TOML, checking every field's type. Raises KBError."""
    kb, findings = _Checker(label, text).run(data)
    for finding in findings:
        if finding.level == "error":
            raise KBError.from_finding(finding)
    assert kb is not None
    return kb


_HEADER_PATTERN = r"^[ \t]*\[\[[ \t]*entry[ \t]*(\.[ \t]*history[ \t]*)?\]\]"
"""An [[entry]] or [[entry.history]] header line (TOML allows spaces inside the brackets)."""
_TOKENS_PATTERN = (
    r'"""(?:\\[\s\S]|[^\\])*?"""{1,3}|\'\'\'[\s\S]*?\'\'\'{1,3}|"(?:\\.|[^"\\\n])*"|\'[^\'\n]*\'|#[^\n]*'
    r"|(?P<header>" + _HEADER_PATTERN + ")"
)
"""Strings and comments, which may hold text that looks like a header, and the headers themselves.
Both patterns are compiled when a file is first checked, not at every start."""


def header_lines(text: str, expected: int) -> tuple[list[int], list[int]]:
    """The lines of the [[entry]] headers and of the [[entry.history]] headers in text.

    A header is a line; but a line inside a multi-line string that reads "[[entry]]" is not one.
    When the quick scan of lines finds as many entry headers as the parsed file has entries, it
    is right; otherwise strings and comments are skipped token by token.
    """

    def numbered(found: list[tuple[int, bool]]) -> list[tuple[int, bool]]:
        """(offset, is history) in order -> (line, is history), counting line ends in C."""
        lines, line, last = [], 1, 0
        for offset, history in found:
            line += text.count("\n", last, offset)
            last = offset
            lines.append((line, history))
        return lines

    # The pattern starts with its literal "[[", which the regex engine finds fast; a header is
    # one with nothing but blanks before it on its line.
    quick = numbered(
        [
            (m.start(), bool(m.group(1)))
            for m in re.finditer(_HEADER_PATTERN.removeprefix("^[ \\t]*"), text)
            if not text[text.rfind("\n", 0, m.start()) + 1 : m.start()].strip(" \t")
        ]
    )
    if sum(not history for _, history in quick) != expected:
        quick = numbered(
            [
                (m.start("header"), "history" in m.group("header"))
                for m in re.finditer(_TOKENS_PATTERN, text, re.MULTILINE)
                if m.group("header")
            ]
        )
    return [n for n, history in quick if not history], [n for n, history in quick if history]


def key_line(lines: Sequence[str], headers: Sequence[int], start: int, key: str) -> int:
    """The line of `key = ` in the entry whose [[entry]] header is at line start, or start itself.

    lines and headers are the file's lines and entry header lines (header_lines).
    """
    end = next((line for line in headers if line > start), len(lines) + 1)
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
    return next((number for number in range(start, end) if pattern.match(lines[number - 1])), start)


class _Checker:
    """Checks parsed TOML against the knowledge-base format, collecting every finding."""

    def __init__(self, label: str, text: str) -> None:
        self.label = label
        self.text = text
        # TOML ends lines at \n alone: U+2028, NEL or a form feed in a comment is no line end.
        lines = text.split("\n")
        self.lines = [line.removesuffix("\r") for line in lines] if "\r" in text else lines
        self.headers: list[int] = []
        self.history_headers: list[int] = []
        self.findings: list[Finding] = []
        self.required: tuple[str, ...] = ()
        self.example = False
        self.rejected: list[Entry] = []

    def error(self, message: str, line: int | None = None) -> None:
        self.findings.append(Finding(self.label, line, "error", message))

    def warn(self, message: str, line: int | None = None) -> None:
        self.findings.append(Finding(self.label, line, "warning", message))

    def line_of_key(self, key: str) -> int | None:
        """The first line that opens a table or array of tables named key, or sets it."""
        pattern = re.compile(rf"^\s*(\[\[?\s*{re.escape(key)}\s*[\].]|{re.escape(key)}\s*=)")
        return next((number for number, line in enumerate(self.lines, 1) if pattern.match(line)), None)

    def line_of(self, index: int, key: str | None = None) -> int | None:
        """The line of entry index's header, or of `key = ` inside that entry when key is given."""
        if index >= len(self.headers):
            return None
        start = self.headers[index]
        return start if key is None else key_line(self.lines, self.headers, start, key)

    def run(self, data: dict[str, Any]) -> tuple[KnowledgeBase | None, list[Finding]]:
        for key in data:
            if key not in KNOWN_TABLES:
                import difflib

                close = difflib.get_close_matches(key, KNOWN_TABLES, n=1, cutoff=0.6)
                hint = ""
                if close:
                    hint = f"; did you mean [[{close[0]}]]?" if close[0] == "entry" else f"; did you mean [{close[0]}]?"
                self.warn(f"unknown top-level key '{key}' (ignored){hint}", self.line_of_key(key))
        self.meta(data.get("meta", {}))
        tables = data.get("entry", [])
        if not isinstance(tables, list):
            self.error("'entry' must be an array of tables ([[entry]])")
            return None, self.findings
        self.headers, self.history_headers = header_lines(self.text, len(tables))
        if not tables and all(finding.level != "error" for finding in self.findings):
            self.warn("no entries: this file answers nothing (each answer is an [[entry]] table)")
        entries: list[Entry] = []
        seen: dict[str, int] = {}
        for index, table in enumerate(tables):
            entry = self.entry(table, index)
            if entry is None:
                continue
            if entry.id in seen:
                self.error(f"duplicate id '{entry.id}' (first at line {seen[entry.id]})", entry.line)
                continue
            seen[entry.id] = entry.line or index + 1
            entries.append(entry)
        synonyms = self.synonyms(data.get("synonyms", {}))
        figures = self.figures(data.get("figures", {}))
        # The entries that passed, even beside ones that did not, so a linter can check them too;
        # loading refuses the file as a whole when any finding is an error.
        return KnowledgeBase(tuple(entries), synonyms, self.example, figures, tuple(self.rejected)), self.findings

    def entry(self, table: object, index: int) -> Entry | None:  # noqa: PLR0912 - one check per field
        line = self.line_of(index)
        if not isinstance(table, dict):
            self.error(f"entry {index + 1}: must be a table", line)
            return None
        entry_id = table.get("id")
        where = f"entry '{entry_id}'" if isinstance(entry_id, str) else f"entry {index + 1}"
        ok = True
        for required in ("id", "question", "answer"):
            if required not in table:
                self.error(f"{where}: missing required field '{required}'", line)
                ok = False
        values: dict[str, Any] = {}
        for key, value in table.items():
            if key in _PROVENANCE_KEYS:
                checked = self.provenance(key, value, where, index)
                if checked is None:
                    ok = False
                elif checked:
                    values[key] = checked
            elif key in _STRING_KEYS:
                if type(value) is not str:
                    self.error(f"{where}: '{key}' must be a string", self.line_of(index, key))
                    ok = False
                    continue
                values[key] = value.strip()
            elif key in _LIST_FIELDS:
                if type(value) is not list or not all(type(item) is str for item in value):
                    self.error(f"{where}: '{key}' must be an array of strings", self.line_of(index, key))
                    ok = False
                    continue
                values[key] = tuple(stripped for item in value if (stripped := item.strip()))
            else:
                self.warn(f"{where}: unknown field '{key}' (ignored)", self.line_of(index, key))
        # Every problem of the entry is reported, each at its own line, not only the first.
        if "id" in values and not ID_PATTERN.match(values["id"]):
            self.error(f"{where}: id must be a lowercase slug (a-z, 0-9, '-')", self.line_of(index, "id"))
            ok = False
        if "question" in values and not values["question"]:
            self.error(f"{where}: 'question' is empty", self.line_of(index, "question"))
            ok = False
        if "authority" in values and values["authority"] not in AUTHORITIES:
            self.error(
                f"{where}: 'authority' must be one of {', '.join(AUTHORITIES)}", self.line_of(index, "authority")
            )
            ok = False
        for kind in ("conflicts", "related"):
            if isinstance(entry_id, str) and entry_id in values.get(kind, ()):
                self.error(f"{where}: {kind} names the entry itself", self.line_of(index, kind))
                ok = False
        for field in self.required:
            if not values.get(field):
                self.error(f"{where}: missing '{field}' (this file's [meta] requires it of every entry)", line)
                ok = False
        if not ok:
            if values.get("related") or values.get("conflicts"):
                self.rejected.append(
                    Entry(
                        str(entry_id) if isinstance(entry_id, str) else f"entry {index + 1}",
                        "",
                        "",
                        related=values.get("related", ()),
                        conflicts=values.get("conflicts", ()),
                        origin=self.label,
                        line=line,
                    )
                )
            return None
        if not values.get("topic"):
            values.pop("topic", None)
        return Entry(**values, origin=self.label, line=line)

    def provenance(self, key: str, value: object, where: str, index: int) -> object | None:
        """A checked url, as_of, citations or history value; None (with an error) when it is malformed."""
        at = self.line_of(index, key)
        if key in ("url", "as_of"):
            return (self.url if key == "url" else self.date)(value, f"{where}: '{key}'", at)
        if type(value) is not list or (key == "history" and not all(type(item) is dict for item in value)):
            kind = "links" if key == "citations" else "tables ([[entry.history]])"
            self.error(f"{where}: '{key}' must be an array of {kind}", at)
            return None
        checked: list[str | None] | list[Change | None]
        if key == "citations":
            checked = [self.url(item, f"{where}: citation", at) for item in value]
        else:
            checked = [self.change(item, where, self.line_of_change(index, n)) for n, item in enumerate(value)]
        return None if None in checked else tuple(checked)

    def url(self, value: object, what: str, line: int | None) -> str | None:
        problem = link_problem(value.strip()) if type(value) is str else "must be an http(s) link with no spaces"
        if problem:
            self.error(f"{what} {problem}", line)
            return None
        return value.strip() if type(value) is str else None

    def date(self, value: object, what: str, line: int | None) -> str | None:
        text = value.strip() if type(value) is str else ""
        if not valid_date(text):
            self.error(f"{what} must be a date written YYYY, YYYY-MM or YYYY-MM-DD", line)
            return None
        return text

    def change(self, table: dict[str, Any], where: str, line: int | None) -> Change | None:
        what = f"{where}: history"
        for key in table:
            if key not in ("fact", "from", "until", "url"):
                self.warn(f"{what}: unknown field '{key}' (ignored)", line)
        fact = table.get("fact")
        found = {
            key: (self.url if key == "url" else self.date)(table[key], f"{what}: '{key}'", line)
            for key in ("from", "until", "url")
            if key in table
        }
        checked = {key: value for key, value in found.items() if value is not None}
        start, until = checked.get("from", ""), checked.get("until", "")
        problem = None
        if type(fact) is not str or not fact.strip():
            problem = "each change needs a 'fact' (what held then)"
        elif not {"from", "until"} & found.keys():
            problem = "each change needs 'from' or 'until' (when it held)"
        elif len(checked) < len(found):
            return None  # already reported
        elif start and until and date_before(until, start):
            problem = f"'from' {start} is after 'until' {until}"
        if problem or type(fact) is not str:
            self.error(f"{what}: {problem}", line)
            return None
        return Change(fact.strip(), start, until, checked.get("url", ""))

    def line_of_change(self, index: int, number: int) -> int | None:
        """The line of entry index's number-th [[entry.history]] header (its entry's line if written inline)."""
        start = self.line_of(index)
        if start is None:
            return None
        end = self.headers[index + 1] if index + 1 < len(self.headers) else len(self.lines) + 1
        # history_headers is in file order: the entry's own lie between two bisections (linear in
        # all, where a scan of every header for every change grew with their square).
        first, last = bisect_right(self.history_headers, start), bisect_left(self.history_headers, end)
        return self.history_headers[first + number] if first + number < last else self.line_of(index, "history")

    def meta(self, table: object) -> None:
        """Read [meta]: `require` changes what is checked; `example` marks upfaq's own example."""
        if not isinstance(table, dict):
            self.error("'meta' must be a table")
            return
        example = table.get("example", False)
        if type(example) is not bool:
            self.error("meta.example must be true or false")
        elif example:
            self.example = True
            self.warn(EXAMPLE_WARNING)
        required = table.get("require", [])
        if type(required) is not list or not all(type(field) is str for field in required):
            self.error("meta.require must be an array of field names")
            return
        for field in required:
            if field not in REQUIRABLE:
                self.error(f"meta.require: '{field}' cannot be required (one of {', '.join(REQUIRABLE)})")
                return
        self.required = tuple(required)

    def figures(self, table: object) -> tuple[Figure, ...]:
        """Read [figures]: NAME = {value = "10%" or [...], when = [...], unless = [...]}."""
        if not isinstance(table, dict):
            self.error("'figures' must be a table of [figures.NAME] tables")
            return ()
        found: list[Figure] = []
        for name, spec in table.items():
            line = self.line_of_key(f"figures.{name}")
            if not isinstance(spec, dict):
                self.error(f"figures.{name} must be a table (value, when, unless)", line)
                continue
            unknown = sorted(set(spec) - {"value", "when", "unless"})
            if unknown:
                self.warn(f"figures.{name}: unknown key '{unknown[0]}' (ignored)", line)
            fields: dict[str, tuple[str, ...]] = {}
            for key in ("value", "when", "unless"):
                raw = spec.get(key, [])
                items = [raw] if isinstance(raw, str) else raw
                if not isinstance(items, list) or not all(isinstance(item, str) and item.strip() for item in items):
                    self.error(f"figures.{name}.{key} must be a string or an array of non-empty strings", line)
                    break
                fields[key] = tuple(items)
            else:
                if not fields["value"] or not fields["when"]:
                    self.error(f"figures.{name} needs a value and at least one 'when' phrase", line)
                    continue
                found.append(Figure(name, fields["value"], fields["when"], fields["unless"], line))
        return tuple(found)

    def synonyms(self, table: object) -> dict[str, tuple[str, ...]]:
        if not isinstance(table, dict):
            self.error("'synonyms' must be a table of name = [words]")
            return {}
        groups: dict[str, tuple[str, ...]] = {}
        for name, group in table.items():
            if not isinstance(group, list) or not all(isinstance(word, str) for word in group):
                self.error(f"synonyms.{name} must be an array of strings")
                continue
            groups[name] = tuple(word for word in group if word.strip())
        return groups


# -- finding and layering files ----------------------------------------------------------------


class Source(NamedTuple):
    """A place knowledge bases come from: a file or a directory of *.toml files."""

    path: Path | None
    """None for the bundled knowledge base."""
    via: str
    """How it was named: "--kb", ENV_VAR, "user data dir" or "bundled"."""

    @property
    def explicit(self) -> bool:
        """Named on the command line: a problem with it is an error, not a warning."""
        return self.via == EXPLICIT


class Layer(NamedTuple):
    """One file in effect: where it is, how it was found, how many entries it brought."""

    label: str
    via: str
    entries: int
    overridden: int = 0
    """How many of its entries a higher layer replaced."""


class Loaded(NamedTuple):
    """Every knowledge base in effect, merged, with what went wrong on the way."""

    kb: KnowledgeBase
    layers: tuple[Layer, ...]
    """Highest precedence first."""
    warnings: tuple[str, ...] = ()


def user_data_dir(environ: Mapping[str, str] | None = None) -> Path | None:
    """upfaq's directory under the platform's user data directory (XDG_DATA_HOME on Linux), or
    None when there is no home directory to put it in."""
    return user_path("data", environ)


_XDG = {"data": ("XDG_DATA_HOME", "~/.local/share"), "cache": ("XDG_CACHE_HOME", "~/.cache")}


def user_path(kind: str, environ: Mapping[str, str] | None = None, platform: str | None = None) -> Path | None:
    """upfaq's user "data" or "cache" directory, as platformdirs gives it; None when there is no
    home directory (no HOME and no passwd entry, as in some containers).

    On Linux the XDG rule is applied here (the variable when set to an absolute path, else its
    default: the specification calls a relative one invalid, to be ignored, so that upfaq never
    writes a cache or reads knowledge bases in whatever directory it is run from): importing
    platformdirs costs more at every start than all of upfaq's own work for a cached answer.
    """
    try:
        if (platform or sys.platform).startswith("linux"):
            variable, default = _XDG[kind]
            base = (environ if environ is not None else os.environ).get(variable, "").strip()
            return (Path(base) if base and Path(base).is_absolute() else Path(default).expanduser()) / "upfaq"
        import platformdirs

        finder = platformdirs.user_data_path if kind == "data" else platformdirs.user_cache_path
        return finder("upfaq", appauthor=False)
    except (RuntimeError, KeyError, OSError):  # the home directory cannot be determined
        return None


def _expand(path: Path) -> Path:
    """path with a leading ~ expanded, or as it is when there is no home directory to expand to."""
    try:
        return path.expanduser()
    except (RuntimeError, KeyError):
        return path


def _is_dir(path: Path) -> bool:
    """Whether path is a directory we can tell exists (an unreadable parent says no)."""
    try:
        return path.is_dir()
    except OSError:
        return False


def sources(
    kb_paths: Sequence[Path], env: Mapping[str, str], *, bundled: bool = True, data_dir: Path | None = None
) -> list[Source]:
    """Where knowledge bases come from, lowest precedence first; each later one overrides earlier ones."""
    found: list[Source] = []
    if bundled:
        found.append(Source(None, "bundled"))
    directory = data_dir if data_dir is not None else user_data_dir(env)
    if directory is not None and _is_dir(directory):
        found.append(Source(directory, "user data dir"))
    for part in env.get(ENV_VAR, "").split(os.pathsep):
        if part.strip():
            found.append(Source(_expand(Path(part.strip())), ENV_VAR))
    found.extend(Source(path, EXPLICIT) for path in kb_paths)
    return found


def files_of(source: Source) -> list[Path]:
    """The TOML files a source stands for, in the order they apply. Raises KBError if there are none."""
    assert source.path is not None
    path = source.path
    if path.is_dir():
        try:
            files = sorted(p for p in path.iterdir() if p.suffix == ".toml" and not p.name.startswith("."))
        except OSError as error:
            raise KBError(str(path), error.strerror or str(error)) from None
        if not files and source.via != "user data dir":
            raise KBError(str(path), "directory holds no *.toml files")
        return files
    if not path.exists() and not path.is_symlink():
        raise KBError(str(path), "no such file or directory")
    return [path]


class SourceFile(NamedTuple):
    """One knowledge-base file as read: its bytes, or why an implicitly found one could not be read."""

    label: str
    via: str
    raw: bytes
    problem: str | None = None


def read_sources(chain: Sequence[Source]) -> list[SourceFile]:
    """The bytes of every file the sources stand for, in order (the bundled file included).

    An explicit source that cannot be read raises KBError; an implicit one is kept with the
    warning to give, so that warnings come out in source order.
    """
    files: list[SourceFile] = []
    for source in chain:
        if source.path is None:
            files.append(SourceFile(BUNDLED_NAME, source.via, read_bytes(BUNDLED_PATH, BUNDLED_NAME)))
            continue
        try:
            # Labelled by absolute path: "k.toml", "./k.toml" and "/home/me/k.toml" are one file,
            # with one cache entry, and every message names it the same way.
            for path in files_of(source):
                label = os.path.abspath(path)  # noqa: PTH100 - absolute, yet a symlink keeps its name
                files.append(SourceFile(label, source.via, read_bytes(path, label)))
        except KBError as error:
            if source.explicit:
                raise
            files.append(SourceFile(error.path, source.via, b"", f"skipping {error} (found through {source.via})"))
    return files


def parse_sources(files: Sequence[SourceFile]) -> Loaded:
    """Parse what read_sources read and layer it. Implicit files that do not parse become warnings."""
    loaded: list[tuple[str, str, KnowledgeBase]] = []
    warnings: list[str] = []
    for file in files:
        if file.problem is not None:
            warnings.append(file.problem)
            continue
        try:
            parsed = parse(file.raw, file.label)
            if parsed.example:  # invented policy never answers a real question
                warnings.append(f"skipping {file.label}: {EXAMPLE_WARNING}")
                continue
            loaded.append((file.label, file.via, parsed))
        except KBError as error:
            if file.via == EXPLICIT:
                raise
            warnings.append(f"skipping {error} (found through {file.via})")
    merged = merge([kb for _, _, kb in reversed(loaded)])
    winners = {entry.id: entry.origin for entry in merged.entries}
    layers = tuple(
        Layer(label, via, len(kb.entries), sum(winners.get(e.id) != e.origin for e in kb.entries))
        for label, via, kb in reversed(loaded)
    )
    return Loaded(merged, layers, tuple(warnings))


def load(chain: Sequence[Source]) -> Loaded:
    """Load every source in order and layer them. Explicit sources fail with KBError; others warn."""
    return parse_sources(read_sources(chain))


def merge(layers: Sequence[KnowledgeBase]) -> KnowledgeBase:
    """Layer knowledge bases, highest precedence first: an id replaces the same id below it."""
    by_id: dict[str, Entry] = {}
    synonyms: dict[str, tuple[str, ...]] = {}
    for layer in reversed(layers):
        for entry in layer.entries:
            by_id[entry.id] = entry  # a replacement keeps the place of the entry it replaces
        synonyms.update(layer.synonyms)
    return KnowledgeBase(tuple(by_id.values()), synonyms)
