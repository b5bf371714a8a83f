"""Knowledge bases ready to search, through a cache of parsed and indexed files.

Parsing TOML and indexing it is most of the work of a run on a large knowledge base; the cache
keeps the result between runs. It is:

- keyed by the content (BLAKE2b) of every knowledge-base file in effect, in order, plus upfaq's
  version and the cache format, so any edit, even within the same second at the same size, is a
  miss; one cache file per combination of files, replaced when their content changes;
- written atomically (a temporary file in the same directory, then a rename) and readable by the
  user only, in a directory only the user may write;
- data, not code: marshal of strings, numbers, bytes, tuples and dicts, never pickle, read only
  from a directory and file the current user owns that no one else can write, and checked
  (length, CRC-32, types) before use;
- optional: when it is missing, corrupt, truncated, not ours or not writable, upfaq quietly works
  without it. UPFAQ_NO_CACHE=1 turns it off.

File layout: MAGIC, the header's length (8 bytes, little-endian) and CRC-32 (4), the header (marshal: a dict),
then the body: every entry marshalled on its own, decoded only when shown (EntryStore), and
every posting list, read only when a query uses its term. The body is read a slice at a time with
pread (FileBody), not all at once, so a search of 100,000 entries reads a few pages of it.
"""

import contextlib
import marshal
import os
import stat
import sys
import time
import zlib
from array import array
from collections.abc import Callable, Iterator, Mapping, Sequence
from itertools import accumulate
from pathlib import Path
from typing import Any, BinaryIO, overload

from upfaq import __version__
from upfaq.kb import (
    BUNDLED_NAME,
    BUNDLED_PATH,
    Change,
    Entry,
    KnowledgeBase,
    Layer,
    Loaded,
    Source,
    SourceFile,
    parse_sources,
    read_sources,
    user_path,
)
from upfaq.search import STATE_VERSION, Index

try:
    # CPython's built-in BLAKE2: importing hashlib would load OpenSSL, 2 ms at every start.
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - other interpreters
    from hashlib import blake2b

FORMAT = 3
SCHEMA = f"entry {','.join(Entry._fields)}; change {','.join(Change._fields)}; index {STATE_VERSION}"
"""The shape of what the cache stores: a cache written for another shape is never read as this one."""
MAGIC = b"UPFAQ\x00C2"
ASIDE = ("synonyms", "synonym_phrases")
"""Parts kept in the body and read on first use, not at every start: the synonym groups (only
indexing reads them) and the synonym phrases (only a query holding a phrase's first word)."""
DISABLE_VAR = "UPFAQ_NO_CACHE"
SIZE_VAR = "UPFAQ_CACHE_MB"
DEFAULT_BUDGET_MB = 200
"""The most the cache directory keeps, in MB (UPFAQ_CACHE_MB): the least recently used files go
first, never the one just written. The bundled knowledge base's file is about 0.9 MB."""
USE_MARK_SECONDS = 3600
"""A cache file read is marked as used (its mtime) at most this often: not a metadata write at
every answer, and an hour is fine grain for choosing the least recently used file."""
STALE_SECONDS = 3600
"""A temporary file this old is a leftover of a killed run, not a write in progress."""
LOCK_WAIT_SECONDS = 120.0
"""How long a run waits for another that is building the same cache file, before building too
(without writing). Building 100,000 entries takes about 15 s on a slow machine."""


def cache_dir(environ: Mapping[str, str] | None = None) -> Path | None:
    """upfaq's directory under the platform's user cache directory (XDG_CACHE_HOME on Linux), or
    None when there is no home directory to put it in."""
    return user_path("cache", environ)


SLOW_TABLES = 20_000
"""Or this many [[entry]] and [[entry.history]] tables, however small: the notice is about the work."""
SLOW_BYTES = 4 << 20
"""Knowledge bases this large (about 5,000 entries) take a noticeable time to index without the cache."""


