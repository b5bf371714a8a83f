"""The `upfaq` command: parse, choose the output mode, call the library, print, exit.

Everything that decides an answer lives in kb, search and render; this module only wires them
to argv, the environment and the standard streams.
"""

from __future__ import annotations

import enum
import errno
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TextIO

import typer
from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError

from upfaq import __version__, render
from upfaq.kb import KBError, KnowledgeBase, load_bundled
from upfaq.render import Mode
from upfaq.search import DEFAULT_THRESHOLD, Index, Result, suggest_ids
from upfaq.status import ExitStatus
from upfaq.text import clean_input

if TYPE_CHECKING:
    from rich.console import Console, RenderableType

COMPLETE_VAR = "_UPFAQ_COMPLETE"

RELATED = 3
"""How many further confident matches an answer lists as related."""


class Shell(enum.StrEnum):
    """Shells that `upfaq completion` writes a script for."""

    BASH = "bash"
    ZSH = "zsh"
    FISH = "fish"
    POWERSHELL = "powershell"


EPILOG = """\b
Exit status: 0 answered or found; 1 no confident answer, unknown id or topic (for
'ask -': at least one query unanswered); 2 usage error or unusable input; 70 internal
error (UPFAQ_DEBUG=1 shows the traceback); 74 output could not be written; 130
interrupted."""


class CliError(Exception):
    """A failure to report as one line on stderr, with the exit status to end with."""

    def __init__(self, message: str, status: ExitStatus = ExitStatus.USAGE) -> None:
        super().__init__(message)
        self.status = status


app = typer.Typer(
    name="upfaq",
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)


# -- output ------------------------------------------------------------------------------------


class Output:
    """Where and how a command writes: the mode is decided once, by render.choose_mode."""

    def __init__(self, mode: Mode, stdout: TextIO | None = None, stderr: TextIO | None = None) -> None:
        self.mode = mode
        self.stdout = stdout or sys.stdout
        self.stderr = stderr or sys.stderr

    @classmethod
    def for_flags(cls, *, json_flag: bool, plain_flag: bool) -> Output:
        """The output for this process's stdout, given the command's --json and --plain flags."""
        mode = render.choose_mode(
            json_flag=json_flag, plain_flag=plain_flag, isatty=_isatty(sys.stdout), env=os.environ
        )
        return cls(mode)

    def text(self, text: str, *, err: bool = False) -> None:
        """Write plain text and a newline."""
        (self.stderr if err else self.stdout).write(text + "\n")

    def json(self, value: object, *, lines: bool = False) -> None:
        """Write a JSON document (lines: one compact line, for JSON Lines)."""
        self.stdout.write(render.to_json(value, indent=None if lines else 2) + "\n")

    def rich(self, renderable: RenderableType, *, err: bool = False) -> None:
        """Draw a Rich renderable on the terminal."""
        self._console(err).print(renderable)

    def _console(self, err: bool) -> Console:
        from rich.console import Console

        return Console(file=self.stderr if err else self.stdout, highlight=False, markup=False, emoji=False)


def _isatty(stream: TextIO | None) -> bool:
    try:
        return bool(stream and stream.isatty())
    except ValueError:  # a closed stream
        return False


# -- loading -----------------------------------------------------------------------------------


def _load() -> tuple[KnowledgeBase, Index]:
    try:
        kb = load_bundled()
    except KBError as error:
        raise CliError(str(error)) from None
    return kb, Index(kb)


def _complete_ids(incomplete: str) -> list[str]:
    return [e.id for e in load_bundled().entries if e.id.startswith(incomplete)]


def _complete_topics(incomplete: str) -> list[str]:
    return [t for t in load_bundled().topics if t.casefold().startswith(incomplete.casefold())]


# -- options shared by commands ----------------------------------------------------------------

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON (stable keys; see the README).")]
PlainFlag = Annotated[bool, typer.Option("--plain", help="Plain text even on a terminal: no colour, no boxes.")]


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"upfaq {__version__}\n")
        raise typer.Exit()


@app.callback(epilog=EPILOG)
def _root(
    version: Annotated[
        bool, typer.Option("--version", "-V", is_eager=True, callback=_version, help="Print the version and exit.")
    ] = False,
) -> None:
    """Instant, trustworthy answers to Upwork freelancer policy questions, offline.

    \b
    Examples:
      upfaq ask "can I interview on skype"
      upfaq ask -n 3 feedback dispute --json
      upfaq list --topic feedback
      upfaq show interview-outside
    """


# -- ask ---------------------------------------------------------------------------------------


