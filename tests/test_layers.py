"""Your own knowledge bases: where they come from, how they layer, and how they fail."""

from __future__ import annotations

import json
import os
import stat
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from upfaq import kb as kbmod
from upfaq.kb import Source, load, load_bundled, sources

from .conftest import ROOT, Run

Upfaq = Callable[..., Run]
SHARED_BENCH = ROOT.parent / "shared" / "bench"


def write(path: Path, *entries: tuple[str, str, str], extra: str = "") -> Path:
    """Write a knowledge-base file with (id, question, answer) entries."""
    body = "".join(f'[[entry]]\nid = "{i}"\nquestion = "{q}"\nanswer = "{a}"\n\n' for i, q, a in entries)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(extra + body, encoding="utf-8")
    return path


def test_sources_are_ordered_bundled_userdir_env_then_kb(tmp_path: Path) -> None:
    """Sources apply in order bundled, user data dir, UPFAQ_KB paths, --kb paths."""
    data = tmp_path / "data"
    data.mkdir()
    env = {"UPFAQ_KB": f"{tmp_path / 'e1.toml'}{os.pathsep}{tmp_path / 'e2.toml'}"}
    chain = sources([tmp_path / "k.toml"], env, data_dir=data)
    assert [(s.via, s.path.name if s.path else None) for s in chain] == [
        ("bundled", None),
        ("user data dir", "data"),
        ("UPFAQ_KB", "e1.toml"),
        ("UPFAQ_KB", "e2.toml"),
        ("--kb", "k.toml"),
    ]
    assert [s.via for s in sources([], {}, bundled=False, data_dir=tmp_path / "none")] == []


def test_a_higher_layer_replaces_an_entry_by_id_in_place(tmp_path: Path) -> None:
    """An entry with a bundled id replaces the bundled one, keeps its place, and says where it came from."""
    mine = write(tmp_path / "mine.toml", ("share-email", "Can I share my email?", "No: keep it on Upwork."))
    loaded = load([Source(None, "bundled"), Source(mine, "--kb")])
    ids = [e.id for e in loaded.kb.entries]
    bundled_ids = [e.id for e in load_bundled().entries]
    assert ids == bundled_ids
    replaced = loaded.kb.get("share-email")
    assert replaced.answer == "No: keep it on Upwork." and replaced.origin == str(mine)
    assert [(layer.via, layer.entries, layer.overridden) for layer in loaded.layers] == [
        ("--kb", 1, 0),
        ("bundled", len(bundled_ids), 1),
    ]


def test_precedence_kb_over_env_over_userdir_over_bundled(
    tmp_path: Path, hermetic_environment: Path, monkeypatch: pytest.MonkeyPatch, upfaq: Upfaq
) -> None:
    """The same id defined at every level is answered from the highest one."""
    write(hermetic_environment / "a.toml", ("x", "Which layer wins?", "user dir"), ("y", "Why?", "user dir"))
    env_file = write(tmp_path / "env.toml", ("x", "Which layer wins?", "env"))
    monkeypatch.setenv("UPFAQ_KB", str(env_file))
    assert json.loads(upfaq("show", "x", "--json").out)["answer"] == "env"
    assert json.loads(upfaq("show", "y", "--json").out)["answer"] == "user dir"
    flag_file = write(tmp_path / "flag.toml", ("x", "Which layer wins?", "flag"))
    assert json.loads(upfaq("show", "x", "--json", "--kb", str(flag_file)).out)["answer"] == "flag"
    assert json.loads(upfaq("--kb", str(flag_file), "show", "x", "--json").out)["file"] == str(flag_file)


def test_kb_and_no_bundled_work_before_and_after_the_command(tmp_path: Path, upfaq: Upfaq) -> None:
    """--kb and --no-bundled are accepted on either side of the command name."""
    team = write(tmp_path / "team.toml", ("vpn", "How do I reach the office intranet?", "Use the office profile."))
    for argv in (("--kb", str(team), "ask", "office intranet"), ("ask", "--kb", str(team), "office intranet")):
        run = upfaq(*argv)
        assert run.status == 0 and run.out.startswith("How do I reach the office intranet?"), argv
    for argv in (
        ("--no-bundled", "--kb", str(team), "list", "--json"),
        ("list", "--json", "--no-bundled", "--kb", str(team)),
    ):
        assert [e["id"] for e in json.loads(upfaq(*argv).out)] == ["vpn"], argv


