"""The command line: exit codes, the JSON contract, pipes, and the commands end to end."""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from upfaq import __version__
from upfaq.commands import app
from upfaq.kb import load_bundled
from upfaq.search import DEFAULT_THRESHOLD

from .conftest import ROOT, Run, run_process

Upfaq = Callable[..., Run]
ANSI = re.compile(r"\x1b\[")


def test_ask_skype_answers_interview_outside_and_marks_the_community_reply(upfaq: Upfaq) -> None:
    """The headline query answers with interview-outside, with no alarm of its own (share-email, which
    reports the old advice, now says so itself), and the community reply listed under it is marked."""
    run = upfaq("ask", "can I interview on skype")
    assert run.status == 0
    assert run.out.splitlines()[0] == "Is it okay to have an interview outside Upwork?"
    assert "Sources disagree" not in run.out and "Warning" not in run.out
    assert "share-email: Is it okay to give email address on Upwork? [community]" in run.out
    assert "more: upfaq show interview-outside" in run.out and run.err == ""


def test_ask_words_need_no_quotes(upfaq: Upfaq) -> None:
    """Unquoted words are joined into one query."""
    assert upfaq("ask", "can", "I", "interview", "on", "skype").out == upfaq("ask", "can I interview on skype").out


def test_no_confident_answer_goes_to_stderr_with_exit_1(upfaq: Upfaq) -> None:
    """An unanswerable query prints nothing on stdout, a message on stderr, and exits 1."""
    run = upfaq("ask", "best time of day to send proposals")
    assert run.status == 1 and run.out == ""
    assert run.err.startswith('No confident answer for "best time of day to send proposals".')
    assert "Did you mean:" in run.err


def test_ask_json_contract(upfaq: Upfaq) -> None:
    """ask --json prints one object with query, answered, results (entries plus score) and suggestions."""
    run = upfaq("ask", "--json", "can I interview on skype")
    data = json.loads(run.out)
    assert run.status == 0
    assert set(data) >= {"query", "answered", "results", "suggestions"}
    assert data["query"] == "can I interview on skype" and data["answered"] is True
    top = data["results"][0]
    assert top["id"] == "interview-outside" and 0 <= top["score"] <= 100
    assert {"question", "answer", "topic", "tags", "authority", "conflicts", "note", "source"} <= set(top)
    assert [r["score"] for r in data["results"]] == sorted((r["score"] for r in data["results"]), reverse=True)


def test_ask_json_unanswered_has_suggestions_and_exit_1(upfaq: Upfaq) -> None:
    """An unanswered --json query still prints valid JSON, with empty results."""
    run = upfaq("ask", "best time of day to send proposals", "--json")
    data = json.loads(run.out)
    assert run.status == 1 and data["answered"] is False and data["results"] == []
    assert data["suggestions"] and set(data["suggestions"][0]) == {"id", "question", "headline", "authority", "score"}
    assert run.err == ""


def test_limit_shows_as_many_candidates_when_unsure(upfaq: Upfaq) -> None:
    """Unsure, upfaq shows three candidates; asked for five answers (-n 5), five, in text and JSON alike."""
    query = "how do I get my first client"
    default = json.loads(upfaq("ask", query, "--json").out)
    five = json.loads(upfaq("ask", "-n", "5", query, "--json").out)
    assert not default["answered"] and not five["answered"]
    assert len(default["suggestions"]) == 3 and len(five["suggestions"]) == 5
    assert [s["id"] for s in five["suggestions"][:3]] == [s["id"] for s in default["suggestions"]]
    shown = upfaq("ask", "-n", "5", query, "--plain").err
    assert all(f"  {s['id']}: " in shown for s in five["suggestions"])


def test_limit_shows_more_answers(upfaq: Upfaq) -> None:
    """-n 2 prints two answers in full, separated."""
    run = upfaq("ask", "-n", "2", "why does upwork take 20%")
    assert run.status == 0
    assert run.out.count("more: upfaq show ") == 2 and "\n---\n" in run.out


def test_batch_reads_queries_from_stdin_as_json_lines(monkeypatch: pytest.MonkeyPatch, upfaq: Upfaq) -> None:
    """`ask - --json` answers each stdin line with one JSON object, and exits 1 if any went unanswered."""
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO("can I interview on skype\n\nweather tomorrow\nindia tds rate\n"))
    run = upfaq("ask", "-", "--json")
    rows = [json.loads(line) for line in run.out.splitlines()]
    assert [r["answered"] for r in rows] == [True, False, True]
    assert rows[2]["results"][0]["id"] == "india-tds-rate"
    assert run.status == 1


