"""Hostile input, one case per row: queries, knowledge-base text and files, pipes, terminals.

Every case runs the real command in a real process. Whatever the input, upfaq ends with a
documented exit status, never prints a Python traceback, and never lets a control character
from its input reach the output.
"""

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from upfaq.status import ExitStatus

from .conftest import run_process

DOCUMENTED = {int(status) for status in ExitStatus}
# Any C0 control but tab and newline, DEL, C1: none may reach the output.
CONTROL = re.compile(rb"[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]")
ANSI_COLOUR = re.compile(rb"\x1b\[[0-9;]*m")

ESCAPES = "\x1b[2J\x1b]0;pwned\x07\x1b[31m"
MARKUP = "[red]alarm[/red] [/] [link=https://example.invalid]click[/link] [bold"


@dataclass
class Case:
    """One hostile input: how to run upfaq, and what must hold afterwards."""

    name: str
    argv: list[str]
    stdin: bytes | None = None
    env: dict[str, str] = field(default_factory=dict)
    files: dict[str, bytes | str] = field(default_factory=dict)
    """Files to create in the test's folder first; "{dir}" in argv and env is replaced by its path."""
    statuses: set[int] = field(default_factory=lambda: {0, 1})
    stdout_has: bytes | None = None
    stderr_has: bytes | None = None
    one_line_error: bool = False
    colour_allowed: bool = False
    check: Callable[[bytes, bytes], None] | None = None
    closed_stdin: bool = False


def kb(question: str, answer: str, **extra: object) -> str:
    """A one-entry knowledge base whose text comes from the test, TOML-escaped."""
    fields = "".join(f"{key} = {json.dumps(value)}\n" for key, value in extra.items())
    return f'[[entry]]\nid = "x"\nquestion = {json.dumps(question)}\nanswer = {json.dumps(answer)}\n{fields}'


def json_parses(out: bytes, _: bytes) -> None:
    """Every line or document of stdout is valid JSON."""
    text = out.decode()
    if text.lstrip().startswith("{") and "\n{" in text.strip():
        for line in text.splitlines():
            json.loads(line)
    else:
        json.loads(text)


def no_colour(out: bytes) -> None:
    """Styles such as bold may remain, but no SGR sequence sets a colour."""
    for match in re.finditer(rb"\x1b\[([0-9;]*)m", out):
        codes = [int(code) for code in match.group(1).split(b";") if code]
        assert not any(30 <= c <= 49 or 90 <= c <= 107 for c in codes), match.group()


def lines_fit(width: int) -> Callable[[bytes, bytes], None]:
    """No line of stdout, colour codes removed, is wider than width, but a link, which runs on whole
    for the terminal to wrap (a link broken into lines can be neither clicked nor copied)."""

    def check(out: bytes, _: bytes) -> None:
        plain = ANSI_COLOUR.sub(b"", out).decode()
        lines = [line for line in plain.splitlines() if not line.startswith("https://")]
        assert max(len(line) for line in lines) <= width

    return check


HOSTILE_KEYS = (
    '[synonyms]\n"grp\\u001b]0;S\\u0007" = ["alpha", "beta"]\n\n'
    '[[entry]]\nid = "a"\nquestion = "Which topic?"\nanswer = "A long enough answer for the check."\n'
    'topic = "T\\u001b[2J"\n"bad\\u001b]0;T\\u0007" = 1\nrelated = ["no\\u001b[31mpe"]\n'
)
"""A knowledge base whose topic, unknown key, reference and synonym group carry escape sequences."""

BIG_LINE = ("interview on skype " * 60000).encode() + b"\n"  # about 1.1 MB