def test_later_kb_flags_override_earlier_ones(tmp_path: Path, upfaq: Upfaq) -> None:
    """Of two --kb files defining the same id, the later one wins."""
    first = write(tmp_path / "first.toml", ("x", "Q?", "first"))
    second = write(tmp_path / "second.toml", ("x", "Q?", "second"))
    run = upfaq("--kb", str(first), "show", "x", "--json", "--kb", str(second))
    assert json.loads(run.out)["answer"] == "second"


def test_a_directory_contributes_every_toml_file_in_name_order(tmp_path: Path, upfaq: Upfaq) -> None:
    """--kb DIR layers DIR/*.toml, later names over earlier ones, and ignores other files."""
    write(tmp_path / "d" / "10-base.toml", ("x", "Q?", "base"), ("y", "Y?", "base y"))
    write(tmp_path / "d" / "20-local.toml", ("x", "Q?", "local"))
    (tmp_path / "d" / "notes.txt").write_text("not a knowledge base", encoding="utf-8")
    run = upfaq("--no-bundled", "--kb", str(tmp_path / "d"), "list", "--json")
    assert {e["id"]: e["answer"] for e in json.loads(run.out)} == {"x": "local", "y": "base y"}


def test_list_and_show_say_which_file_an_entry_came_from(tmp_path: Path, upfaq: Upfaq) -> None:
    """With a user file in effect, list marks each entry's file and show names it."""
    team = write(tmp_path / "team.toml", ("vpn", "How do I connect to the VPN?", "Use the team VPN profile."))
    listing = upfaq("--kb", str(team), "list").out
    assert f"vpn  How do I connect to the VPN?  ({team})" in listing
    assert "(bundled)" in listing
    assert f"file: {team}" in upfaq("--kb", str(team), "show", "vpn").out
    assert "(bundled)" not in upfaq("list").out


def test_kb_command_lists_files_in_precedence_order_with_counts(
    tmp_path: Path, hermetic_environment: Path, upfaq: Upfaq
) -> None:
    """`upfaq kb` lists every file in effect, highest first, with entry and replacement counts."""
    user = write(hermetic_environment / "mine.toml", ("share-email", "Q?", "mine"))
    team = write(tmp_path / "team.toml", ("vpn", "VPN?", "Profile."), ("z", "Z?", "zed"))
    run = upfaq("--kb", str(team), "kb")
    lines = run.out.splitlines()
    assert lines[0] == "Knowledge bases in effect, highest precedence first:"
    assert lines[1].split() == [str(team), "--kb", "2", "entries"]
    assert lines[2].split() == [str(user), "user", "data", "dir", "1", "entries"]
    count = len(load_bundled().entries)
    assert lines[3].split()[:4] == ["bundled", "bundled", str(count), "entries"] and "(1 replaced" in lines[3]
    assert lines[4] == f"{count + 2} entries in all"
    data = json.loads(upfaq("--kb", str(team), "kb", "--json").out)
    assert data[0] == {"file": str(team), "via": "--kb", "entries": 2, "overridden": 0}


BROKEN = [
    ("missing", None, r"^upfaq: error: {path}: no such file or directory$"),
    (
        "invalid TOML",
        b'[[entry]]\nid = "a"\nquestion = "Q"\nanswer = = 1\n',
        r"^upfaq: error: {path}:4:10: invalid TOML: ",
    ),
    (
        "not UTF-8",
        b'[[entry]]\nid = "a"\nquestion = "caf\xe9"\nanswer = "A"\n',
        r"^upfaq: error: {path}:3: not UTF-8 text$",
    ),
    (
        "wrong type",
        b'[[entry]]\nid = "a"\nquestion = "Q"\nanswer = ["A"]\n',
        r"^upfaq: error: {path}:4: entry 'a': 'answer' must be a string$",
    ),
    (
        "duplicate id",
        b'[[entry]]\nid = "a"\nquestion = "Q"\nanswer = "A"\n[[entry]]\nid = "a"\nquestion = "R"\nanswer = "B"\n',
        r"^upfaq: error: {path}:5: duplicate id 'a' \(first at line 1\)$",
    ),
    ("binary", b"\x00\x01\x02\xff\xfe", r"^upfaq: error: {path}:1: not UTF-8 text$"),
    ("truncated", b'[[entry]]\nid = "a"\nquestion = "Q\n', r"^upfaq: error: {path}:3:\d+: invalid TOML: "),
]