def test_batch_plain_labels_each_query(monkeypatch: pytest.MonkeyPatch, upfaq: Upfaq) -> None:
    """Plain batch output starts each answer with "> query" and keeps no-answer messages in the stream."""
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO("skype interview\nqwertyuiop\n"))
    run = upfaq("ask", "-")
    assert run.out.startswith("> skype interview\n")
    assert "> qwertyuiop\nNo confident answer" in run.out
    assert run.status == 1


@pytest.mark.parametrize(
    "args", [("ask",), ("ask", "   "), ("ask", "--bogus", "x"), ("ask", "-n", "0", "x"), ("--kb",)]
)
def test_usage_errors_exit_2_with_one_line(upfaq: Upfaq, args: tuple[str, ...]) -> None:
    """Usage errors print one line on stderr starting with "upfaq: error:" and exit 2."""
    run = upfaq(*args)
    assert run.status == 2 and run.out == ""
    assert run.err.startswith("upfaq: error: ") and run.err.count("\n") == 1


def test_list_groups_by_topic_and_filters(upfaq: Upfaq) -> None:
    """list shows every id; --topic filters case-insensitively; an unknown topic exits 1."""
    bundled = load_bundled()
    everything = upfaq("list")
    assert everything.status == 0 and everything.out.count("\n  ") == len(bundled.entries)
    feedback = upfaq("list", "--topic", "FEEDBACK")
    in_topic = [e.id for e in bundled.entries if e.topic == "Feedback"]
    assert feedback.out.splitlines()[0] == "Feedback" and feedback.out.count("\n  ") == len(in_topic) > 1
    unknown = upfaq("list", "--topic", "crypto")
    assert unknown.status == 1 and f"topics: {bundled.topics[0]}" in unknown.err


def test_list_json_is_an_array_of_entries(upfaq: Upfaq) -> None:
    """list --json prints an array of entry objects."""
    data = json.loads(upfaq("list", "--json").out)
    assert len(data) == len(load_bundled().entries)
    assert all({"id", "question", "answer", "topic", "url", "as_of", "history"} <= set(e) for e in data)


def test_show_prints_an_entry_or_suggests(upfaq: Upfaq) -> None:
    """show prints the full entry; an id too far from any one id suggests the closest and exits 1."""
    run = upfaq("show", "share-email")
    assert run.status == 0 and "authority: community" in run.out and "conflicts: contact-outside" in run.out
    assert json.loads(upfaq("show", "share-email", "--json").out)["id"] == "share-email"
    miss = upfaq("show", "feedbak-zzzute")
    assert miss.status == 1 and "did you mean: feedback-dispute" in miss.err


def test_version(upfaq: Upfaq) -> None:
    """--version prints the package version."""
    assert upfaq("--version").out == f"upfaq {__version__}\n"


COMMANDS = [command.name or command.callback.__name__ for command in app.registered_commands if command.callback]
"""Every command, as the app defines them: a new command is checked without editing this file."""


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_help_leads_with_examples(upfaq: Upfaq, command: str) -> None:
    """Each command's --help shows examples right after its one-line summary."""
    run = upfaq(command, "--help")
    paragraphs = run.out.split("\n\n")
    assert run.status == 0 and paragraphs[2].strip().startswith("Examples:")
    assert f"upfaq {command}" in paragraphs[2]


def test_completion_prints_a_script_and_completes_ids(monkeypatch: pytest.MonkeyPatch, upfaq: Upfaq) -> None:
    """completion bash prints a script; the completion protocol offers matching entry ids."""
    assert "_UPFAQ_COMPLETE" in upfaq("completion", "bash").out
    env = {**os.environ, "_UPFAQ_COMPLETE": "complete_bash", "COMP_WORDS": "upfaq show feedback-d", "COMP_CWORD": "2"}
    done = run_process(env=env)
    assert done.stdout.decode().split() == ["feedback-delay", "feedback-dispute"]