def open_knowledge(
    chain: Sequence[Source],
    env: Mapping[str, str] | None = None,
    directory: Path | None = None,
    on_slow: Callable[[str], None] | None = None,
) -> tuple[Loaded, Index]:
    """Every knowledge base in chain, merged and indexed: from the cache when it is fresh.

    on_slow, when given, is told what is happening before a large knowledge base is parsed and
    indexed (it takes seconds at 100,000 entries), so that a person at a terminal is not left
    waiting in silence. Raises KBError, as kb.load does, for an explicit source that cannot be used.
    """
    env = os.environ if env is None else env
    files = read_sources(chain)
    if len(files) == 1 and files[0].label == BUNDLED_NAME and not files[0].problem:
        # The bundled knowledge base alone: its index was built with the package, checked against
        # the file it came from (an edited or editable install builds, and caches, as any other).
        packaged = read(BUNDLED_INDEX, _key(files), packaged=True)
        if packaged is not None:
            return packaged
    cached_at: tuple[Path, str] | None = None
    directory = directory if directory is not None else cache_dir(env)
    if not env.get(DISABLE_VAR) and directory is not None:
        key = _key(files)
        path = cache_file(files, directory)
        cached = read(path, key)
        if cached is not None:
            return cached
        # One run builds a missing cache file; others that start meanwhile wait for it, then read it.
        with _Building(lock_file(path, key), on_slow) as building:
            if building.waited:
                cached = read(path, key)
                if cached is not None:
                    return cached
            cached_at = (path, key) if building.owned else None
            budget, problem = _budget(env)
            loaded, index = _build(files, on_slow, cached_at, budget=budget)
            return (loaded._replace(warnings=(*loaded.warnings, problem)), index) if problem else (loaded, index)
    return _build(files, on_slow, None, budget=0)


def _build(
    files: Sequence[SourceFile],
    on_slow: Callable[[str], None] | None,
    cached_at: tuple[Path, str] | None,
    budget: int,
) -> tuple[Loaded, Index]:
    size = sum(len(file.raw) for file in files)
    tables = sum(file.raw.count(b"[[entry") for file in files)  # entries and their history: the work to do
    if on_slow is not None and (size >= SLOW_BYTES or tables >= SLOW_TABLES):
        on_slow(f"indexing {size / (1 << 20):.0f} MB of knowledge base (once after each change)...")
    _log().debug("building the index of %d file(s), %d bytes", len(files), size)
    loaded = parse_sources(files)
    index = Index(loaded.kb)
    if cached_at is not None and write(*cached_at, loaded, index):
        _tidy(cached_at[0], budget)
    return loaded, index


def _log() -> Any:
    """This module's logger (logging is imported only when something is built, never to answer)."""
    import logging

    return logging.getLogger(__name__)


MAX_BUDGET_DIGITS = 7
"""UPFAQ_CACHE_MB is read only up to this many digits (9,999,999 MB, about 10 TB)."""


def _budget(env: Mapping[str, str]) -> tuple[int, str]:
    """The cache's size budget in bytes, from UPFAQ_CACHE_MB (ASCII digits, at most
    MAX_BUDGET_DIGITS of them) or the default; and a one-line warning when the value is not one."""
    text = env.get(SIZE_VAR, "").strip()
    if not text:
        return DEFAULT_BUDGET_MB << 20, ""
    if text.isascii() and text.isdigit() and len(text) <= MAX_BUDGET_DIGITS:
        return int(text) << 20, ""
    shown = text if len(text) <= 20 else text[:20] + "…"
    problem = (
        f"{SIZE_VAR}={shown} is not a whole number of MB (digits 0-9, at most {MAX_BUDGET_DIGITS}): "
        f"using {DEFAULT_BUDGET_MB}"
    )
    return DEFAULT_BUDGET_MB << 20, problem