@pytest.mark.parametrize(("case", "content", "pattern"), BROKEN, ids=[case for case, _, _ in BROKEN])
def test_a_broken_kb_named_on_the_command_line_is_a_one_line_error(
    tmp_path: Path, upfaq: Upfaq, case: str, content: bytes | None, pattern: str
) -> None:
    """Each unusable --kb file stops upfaq with one line naming the file (and line, column), exit 2."""
    import re

    path = tmp_path / "broken.toml"
    if content is not None:
        path.write_bytes(content)
    run = upfaq("--kb", str(path), "ask", "anything")
    assert run.status == 2 and run.out == "", case
    assert re.match(pattern.format(path=re.escape(str(path))), run.err), run.err
    assert run.err.count("\n") == 1


def test_a_directory_without_toml_files_is_an_error(tmp_path: Path, upfaq: Upfaq) -> None:
    """--kb naming a directory with no *.toml in it is an error, not an empty knowledge base."""
    run = upfaq("--kb", str(tmp_path), "list")
    assert run.status == 2 and run.err == f"upfaq: error: {tmp_path}: directory holds no *.toml files\n"


def test_an_unreadable_file_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, upfaq: Upfaq) -> None:
    """A file that cannot be read for want of permission gives a one-line permission error."""
    path = write(tmp_path / "secret.toml", ("a", "Q?", "A."))
    real = Path.read_bytes

    def refuse(self: Path) -> bytes:
        if self == path:
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", refuse)
    run = upfaq("--kb", str(path), "list")
    assert run.status == 2 and run.err == f"upfaq: error: {path}: permission denied\n"


def test_broken_files_found_implicitly_warn_and_the_rest_answer(
    tmp_path: Path, hermetic_environment: Path, monkeypatch: pytest.MonkeyPatch, upfaq: Upfaq
) -> None:
    """A broken file from UPFAQ_KB or the user directory is skipped with a one-line warning each."""
    (hermetic_environment).mkdir(parents=True, exist_ok=True)
    (hermetic_environment / "bad.toml").write_text("x = = 1", encoding="utf-8")
    monkeypatch.setenv("UPFAQ_KB", f"{tmp_path / 'gone.toml'}")
    run = upfaq("ask", "can I interview on skype")
    assert run.status == 0 and run.out.startswith("Is it okay to have an interview outside Upwork?")
    warnings = run.err.splitlines()
    assert warnings == [
        f"upfaq: warning: skipping {hermetic_environment / 'bad.toml'}:1:5: invalid TOML: Invalid value "
        "(found through user data dir)",
        f"upfaq: warning: skipping {tmp_path / 'gone.toml'}: no such file or directory (found through UPFAQ_KB)",
    ]


def test_upfaq_never_writes_to_a_knowledge_base(tmp_path: Path, upfaq: Upfaq) -> None:
    """Running every read command leaves the knowledge-base file byte for byte and time for time the same."""
    path = write(tmp_path / "team.toml", ("vpn", "VPN?", "Profile."))
    before = (path.read_bytes(), path.stat().st_mtime_ns, stat.S_IMODE(path.stat().st_mode))
    for argv in (("ask", "vpn"), ("list",), ("show", "vpn"), ("kb",), ("validate", str(path))):
        upfaq("--kb", str(path), *argv)
    assert (path.read_bytes(), path.stat().st_mtime_ns, stat.S_IMODE(path.stat().st_mode)) == before


def test_no_knowledge_base_at_all_is_a_usage_error(upfaq: Upfaq) -> None:
    """--no-bundled with nothing else in effect says what to do, exit 2."""
    run = upfaq("--no-bundled", "list")
    assert run.status == 2 and "no knowledge base in effect" in run.err


@pytest.mark.skipif(not SHARED_BENCH.is_dir(), reason="benchmark sets not found beside the checkout: skipped")
@pytest.mark.parametrize("name", ["stackfaq", "stackfaq-oos", "covidvax", "stackfaq-scale"])
def test_public_benchmark_sets_load_through_kb(upfaq: Upfaq, name: str) -> None:
    """Each public FAQ set loads with --kb --no-bundled and answers a question of its own."""
    path = SHARED_BENCH / name / "kb.toml"
    first = kbmod.load_file(path).entries[0]
    run = upfaq("--no-bundled", "--kb", str(path), "ask", "--json", first.question)
    assert json.loads(run.out)["results"][0]["id"] == first.id


# -- validate ----------------------------------------------------------------------------------