CASES = [
    # -- queries of any content ----------------------------------------------------------------
    Case("empty query", ["ask", ""], statuses={2}, one_line_error=True),
    Case("whitespace-only query", ["ask", "  \t  "], statuses={2}, one_line_error=True),
    Case("punctuation only", ["ask", "?!.,;:'\"()[]{}"], statuses={1}),
    Case("stop words only", ["ask", "how do I the a of it"], statuses={1}),
    Case("markup closing tag", ["ask", "[/]"], statuses={1}, stderr_has=b"[/]"),
    Case("markup around words", ["ask", "[i]can I interview on skype[/i]"], statuses={0}),
    Case("markup link, JSON", ["ask", "--json", MARKUP], check=json_parses),
    Case("markup link, terminal", ["ask", MARKUP], env={"FORCE_COLOR": "1"}, colour_allowed=True),
    Case("escape sequences in query", ["ask", f"{ESCAPES} skype weather"]),
    Case(
        "escape sequences in query, terminal", ["ask", f"{ESCAPES}zzz"], env={"FORCE_COLOR": "1"}, colour_allowed=True
    ),
    Case("escape sequences in query, JSON", ["ask", "--json", f"{ESCAPES}zzz"], check=json_parses),
    Case("control characters", ["ask", "\x01\x02\x7f\u009b\u202e skype"]),
    Case("NUL on stdin", ["ask", "-"], stdin=b"skype\x00interview\n\x00\n"),
    Case(
        "invalid UTF-8 on stdin", ["ask", "-", "--json"], stdin=b"\xff\xfe skype interview\n\xc3\n", check=json_parses
    ),
    Case("right-to-left text", ["ask", "\u0647\u0644 \u064a\u0645\u0643\u0646\u0646\u064a interview on skype \u202e"]),
    Case("combining characters", ["ask", "interviewe\u0301 on ski\u0301pe\u0308\u0308\u0308"]),
    Case("emoji", ["ask", "\U0001f642 can I interview on skype \U0001f680\U0001f469\u200d\U0001f4bb"], statuses={0}),
    Case("1 MB query on stdin", ["ask", "-"], stdin=BIG_LINE),
    Case("1 MB query on stdin, JSON", ["ask", "-", "--json"], stdin=BIG_LINE, check=json_parses),
    Case("100 kB query in argv", ["ask", "skype " * 17000]),
    Case("100,000 lines on ask -", ["ask", "-", "--json"], stdin=b"skype\n\nweather\n" * 33334, check=json_parses),
    Case("only blank lines on ask -", ["ask", "-"], stdin=b"\n \n\t\n", statuses={0}),
    Case("unknown option", ["ask", "--frobnicate", "x"], statuses={2}, one_line_error=True),
    Case("limit not a number", ["ask", "-n", "many", "x"], statuses={2}, one_line_error=True),
    Case("a word that names no command is a question", ["frobnicate"], statuses={1}),
    Case("unknown id with escapes", ["show", f"{ESCAPES}nope"], statuses={1}, one_line_error=True),
    Case("topic with markup", ["list", "--topic", MARKUP], statuses={1}, one_line_error=True),
    # -- knowledge-base text is data -----------------------------------------------------------
    Case(
        "markup in knowledge-base text",
        ["--no-bundled", "--kb", "{dir}/kb.toml", "show", "x"],
        files={"kb.toml": kb(MARKUP, MARKUP, note=MARKUP, tags=[MARKUP])},
        statuses={0},
        stdout_has=b"[red]alarm[/red] [/] [link=https://example.invalid]click[/link]",
    ),
    Case(
        "markup in knowledge-base text, terminal",
        ["--no-bundled", "--kb", "{dir}/kb.toml", "ask", "alarm click"],
        files={"kb.toml": kb(MARKUP, MARKUP, note=MARKUP)},
        env={"FORCE_COLOR": "1"},
        statuses={0},
        stdout_has=b"[/]",
        colour_allowed=True,
    ),
    Case(
        "escapes in knowledge-base text",
        ["--no-bundled", "--kb", "{dir}/kb.toml", "ask", "pwned"],
        files={"kb.toml": kb(f"pwned {ESCAPES}?", f"{ESCAPES} pwned \x00\x01\u009b\u202e", source=ESCAPES)},
        statuses={0},
    ),
    Case(
        "escapes in knowledge-base text, terminal",
        ["--no-bundled", "--kb", "{dir}/kb.toml", "show", "x"],
        files={"kb.toml": kb(f"pwned {ESCAPES}?", f"{ESCAPES} pwned")},
        env={"FORCE_COLOR": "1"},
        statuses={0},
        colour_allowed=True,
    ),
    Case(
        "escapes in knowledge-base text, JSON",
        ["--no-bundled", "--kb", "{dir}/kb.toml", "list", "--json"],
        files={"kb.toml": kb(f"pwned {ESCAPES}?", f"{ESCAPES} pwned \u009b")},
        statuses={0},
        check=json_parses,
    ),
    Case(
        "long unbroken word in a narrow panel",
        ["--no-bundled", "--kb", "{dir}/kb.toml", "ask", "long"],
        files={"kb.toml": kb("A long one?", "long " + "x" * 5000)},
        env={"FORCE_COLOR": "1", "COLUMNS": "40"},
        statuses={0},
        colour_allowed=True,
        check=lines_fit(40),
    ),
    Case(
        "very long answer",
        ["--no-bundled", "--kb", "{dir}/kb.toml", "ask", "long"],
        files={"kb.toml": kb("A long one?", "long answer. " * 40000)},
        env={"FORCE_COLOR": "1", "COLUMNS": "80"},
        statuses={0},
        colour_allowed=True,
        check=lines_fit(80),
    ),
    Case(
        "COLUMNS=0 on a terminal",
        ["ask", "can I interview on skype"],
        env={"FORCE_COLOR": "1", "COLUMNS": "0"},
        statuses={0},
        stdout_has=b"outside Upwork?",
        colour_allowed=True,
    ),
    Case("an empty --kb path", ["--kb", "", "list"], statuses={2}, one_line_error=True, stderr_has=b"empty path"),
    Case("an empty --kb= path", ["ask", "--kb=", "skype"], statuses={2}, one_line_error=True, stderr_has=b"empty path"),
    # -- names and keys from files reach messages only escaped -----------------------------------
    Case(
        "escapes in a file name in the user data directory",
        ["ask", "skype"],
        env={"XDG_DATA_HOME": "{dir}/data"},
        files={"data/upfaq/evil\x1b]0;X\x07.toml": "not toml [[["},
        stderr_has=b"evil\\x1b]0;X\\x07.toml",
    ),
    Case(
        "bidi override in a file name in the user data directory",
        ["ask", "skype"],
        env={"XDG_DATA_HOME": "{dir}/data"},
        files={"data/upfaq/a\u202eb.toml": "not toml [[["},
        stderr_has=b"a\\u202eb.toml",
    ),
    Case(
        "escapes in a --kb path",
        ["--kb", "{dir}/no\x1b[2J.toml", "list"],
        statuses={2},
        one_line_error=True,
        stderr_has=b"no\\x1b[2J.toml",
    ),
    Case("escapes in an option name", ["ask", "--fr\x1b]0;X\x07ob", "x"], statuses={2}, one_line_error=True),
    Case(
        "escapes in keys, ids, topics and synonym names, validated",
        ["validate", "{dir}/kb.toml"],
        files={"kb.toml": HOSTILE_KEYS},
        statuses={1},
        stdout_has=b"bad\\x1b]0;T\\x07",
    ),
    Case(
        "escapes in the topics an unknown --topic lists",
        ["--no-bundled", "--kb", "{dir}/kb.toml", "list", "--topic", "nope"],
        files={"kb.toml": HOSTILE_KEYS},
        statuses={1},
        one_line_error=True,
        stderr_has=b"T\\x1b[2J",
    ),
    # -- hostile knowledge-base files ----------------------------------------------------------
    Case(
        "truncated file",
        ["--kb", "{dir}/t.toml", "list"],
        files={"t.toml": '[[entry]]\nid = "a"\nquestion = "Q'},
        statuses={2},
        one_line_error=True,
    ),
    Case("binary file", ["--kb", "{dir}/b.toml", "list"], files={"b.toml": bytes(range(256)) * 64}, statuses={2}),
    Case(
        "deeply nested arrays",
        ["--kb", "{dir}/d.toml", "list"],
        files={"d.toml": "a = " + "[" * 50000 + "]" * 50000},
        statuses={2},
        stderr_has=b"nested too deeply",
        one_line_error=True,
    ),
    Case(
        "deeply nested tables",
        ["--kb", "{dir}/d.toml", "list"],
        files={"d.toml": "[" + "a." * 30000 + "b]\n"},
        statuses={2},
        one_line_error=True,
    ),
    Case(
        "wrong type at every field",
        ["--kb", "{dir}/w.toml", "list"],
        files={
            "w.toml": '[[entry]]\nid = 1\nquestion = []\nanswer = {a = 1}\ntopic = 2\ntags = "t"\naliases = [1]\n'
            "source = true\nauthority = 3\nconflicts = 4\nrelated = [[]]\nnote = 1979-05-27\n"
        },
        statuses={2},
        one_line_error=True,
    ),
    Case(
        "wrong types, validated",
        ["--no-bundled", "validate", "{dir}/w.toml"],
        files={"w.toml": '[[entry]]\nid = 1\nquestion = []\nanswer = {a = 1}\ntags = "t"\nnote = 1979-05-27\n'},
        statuses={1},
        stdout_has=b"'tags' must be an array of strings",
    ),
    Case(
        "entry is not a table",
        ["--kb", "{dir}/e.toml", "list"],
        files={"e.toml": 'entry = [1, "two"]\n'},
        statuses={2},
        one_line_error=True,
    ),
    Case(
        "duplicate keys",
        ["--kb", "{dir}/k.toml", "list"],
        files={"k.toml": '[[entry]]\nid = "a"\nid = "b"\nquestion = "Q"\nanswer = "A"\n'},
        statuses={2},
        one_line_error=True,
    ),
    Case(
        "byte-order mark and CRLF",
        ["--no-bundled", "--kb", "{dir}/w.toml", "ask", "windows"],
        files={"w.toml": b'\xef\xbb\xbf[[entry]]\r\nid = "w"\r\nquestion = "Windows?"\r\nanswer = "Yes."\r\n'},
        statuses={0},
    ),
    Case("path is a directory", ["--kb", "{dir}", "list"], statuses={2}, one_line_error=True),
    Case("missing file", ["--kb", "{dir}/missing.toml", "list"], statuses={2}, one_line_error=True),
    Case(
        "broken file found implicitly",
        ["ask", "can I interview on skype"],
        env={"UPFAQ_KB": "{dir}/bad.toml"},
        files={"bad.toml": "x = = 1"},
        statuses={0},
        stderr_has=b"upfaq: warning: skipping",
    ),
    # -- pipes and streams ---------------------------------------------------------------------
    Case(
        "closed stdin on ask -",
        ["ask", "-"],
        closed_stdin=True,
        statuses={2},
        one_line_error=True,
        stderr_has=b"stdin is closed",
    ),
    # -- terminals -----------------------------------------------------------------------------
    Case(
        "20 columns",
        ["ask", "can I interview on skype"],
        env={"FORCE_COLOR": "1", "COLUMNS": "20"},
        statuses={0},
        colour_allowed=True,
        check=lines_fit(20),
    ),
    Case(
        "300 columns",
        ["list"],
        env={"FORCE_COLOR": "1", "COLUMNS": "300"},
        statuses={0},
        colour_allowed=True,
        check=lines_fit(300),
    ),
    Case(
        "TERM=dumb",
        ["ask", "skype interview"],
        env={"TERM": "dumb", "FORCE_COLOR": "1"},
        statuses={0},
        colour_allowed=True,
    ),
    Case(
        "NO_COLOR",
        ["ask", "skype interview"],
        env={"NO_COLOR": "1", "FORCE_COLOR": "1"},
        statuses={0},
        stdout_has="╭".encode(),
        colour_allowed=True,
        check=lambda out, _: no_colour(out),
    ),
    Case(
        "FORCE_COLOR when piped",
        ["ask", "skype interview"],
        env={"FORCE_COLOR": "1"},
        statuses={0},
        stdout_has=b"\x1b[",
        colour_allowed=True,
    ),
    Case("C locale", ["ask", "can I interview on skype"], env={"LANG": "C", "LC_ALL": "C"}, statuses={0}),
    Case(
        "ASCII-only output encoding",
        ["ask", "how long to respond to a client's feedback"],
        env={"PYTHONIOENCODING": "ascii", "LC_ALL": "C"},
        statuses={0},
    ),
    Case(
        "ASCII-only terminal",
        ["show", "share-email"],
        env={"PYTHONIOENCODING": "ascii", "FORCE_COLOR": "1"},
        statuses={0},
        colour_allowed=True,
    ),
]