BUNDLED_INDEX = BUNDLED_PATH.with_suffix(".idx")
"""The bundled knowledge base's index, built when the wheel is (hatch_build.py: build_bundled_index)."""


def build_bundled_index(target: Path) -> None:
    """Build the bundled knowledge base's index into target, as a cache file keyed by the TOML it
    comes from: a wheel ships it, so that no run after installing parses or indexes the bundled file."""
    files = read_sources([Source(None, "bundled")])
    loaded = parse_sources(files)
    if not write(target, _key(files), loaded, Index(loaded.kb)):
        raise OSError(f"cannot write {target}")


def cache_file(files: Sequence[SourceFile], directory: Path) -> Path:
    """The cache file for these knowledge bases: named by their names (and the shape of the cache:
    two versions of upfaq installed side by side keep a cache each instead of rewriting one
    another's at every run)."""
    name = _names(files) + f"\0{__version__}\0{FORMAT}\0{SCHEMA}".encode()
    return directory / f"{blake2b(name, digest_size=12).hexdigest()}.idx"


def lock_file(path: Path, key: str) -> Path:
    """The lock for building one version (key) of a cache file: runs on the same files wait for one
    another; runs on another version of them (a file just edited) do not queue behind it."""
    return path.with_name(f"{path.stem}.{key[:16]}.lock")


LOCK_NOTICE_SECONDS = 1.0
"""How long a run waits for another's build before it says so (on a terminal)."""


def _stopped(pid: int) -> bool:
    """Whether a process is stopped (Ctrl-Z, SIGSTOP) or gone: Linux's /proc says; elsewhere, no."""
    try:
        state = Path(f"/proc/{pid}/stat").read_bytes().rsplit(b")", 1)[1].split()[0]
    except FileNotFoundError:
        return not _alive(pid)
    except (OSError, IndexError):
        return False
    return state in (b"T", b"t", b"Z", b"X")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return sys.platform != "linux"  # on Linux /proc would have shown it


class _Building:
    """An exclusive lock on building one cache file, shared by every upfaq run on this machine.

    owned: this run holds the lock (and writes the file); waited: it first waited for another run
    that held it. A run that cannot lock (no fcntl, an unwritable directory) builds without
    writing, as does one that waited longer than LOCK_WAIT_SECONDS.
    """

    def __init__(self, lock_path: Path, on_wait: Callable[[str], None] | None = None) -> None:
        self._lock_path = lock_path
        self._on_wait = on_wait
        self._fd: int | None = None
        self.owned = False
        self.waited = False

    def __enter__(self) -> "_Building":  # noqa: PLR0911 - each way of not owning the lock returns
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows: no lock, and every run may write
            self.owned = True
            return self

        try:
            if not _usable_directory(self._lock_path.parent, create=True):
                return self
            self._fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:
            return self
        began = time.monotonic()
        told = False
        while True:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                self.owned = True
                with contextlib.suppress(OSError):  # who holds it, for the runs that wait
                    os.ftruncate(self._fd, 0)
                    os.pwrite(self._fd, str(os.getpid()).encode(), 0)
                return self
            except BlockingIOError:
                if not self.waited:
                    _log().debug("waiting for another upfaq to build the cache")
                self.waited = True
                holder = self._holder()
                if holder is not None and _stopped(holder):
                    return self  # stopped (Ctrl-Z): it may never go on; build without writing
                waited = time.monotonic() - began
                if waited > LOCK_WAIT_SECONDS:
                    return self
                if not told and waited > LOCK_NOTICE_SECONDS and self._on_wait is not None:
                    who = f" (pid {holder})" if holder else ""
                    self._on_wait(f"waiting for another upfaq{who} that is building this cache...")
                    told = True
                time.sleep(0.05)
            except OSError:
                return self

    def _holder(self) -> int | None:
        """The process id the holder of the lock wrote into it, if any."""
        try:
            text = os.pread(self._fd, 32, 0) if self._fd is not None else b""
        except OSError:
            return None
        return int(text) if text.strip().isdigit() else None

    def __exit__(self, *_: object) -> None:
        if self._fd is not None:
            os.close(self._fd)  # releases the lock