def test_validate_reports_every_problem_as_grep_friendly_lines(tmp_path: Path, upfaq: Upfaq) -> None:
    """validate prints one file:line: level: message line per finding, and exits 1 on errors."""
    path = tmp_path / "bad.toml"
    path.write_text(
        '[[entry]]\nid = "a"\nquestion = "How do I reset my password?"\nanswer = "Ask IT."\nrelated = ["nope"]\n'
        'aliases = ["Can I communicate with clients outside Upwork?"]\nwhatever = 1\n\n'
        '[[entry]]\nid = "b"\nquestion = "How do I reset my password"\n'
        'answer = "Use the portal, \\u001b[31mnow\\u001b[0m."\n\n'
        '[[entry]]\nid = "a"\nquestion = "Q"\nanswer = "Again."\n\n'
        '[[entry]]\nid = "c"\nanswer = 3\n',
        encoding="utf-8",
    )
    run = upfaq("validate", str(path))
    p = str(path)
    assert run.out.splitlines() == [
        f"{p}:1: warning: entry 'a': alias \"Can I communicate with clients outside Upwork?\" is also a question or "
        "alias of 'contact-outside'",
        f"{p}:1: warning: entry 'a': answer is very short (7 characters)",
        f"{p}:1: warning: entry 'a': question is nearly the same as that of 'b' (100% alike)",
        f"{p}:5: error: entry 'a': related names 'nope', which no knowledge base in effect defines",
        f"{p}:7: warning: entry 'a': unknown field 'whatever' (ignored)",
        f"{p}:9: warning: entry 'b': text holds control characters (not shown to users)",
        f"{p}:14: error: duplicate id 'a' (first at line 1)",
        f"{p}:19: error: entry 'c': missing required field 'question'",
        f"{p}:21: error: entry 'c': 'answer' must be a string",
    ]
    assert run.status == 1
    assert run.err == "upfaq: 1 file(s) checked: 4 error(s), 5 warning(s)\n"


def test_validate_warns_of_an_id_named_twice_in_related_or_conflicts(tmp_path: Path, upfaq: Upfaq) -> None:
    """An id repeated in `related` (or `conflicts`) would be shown twice under the answer: a warning
    at the list's line, naming the entry and the id, once however often it repeats."""
    path = tmp_path / "twice.toml"
    path.write_text(
        '[[entry]]\nid = "a"\nquestion = "How do I reset my password at work?"\n'
        'answer = "Ask the IT desk for a reset link."\nrelated = ["b", "b", "b"]\nconflicts = ["b"]\n\n'
        '[[entry]]\nid = "b"\nquestion = "Who runs the IT desk on weekends?"\n'
        'answer = "The on-call engineer, reached by phone."\n',
        encoding="utf-8",
    )
    run = upfaq("validate", "--no-bundled", str(path))
    assert run.out.splitlines() == [f"{path}:5: warning: entry 'a': related names 'b' more than once"]
    assert run.status == 0


def test_validate_syntax_errors_carry_line_and_column(tmp_path: Path, upfaq: Upfaq) -> None:
    """A TOML syntax error is reported as file:line:col: error: ..."""
    path = tmp_path / "syntax.toml"
    path.write_text('[[entry]]\nid = "a"\nquestion = "Q" x\n', encoding="utf-8")
    run = upfaq("validate", str(path))
    assert run.status == 1 and run.out.startswith(f"{path}:3:16: error: invalid TOML: ")


def test_validate_json_and_exit_codes(tmp_path: Path, upfaq: Upfaq) -> None:
    """Clean files exit 0, unreadable paths exit 2, and --json carries the same findings."""
    good = write(tmp_path / "good.toml", ("a", "How do I reset my password?", "Use the self-service portal."))
    clean = upfaq("validate", str(good))
    assert (clean.status, clean.out) == (0, "")
    missing = upfaq("validate", str(tmp_path / "nope.toml"), str(good))
    assert missing.status == 2 and missing.out == f"{tmp_path / 'nope.toml'}: error: no such file or directory\n"
    data = json.loads(upfaq("validate", "--json", str(tmp_path / "nope.toml")).out)
    assert data["errors"] == 1 and data["findings"][0]["level"] == "error"


def test_validate_with_no_paths_checks_everything_in_effect_and_the_bundled_kb_is_clean(upfaq: Upfaq) -> None:
    """`upfaq validate` alone checks the bundled knowledge base, which has no findings at all."""
    run = upfaq("validate")
    assert (run.status, run.out) == (0, "")
    assert run.err == "upfaq: 1 file(s) checked: 0 error(s), 0 warning(s)\n"