SLOW_CASES = frozenset({"100,000 lines on ask -", "very long answer"})
"""Cases that take seconds of real processes: marked slow, run by CI's second step (pytest -m slow)."""


@pytest.mark.parametrize(
    "case",
    [pytest.param(case, marks=pytest.mark.slow) if case.name in SLOW_CASES else case for case in CASES],
    ids=[case.name for case in CASES],
)
def test_hostile_input(case: Case, tmp_path: Path) -> None:
    """The case ends with its expected status, no traceback, no control characters, and well-formed output."""
    for name, content in case.files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            path.write_bytes(content)
    argv = [arg.replace("{dir}", str(tmp_path)) for arg in case.argv]
    env = {**os.environ, **{k: v.replace("{dir}", str(tmp_path)) for k, v in case.env.items()}}
    if "FORCE_COLOR" not in case.env:
        env.pop("FORCE_COLOR", None)
    if case.closed_stdin:
        if os.name != "posix":
            pytest.skip("closing stdin takes a POSIX shell")
        done = _closed_stdin(argv, env)
    else:
        done = subprocess.run(
            [sys.executable, "-m", "upfaq", *argv],
            input=case.stdin if case.stdin is not None else b"",
            capture_output=True,
            env=env,
            timeout=120,
            check=False,
        )
    out, err = done.stdout, done.stderr
    assert done.returncode in case.statuses, (done.returncode, err[-500:])
    assert done.returncode in DOCUMENTED
    assert b"Traceback" not in err and b"Traceback" not in out
    visible = out if not case.colour_allowed else ANSI_COLOUR.sub(b"", out)
    assert not CONTROL.search(visible.replace(b"\r\n", b"\n")), CONTROL.search(visible)
    assert not CONTROL.search(err if not case.colour_allowed else ANSI_COLOUR.sub(b"", err))
    if case.stdout_has is not None:
        assert case.stdout_has in out
    if case.stderr_has is not None:
        assert case.stderr_has in err
    if case.one_line_error:
        assert err.startswith(b"upfaq: error: ") and err.count(b"\n") == 1, err
    if case.check is not None:
        case.check(out, err)


def _closed_stdin(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    """Run upfaq with standard input closed, as `upfaq ask - <&-` does."""
    command = [f'exec "{sys.executable}" -m upfaq "$@" <&-', "sh", *argv]
    return subprocess.run(["sh", "-c", *command], capture_output=True, env=env, timeout=60, check=False)


# -- cases that need more than one process or a signal -----------------------------------------


@pytest.mark.posix
def test_closed_stdout_is_a_one_line_error() -> None:
    """Started with stdout closed (`upfaq list >&-`), upfaq says so on stderr and exits 74."""
    command = f"exec {sys.executable} -m upfaq list >&-"
    done = subprocess.run(["sh", "-c", command], capture_output=True, timeout=60, check=False)
    assert done.returncode == ExitStatus.OUTPUT_ERROR
    assert done.stderr == b"upfaq: error: cannot write output: stdout is closed\n"


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_full_disk_is_a_one_line_error() -> None:
    """Writing to a full disk (/dev/full) ends with one line on stderr and exit 74."""
    with Path("/dev/full").open("wb") as full:
        done = subprocess.run(
            [sys.executable, "-m", "upfaq", "list"], stdout=full, stderr=subprocess.PIPE, timeout=60, check=False
        )
    assert done.returncode == ExitStatus.OUTPUT_ERROR
    assert done.stderr == b"upfaq: error: cannot write output: No space left on device\n"


@pytest.mark.parametrize(
    ("argv", "stdin", "env"),
    [
        (["list"], None, {}),
        (["ask", "-"], b"can I interview on skype\n" * 20000, {}),
        (["ask", "-", "--json"], b"skype\n" * 50000, {}),
        (["ask", "-"], b"can I interview on skype\n" * 20000, {"FORCE_COLOR": "1"}),
        (["list"], None, {"FORCE_COLOR": "1"}),
    ],
)
def test_a_reader_that_stops_early_stops_upfaq_quietly(
    argv: list[str], stdin: bytes | None, env: dict[str, str], tmp_path: Path
) -> None:
    """`upfaq ... | head -1`: upfaq stops without a message and exits 0, panels (FORCE_COLOR) or not."""
    source = tmp_path / "stdin"
    source.write_bytes(stdin or b"")
    with (
        source.open("rb") as feed,
        subprocess.Popen(
            [sys.executable, "-m", "upfaq", *argv],
            stdin=feed,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, **env},
        ) as process,
    ):
        assert process.stdout is not None and process.stderr is not None
        first = process.stdout.readline()
        process.stdout.close()
        err = process.stderr.read()
        assert process.wait(timeout=60) == 0
    assert first and err == b""