@app.command(epilog=EPILOG)
def ask(
    query: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="QUERY...", help="Your question in your own words, or '-' to read one query per line from stdin."
        ),
    ] = None,
    limit: Annotated[
        int, typer.Option("--limit", "-n", min=1, metavar="N", help="How many answers to show in full.")
    ] = 1,
    explain: Annotated[
        bool, typer.Option("--explain", help="Also show why: matched words, their weights, score breakdowns.")
    ] = False,
    json_flag: JsonFlag = False,
    plain_flag: PlainFlag = False,
) -> None:
    """Answer a question with the best matching entry.

    \b
    Examples:
      upfaq ask "can I interview on skype"
      upfaq ask how do I dispute feedback -n 2
      upfaq ask "share email with client" --json | jq -r '.results[0].answer'
      upfaq ask --explain "intervew on zoom"
      printf 'skype interview\\nfeedback dispute\\n' | upfaq ask - --json

    Shows the answer with its source and any warning (a community answer, sources that
    disagree). When nothing matches confidently it says so on stderr, suggests near misses
    and exits 1.
    """
    out = Output.for_flags(json_flag=json_flag, plain_flag=plain_flag)
    words = [clean_input(word) for word in query or []]
    if words == ["-"]:
        kb, index = _load()
        answered_all = True
        for line in _stdin_lines():
            result = index.search(line, limit=limit + RELATED)
            answered_all &= result.answered
            _show_result(out, result, kb, index, limit, batch=True, explain=explain)
        raise typer.Exit(ExitStatus.OK if answered_all else ExitStatus.NO_ANSWER)
    text = " ".join(words).strip()
    if not text:
        raise CliError("no question given: try upfaq ask \"can I interview on skype\", or '-' to read stdin")
    kb, index = _load()
    result = index.search(text, limit=limit + RELATED)
    _show_result(out, result, kb, index, limit, batch=False, explain=explain)
    raise typer.Exit(ExitStatus.OK if result.answered else ExitStatus.NO_ANSWER)


def _stdin_lines() -> Iterator[str]:
    stream = sys.stdin
    if stream is None or stream.closed:
        raise CliError("cannot read queries: stdin is closed")
    if hasattr(stream, "reconfigure"):
        stream.reconfigure(errors="replace")
    try:
        for raw in stream:
            line = clean_input(raw).strip()
            if line:
                yield line
    except OSError as error:
        raise CliError(f"cannot read queries from stdin: {error.strerror or error}") from None


def _show_result(
    out: Output, result: Result, kb: KnowledgeBase, index: Index, limit: int, *, batch: bool, explain: bool
) -> None:
    if out.mode is Mode.JSON:
        value = render.ask_object(result, kb)
        if explain:
            value["explain"] = render.explain_object(result, DEFAULT_THRESHOLD)
        out.json(value, lines=batch)
        return
    _show_answer(out, result, kb, index, limit, batch=batch)
    if explain:
        out.text("")
        out.text(render.plain_explain(result, DEFAULT_THRESHOLD))


def _show_answer(out: Output, result: Result, kb: KnowledgeBase, index: Index, limit: int, *, batch: bool) -> None:
    shown, related = result.matches[:limit], result.matches[limit:]
    if out.mode is Mode.PLAIN:
        if batch:
            out.text(f"> {clean_input(result.query)}")
        if not result.answered:
            out.text(render.plain_no_answer(result), err=not batch)
        for number, match in enumerate(shown):
            last = number == len(shown) - 1
            if number:
                out.text("---")
            out.text(render.plain_answer(match, kb, related=related if last else ()))
        if batch:
            out.text("")
        return
    if batch:
        from rich.rule import Rule

        out.rich(Rule(clean_input(result.query), align="left"))
    if not result.answered:
        out.rich(render.rich_no_answer(result), err=not batch)
    for number, match in enumerate(shown):
        last = number == len(shown) - 1
        renderable = render.rich_answer(match, kb, related=related if last else (), highlight=index.highlighter(match))
        out.rich(renderable)


# -- list, show --------------------------------------------------------------------------------


@app.command("list", epilog=EPILOG)
def list_entries(
    topic: Annotated[
        str | None,
        typer.Option("--topic", "-t", help="Only this topic (case-insensitive).", autocompletion=_complete_topics),
    ] = None,
    json_flag: JsonFlag = False,
    plain_flag: PlainFlag = False,
) -> None:
    """List every entry, grouped by topic.

    \b
    Examples:
      upfaq list
      upfaq list --topic feedback
      upfaq list --json | jq -r '.[].id'
    """
    out = Output.for_flags(json_flag=json_flag, plain_flag=plain_flag)
    kb, _ = _load()
    entries = list(kb.entries)
    if topic is not None:
        wanted = clean_input(topic).casefold()
        entries = [e for e in entries if e.topic.casefold() == wanted]
        if not entries:
            raise CliError(f"no topic '{clean_input(topic)}'; topics: {', '.join(kb.topics)}", ExitStatus.NO_ANSWER)
    if out.mode is Mode.JSON:
        out.json([render.entry_object(e, kb) for e in entries])
    elif out.mode is Mode.PLAIN:
        out.text(render.plain_list(entries))
    else:
        out.rich(render.rich_list(entries))


