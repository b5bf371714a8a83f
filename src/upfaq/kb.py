"""Knowledge bases: the entry model, loading and checking TOML files, layering. No printing."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli

BUNDLED_PATH = Path(__file__).parent / "data" / "faq.toml"
BUNDLED_NAME = "<bundled>"

DEFAULT_TOPIC = "General"

# How much an answer can be trusted. Anything but "official" is shown with a warning.
AUTHORITIES = ("official", "community", "doubtful")

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")

_STRING_FIELDS = ("topic", "source", "authority", "note")
_LIST_FIELDS = ("tags", "aliases", "conflicts", "related")
KNOWN_FIELDS = frozenset(("id", "question", "answer", *_STRING_FIELDS, *_LIST_FIELDS))


@dataclass(frozen=True, slots=True)
class Entry:
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
    origin: str = field(default="", compare=False)
    """The knowledge-base file the entry was loaded from (BUNDLED_NAME for the bundled one)."""

    @property
    def trusted(self) -> bool:
        """Whether the entry can be shown without a warning about its source."""
        return self.authority in (None, "official")


@dataclass(frozen=True, slots=True)
class KnowledgeBase:
    """Entries in file order, plus the synonym groups that searching them uses."""

    entries: tuple[Entry, ...]
    synonyms: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def get(self, entry_id: str) -> Entry | None:
        """The entry with this id, or None."""
        for entry in self.entries:
            if entry.id == entry_id:
                return entry
        return None

    @property
    def topics(self) -> list[str]:
        """Every topic, in order of first appearance."""
        return list(dict.fromkeys(entry.topic for entry in self.entries))


class KBError(Exception):
    """A knowledge-base file that cannot be used. str() is one line: path[:line[:col]]: message."""

    def __init__(self, path: str, message: str, line: int | None = None, col: int | None = None):
        self.path = path
        self.message = message
        self.line = line
        self.col = col
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.path
        if self.line is not None:
            where += f":{self.line}"
            if self.col is not None:
                where += f":{self.col}"
        return f"{where}: {self.message}"


def load_file(path: Path, name: str | None = None) -> KnowledgeBase:
    """Read and check one knowledge-base file. Raises KBError naming the file on any problem."""
    label = name or str(path)
    try:
        raw = path.read_bytes()
    except IsADirectoryError:
        raise KBError(label, "is a directory, not a TOML file") from None
    except FileNotFoundError:
        raise KBError(label, "no such file") from None
    except PermissionError:
        raise KBError(label, "permission denied") from None
    except OSError as error:
        raise KBError(label, error.strerror or str(error)) from None
    return parse(raw, label)


def load_bundled() -> KnowledgeBase:
    """The knowledge base shipped inside the package."""
    return load_file(BUNDLED_PATH, BUNDLED_NAME)


def parse(raw: bytes, label: str) -> KnowledgeBase:
    """Parse knowledge-base bytes (UTF-8, optional BOM) into a checked KnowledgeBase."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise KBError(label, "not UTF-8 text", line) from None
    try:
        data = tomli.loads(text)
    except tomli.TOMLDecodeError as error:
        message = getattr(error, "msg", str(error))
        raise KBError(
            label, f"invalid TOML: {message}", getattr(error, "lineno", None), getattr(error, "colno", None)
        ) from None
    return from_dict(data, label, text)


def from_dict(data: dict[str, Any], label: str, text: str = "") -> KnowledgeBase:
    """Build a KnowledgeBase from parsed TOML, checking every field's type."""
    entry_lines = _entry_lines(text)
    tables = data.get("entry", [])
    if not isinstance(tables, list):
        raise KBError(label, "'entry' must be an array of tables ([[entry]])")
    entries: list[Entry] = []
    seen: dict[str, int] = {}
    for index, table in enumerate(tables):
        line = entry_lines[index] if index < len(entry_lines) else None
        entry = _entry(table, label, line, index)
        if entry.id in seen:
            raise KBError(label, f"duplicate id {entry.id!r} (first defined in entry {seen[entry.id] + 1})", line)
        seen[entry.id] = index
        entries.append(entry)
    return KnowledgeBase(tuple(entries), _synonyms(data.get("synonyms", {}), label))


def merge(layers: list[KnowledgeBase]) -> KnowledgeBase:
    """Layer knowledge bases, highest precedence first: an id replaces the same id below it."""
    by_id: dict[str, Entry] = {}
    synonyms: dict[str, tuple[str, ...]] = {}
    for layer in reversed(layers):
        for entry in layer.entries:
            by_id.pop(entry.id, None)
            by_id[entry.id] = entry
        synonyms.update(layer.synonyms)
    return KnowledgeBase(tuple(by_id.values()), synonyms)


def _entry_lines(text: str) -> list[int]:
    """Line numbers of each [[entry]] header, so errors can point into the file."""
    return [i for i, line in enumerate(text.splitlines(), 1) if line.strip().startswith("[[entry]]")]


def _entry(table: object, label: str, line: int | None, index: int) -> Entry:  # noqa: PLR0912 - one check per field
    where = f"entry {index + 1}"
    if not isinstance(table, dict):
        raise KBError(label, f"{where}: must be a table", line)
    entry_id = table.get("id")
    if isinstance(entry_id, str):
        where = f"entry {entry_id!r}"
    for required in ("id", "question", "answer"):
        if required not in table:
            raise KBError(label, f"{where}: missing required field '{required}'", line)
    values: dict[str, Any] = {}
    for key in ("id", "question", "answer", *_STRING_FIELDS):
        if key in table:
            if not isinstance(table[key], str):
                raise KBError(label, f"{where}: '{key}' must be a string", line)
            values[key] = table[key].strip()
    for key in _LIST_FIELDS:
        if key in table:
            value = table[key]
            if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
                raise KBError(label, f"{where}: '{key}' must be an array of strings", line)
            values[key] = tuple(item.strip() for item in value if item.strip())
    if not ID_PATTERN.match(values["id"]):
        raise KBError(label, f"{where}: id must be a lowercase slug (a-z, 0-9, '-')", line)
    if not values["question"]:
        raise KBError(label, f"{where}: 'question' is empty", line)
    if "authority" in values and values["authority"] not in AUTHORITIES:
        raise KBError(label, f"{where}: 'authority' must be one of {', '.join(AUTHORITIES)}", line)
    if not values.get("topic"):
        values.pop("topic", None)
    return Entry(**values, origin=label)


def _synonyms(table: object, label: str) -> dict[str, tuple[str, ...]]:
    if not isinstance(table, dict):
        raise KBError(label, "'synonyms' must be a table of name = [words]")
    groups: dict[str, tuple[str, ...]] = {}
    for name, group in table.items():
        if not isinstance(group, list) or not all(isinstance(word, str) for word in group):
            raise KBError(label, f"synonyms.{name} must be an array of strings")
        groups[name] = tuple(word for word in group if word.strip())
    return groups