def test_cli_runner_json_contract() -> None:
    """Through Typer's CliRunner too, ask --json answers and exits 0."""
    result = CliRunner().invoke(app, ["ask", "--json", "respond to client feedback"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["results"][0]["id"] == "feedback-response"


def test_piped_output_has_no_escape_codes_or_boxes() -> None:
    """A real piped run prints plain text: no ANSI escapes, no box drawing, long lines unwrapped."""
    done = run_process("ask", "can I interview on skype")
    out = done.stdout.decode()
    assert done.returncode == 0 and not ANSI.search(out)
    assert not set(out) & set("╭╮╰╯│─")
    assert max(len(line) for line in out.splitlines()) > 80


def test_force_color_draws_the_panel_even_when_piped() -> None:
    """FORCE_COLOR makes a piped run draw the Rich panel with colour."""
    env = {**os.environ, "FORCE_COLOR": "1"}
    env.pop("NO_COLOR", None)
    out = run_process("ask", "can I interview on skype", env=env).stdout.decode()
    assert "╭" in out and ANSI.search(out)


def test_no_color_draws_the_panel_without_colour() -> None:
    """NO_COLOR with FORCE_COLOR keeps the panel but drops colour codes."""
    env = {**os.environ, "FORCE_COLOR": "1", "NO_COLOR": "1"}
    out = run_process("ask", "can I interview on skype", env=env).stdout.decode()
    assert "╭" in out and not re.search(r"\x1b\[[0-9;]*3[0-9]m", out)


@pytest.mark.posix
def test_head_closing_the_pipe_is_quiet() -> None:
    """When the reader stops early, upfaq stops without a message."""
    import subprocess

    shell = f"{sys.executable} -m upfaq ask - < /dev/stdin | head -1"
    queries = "can I interview on skype\n" * 5000
    done = subprocess.run(["sh", "-c", shell], input=queries.encode(), capture_output=True, timeout=120, check=False)
    assert done.stdout.decode().startswith("> can I interview on skype")
    assert done.stderr == b""


def test_python_dash_m_runs_the_cli() -> None:
    """`python -m upfaq --version` works like the console script."""
    done = run_process("--version")
    assert done.returncode == 0 and done.stdout.decode().strip() == f"upfaq {__version__}"


def test_invalid_utf8_in_argv_and_stdin_is_handled() -> None:
    """Undecodable bytes in a query do not crash upfaq."""
    done = run_process("ask", "-", "--json", stdin=b"interview \xff\xfe on skype\n")
    assert done.returncode in (0, 1) and json.loads(done.stdout)["query"].startswith("interview")
    if os.name == "posix":
        import subprocess

        raw = subprocess.run(
            [sys.executable, "-m", "upfaq", "ask", b"skype \xff"], capture_output=True, check=False, timeout=60
        )
        assert raw.returncode in (0, 1) and b"Traceback" not in raw.stderr


def test_explain_shows_matched_words_weights_and_breakdown(upfaq: Upfaq) -> None:
    """--explain prints the decision, each candidate's breakdown and how each query word matched."""
    run = upfaq("ask", "--explain", "conects expiry")
    assert run.status == 0
    assert "Explain: confidence" in run.out and f"against a threshold of {DEFAULT_THRESHOLD:g}%: answered." in run.out
    assert "its lead: it leads the nearest different answer" in run.out
    assert "#1 connects-expiry: score" in run.out
    assert "conects -> connect in question (typo)" in run.out
    tip = upfaq("ask", "--explain", "tip from client fee")
    assert "tip -> ~bonus in aliases (synonym)" in tip.out


def test_explain_names_unknown_words_when_there_is_no_answer(upfaq: Upfaq) -> None:
    """An unanswered --explain names the words no entry holds, and still exits 1."""
    run = upfaq("ask", "--explain", "how do I knit scarves")
    assert run.status == 1 and "Words no entry holds: knit, scarves" in run.out


def test_explain_json_has_a_breakdown_per_candidate(upfaq: Upfaq) -> None:
    """ask --json --explain adds an "explain" object whose candidate scores match the results."""
    data = json.loads(upfaq("ask", "--json", "--explain", "india tds rate").out)
    explain = data["explain"]
    assert explain["answered"] is True and explain["threshold"] == DEFAULT_THRESHOLD
    assert explain["evidence"]["score"] == data["results"][0]["score"]
    assert explain["confidence"] >= DEFAULT_THRESHOLD
    top = explain["candidates"][0]
    assert top["id"] == data["results"][0]["id"] and top["score"] == data["results"][0]["score"]
    assert {"word", "matched", "field", "kind", "weight", "strength"} == set(top["terms"][0])


def test_topic_completion_ignores_case() -> None:
    """Completing --topic offers matching topics in the case the user started typing."""
    env = {**os.environ, "_UPFAQ_COMPLETE": "complete_bash", "COMP_WORDS": "upfaq list --topic fe", "COMP_CWORD": "3"}
    assert run_process(env=env).stdout.decode().split() == ["fees", "feedback"]
    env["COMP_WORDS"] = "upfaq list --topic Fe"
    assert run_process(env=env).stdout.decode().split() == ["Fees", "Feedback"]


def test_a_closed_pipe_is_recognised_on_every_system() -> None:
    """EPIPE everywhere; EINVAL too on Windows, where a closed pipe reports it (elsewhere it is a real error)."""
    import errno

    from upfaq.cli import closed_pipe

    assert closed_pipe(OSError(errno.EPIPE, "Broken pipe"), "posix")
    assert closed_pipe(OSError(errno.EINVAL, "Invalid argument"), "nt")
    assert not closed_pipe(OSError(errno.EINVAL, "Invalid argument"), "posix")
    assert not closed_pipe(OSError(errno.ENOSPC, "No space left on device"), "nt")


@pytest.mark.parametrize(("platform", "forks"), [("linux", True), ("darwin", False), ("win32", False)])
def test_only_linux_indexes_in_forked_processes(monkeypatch: pytest.MonkeyPatch, platform: str, forks: bool) -> None:
    """A large knowledge base is split among processes on Linux only (macOS may not survive a fork)."""
    from upfaq import search

    monkeypatch.setattr(sys, "platform", platform)
    monkeypatch.setattr(os, "sched_getaffinity", lambda _: {0, 1}, raising=False)
    assert (search._workers(search.PARALLEL_MIN) > 1) is forks


def test_ask_batch_remembers_the_most_recent_queries(monkeypatch: pytest.MonkeyPatch) -> None:
    """`ask -` replays the output of the queries asked most recently, not of the first ones."""
    import io

    from upfaq import cli, commands
    from upfaq.output import Environment
    from upfaq.search import Index

    searched: list[str] = []
    search = Index.search

    def counting(self: Index, query: str, *args: object, **kwargs: object) -> object:
        searched.append(query)
        return search(self, query, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Index, "search", counting)
    monkeypatch.setattr(commands, "BATCH_MEMORY", 3)
    stdin = io.StringIO("skype\nfee\nrefund\nvpn\nvpn\nvpn\nskype\n")
    environment = Environment(io.StringIO(), io.StringIO(), stdin, {})
    assert cli.main(["ask", "-", "--plain"], environment=environment) in (0, 1)
    # vpn is remembered once asked; skype, the oldest of four, was forgotten and is searched again.
    assert searched == ["skype", "fee", "refund", "vpn", "skype"]


@pytest.mark.parametrize(
    ("argv", "status", "expected"),
    [
        (["can I interview on skype"], 0, "Is it okay to have an interview outside Upwork?"),
        (["--no-bundled", "--kb", "{tiny}", "calls"], 0, "Can I take calls with customers?"),
        (["-n", "2", "--json", "skype interview"], 0, '"query": "skype interview"'),
        (["--", "list of fees"], 0, "How much does Upwork charge freelancers"),
        (["help", "ask"], 0, "Usage: upfaq ask"),
        (["help"], 0, "Commands:"),
        (["version"], 0, f"upfaq {__version__}"),
    ],
)
def test_a_question_needs_no_command(upfaq: Upfaq, tmp_path: Path, argv: list[str], status: int, expected: str) -> None:
    """`upfaq QUESTION` asks it, as howdoi and tldr users type; `upfaq help [COMMAND]` and `upfaq version` work."""
    tiny = tmp_path / "tiny.toml"
    tiny.write_text(
        '[[entry]]\nid = "calls"\nquestion = "Can I take calls with customers?"\nanswer = "Only on the platform."\n',
        encoding="utf-8",
    )
    run = upfaq(*[arg.replace("{tiny}", str(tiny)) for arg in argv])
    assert run.status == status, run.err
    assert expected in run.out + run.err


@pytest.mark.parametrize(
    ("argv", "command"), [(["lsit"], "list"), (["shwo", "service-fee"], "show"), (["valdiate", "x.toml"], "validate")]
)
def test_a_mistyped_command_is_named_not_searched(upfaq: Upfaq, argv: list[str], command: str) -> None:
    """A first word an edit or two from a command, that the knowledge base never uses, is a usage error naming it."""
    run = upfaq(*argv)
    assert run.status == 2 and run.out == ""
    assert f"no command '{argv[0]}'. Did you mean '{command}'?" in run.err


@pytest.mark.parametrize("argv", [["lost", "my", "account"], ["--", "lsit"], ["ask", "lsit"]])
def test_a_word_near_a_command_is_still_a_question(upfaq: Upfaq, argv: list[str]) -> None:
    """A first word the knowledge base uses ("lost"), or one after `--` or `ask`, is asked, not taken for a command."""
    run = upfaq(*argv)
    assert run.status in (0, 1) and "no command" not in run.err


def test_help_for_an_unknown_command_is_an_error(upfaq: Upfaq) -> None:
    """`upfaq help nope` is a usage error naming the unknown command, exit 2."""
    run = upfaq("help", "nope")
    assert run.status == 2 and "No such command 'nope'" in run.err


def test_open_prints_the_link_when_piped_and_opens_it_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """`upfaq open ID`: the entry's url, printed into a pipe, handed to the browser on a terminal."""
    import io
    import webbrowser

    from upfaq.cli import main
    from upfaq.output import Environment

    url = load_bundled().get("interview-outside").url  # type: ignore[union-attr]

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "open", lambda link: opened.append(link) or True)
    piped = io.StringIO()
    assert main(["open", "interview-outside"], environment=Environment(piped, io.StringIO(), None, {})) == 0
    assert piped.getvalue() == url + "\n" and not opened
    terminal = Terminal()
    assert main(["open", "interview-outside"], environment=Environment(terminal, io.StringIO(), None, {})) == 0
    assert opened == [url] and terminal.getvalue() == f"Opened {url}\n"
    monkeypatch.setattr(webbrowser, "open", lambda link: False)  # no browser to open it with
    fallback = Terminal()
    assert main(["open", "interview-outside"], environment=Environment(fallback, io.StringIO(), None, {})) == 0
    assert fallback.getvalue() == url + "\n"


def test_open_an_entry_without_a_link_is_status_1(upfaq: Upfaq, tmp_path: Path) -> None:
    """An entry that names no page has nothing to open: one line on stderr, exit 1."""
    mine = tmp_path / "mine.toml"
    mine.write_text('[[entry]]\nid = "x"\nquestion = "Q?"\nanswer = "An answer."\n', encoding="utf-8")
    run = upfaq("--no-bundled", "--kb", str(mine), "open", "x")
    assert run.status == 1 and "names no source link" in run.err


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("upfaq --kb {team} show team-", ["team-vpn"]),
        ("upfaq show --kb {team} --no-bundled tea", ["team-vpn"]),
        ("upfaq --no-bundled show feedback-d", []),
        ("upfaq show feedback-d", ["feedback-delay", "feedback-dispute"]),
    ],
)
def test_completion_honours_kb_and_no_bundled(tmp_path: Path, words: str, expected: list[str]) -> None:
    """Ids are completed from the knowledge bases the command line names, as the command would use them."""
    team = tmp_path / "team.toml"
    team.write_text('[[entry]]\nid = "team-vpn"\nquestion = "VPN?"\nanswer = "Use the profile."\n', encoding="utf-8")
    line = words.replace("{team}", str(team))
    env = {
        **os.environ,
        "_UPFAQ_COMPLETE": "complete_bash",
        "COMP_WORDS": line,
        "COMP_CWORD": str(len(line.split()) - 1),
    }
    done = run_process(env=env)
    assert done.stdout.decode().split() == expected