def _names(files: Sequence[SourceFile]) -> bytes:
    return "\0".join(f"{file.via}\0{file.label}" for file in files).encode("utf-8", "surrogateescape")


def _key(files: Sequence[SourceFile]) -> str:
    digest = blake2b(f"upfaq {__version__} cache {FORMAT} {SCHEMA}\0".encode())
    for file in files:
        digest.update(_names([file]) + b"\0" + (file.problem or "").encode("utf-8", "surrogateescape") + b"\0")
        digest.update(blake2b(file.raw).digest())
    return digest.hexdigest()


# -- writing -----------------------------------------------------------------------------------


def write(path: Path, key: str, loaded: Loaded, index: Index) -> bool:
    """Store loaded and index under key, atomically. Returns False (and leaves no trace) on failure."""
    try:
        if not _usable_directory(path.parent, create=True):
            return False
        entries = loaded.kb.entries
        entry_body, offsets = EntryStore.encode(entries)
        state = dict(index.state())
        postings, phrasings = state.pop("postings"), state.pop("phrasing_postings")
        terms = list(postings)
        # Each term's posting list, then its phrasing list, back to back after the entries; then
        # what only some runs read, each marshalled whole (see ASIDE).
        sections = [entry_body]
        for term in terms:
            sections += (postings[term], phrasings.get(term, b""))
        aside = {"synonyms": {name: tuple(words) for name, words in loaded.kb.synonyms.items()}}
        aside["synonym_phrases"] = dict(state.pop("synonym_phrases"))
        sections += [marshal.dumps(aside[name]) for name in ASIDE]
        bounds = [0, *accumulate(map(len, sections))]
        body = b"".join(sections)
        header = {
            "format": FORMAT,
            "version": __version__,
            "key": key,
            "body_length": len(body),
            "body_crc": zlib.crc32(body),
            "ids": "\0".join(entry.id for entry in entries),
            "offsets": array("Q", offsets).tobytes(),
            "terms": terms,
            "bounds": array("Q", bounds).tobytes(),
            "layers": [tuple(layer) for layer in loaded.layers],
            "warnings": list(loaded.warnings),
            "index": state,
        }
        head = marshal.dumps(header)
        import tempfile

        handle, temporary = tempfile.mkstemp(prefix=".tmp-", suffix=".idx", dir=path.parent)
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(MAGIC + len(head).to_bytes(8, "little") + zlib.crc32(head).to_bytes(4, "little") + head)
                out.write(body)
            Path(temporary).replace(path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except (OSError, ValueError, OverflowError):
        return False
    return True


class EntryStore(Sequence[Entry]):
    """Entries kept as marshalled bytes and decoded one by one when asked for.

    A cached knowledge base of 100,000 entries answers a question by decoding the few entries it
    shows, not all of them.
    """

    def __init__(self, body: "bytes | memoryview | FileBody", offsets: Sequence[int], ids: str) -> None:
        self._body = body if isinstance(body, FileBody) else memoryview(body)
        self._offsets = offsets
        self._ids = ids
        """Every id, joined by NUL (which no id holds): split only when an id is looked up."""
        self._decoded: dict[int, Entry] = {}
        self._positions: dict[str, int] | None = None

    def __len__(self) -> int:
        return len(self._offsets) - 1

    @overload
    def __getitem__(self, index: int) -> Entry: ...
    @overload
    def __getitem__(self, index: slice) -> list[Entry]: ...
    def __getitem__(self, index: int | slice) -> Entry | list[Entry]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        entry = self._decoded.get(index)
        if entry is None:
            if not 0 <= index < len(self):
                raise IndexError(index)
            entry = self._decoded[index] = _entry(self._body[self._offsets[index] : self._offsets[index + 1]])
        return entry

    def __iter__(self) -> Iterator[Entry]:
        # Every entry is wanted (list, validate): one read of them all, not one per entry.
        body = memoryview(self._body[0 : len(self._body)])  # slices of a view copy nothing
        offsets = self._offsets
        for index in range(len(self)):
            entry = self._decoded.get(index)
            yield entry if entry is not None else _entry(body[offsets[index] : offsets[index + 1]])

    def find(self, entry_id: str) -> Entry | None:
        """The entry with this id, or None, without decoding the others."""
        if self._positions is None:
            ids = self._ids.split("\0") if self._ids else []
            self._positions = dict(zip(ids, range(len(ids)), strict=True))
        position = self._positions.get(entry_id)
        return None if position is None else self[position]

    @staticmethod
    def encode(entries: Sequence[Entry]) -> tuple[bytes, list[int]]:
        """Entries as one body of marshalled tuples and the offsets that cut it (len(entries) + 1)."""
        # marshal takes plain tuples only: the Change records inside an entry go as tuples too.
        history = Entry._fields.index("history")
        pieces = [
            marshal.dumps(
                (*entry[:history], tuple(map(tuple, entry.history)), *entry[history + 1 :])
                if entry.history
                else tuple(entry)
            )
            for entry in entries
        ]
        offsets = [0, *accumulate(map(len, pieces))]
        return b"".join(pieces), offsets


def _tidy(kept: Path, budget: int) -> None:
    """Remove leftovers of killed runs, and the least recently used cache files past the budget.

    kept, the file just written, always stays. Best effort: a file another run removes first, or
    one that cannot be removed, is simply passed over.
    """

    now = time.time()
    found: list[tuple[float, int, Path]] = []
    try:
        with os.scandir(kept.parent) as listing:
            for item in listing:
                if not item.is_file(follow_symlinks=False):
                    continue
                info = item.stat(follow_symlinks=False)
                path = Path(item.path)
                if (item.name.startswith(".tmp-") and item.name.endswith(".idx")) or item.name.endswith(".lock"):
                    if now - info.st_mtime > STALE_SECONDS:  # a killed run's, or an old version's lock
                        path.unlink(missing_ok=True)
                elif item.name.endswith(".idx") and path != kept:
                    found.append((info.st_mtime, info.st_size, path))
        total = kept.stat().st_size
        for _, size, path in sorted(found, reverse=True):  # the most recently used first
            total += size
            if total > budget:
                path.unlink(missing_ok=True)
    except OSError:
        pass


# -- reading -----------------------------------------------------------------------------------


def _entry(data: "bytes | memoryview") -> Entry:
    """An entry from its marshalled fields (its history as plain tuples)."""
    entry = Entry(*marshal.loads(data))
    if entry.history:
        entry = entry._replace(history=tuple(Change(*change) for change in entry.history))
    return entry


class CacheChanged(Exception):
    """The cache file was cut short by another program while this one was reading it."""


class _Descriptor:
    """A file descriptor that is closed when nothing refers to it any more."""

    def __init__(self, fd: int) -> None:
        import weakref

        self.fd = fd
        weakref.finalize(self, os.close, fd)


class FileBody:
    """The body of an open cache file, read a slice at a time with pread.

    A mapped file that another program truncates kills the reader with SIGBUS at the next touch
    of a lost page; pread instead returns what is left, and a short read is reported as
    CacheChanged. Where there is no pread (Windows, which cannot truncate an open file), the
    file is mapped.
    """

    def __init__(self, handle: BinaryIO, start: int, length: int) -> None:
        # Ours, shared by every view of this body, closed when the last of them is gone.
        self._owner = _Descriptor(os.dup(handle.fileno()))
        self._fd = self._owner.fd
        self._start = start
        self._length = length
        self._mapped: memoryview | None = None
        if not hasattr(os, "pread"):  # pragma: no cover - Windows
            import mmap

            self._mapped = memoryview(mmap.mmap(self._fd, 0, access=mmap.ACCESS_READ))[start : start + length]

    def __len__(self) -> int:
        return self._length

    def view(self, start: int, end: int) -> "FileBody":
        """The part of the body from start to end, still unread."""
        part = object.__new__(FileBody)
        part._owner, part._fd, part._start, part._length = self._owner, self._fd, self._start + start, end - start
        part._mapped = None if self._mapped is None else self._mapped[start:end]
        return part

    def __getitem__(self, part: slice) -> "bytes | memoryview":
        start, end, _ = part.indices(self._length)
        if self._mapped is not None:  # pragma: no cover - Windows
            return self._mapped[start:end]
        data = os.pread(self._fd, end - start, self._start + start)
        if len(data) != end - start:
            raise CacheChanged
        return data


class Aside(Mapping[Any, Any]):
    """A dict kept marshalled in the body, read (and checked to be a dict) on first use."""

    def __init__(self, body: FileBody) -> None:
        self._body = body
        self._value: dict[Any, Any] | None = None

    def _read(self) -> dict[Any, Any]:
        if self._value is None:
            value = marshal.loads(self._body[0 : len(self._body)])
            if not isinstance(value, dict):
                raise CacheChanged
            self._value = value
        return self._value

    def __getitem__(self, key: Any) -> Any:
        return self._read()[key]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._read())

    def __len__(self) -> int:
        return len(self._read())