@app.command(epilog=EPILOG)
def show(
    entry_id: Annotated[
        str,
        typer.Argument(metavar="ID", help="The entry's id, as `upfaq list` shows it.", autocompletion=_complete_ids),
    ],
    json_flag: JsonFlag = False,
    plain_flag: PlainFlag = False,
) -> None:
    """Show one entry in full, with its provenance and search aids.

    \b
    Examples:
      upfaq show interview-outside
      upfaq show share-email --json
    """
    out = Output.for_flags(json_flag=json_flag, plain_flag=plain_flag)
    kb, _ = _load()
    wanted = clean_input(entry_id)
    entry = kb.get(wanted)
    if entry is None:
        raise CliError(render.plain_suggestions(wanted, suggest_ids(kb, wanted)), ExitStatus.NO_ANSWER)
    if out.mode is Mode.JSON:
        out.json(render.entry_object(entry, kb))
    elif out.mode is Mode.PLAIN:
        out.text(render.plain_entry(entry, kb))
    else:
        out.rich(render.rich_entry(entry, kb))


# -- completion --------------------------------------------------------------------------------


@app.command()
def completion(
    shell: Annotated[
        Shell | None,
        typer.Argument(metavar="[SHELL]", help="bash, zsh, fish or powershell (default: the one $SHELL names)."),
    ] = None,
) -> None:
    """Print the shell completion script; it completes ids and topics too.

    \b
    Examples:
      upfaq completion bash > ~/.local/share/bash-completion/completions/upfaq
      upfaq completion zsh > "${fpath[1]}/_upfaq"
      upfaq completion fish > ~/.config/fish/completions/upfaq.fish

    Writes to stdout only: no shell start-up file is edited.
    """
    from typer._completion_shared import get_completion_script

    chosen = shell.value if shell else Path(os.environ.get("SHELL", "")).name
    if chosen not in {s.value for s in Shell}:
        raise CliError("cannot tell the shell from $SHELL: name it, e.g. upfaq completion bash")
    sys.stdout.write(get_completion_script(prog_name="upfaq", complete_var=COMPLETE_VAR, shell=chosen) + "\n")


# -- entry point -------------------------------------------------------------------------------


def main(argv: list[str] | None = None, prog_name: str = "upfaq") -> int:  # noqa: PLR0911, PLR0912 - one exit per failure kind
    """Run upfaq with argv (default: sys.argv[1:]) and return the exit status. Never raises."""
    for stream in (sys.stdout, sys.stderr):
        if stream is not None and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    if os.environ.get(COMPLETE_VAR):
        # The shell is asking for completions; typer registers its shells only when asked to.
        from typer._completion_classes import completion_init

        completion_init()
    try:
        command = typer.main.get_command(app)
        status: Any = command.main(args=argv, prog_name=prog_name, standalone_mode=False)
        sys.stdout.flush()
        return int(status or 0)
    except CliError as error:
        return _fail(str(error), error.status)
    except NoArgsIsHelpError as error:
        sys.stdout.write(error.format_message() + "\n")
        return ExitStatus.OK
    except UsageError as error:
        hint = f" (see '{error.ctx.command_path} --help')" if error.ctx else ""
        return _fail(f"{error.format_message()}{hint}", ExitStatus.USAGE)
    except ClickException as error:
        return _fail(error.format_message(), ExitStatus.USAGE)
    except (KeyboardInterrupt, typer.Abort):
        return ExitStatus.INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`upfaq list | head -1`): stop quietly, and keep the interpreter
        # from complaining when it flushes stdout at exit.
        _silence_stdout()
        return ExitStatus.OK
    except OSError as error:
        if error.errno == errno.EPIPE:
            _silence_stdout()
            return ExitStatus.OK
        _silence_stdout()
        return _fail(f"cannot write output: {error.strerror or error}", ExitStatus.OUTPUT_ERROR)
    except Exception as error:
        if os.environ.get("UPFAQ_DEBUG"):
            raise
        return _fail(f"internal error: {type(error).__name__}: {error} (UPFAQ_DEBUG=1 shows more)", ExitStatus.INTERNAL)


def _fail(message: str, status: ExitStatus) -> int:
    try:
        sys.stderr.write(f"upfaq: error: {clean_input(message)}\n")
        sys.stderr.flush()
    except (OSError, ValueError, AttributeError):
        pass
    return status


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def run() -> None:
    """The console-script entry point."""
    sys.exit(main())