def test_validate_resolves_references_against_other_knowledge_bases(tmp_path: Path, upfaq: Upfaq) -> None:
    """A user file may name bundled entries in related and conflicts."""
    path = tmp_path / "mine.toml"
    path.write_text(
        '[[entry]]\nid = "mine"\nquestion = "Can I call clients?"\nanswer = "Only on Upwork, see the FAQ."\n'
        'related = ["interview-outside"]\nconflicts = ["share-email"]\n',
        encoding="utf-8",
    )
    assert upfaq("validate", str(path)).status == 0


def test_validate_is_callable_from_python(tmp_path: Path) -> None:
    """lint.validate_sources chooses the files as the command does: named paths, or all in effect."""
    from upfaq import lint

    good = write(tmp_path / "d" / "good.toml", ("mine", "Can I call clients?", "Only on Upwork, see the FAQ."))
    bad = write(tmp_path / "bad.toml", ("x", "Q?", "A."), extra='[[entry]]\nid = "x"\n')
    chain = sources([], {}, data_dir=tmp_path / "none")
    named = lint.validate_sources(chain, [good.parent, bad, tmp_path / "missing.toml"])
    assert named.files == 2 and named.unusable
    assert {Path(f.path).name for f in named.findings if f.level == "error"} >= {"bad.toml", "missing.toml"}
    everything = lint.validate_sources(chain)
    assert (everything.files, everything.errors) == (1, 0)  # the bundled file alone


# -- init --------------------------------------------------------------------------------------


def test_init_writes_an_example_that_answers_only_once_edited(tmp_path: Path, upfaq: Upfaq) -> None:
    """init writes a commented example with two entries, a synonym and every optional field; its
    invented entries answer nothing until a person deletes `example = true`."""
    target = tmp_path / "team.toml"
    run = upfaq("init", str(target))
    assert run.status == 0 and run.out.startswith(f"Wrote {target}\n") and "answer nothing yet" in run.out
    kb = kbmod.load_file(target)
    assert len(kb.entries) == 2 and kb.synonyms and kb.example
    every = {"topic", "tags", "aliases", "source", "url", "as_of", "authority", "conflicts", "related", "note"}
    text = target.read_text(encoding="utf-8")
    assert all(f"\n{name} = " in text for name in every) and text.count("#") > 10
    assert "\n[[entry.history]]" in text and kb.entries[0].history
    checked = upfaq("validate", str(target))
    assert checked.status == 0 and "unedited example" in checked.out
    unedited = upfaq("--kb", str(target), "ask", "when are clients billed")
    assert unedited.status == 1 and "skipping" in unedited.err and "When do we send invoices?" not in unedited.out
    target.write_text(text.replace("[meta]\nexample = true\n", ""), encoding="utf-8")
    edited = upfaq("--kb", str(target), "ask", "when are clients billed")
    assert edited.status == 0 and edited.out.startswith("When do we send invoices?")


def test_init_refuses_to_overwrite(tmp_path: Path, upfaq: Upfaq) -> None:
    """init leaves an existing file alone and says so, exit 2."""
    target = tmp_path / "team.toml"
    target.write_text("# mine\n", encoding="utf-8")
    run = upfaq("init", str(target))
    assert run.status == 2 and "already exists" in run.err
    assert target.read_text(encoding="utf-8") == "# mine\n"


def test_init_defaults_to_the_user_data_directory_where_it_is_in_effect_once_edited(
    hermetic_environment: Path, upfaq: Upfaq
) -> None:
    """Without a path init writes faq.toml in the user data directory; its examples take effect only once edited."""
    run = upfaq("init")
    written = hermetic_environment / "faq.toml"
    assert run.status == 0 and written.is_file()
    assert upfaq("show", "team-invoices").status == 1
    written.write_text(written.read_text(encoding="utf-8").replace("example = true", ""), encoding="utf-8")
    assert upfaq("show", "team-invoices").status == 0


def test_init_into_a_directory_that_does_not_exist_is_an_error(tmp_path: Path, upfaq: Upfaq) -> None:
    """As with touch, `upfaq init /no/such/dir/x.toml` makes no directories: exit 2, nothing written."""
    target = tmp_path / "no" / "such" / "x.toml"
    run = upfaq("init", str(target))
    assert run.status == 2 and "no such directory" in run.err
    assert not (tmp_path / "no").exists()