class Slices(Mapping[str, "bytes | memoryview"]):
    """Posting lists as slices of the cache file's body, read only when a query asks for them.

    Section 2k + 1 + kind of bounds holds term k's list: kind 0 its postings, 1 its phrasings.
    """

    def __init__(self, body: FileBody, positions: dict[str, int], bounds: "array[int]", kind: int) -> None:
        self._body = body
        self._positions = positions
        self._bounds = bounds
        self._kind = kind

    def __getitem__(self, term: str) -> "bytes | memoryview":
        section = 2 * self._positions[term] + 1 + self._kind
        return self._body[self._bounds[section] : self._bounds[section + 1]]

    def __contains__(self, term: object) -> bool:
        return term in self._positions

    def __iter__(self) -> Iterator[str]:
        return iter(self._positions)

    def __len__(self) -> int:
        return len(self._positions)


def read(path: Path, key: str, *, packaged: bool = False) -> tuple[Loaded, Index] | None:
    """The cached knowledge base stored under key at path, or None if it is absent, stale or unsound.

    packaged: the index built with the package (BUNDLED_INDEX), trusted as its code is, whoever owns
    it; a user's cache file must be theirs and writable by no one else.
    """
    try:
        usable = packaged or _usable_directory(path.parent, create=False)
        info = (path.stat() if packaged else _usable_file(path)) if usable else None
        if info is None:
            return None
        with path.open("rb") as handle:
            head = _read_header(handle, key)
            if head is None:
                return None
            header, body_start = head
            # Check the body in chunks, so it is never all in memory; then keep the file open,
            # so that a query reads only the postings and entries it uses.
            length = header["body_length"]
            if not _body_sound(handle, body_start, length, header["body_crc"]):
                return None
            body = FileBody(handle, body_start, length)
            decoded = _decode(header, body)
        if not packaged and time.time() - info.st_mtime > USE_MARK_SECONDS:
            with contextlib.suppress(OSError):
                os.utime(path)  # used now: the last to go when the cache is over its budget
        return decoded
    except (OSError, ValueError, TypeError, KeyError, EOFError, IndexError, OverflowError, CacheChanged):
        return None