@pytest.mark.posix
def test_ctrl_c_during_a_long_batch_exits_130_quietly(tmp_path: Path) -> None:
    """An interrupt in the middle of `ask -` ends the run with status 130 and nothing on stderr."""
    queries = tmp_path / "queries.txt"
    queries.write_text("".join(f"question {n} about feedback and skype\n" for n in range(200000)), encoding="utf-8")
    with (
        queries.open("rb") as source,
        subprocess.Popen(
            [sys.executable, "-m", "upfaq", "ask", "-"],
            stdin=source,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # noqa: PLW1509 - a test child, no threads
        ) as process,
    ):
        assert process.stdout is not None
        assert process.stdout.readline()  # answering has begun: the interrupt lands mid-batch
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)
    assert process.returncode == ExitStatus.INTERRUPTED and err == b""


@pytest.mark.posix
def test_a_fifo_knowledge_base_never_hangs(tmp_path: Path) -> None:
    """A FIFO named as a knowledge base is refused at once instead of blocking on an open."""
    fifo = tmp_path / "kb.toml"
    os.mkfifo(fifo)
    done = subprocess.run(
        [sys.executable, "-m", "upfaq", "--kb", str(fifo), "list"], capture_output=True, timeout=30, check=False
    )
    assert done.returncode == 2 and done.stderr == f"upfaq: error: {fifo}: not a regular file\n".encode()


@pytest.mark.posix  # symlinks need privileges on Windows
def test_a_symlink_loop_is_an_error(tmp_path: Path) -> None:
    """A knowledge-base path that is a symlink loop gives a one-line error."""
    (tmp_path / "a.toml").symlink_to(tmp_path / "b.toml")
    (tmp_path / "b.toml").symlink_to(tmp_path / "a.toml")
    done = subprocess.run(
        [sys.executable, "-m", "upfaq", "--kb", str(tmp_path / "a.toml"), "list"],
        capture_output=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 2 and done.stderr.startswith(b"upfaq: error: ") and done.stderr.count(b"\n") == 1


@pytest.mark.posix
def test_a_read_only_cache_directory_changes_nothing(tmp_path: Path) -> None:
    """With the cache directory read-only (a read-only home), upfaq answers and writes nothing."""
    cache = tmp_path / "cache"
    (cache / "upfaq").mkdir(parents=True)
    (cache / "upfaq").chmod(0o500)
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    done = subprocess.run(
        [sys.executable, "-m", "upfaq", "ask", "skype interview"], capture_output=True, env=env, timeout=60, check=False
    )
    assert done.returncode == 0 and done.stderr == b""
    if os.geteuid() != 0:  # root writes anyway; for everyone else the directory stays empty
        assert not list((cache / "upfaq").glob("*.idx")) and not list((cache / "upfaq").glob(".tmp-*"))


# -- no usable home directory ------------------------------------------------------------------


def _without_home(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "UPFAQ_KB")}
    return {**env, **extra}


def test_no_home_directory_at_all_still_answers(tmp_path: Path) -> None:
    """No HOME and no passwd entry for the uid (as in some containers): the bundled answer, no cache, no warning."""
    script = (
        "import os, pwd, sys\n"
        "def nobody(uid): raise KeyError(f'getpwuid(): uid not found: {uid}')\n"
        "pwd.getpwuid = nobody\n"
        "from upfaq.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, "ask", "can I interview on skype"],
        capture_output=True,
        env=_without_home(tmp_path),
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stderr) == (0, b""), done.stderr[-500:]
    assert b"Is it okay to have an interview outside Upwork?" in done.stdout


def test_a_home_that_does_not_exist_is_not_created(tmp_path: Path) -> None:
    """HOME=/nonexistent (even for root): an answer, and no /nonexistent/.cache made for the cache."""
    home = tmp_path / "nonexistent"
    done = subprocess.run(
        [sys.executable, "-m", "upfaq", "ask", "can I interview on skype"],
        capture_output=True,
        env=_without_home(tmp_path, HOME=str(home)),
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stderr) == (0, b""), done.stderr[-500:]
    assert not home.exists()


@pytest.mark.posix
@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads any directory")
def test_an_unreadable_home_still_answers(tmp_path: Path) -> None:
    """A HOME nobody may read: the bundled answer, without a cache and without an error."""
    home = tmp_path / "home"
    home.mkdir(mode=0)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "upfaq", "ask", "can I interview on skype"],
            capture_output=True,
            env=_without_home(tmp_path, HOME=str(home)),
            timeout=60,
            check=False,
        )
    finally:
        home.chmod(0o700)
    assert (done.returncode, done.stderr) == (0, b""), done.stderr[-500:]


# -- damaged caches ----------------------------------------------------------------------------


def _cache_files(cache: Path) -> list[Path]:
    return sorted(cache.rglob("*.idx"))


@pytest.mark.slow
def test_a_cache_with_a_damaged_length_is_replaced(tmp_path: Path) -> None:
    """A bit flip in the stored header length is ignored (no MemoryError), and the file is rewritten."""
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    ask = [sys.executable, "-m", "upfaq", "ask", "can I interview on skype"]
    assert subprocess.run(ask, capture_output=True, env=env, timeout=60, check=False).returncode == 0
    (cached,) = _cache_files(tmp_path / "cache")
    data = bytearray(cached.read_bytes())
    data[15] ^= 0x40  # the top byte of the 8-byte header length: about 2**62 bytes
    cached.write_bytes(bytes(data))
    for _ in range(2):  # the damaged file is ignored and replaced; the next run reads the new one
        done = subprocess.run(ask, capture_output=True, env=env, timeout=60, check=False)
        assert (done.returncode, done.stderr) == (0, b""), done.stderr[-500:]
    assert cached.read_bytes()[15] == 0