def test_help_says_in_its_first_line_what_upfaq_covers_and_as_of_when(upfaq: Upfaq) -> None:
    """The first line of --help names Upwork freelancer policies, offline, and the bundled file's curation date."""
    import re

    curated = re.search(r'^curated = "([^"]+)"', (ROOT / "src/upfaq/data/faq.toml").read_text(encoding="utf-8"), re.M)
    assert curated is not None
    first = upfaq("--help").out.split("\n\n")[1].strip()
    assert "Upwork freelancer policies" in first and "offline" in first and curated.group(1) in first


@pytest.mark.parametrize(
    ("argv", "said", "shown"),
    [
        (["show", "servce-fee"], "did you mean 'service-fee'? Showing it.", "How much does Upwork charge"),
        (["list", "--topic", "fess"], "did you mean 'Fees'? Listing it.", "service-fee"),
    ],
)
def test_an_id_or_topic_within_a_typo_is_shown_with_a_note(
    upfaq: Upfaq, argv: list[str], said: str, shown: str
) -> None:
    """`show` and `list --topic` take the one id or topic within a typo of what was typed, and say so on stderr."""
    run = upfaq(*argv)
    assert run.status == 0 and said in run.err and shown in run.out
    assert upfaq("show", "fee").status == 1  # several ids are as close: a guess is no answer