def test_a_huge_file_is_refused_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, upfaq: Upfaq) -> None:
    """A knowledge-base file over the size limit is a one-line error naming its size."""
    path = write(tmp_path / "huge.toml", ("a", "Q?", "A" * 5000))
    monkeypatch.setattr(kbmod, "MAX_FILE_BYTES", 4096)
    run = upfaq("--no-bundled", "--kb", str(path), "list")
    assert run.status == 2 and run.err == f"upfaq: error: {path}: too large (5 KiB; the limit is 4 KiB)\n"


@pytest.mark.parametrize("kind", ["data", "cache"])
@pytest.mark.parametrize("value", ["", "   ", "/srv/xdg"])
def test_user_directories_on_linux_are_those_platformdirs_gives(
    kind: str, value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The XDG rule applied without platformdirs gives the very directory platformdirs would."""
    import platformdirs

    variable = "XDG_DATA_HOME" if kind == "data" else "XDG_CACHE_HOME"
    monkeypatch.setenv(variable, value)
    finder = platformdirs.user_data_path if kind == "data" else platformdirs.user_cache_path
    expected = platformdirs.unix.Unix("upfaq", appauthor=False)
    wanted = expected.user_data_path if kind == "data" else expected.user_cache_path
    assert kbmod.user_path(kind, platform="linux") == wanted
    if sys.platform.startswith("linux"):
        assert kbmod.user_path(kind) == finder("upfaq", appauthor=False)


def test_validate_reports_every_problem_of_an_entry_at_its_own_line(tmp_path: Path, upfaq: Upfaq) -> None:
    """All of an entry's problems in one pass, each at its line; unresolved and self references at
    their own line; [[entries]] gets a "did you mean"; a file with no entries is a warning."""
    path = tmp_path / "v.toml"
    path.write_text(
        '[[entries]]\nid = "x"\n\n'  # 1-3
        '[[entry]]\nid = "BAD ID"\nquestion = ""\nanswer = "An answer that is long enough."\n'  # 4-7
        'authority = "rumour"\n\n'  # 8-9
        '[[entry]]\nid = "c"\nquestion = "Q?"\nanswer = "Another answer long enough."\n'  # 10-13
        'conflicts = ["c"]\n\n'  # 14-15
        '[[entry]]\nid = "d"\nquestion = "Q2?"\nanswer = "A third answer long enough."\n'  # 16-19
        'related = ["nowhere"]\n',  # 20
        encoding="utf-8",
    )
    run = upfaq("validate", str(path))
    lines = [line.split(":", 1)[1] for line in run.out.splitlines()]
    assert lines == [
        "1: warning: unknown top-level key 'entries' (ignored); did you mean [[entry]]?",
        "5: error: entry 'BAD ID': id must be a lowercase slug (a-z, 0-9, '-')",
        "6: error: entry 'BAD ID': 'question' is empty",
        "8: error: entry 'BAD ID': 'authority' must be one of official, community, doubtful",
        "14: error: entry 'c': conflicts names the entry itself",
        "20: error: entry 'd': related names 'nowhere', which no knowledge base in effect defines",
    ], run.out
    empty = tmp_path / "empty.toml"
    empty.write_text('[synonyms]\na = ["b"]\n', encoding="utf-8")
    assert "warning: no entries" in upfaq("validate", str(empty)).out


def test_validate_warns_about_a_synonym_table_every_answer_would_load(tmp_path: Path, upfaq: Upfaq) -> None:
    """More than 5,000 synonym groups slow every answer: validate says so."""
    from upfaq.lint import SYNONYM_GROUPS_SLOW

    groups = "".join(f'g{n} = ["w{n}a", "w{n}b"]\n' for n in range(SYNONYM_GROUPS_SLOW + 1))
    path = write(
        tmp_path / "syn.toml", ("a", "How do refunds work?", "A week or so later."), extra=f"[synonyms]\n{groups}\n"
    )
    run = upfaq("validate", str(path))
    assert f"{SYNONYM_GROUPS_SLOW + 1} synonym groups" in run.out and run.status == 0


def test_validate_reports_a_bad_related_even_when_the_entry_id_is_bad(tmp_path: Path, upfaq: Upfaq) -> None:
    """An entry rejected for its id still has its `related` checked: every problem is reported at once."""
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[[entry]]\nid = "Bad Id"\nquestion = "Q?"\nanswer = "An answer long enough."\nrelated = ["nope"]\n',
        encoding="utf-8",
    )
    run = upfaq("--no-bundled", "validate", str(bad))
    assert run.status == 1
    assert f"{bad}:2: error: entry 'Bad Id': id must be a lowercase slug" in run.out
    assert f"{bad}:5: error: entry 'Bad Id': related names 'nope'" in run.out