def test_a_cache_cut_short_during_a_batch_is_not_a_crash(tmp_path: Path) -> None:
    """Truncating the cache file while `ask -` runs gives answers or one error line, never SIGBUS."""
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    first = subprocess.run([sys.executable, "-m", "upfaq", "ask", "skype"], env=env, capture_output=True, check=False)
    assert first.returncode < 2
    (cached,) = _cache_files(tmp_path / "cache")
    with subprocess.Popen(
        [sys.executable, "-m", "upfaq", "ask", "-", "--json"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    ) as process:
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write(b"skype\n")
        process.stdin.flush()
        assert process.stdout.readline()  # loaded and answering from the cache
        with cached.open("r+b") as handle:
            handle.truncate(cached.stat().st_size // 3)
        words = "withdraw fees connects dispute refund badge tax verification identity hold payoneer"
        _, err = process.communicate(("\n".join(words.split()) + "\n").encode(), timeout=60)
    assert process.returncode in (0, 1, 2), (process.returncode, err[-500:])
    assert b"Traceback" not in err
    if process.returncode == 2:
        assert err.startswith(b"upfaq: error: the cache file was cut short") and err.count(b"\n") == 1


# -- killed runs -------------------------------------------------------------------------------


def _big_kb(path: Path, count: int) -> Path:
    """A knowledge base large enough to be indexed by several processes."""
    import random

    rng = random.Random(7)
    vocabulary = [f"{a}{b}{c}" for a in "bdfgklmnprst" for b in "aeiou" for c in "bdgklmnprstx"][:600]
    with path.open("w", encoding="utf-8") as out:
        for n in range(count):
            question = " ".join(rng.choices(vocabulary, k=8))
            answer = " ".join(rng.choices(vocabulary, k=60))
            out.write(f'[[entry]]\nid = "e{n}"\nquestion = "{question}?"\nanswer = "{answer}"\n\n')
    return path


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        found.update(int(child) for child in task.read_text().split())
    return found


@pytest.mark.slow
@pytest.mark.fork
@pytest.mark.skipif(len(getattr(os, "sched_getaffinity", lambda _: ())(0)) < 2, reason="one core: no workers")
@pytest.mark.parametrize("how", ["SIGKILL", "SIGTERM"])  # by name: Windows has no SIGKILL to collect
def test_indexing_workers_die_with_upfaq(tmp_path: Path, how: str) -> None:
    """Killing upfaq while its workers index leaves no worker behind, and its pipe reaches end of file."""
    from upfaq.search import PARALLEL_MIN

    big = _big_kb(tmp_path / "big.toml", PARALLEL_MIN + 2000)
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    with subprocess.Popen(
        [sys.executable, "-m", "upfaq", "--no-bundled", "--kb", str(big), "ask", "kax"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
    ) as process:
        deadline = time.monotonic() + 60
        workers: set[int] = set()
        while not workers and time.monotonic() < deadline and process.poll() is None:
            workers = _children(process.pid)
            time.sleep(0.02)
        assert workers, "no indexing worker was seen"
        process.send_signal(getattr(signal, how))
        assert process.stdout is not None
        try:
            # End of file comes only when no worker holds the write end of the pipe.
            assert _reaches_end_of_file(process.stdout.fileno(), seconds=30), "a worker holds upfaq's stdout"
            process.wait(timeout=30)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and any(_state(pid) not in "ZX" for pid in workers):
                time.sleep(0.05)
            assert not [pid for pid in workers if _state(pid) not in "ZX"]
        finally:
            for pid in workers:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)


def _reaches_end_of_file(fd: int, seconds: float) -> bool:
    import select

    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        ready, _, _ = select.select([fd], [], [], left)
        if ready and not os.read(fd, 65536):
            return True
    return False


def _state(pid: int) -> str:
    """The process's state letter (R, S, Z...), or X when it is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return "X"


# -- memory in ask - ---------------------------------------------------------------------------


def _peak_rss_mb(argv: list[str], stdin: bytes, env: dict[str, str] | None = None) -> float:
    """Run upfaq in a child and return its peak resident memory, in MB (Linux reports kB)."""
    script = (
        "import resource, subprocess, sys\n"
        "done = subprocess.run([sys.executable, '-m', 'upfaq', *sys.argv[1:]], stdout=subprocess.DEVNULL)\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, done.returncode)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, *argv], input=stdin, capture_output=True, env=env, timeout=300, check=True
    )
    peak, status = done.stdout.split()
    assert int(status) in (0, 1), done.stderr[-500:]
    return int(peak) / 1024


@pytest.mark.slow
@pytest.mark.linux  # ru_maxrss in kB
def test_ask_batch_memory_is_bounded_by_size_not_only_by_count(tmp_path: Path) -> None:
    """Distinct queries whose answers are megabytes long are not all kept for replay."""
    big = tmp_path / "big.toml"
    big.write_text(kb("A long one?", "long answer. " * 250_000), encoding="utf-8")  # about 3 MB
    queries = "".join(f"long one {n}\n" for n in range(120)).encode()
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    peak = _peak_rss_mb(["--no-bundled", "--kb", str(big), "ask", "-"], queries, env)
    assert peak < 250, peak  # 120 remembered answers alone would be 360 MB


@pytest.mark.slow
@pytest.mark.linux  # /dev/zero and /proc
def test_an_endless_line_on_stdin_costs_no_memory(tmp_path: Path) -> None:
    """`upfaq ask - < /dev/zero` reads an endless line in pieces: its memory stays flat."""
    with (
        Path("/dev/zero").open("rb") as zero,
        subprocess.Popen([sys.executable, "-m", "upfaq", "ask", "-"], stdin=zero, stdout=subprocess.DEVNULL) as process,
    ):
        try:
            time.sleep(3)
            status = Path(f"/proc/{process.pid}/status").read_text()
            rss_kb = int(next(line for line in status.splitlines() if line.startswith("VmRSS:")).split()[1])
        finally:
            process.kill()
    assert rss_kb < 200 * 1024, rss_kb  # unbounded, it grows by hundreds of MB a second


# -- what the cache keeps ----------------------------------------------------------------------


def _run(argv: list[str], env: dict[str, str], cwd: Path | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "upfaq", *argv], capture_output=True, env=env, cwd=cwd, timeout=120, check=False
    )


def test_every_spelling_of_a_path_shares_one_cache_file(tmp_path: Path) -> None:
    """`k.toml`, `./k.toml` and its absolute path are one file: one cache file, built once."""
    (tmp_path / "k.toml").write_text(kb("How do I reach the office?", "Through the VPN profile."), encoding="utf-8")
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    for spelling in ("k.toml", "./k.toml", str(tmp_path / "k.toml"), "../" + tmp_path.name + "/k.toml"):
        assert _run(["--no-bundled", "--kb", spelling, "ask", "office"], env, cwd=tmp_path).returncode == 0
    assert len(list((tmp_path / "cache" / "upfaq").glob("*.idx"))) == 1


@pytest.mark.slow
def test_leftovers_of_killed_writes_are_cleaned_and_the_cache_is_bounded(tmp_path: Path) -> None:
    """Old .tmp-*.idx files go at the next write; past UPFAQ_CACHE_MB the least recently used files go."""
    cache = tmp_path / "cache" / "upfaq"
    cache.mkdir(parents=True, mode=0o700)
    old, young = cache / ".tmp-old.idx", cache / ".tmp-young.idx"
    for leftover in (old, young):
        leftover.write_bytes(b"half a cache file")
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), "UPFAQ_CACHE_MB": "1"}
    for n in range(5):
        path = tmp_path / f"kb{n}.toml"
        path.write_text(kb(f"Question number {n}?", f"answer {n} " * 40_000), encoding="utf-8")  # ~400 kB
        assert _run(["--no-bundled", "--kb", str(path), "ask", "question"], env).returncode == 0
        time.sleep(0.05)  # distinct modification times
    assert not old.exists() and young.exists()  # a young one may be another run's write in progress
    kept = sorted(cache.glob("[!.]*.idx"), key=lambda p: p.stat().st_mtime)
    assert 1 <= len(kept) < 5
    assert sum(p.stat().st_size for p in kept[:-1]) <= 1 << 20  # the newest is always kept


@pytest.mark.slow
def test_simultaneous_first_runs_build_the_index_once(tmp_path: Path) -> None:
    """Runs started together on an uncached knowledge base: one builds, the others wait and read its cache."""
    big = _big_kb(tmp_path / "big.toml", 6000)
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), "UPFAQ_DEBUG": "1"}
    command = [sys.executable, "-m", "upfaq", "--no-bundled", "--kb", str(big), "ask", "--json", "kax"]
    runs = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(6)]
    outputs = [run.communicate(timeout=300) for run in runs]
    assert all(run.returncode in (0, 1) for run in runs), [err[-300:] for _, err in outputs]
    assert len({out for out, _ in outputs}) == 1
    builds = sum(err.count(b"upfaq: debug: building the index") for _, err in outputs)
    assert builds == 1, [err[-300:] for _, err in outputs]


# -- line numbers ------------------------------------------------------------------------------

LINE_TRAPS = (
    "# a comment with a line separator \u2028 and a NEL \u0085 in it\n"  # line 1
    '[[entry]]\nid = "a"\nquestion = "First?"\n'  # 2-4
    'answer = """\nA long enough first answer.\n[[entry]]\nnot a header, but text in the answer\n"""\n'  # 5-9
    "\n"  # 10
    '[[ entry ]]\nid = "b"\nquestion = "Second?"\n'  # 11-13
    "[[ entry . history ]]\n"  # 14
    'fact = "Something else held."\nfrom = "sometime"\n'  # 15-16
)


def test_validate_line_numbers_survive_separators_strings_and_spacing(tmp_path: Path) -> None:
    """Each finding names its own line, whatever U+2028 in a comment, "[[entry]]" inside a string
    or "[[ entry ]]" spacing would make of a naive count."""
    path = tmp_path / "traps.toml"
    path.write_bytes(LINE_TRAPS.encode())
    done = _run(["validate", str(path)], {**os.environ})
    lines = sorted(line.split(f"{path}:", 1)[1] for line in done.stdout.decode().splitlines())
    assert lines == [
        "11: error: entry 'b': missing required field 'answer'",
        "14: error: entry 'b': history: 'from' must be a date written YYYY, YYYY-MM or YYYY-MM-DD",
    ], done.stdout


# -- pathological knowledge bases --------------------------------------------------------------


def test_long_synonym_phrases_index_in_bounded_time(tmp_path: Path) -> None:
    """A 600-word synonym phrase and texts full of its first word: quick to index, and validate warns."""
    phrase = " ".join(f"w{n}" for n in range(600))
    text = " ".join(["w0"] * 2000)
    entries = "".join(f'[[entry]]\nid = "e{n}"\nquestion = "Question {n}?"\nanswer = "{text}"\n\n' for n in range(10))
    path = tmp_path / "phrases.toml"
    path.write_text(f'[synonyms]\nlong = ["{phrase}", "short"]\n\n{entries}', encoding="utf-8")
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    started = time.monotonic()
    assert _run(["--no-bundled", "--kb", str(path), "ask", "question"], env).returncode in (0, 1)
    assert time.monotonic() - started < 8  # about 20 s when every phrase length was tried
    warned = _run(["validate", str(path)], env).stdout.decode()
    assert "synonym group 'long'" in warned and "600 words" in warned


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """This process's environment with a home of its own under tmp_path, plus extra."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "UPFAQ_"))}
    (tmp_path / "home").mkdir(exist_ok=True)
    env["HOME"] = str(tmp_path / "home")
    return {**env, **extra}


@pytest.mark.parametrize("value", ["²", "①", "9" * 4301, "-5", "12MB"])
def test_a_cache_size_that_is_no_number_warns_and_uses_the_default(tmp_path: Path, value: str) -> None:
    """UPFAQ_CACHE_MB of Unicode digits, thousands of digits or words: one warning line, the default, exit 0."""
    cache = tmp_path / "cache"
    done = run_process("ask", "skype interview", env=_env(tmp_path, UPFAQ_CACHE_MB=value, XDG_CACHE_HOME=str(cache)))
    assert done.returncode == 0, done.stderr
    warning = [line for line in done.stderr.decode().splitlines() if "UPFAQ_CACHE_MB" in line]
    assert len(warning) == 1 and "using 200" in warning[0] and len(warning[0]) < 200
    assert any(cache.rglob("*.idx"))


def test_relative_xdg_directories_are_ignored(tmp_path: Path) -> None:
    """A relative XDG_CACHE_HOME or XDG_DATA_HOME is invalid (XDG specification): nothing is written
    to or read from the directory upfaq happens to run in."""
    work = tmp_path / "work"
    (work / "rel-data" / "upfaq").mkdir(parents=True)
    (work / "rel-data" / "upfaq" / "planted.toml").write_text(
        '[[entry]]\nid = "planted"\nquestion = "Where is the planted answer?"\n'
        'answer = "Read from the current directory."\n',
        encoding="utf-8",
    )
    env = _env(tmp_path, XDG_CACHE_HOME="rel-cache", XDG_DATA_HOME="rel-data")
    done = subprocess.run(
        [sys.executable, "-m", "upfaq", "ask", "where is the planted answer"],
        cwd=work,
        capture_output=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert b"Read from the current directory" not in done.stdout
    assert not (work / "rel-cache").exists()
    assert any((tmp_path / "home" / ".cache" / "upfaq").glob("*.idx"))


def test_an_injected_environment_is_the_only_one_read(tmp_path: Path) -> None:
    """main(environment=...) with UPFAQ_NO_CACHE=1 and its own XDG_CACHE_HOME writes no cache, whatever
    this process's own variables say."""
    import io

    from upfaq.cli import main
    from upfaq.output import Environment

    own = tmp_path / "own-cache"
    injected = tmp_path / "injected-cache"
    env = {"UPFAQ_NO_CACHE": "1", "XDG_CACHE_HOME": str(injected), "HOME": str(tmp_path)}
    old = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(own)
    try:
        status = main(["ask", "skype interview"], environment=Environment(io.StringIO(), io.StringIO(), None, env))
    finally:
        if old is None:
            del os.environ["XDG_CACHE_HOME"]
        else:
            os.environ["XDG_CACHE_HOME"] = old
    assert status == 0
    assert not own.exists() and not injected.exists()


def _on_a_terminal(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    """Run `python -m upfaq ARGV` as a real process whose stdout is a terminal (script(1)'s pseudo-terminal)."""
    import shlex

    command = shlex.join([sys.executable, "-m", "upfaq", *argv])
    return subprocess.run(
        ["script", "-qec", f"{command}; echo EXIT=$?", "/dev/null"],
        capture_output=True,
        env=env,
        timeout=60,
        check=False,
        stdin=subprocess.DEVNULL,
    )


@pytest.mark.posix
@pytest.mark.skipif(shutil.which("script") is None, reason="script(1) not installed")
@pytest.mark.parametrize(
    ("argv", "variable", "value", "expected"),
    [
        (["list", "--topic", "fees"], "UPFAQ_PAGER", 'less "-R', b"service-fee"),
        (["list", "--topic", "fees"], "PAGER", "more 'x", b"service-fee"),
        (["open", "service-fee"], "BROWSER", 'true "%s', b"https://support.upwork.com/"),
    ],
)
def test_an_unbalanced_quote_in_a_pager_or_browser_setting_warns_and_falls_back(
    tmp_path: Path, argv: list[str], variable: str, value: str, expected: bytes
) -> None:
    """An unreadable UPFAQ_PAGER, PAGER or BROWSER is said once on stderr; the output is written as it
    is (or the link printed), exit 0, not an internal error."""
    done = _on_a_terminal(argv, _env(tmp_path, **{variable: value, "TERM": "xterm"}))
    out = done.stdout
    assert b"EXIT=0" in out, out
    assert expected in out and out.count(b"cannot be read") == 1 and b"Traceback" not in out


def test_a_link_that_could_deceive_is_refused_and_never_printed_raw(tmp_path: Path) -> None:
    """A right-to-left override in an entry's url is an error naming it (the file is refused); it never
    reaches the terminal raw, from `upfaq open` or anywhere else."""
    mine = tmp_path / "mine.toml"
    mine.write_text(
        '[[entry]]\nid = "x"\nquestion = "Where?"\nanswer = "There, and long enough."\n'
        'url = "https://example.com/\\u202egnp.exe"\n',
        encoding="utf-8",
    )
    done = run_process("--no-bundled", "--kb", str(mine), "open", "x", env=_env(tmp_path))
    assert done.returncode == 2 and b"reorders text" in done.stderr
    assert "\u202e".encode() not in done.stdout + done.stderr


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("https://support.upwork.com@evil.example/", "user-info"),
        ("ftp://example.com/file", "http(s) link"),
        ("https://example.com/a b", "http(s) link"),
        ("https://example.com/\\u202egnp.exe", "reorders text"),
        ("javascript:alert(1)", "http(s) link"),
    ],
)
def test_validate_rejects_links_that_deceive(tmp_path: Path, url: str, said: str) -> None:
    """Links that are not http(s), hold whitespace, control or bidirectional characters, or user-info are errors."""
    mine = tmp_path / "mine.toml"
    mine.write_text(
        f'[[entry]]\nid = "x"\nquestion = "Where?"\nanswer = "There, and long enough."\nurl = "{url}"\n',
        encoding="utf-8",
    )
    done = run_process("validate", str(mine), env=_env(tmp_path))
    assert done.returncode == 1 and said.encode() in done.stdout, done.stdout


@pytest.mark.posix
@pytest.mark.skipif(shutil.which("script") is None, reason="script(1) not installed")
def test_a_link_reaches_the_browser_with_shell_syntax_percent_encoded(tmp_path: Path) -> None:
    """A BROWSER that hands the link to a shell gets `$(id)` as %24%28id%29: no command runs."""
    mine = tmp_path / "mine.toml"
    mine.write_text(
        '[[entry]]\nid = "x"\nquestion = "Where?"\nanswer = "There, and long enough."\n'
        'url = "https://example.com/$(id)`id`"\n',
        encoding="utf-8",
    )
    done = _on_a_terminal(
        ["--no-bundled", "--kb", str(mine), "open", "x"], _env(tmp_path, BROWSER="echo BROWSER-GOT=%s", TERM="xterm")
    )
    assert b"BROWSER-GOT=https://example.com/%24%28id%29%60id%60" in done.stdout, done.stdout
    assert b"EXIT=0" in done.stdout


def _history_kb(path: Path, entries: int, changes: int) -> Path:
    lines = []
    for number in range(entries):
        lines.append(
            f'[[entry]]\nid = "e{number}"\nquestion = "Question {number}?"\nanswer = "Answer {number}, long enough."\n'
        )
        lines += [f'[[entry.history]]\nuntil = "20{10 + k}"\nfact = "Fact {k} of {number}."\n' for k in range(changes)]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


@pytest.mark.slow
def test_history_tables_load_in_linear_time(tmp_path: Path) -> None:
    """Ten [[entry.history]] tables per entry cost about ten times one, not a hundred: the line of each
    table is found by bisection, not by scanning every table of the file (a real process, first run)."""
    env = _env(tmp_path, UPFAQ_NO_CACHE="1")
    times = []
    for changes in (1, 10):
        kb_file = _history_kb(tmp_path / f"h{changes}.toml", 2000, changes)
        start = time.perf_counter()
        done = run_process("--no-bundled", "--kb", str(kb_file), "ask", "question 7", env=env)
        times.append(time.perf_counter() - start)
        assert done.returncode in (0, 1), done.stderr
    assert times[1] < 8 * times[0], times


@pytest.mark.slow
@pytest.mark.posix
def test_a_new_version_of_a_file_does_not_queue_behind_the_old_ones_build(tmp_path: Path) -> None:
    """While a run holds the lock for building one version of a file, a run on the edited file builds
    and caches its own at once: locks are per version (name and key), not per name."""
    import fcntl

    from upfaq import store
    from upfaq.kb import Source, read_sources

    mine = tmp_path / "mine.toml"
    mine.write_text('[[entry]]\nid = "a"\nquestion = "Old question?"\nanswer = "The old answer."\n', encoding="utf-8")
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o700)
    files = read_sources([Source(mine, "--kb")])
    path = store.cache_file(files, cache / "upfaq")
    (cache / "upfaq").mkdir(mode=0o700)
    # The old version's build, still running: it holds its version's lock (and, as upfaq did
    # before locks were per version, the lock of the file's name).
    held = [
        os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
        for lock in (store.lock_file(path, store._key(files)), path.with_suffix(".lock"))
    ]
    for handle in held:
        fcntl.flock(handle, fcntl.LOCK_EX)
    try:
        mine.write_text(
            '[[entry]]\nid = "a"\nquestion = "New question?"\nanswer = "The new answer."\n', encoding="utf-8"
        )
        start = time.monotonic()
        done = run_process(
            "--no-bundled", "--kb", str(mine), "ask", "new question", env=_env(tmp_path, XDG_CACHE_HOME=str(cache))
        )
        took = time.monotonic() - start
    finally:
        for handle in held:
            os.close(handle)
    assert done.returncode == 0 and b"The new answer." in done.stdout
    assert took < 20, took
    assert path.exists()


@pytest.mark.slow
@pytest.mark.linux  # /proc tells a stopped process
def test_a_stopped_lock_holder_is_not_waited_for(tmp_path: Path) -> None:
    """A run that holds the build lock and is stopped (Ctrl-Z) keeps no other run waiting: they build
    without writing and answer at once (it waited two minutes in silence)."""
    from upfaq import store
    from upfaq.kb import Source, read_sources

    mine = tmp_path / "mine.toml"
    mine.write_text('[[entry]]\nid = "a"\nquestion = "A question?"\nanswer = "The answer."\n', encoding="utf-8")
    cache = tmp_path / "cache"
    (cache / "upfaq").mkdir(parents=True, mode=0o700)
    cache.chmod(0o700)
    files = read_sources([Source(mine, "--kb")])
    path = store.cache_file(files, cache / "upfaq")
    locks = [store.lock_file(path, store._key(files)), path.with_suffix(".lock")]
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, os, sys, time\n"
            "for name in sys.argv[1:]:\n"
            "    fd = os.open(name, os.O_RDWR | os.O_CREAT, 0o600)\n"
            "    fcntl.flock(fd, fcntl.LOCK_EX)\n"
            "    os.write(fd, str(os.getpid()).encode())\n"
            "print('held', flush=True)\n"
            "time.sleep(300)\n",
            *map(str, locks),
        ],
        stdout=subprocess.PIPE,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == b"held\n"
        holder.send_signal(signal.SIGSTOP)
        start = time.monotonic()
        done = run_process(
            "--no-bundled", "--kb", str(mine), "ask", "a question", env=_env(tmp_path, XDG_CACHE_HOME=str(cache))
        )
        took = time.monotonic() - start
    finally:
        holder.kill()
        holder.wait()
        if holder.stdout is not None:
            holder.stdout.close()
    assert done.returncode == 0 and b"The answer." in done.stdout
    assert took < 20, took