def test_version_followed_by_words_is_a_question(upfaq: Upfaq) -> None:
    """`upfaq version history` asks about "version history"; only a lone `version` prints the version."""
    asked = upfaq("version", "history")
    assert asked.out != f"upfaq {__version__}\n" and f"upfaq {__version__}" not in asked.out
    assert upfaq("version").out == f"upfaq {__version__}\n"


# -- the plain question, answered without Typer ------------------------------------------------


def _both_paths(argv: list[str], monkeypatch: pytest.MonkeyPatch, *, tty: bool) -> tuple[tuple[int, str, str], ...]:
    """argv run as cli.main runs it (a plain question skips Typer) and through the Typer app alone."""
    import io

    from upfaq import cli
    from upfaq.output import Environment

    class Stream(io.StringIO):
        def isatty(self) -> bool:
            return tty

    env = {"COLUMNS": "80", "TERM": "xterm", "UPFAQ_PAGER": "cat"}
    runs = []
    for typer_only in (False, True):
        if typer_only:
            monkeypatch.setattr(cli, "plain_question", lambda _args: None)
        environment = Environment(Stream(), Stream(), io.StringIO(""), env)
        status = cli.main(list(argv), environment=environment)
        runs.append((status, environment.stdout.getvalue(), environment.stderr.getvalue()))
        monkeypatch.undo()
    return tuple(runs)


