"""The cache of parsed and indexed knowledge bases: fresh, safe, and never in the way."""

import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from upfaq import store
from upfaq.kb import Source, load
from upfaq.search import Index

from .conftest import ROOT

QUERIES = [
    "can I interview on skype",
    "feedbak disptue",
    "share email with client",
    "how long does it take to withdraw funds",
    "turn down an invite",
    "",
]


def cache_files(directory: Path) -> list[Path]:
    """The cache files in directory, temporary ones included (lock files are not cache files)."""
    return sorted(p for p in directory.iterdir() if p.suffix == ".idx")


def kb_file(tmp_path: Path, answer: str = "Use the team VPN profile.") -> Path:
    """A small knowledge-base file with a synonym phrase and an id that overrides a bundled one."""
    path = tmp_path / "team.toml"
    path.write_text(
        '[synonyms]\nintranet = ["intranet", "internal network"]\n\n'
        f'[[entry]]\nid = "vpn"\nquestion = "How do I reach the office intranet?"\nanswer = "{answer}"\n'
        'tags = ["network"]\n\n'
        '[[entry]]\nid = "share-email"\nquestion = "Can I share my email?"\nanswer = "Not before a contract."\n',
        encoding="utf-8",
    )
    return path


def chain(path: Path) -> list[Source]:
    """The bundled knowledge base with one file layered over it."""
    return [Source(None, "bundled"), Source(path, "--kb")]


def results(index: Index) -> list[object]:
    """Everything a search decides, for every test query, as comparable values."""
    found = []
    for query in QUERIES:
        result = index.search(query)
        found.append(
            (
                result.confidence,
                result.answered,
                [(m.entry, m.score, m.coverage, m.closeness, m.resemblance, m.terms) for m in result.candidates],
                [m.entry.id for m in result.matches],
                [m.entry.id for m in result.suggestions],
            )
        )
    return found


def test_a_cached_knowledge_base_answers_exactly_as_a_fresh_one(tmp_path: Path) -> None:
    """The second run reads the cache, and every score, match and entry is the same as without it."""
    path = kb_file(tmp_path)
    cache = tmp_path / "cache"
    first_loaded, first = store.open_knowledge(chain(path), {}, cache)
    assert list(cache.glob("*.idx"))
    second_loaded, second = store.open_knowledge(chain(path), {}, cache)
    assert isinstance(second.entries, store.EntryStore)
    fresh = Index(load(chain(path)).kb)
    assert results(second) == results(first) == results(fresh)
    assert list(second_loaded.kb.entries) == list(first_loaded.kb.entries)
    assert second_loaded.layers == first_loaded.layers
    assert second_loaded.kb.get("vpn") == first_loaded.kb.get("vpn")
    assert second_loaded.kb.get("nope") is None


def test_an_edit_at_the_same_size_and_time_is_never_answered_from_the_cache(tmp_path: Path) -> None:
    """Rewriting a file with same-length content and its old modification time still misses the cache."""
    path = kb_file(tmp_path, "Use the team VPN profile.")
    cache = tmp_path / "cache"
    store.open_knowledge(chain(path), {}, cache)
    before = path.stat()
    kb_file(tmp_path, "Use the TEAM vpn PROFILE.")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size and path.stat().st_mtime_ns == before.st_mtime_ns
    loaded, _ = store.open_knowledge(chain(path), {}, cache)
    assert loaded.kb.get("vpn").answer == "Use the TEAM vpn PROFILE."
    assert len(list(cache.glob("*.idx"))) == 1