PAGER_SCRIPT = """\
import os, signal, sys, time
record = sys.argv[1]
def note(number, frame):
    with open(record, "a") as out:
        out.write(" INT")
signal.signal(signal.SIGINT, note)
with open(record, "w") as out:
    out.write(str(os.getpid()))
sys.stdin.buffer.read()
time.sleep(30)
"""


def _paging(tmp_path: Path) -> tuple[subprocess.Popen[bytes], Path, int]:
    """upfaq list on a pseudo-terminal, in a session of its own, paging through a pager that records
    the signals it gets; once the pager runs: upfaq's process, the record, and the pager's pid."""
    import pty

    script = tmp_path / "pager.py"
    script.write_text(PAGER_SCRIPT, encoding="utf-8")
    record = tmp_path / "record"
    main_fd, terminal = pty.openpty()
    env = _env(tmp_path, UPFAQ_PAGER=f"{sys.executable} {script} {record}", TERM="xterm", COLUMNS="100")
    upfaq = subprocess.Popen(
        [sys.executable, "-m", "upfaq", "list"],
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
        env=env,
        start_new_session=True,
    )
    os.close(terminal)
    os.set_blocking(main_fd, False)
    deadline = time.monotonic() + 30
    while not (record.exists() and record.read_text().strip()):
        with contextlib.suppress(OSError):
            os.read(main_fd, 1 << 16)  # keep the terminal drained
        assert time.monotonic() < deadline and upfaq.poll() is None
        time.sleep(0.05)
    time.sleep(0.3)
    os.close(main_fd)
    return upfaq, record, int(record.read_text().split()[0])