def _read_header(handle: BinaryIO, key: str) -> tuple[dict[str, Any], int] | None:
    size = os.fstat(handle.fileno()).st_size
    lead = handle.read(len(MAGIC) + 12)
    if len(lead) < len(MAGIC) + 12 or not lead.startswith(MAGIC):
        return None
    length = int.from_bytes(lead[len(MAGIC) : len(MAGIC) + 8], "little")
    if length > size - len(lead):  # a damaged length: never allocate what the file cannot hold
        return None
    raw = handle.read(length)
    if len(raw) != length or zlib.crc32(raw) != int.from_bytes(lead[len(MAGIC) + 8 :], "little"):
        return None
    header = marshal.loads(raw)
    if not isinstance(header, dict) or header.get("key") != key or header.get("format") != FORMAT:
        return None
    return header, len(lead) + length


def _body_sound(handle: BinaryIO, start: int, length: Any, crc: Any) -> bool:
    if not isinstance(length, int) or not isinstance(crc, int):
        return False
    if length != os.fstat(handle.fileno()).st_size - start:
        return False
    handle.seek(start)
    seen = 0
    running = 0
    while chunk := handle.read(1 << 22):
        seen += len(chunk)
        running = zlib.crc32(chunk, running)
    return seen == length and running == crc


def _decode(header: dict[str, Any], body: FileBody) -> tuple[Loaded, Index]:
    ids, terms = header["ids"], header["terms"]
    if not (isinstance(ids, str) and isinstance(terms, list)):
        raise TypeError("bad header")
    offsets, bounds = array("Q"), array("Q")
    offsets.frombytes(header["offsets"])
    bounds.frombytes(header["bounds"])
    if len(bounds) != 2 * len(terms) + 2 + len(ASIDE) or bounds[-1] != len(body) or bounds[1] != offsets[-1]:
        raise ValueError("sections do not fit the body")
    first = len(bounds) - 1 - len(ASIDE)
    aside = {name: Aside(body.view(bounds[first + n], bounds[first + n + 1])) for n, name in enumerate(ASIDE)}
    kb = KnowledgeBase(EntryStore(body.view(0, offsets[-1]), offsets, ids), aside["synonyms"])
    if len(kb.entries) != len(offsets) - 1:
        raise ValueError("entry table does not fit")
    layers = tuple(Layer(*_checked_layer(layer)) for layer in header["layers"])
    loaded = Loaded(kb, layers, tuple(str(w) for w in header["warnings"]))
    positions = dict(zip(terms, range(len(terms)), strict=True))
    state = dict(header["index"])
    state["postings"] = Slices(body, positions, bounds, 0)
    state["phrasing_postings"] = Slices(body, positions, bounds, 1)
    state["synonym_phrases"] = aside["synonym_phrases"]
    return loaded, Index(kb, state)  # Index checks the state fits, as search defines it