def test_a_slow_build_is_announced_and_a_cached_read_is_not(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Indexing a large knowledge base tells the caller first; reading it from the cache is quick and silent."""
    path = kb_file(tmp_path)
    told: list[str] = []
    monkeypatch.setattr(store, "SLOW_BYTES", 1)
    store.open_knowledge(chain(path), {}, tmp_path / "cache", on_slow=told.append)
    assert len(told) == 1 and told[0].startswith("indexing ")
    store.open_knowledge(chain(path), {}, tmp_path / "cache", on_slow=told.append)
    store.open_knowledge(chain(path), {store.DISABLE_VAR: "1"}, tmp_path / "cache", on_slow=told.append)
    assert len(told) == 2
    monkeypatch.setattr(store, "SLOW_BYTES", 1 << 30)
    store.open_knowledge(chain(path), {store.DISABLE_VAR: "1"}, tmp_path / "cache", on_slow=told.append)
    assert len(told) == 2


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs a pseudo-terminal")
@pytest.mark.parametrize("on_terminal", [True, False])
def test_the_indexing_notice_shows_on_a_terminal_only_and_is_erased(tmp_path: Path, on_terminal: bool) -> None:
    """A person at a terminal sees what the wait is for, and the line is cleared; a pipe gets no chatter."""
    import pty

    big = tmp_path / "big.toml"
    filler = "word " * 2000
    big.write_text(
        "".join(f'[[entry]]\nid = "e{n}"\nquestion = "Question {n}?"\nanswer = "{filler}"\n\n' for n in range(500)),
        encoding="utf-8",
    )
    assert big.stat().st_size >= store.SLOW_BYTES
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    command = [sys.executable, "-m", "upfaq", "--no-bundled", "--kb", str(big), "list", "--plain"]
    if on_terminal:
        leader, follower = pty.openpty()
        done = subprocess.run(command, stdout=subprocess.PIPE, stderr=follower, env=env, timeout=120, check=False)
        os.close(follower)
        seen = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal is gone once its last writer has closed it
                break
            if not chunk:
                break
            seen += chunk
        os.close(leader)
        assert seen.startswith(b"upfaq: indexing ") and seen.endswith(b"\r\x1b[2K")
    else:
        done = subprocess.run(command, capture_output=True, env=env, timeout=120, check=False)
        assert done.stderr == b""
    assert done.returncode == 0 and b"  e499  Question 499?" in done.stdout


def test_the_key_includes_the_upfaq_version(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A cache written by another version of upfaq is not used."""
    path = kb_file(tmp_path)
    files = store.read_sources(chain(path))
    key = store._key(files)
    monkeypatch.setattr(store, "__version__", "9.9.9")
    assert store._key(files) != key


@pytest.mark.posix
def test_cache_files_are_private_and_written_atomically(tmp_path: Path) -> None:
    """The directory is 0700, the file 0600, and no temporary file is left behind."""
    cache = tmp_path / "cache"
    store.open_knowledge(chain(kb_file(tmp_path)), {}, cache)
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700
    (written,) = cache_files(cache)
    assert written.suffix == ".idx" and stat.S_IMODE(written.stat().st_mode) == 0o600


@pytest.mark.parametrize(
    "damage",
    [
        "flip a byte in the body",
        "flip a byte in the header",
        "flip the last header byte",
        "huge header length",
        "flip the header length's top bit",
        "truncate",
        "empty",
        "garbage",
    ],
)
def test_a_damaged_cache_is_ignored_and_replaced(tmp_path: Path, damage: str) -> None:
    """A corrupt or truncated cache file is never used: upfaq rebuilds and answers as usual."""
    path = kb_file(tmp_path)
    cache = tmp_path / "cache"
    _, expected = store.open_knowledge(chain(path), {}, cache)
    (cached,) = cache_files(cache)
    data = bytearray(cached.read_bytes())
    if damage == "flip a byte in the body":
        data[-200] ^= 0xFF
    elif damage == "flip a byte in the header":
        data[40] ^= 0xFF
    elif damage == "flip the last header byte":
        data[8 + 12 + int.from_bytes(data[8:16], "little") - 1] ^= 0x01
    elif damage == "huge header length":
        data[8:16] = (1 << 62).to_bytes(8, "little")
    elif damage == "flip the header length's top bit":
        data[15] ^= 0x80
    elif damage == "truncate":
        del data[len(data) // 2 :]
    elif damage == "empty":
        data.clear()
    else:
        data[:] = os.urandom(5000)
    cached.write_bytes(bytes(data))
    files = store.read_sources(chain(path))
    assert store.read(cached, store._key(files)) is None
    _, index = store.open_knowledge(chain(path), {}, cache)
    assert results(index) == results(expected)
    assert store.read(cached, store._key(files)) is not None


def test_an_unwritable_cache_directory_is_no_obstacle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """When the cache cannot be written (read-only home, full disk), upfaq answers all the same."""
    path = kb_file(tmp_path)
    blocked = tmp_path / "file-not-dir"
    blocked.write_text("", encoding="utf-8")
    _, index = store.open_knowledge(chain(path), {}, blocked / "cache")
    assert index.search("office intranet").matches[0].entry.id == "vpn"

    def full_disk(*args: object, **kwargs: object) -> tuple[int, str]:
        raise OSError(28, "No space left on device")

    import tempfile

    monkeypatch.setattr(tempfile, "mkstemp", full_disk)
    cache = tmp_path / "cache"
    _, index = store.open_knowledge(chain(path), {}, cache)
    assert index.search("office intranet").matches[0].entry.id == "vpn"
    assert cache_files(cache) == []


@pytest.mark.posix
def test_a_cache_others_could_write_is_never_read(tmp_path: Path) -> None:
    """A cache directory writable by group or others is neither read nor written."""
    path = kb_file(tmp_path)
    cache = tmp_path / "cache"
    store.open_knowledge(chain(path), {}, cache)
    cache.chmod(0o777)
    files = store.read_sources(chain(path))
    (cached,) = cache_files(cache)
    assert store.read(cached, store._key(files)) is None
    cached.unlink()
    store.open_knowledge(chain(path), {}, cache)
    assert cache_files(cache) == []


@pytest.mark.posix
def test_a_cache_file_owned_by_someone_else_is_never_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A cache file whose owner is not the current user is ignored."""
    path = kb_file(tmp_path)
    cache = tmp_path / "cache"
    store.open_knowledge(chain(path), {}, cache)
    (cached,) = cache_files(cache)
    key = store._key(store.read_sources(chain(path)))
    assert store.read(cached, key) is not None
    real_uid = os.getuid()
    monkeypatch.setattr(os, "getuid", lambda: real_uid + 1)
    assert store.read(cached, key) is None


def test_no_cache_variable_turns_the_cache_off(tmp_path: Path) -> None:
    """UPFAQ_NO_CACHE=1 reads and writes no cache."""
    cache = tmp_path / "cache"
    _, index = store.open_knowledge(chain(kb_file(tmp_path)), {"UPFAQ_NO_CACHE": "1"}, cache)
    assert index.search("office intranet").matches and not cache.exists()


@pytest.mark.slow
def test_two_processes_at_once_both_answer_and_leave_a_sound_cache(tmp_path: Path) -> None:
    """Concurrent first runs race to write the cache; both answer, and the cache left behind is used."""
    path = kb_file(tmp_path)
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "xdg-cache")}
    command = [sys.executable, "-m", "upfaq", "--kb", str(path), "ask", "--json", "office intranet"]
    runs = [
        subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT) for _ in range(4)
    ]
    outputs = [run.communicate(timeout=60) for run in runs]
    assert all(run.returncode == 0 for run in runs), outputs
    assert all(out == outputs[0][0] for out, _ in outputs) and all(err == b"" for _, err in outputs)
    files = [p.name for p in cache_files(tmp_path / "xdg-cache" / "upfaq")]
    assert len(files) == 1 and files[0].endswith(".idx")
    cached = tmp_path / "xdg-cache" / "upfaq" / files[0]
    assert store.read(cached, store._key(store.read_sources(chain(path)))) is not None


def test_the_cli_writes_only_inside_its_cache_directory(tmp_path: Path) -> None:
    """A run creates files under XDG_CACHE_HOME/upfaq and nowhere else in its environment."""
    path = kb_file(tmp_path)
    home = tmp_path / "home"
    home.mkdir()
    env = {
        **os.environ,
        "HOME": str(home),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_DATA_HOME": str(home / ".local/share"),
    }
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    command = [sys.executable, "-m", "upfaq", "--kb", str(path), "ask", "office intranet"]
    done = subprocess.run(command, env=env, capture_output=True, check=False)
    assert done.returncode == 0
    after = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    added = [p for p in after if p not in before]
    assert added and all(str(p).startswith("home/.cache") for p in added), added


def test_synonyms_are_read_from_the_cache_only_when_needed(tmp_path: Path) -> None:
    """A cached knowledge base keeps its synonym groups and phrases aside: a query with no phrase's
    first word never reads them, and they read back whole when asked for."""
    path = kb_file(tmp_path)
    cache = tmp_path / "cache"
    built, _ = store.open_knowledge(chain(path), {}, cache)
    loaded, index = store.open_knowledge(chain(path), {}, cache)
    synonyms = loaded.kb.synonyms
    assert isinstance(synonyms, store.Aside) and synonyms._value is None
    index.search("office vpn profile")  # "office" starts no phrase
    assert synonyms._value is None and index._phrases._value is None  # type: ignore[attr-defined]
    assert index.search("internal network").candidates[0].entry.id == "vpn"  # a phrase: read now
    assert dict(synonyms) == dict(built.kb.synonyms)


@pytest.mark.linux  # /proc/self/fd
def test_reading_the_cache_again_and_again_leaks_no_file_descriptor(tmp_path: Path) -> None:
    """200 cached loads in one process, each dropped after use, leave no descriptor open (a real process)."""
    script = (
        "import os, sys\n"
        "from pathlib import Path\n"
        "from upfaq import store\n"
        "from upfaq.kb import Source\n"
        "sources = [Source(Path(sys.argv[1]), '--kb')]\n"
        "cache = Path(sys.argv[2])\n"
        "store.open_knowledge(sources, env={}, directory=cache)\n"
        "loaded, index = store.open_knowledge(sources, env={}, directory=cache)\n"
        "assert type(loaded.kb.entries).__name__ == 'EntryStore'\n"
        "del loaded, index\n"
        "before = len(os.listdir('/proc/self/fd'))\n"
        "for _ in range(200):\n"
        "    loaded, index = store.open_knowledge(sources, env={}, directory=cache)\n"
        "    index.search('refunds')\n"
        "    del loaded, index\n"
        "print(len(os.listdir('/proc/self/fd')) - before)\n"
    )
    kb_file = tmp_path / "k.toml"
    kb_file.write_text('[[entry]]\nid = "a"\nquestion = "How do refunds work?"\nanswer = "A week, by card."\n')
    done = subprocess.run(
        [sys.executable, "-c", script, str(kb_file), str(tmp_path / "cache")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert int(done.stdout.strip()) <= 1, done.stdout


def test_the_packaged_index_answers_the_bundled_knowledge_base_with_no_cache_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the index a wheel ships (build_bundled_index), the bundled knowledge base alone is read from
    it: nothing is parsed and no per-user cache file is written. An index of other files is not used."""
    from upfaq.kb import Source

    packaged = tmp_path / "package" / "faq.idx"
    packaged.parent.mkdir()
    store.build_bundled_index(packaged)
    monkeypatch.setattr(store, "BUNDLED_INDEX", packaged)
    cache = tmp_path / "cache"
    loaded, index = store.open_knowledge([Source(None, "bundled")], env={}, directory=cache)
    assert isinstance(loaded.kb.entries, store.EntryStore)
    assert index.search("can I interview on skype").candidates[0].entry.id == "interview-outside"
    assert not cache.exists() or not any(cache.iterdir())
    other = tmp_path / "other.toml"
    other.write_text('[[entry]]\nid = "a"\nquestion = "Q?"\nanswer = "An answer."\n', encoding="utf-8")
    store.open_knowledge([Source(other, "--kb")], env={}, directory=tmp_path / "scratch")
    (written,) = (tmp_path / "scratch").glob("*.idx")
    packaged.write_bytes(written.read_bytes())  # an index, but not of the bundled file: never served
    loaded, _ = store.open_knowledge([Source(None, "bundled")], env={}, directory=cache)
    assert len(loaded.kb.entries) > 100 and any(cache.glob("*.idx"))


def test_over_budget_the_least_recently_used_files_go_first(tmp_path: Path) -> None:
    """_tidy keeps the file just written and the most recently used, removing the oldest first."""
    directory = tmp_path / "cache"
    directory.mkdir(mode=0o700)
    now = time.time()
    files = {}
    for name, age in (("old", 3000), ("middle", 2000), ("recent", 1000), ("kept", 0)):
        path = directory / f"{name}.idx"
        path.write_bytes(b"x" * 1000)
        os.utime(path, (now - age, now - age))
        files[name] = path
    store._tidy(files["kept"], budget=2500)
    assert [name for name, path in files.items() if path.exists()] == ["recent", "kept"]


def _one_cached_file(tmp_path: Path) -> tuple[Path, str]:
    """A one-entry knowledge base, cached under tmp_path/cache: the cache file and its key."""
    from upfaq.kb import Source

    kb_file = tmp_path / "k.toml"
    kb_file.write_text('[[entry]]\nid = "a"\nquestion = "Q?"\nanswer = "An answer."\n', encoding="utf-8")
    sources = [Source(kb_file, "--kb")]
    store.open_knowledge(sources, env={}, directory=tmp_path / "cache")
    (path,) = (tmp_path / "cache").glob("*.idx")
    return path, store._key(store.read_sources(sources))


@pytest.mark.posix
def test_a_cache_file_or_directory_others_may_write_is_not_trusted(tmp_path: Path) -> None:
    """A cache file, or its directory, writable by the group (or anyone) is never read: someone else
    could have planted it."""
    path, key = _one_cached_file(tmp_path)
    directory = path.parent
    assert store.read(path, key) is not None
    path.chmod(0o620)
    assert store.read(path, key) is None
    path.chmod(0o600)
    directory.chmod(0o770)
    assert store.read(path, key) is None


def test_reading_an_old_cache_file_marks_it_used_and_a_recent_one_is_left_alone(tmp_path: Path) -> None:
    """A file last marked more than USE_MARK_SECONDS ago is marked used when read (so pruning keeps it);
    one marked recently is not touched at every read."""
    path, key = _one_cached_file(tmp_path)
    old = time.time() - 2 * store.USE_MARK_SECONDS
    os.utime(path, (old, old))
    assert store.read(path, key) is not None and path.stat().st_mtime > old + store.USE_MARK_SECONDS
    recent = time.time() - 10
    os.utime(path, (recent, recent))
    assert store.read(path, key) is not None and path.stat().st_mtime == pytest.approx(recent, abs=1)


def test_the_cache_shape_covers_the_history_fields() -> None:
    """SCHEMA names every field of Entry and of Change: a cache written for other fields is never read."""
    from upfaq.kb import Change, Entry

    assert all(field in store.SCHEMA for field in (*Entry._fields, *Change._fields))
    assert store.SCHEMA.index("change") > 0