@pytest.mark.slow
@pytest.mark.posix
def test_ctrl_c_while_paging_is_the_pagers_and_upfaq_waits_for_it(tmp_path: Path) -> None:
    """Ctrl-C (SIGINT to the foreground group) reaches the pager; upfaq does not exit before it."""
    upfaq, record, pager = _paging(tmp_path)
    try:
        os.killpg(upfaq.pid, signal.SIGINT)
        time.sleep(0.5)
        assert "INT" in record.read_text()
        assert upfaq.poll() is None, "upfaq exited while its pager still ran"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pager, signal.SIGKILL)
        upfaq.wait(timeout=30)
    assert upfaq.returncode in (0, 130)


@pytest.mark.slow
@pytest.mark.posix
def test_sigterm_while_paging_ends_the_pager_too(tmp_path: Path) -> None:
    """A SIGTERM to upfaq while it pages ends the pager before upfaq: no pager is left running."""
    upfaq, _, pager = _paging(tmp_path)
    upfaq.terminate()
    upfaq.wait(timeout=30)
    time.sleep(0.3)
    try:
        os.kill(pager, 0)
        alive = (
            Path(f"/proc/{pager}").exists()
            and b"Z" not in Path(f"/proc/{pager}/stat").read_bytes().rsplit(b")", 1)[1][:3]
        )
    except ProcessLookupError:
        alive = False
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pager, signal.SIGKILL)
    assert not alive


@pytest.mark.posix
@pytest.mark.skipif(shutil.which("script") is None, reason="script(1) not installed")
def test_on_a_real_terminal_an_answer_is_drawn_as_a_panel(tmp_path: Path) -> None:
    """With stdout on a real pseudo-terminal (not an injected environment), upfaq detects it and draws
    the panel; piped, the same answer is plain text."""
    done = _on_a_terminal(["ask", "can I interview on skype"], _env(tmp_path, TERM="xterm", COLUMNS="100"))
    assert b"EXIT=0" in done.stdout and "╭─".encode() in done.stdout and "╰─".encode() in done.stdout
    piped = run_process("ask", "can I interview on skype", env=_env(tmp_path))
    assert piped.returncode == 0 and "╭".encode() not in piped.stdout