def _checked_layer(layer: Any) -> tuple[str, str, int, int]:
    label, via, entries, overridden = layer
    if not (
        isinstance(label, str) and isinstance(via, str) and isinstance(entries, int) and isinstance(overridden, int)
    ):
        raise TypeError("bad layer")
    return label, via, entries, overridden


# -- who may write here ------------------------------------------------------------------------


def _owned_safely(info: os.stat_result) -> bool:
    """Owned by this user and writable by no one else (always true where there are no owners)."""
    if not hasattr(os, "getuid"):
        return True
    return info.st_uid == os.getuid() and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _usable_directory(directory: Path, *, create: bool) -> bool:
    if create:
        # The cache directory and its parent (~/.cache) may be made, never more: a home directory
        # that does not exist (HOME=/nonexistent) stays that way.
        for level in (directory.parent, directory):
            with contextlib.suppress(FileExistsError):
                level.mkdir(mode=0o700)
    info = directory.lstat()
    return stat.S_ISDIR(info.st_mode) and _owned_safely(info)


def _usable_file(path: Path) -> os.stat_result | None:
    """The file's status when it is a regular file we own and no one else may write; else None."""
    try:
        info = path.lstat()
    except FileNotFoundError:
        return None
    return info if stat.S_ISREG(info.st_mode) and _owned_safely(info) else None