@pytest.mark.parametrize(
    "argv",
    [
        ["can I interview on skype"],
        ["ask", "can", "I", "interview", "on", "skype"],
        ["fees"],
        ["skype", "--json"],
        ["ask", "--plain", "--full", "refund"],
        ["how", "do", "i", "withdraw", "--explain", "--no-pager"],
        ["lsit"],
        ["shwo", "skype"],
        ["ask", "lsit"],
        ["ask", "ask"],
        [""],
        ["ask", "  "],
        ["zzqx wibble"],
        ["caf\u00e9 \u202eevil\x1b[31m"],
        ["undecodable \udcff bytes", "--full", "--json"],
        ["version", "history"],
        ["help", "me", "withdraw"],
    ],
)
@pytest.mark.parametrize("tty", [False, True])
def test_a_plain_question_prints_what_the_typer_app_prints(
    argv: list[str], tty: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A question answered without loading Typer prints, to the byte, what the Typer app prints, and exits alike."""
    fast, framework = _both_paths(argv, monkeypatch, tty=tty)
    assert fast == framework


def test_the_plain_question_knows_every_command() -> None:
    """cli.COMMANDS, which a plain question is checked against, names the Typer app's commands."""
    import typer.main

    from upfaq import cli

    assert set(cli.COMMANDS) == set(typer.main.get_command(app).commands)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("argv", "plain"),
    [
        (["skype"], True),
        (["ask", "skype", "--json"], True),
        (["list"], False),
        (["--kb", "x.toml", "skype"], False),
        (["-n", "2", "skype"], False),
        (["ask", "-"], False),
        (["--", "list", "of", "fees"], False),
        (["--json", "skype"], False),
        (["version"], False),
        (["help"], False),
    ],
)
def test_only_words_and_flags_skip_the_typer_app(argv: list[str], plain: bool) -> None:
    """Words with FLAGS at most are a plain question; any other option, '-', '--', a command or help goes to Typer."""
    from upfaq.cli import plain_question

    assert (plain_question(argv) is not None) is plain


def test_the_root_options_are_read_from_the_app() -> None:
    """The options a question may follow are the root callback's own, with --kb the one that takes a value."""
    import typer.main

    from upfaq.commands import RootOptions, question_first

    options = RootOptions.of(typer.main.get_command(app))
    assert options.names == {"--kb", "--no-bundled", "-V", "--version", "-h", "--help"}
    assert options.with_values == {"--kb"}
    commands = {"ask", "list"}
    assert question_first(["--kb", "list", "skype"], commands, options) == (["--kb", "list", "ask", "skype"], True)
    assert question_first(["--no-bundled", "list"], commands, options) == (["--no-bundled", "list"], False)


def test_no_function_of_the_command_line_runs_over_fifty_lines() -> None:
    """cli.py and commands.py stay thin: every function fits 50 lines, signature and help included."""
    import ast

    for name in ("cli.py", "commands.py"):
        tree = ast.parse((ROOT / "src" / "upfaq" / name).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef):
                assert node.end_lineno is not None
                assert node.end_lineno - node.lineno + 1 <= 50, f"{name}: {node.name}"
