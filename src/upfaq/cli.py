"""The `upfaq` command's entry point: argv in, an exit status out, every failure turned into one line.

A plain question (`upfaq WORDS...` or `upfaq ask WORDS...`, with --json or another of FLAGS at
most) is answered here without loading Typer: the framework's import is most of upfaq's start-up,
and a question is what upfaq is run for. Everything else goes to the Typer app in `commands`.
Both paths answer through `ask_once`, so they print the same; tests/test_cli.py runs both on the
same arguments.

One table (FAILURES) turns every error, the library's or the framework's, into an exit status.
"""

import errno
import io
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from upfaq import render
from upfaq.kb import KBError, Loaded
from upfaq.output import Environment, ReaderGone, writer_for
from upfaq.search import Index
from upfaq.session import Session, UnknownEntry, UnknownTopic, typo_limit
from upfaq.status import ExitStatus
from upfaq.store import CacheChanged
from upfaq.text import STOP_WORDS, clean_input, printable

COMPLETE_VAR = "_UPFAQ_COMPLETE"
COMMANDS = ("ask", "list", "show", "open", "kb", "validate", "init", "completion")
"""The commands of the Typer app (commands.app), known without loading it: a first word that names
none starts a question. tests/test_cli.py checks that the two agree."""
WORDS_FOR_OPTIONS = ("help", "version")
"""First words that stand for --help and --version (see commands.question_first)."""


class CliError(Exception):
    """A failure the user can fix: its message, and the exit status to leave with."""

    def __init__(self, message: str, status: ExitStatus = ExitStatus.USAGE) -> None:
        super().__init__(message)
        self.status = status


# -- a question --------------------------------------------------------------------------------


def open_session(session: Session, environment: Environment) -> tuple[Loaded, Index]:
    """The session's knowledge bases, opened: a progress notice on a terminal while a large one is
    indexed (the session's on_slow), and each warning about them on stderr."""
    stderr = environment.stderr
    shown = False

    def tell(message: str) -> None:  # on a terminal only: scripts and logs get no progress chatter
        nonlocal shown
        if environment.stderr_isatty:
            stderr.write(f"upfaq: {printable(message)}")
            stderr.flush()
            shown = True

    session.on_slow = tell
    try:
        loaded, index = session.open()
    finally:
        if shown:
            stderr.write("\r\x1b[2K")  # the notice is gone once the answer is ready
    for warning in loaded.warnings:
        stderr.write(f"upfaq: warning: {printable(warning)}\n")
    return loaded, index


class Asked:
    """How a question was asked: the options of `upfaq ask` that shape one answer."""

    __slots__ = ("explain", "full", "json", "limit", "no_pager", "plain")

    def __init__(
        self,
        *,
        limit: int = 1,
        explain: bool = False,
        full: bool = False,
        json: bool = False,
        plain: bool = False,
        no_pager: bool = False,
    ) -> None:
        self.limit, self.explain, self.full = limit, explain, full
        self.json, self.plain, self.no_pager = json, plain, no_pager


def ask_once(
    session: Session, environment: Environment, words: Sequence[str], asked: Asked, commands: Iterable[str] = ()
) -> ExitStatus:
    """Answer one question (its words as typed) and print it; OK when answered, NO_ANSWER when not.

    commands: the command names a first word may be a typo of, when it was taken for a question
    unasked (`upfaq lsit`); empty when the question was asked as one.
    """
    out = writer_for(environment, json_flag=asked.json, plain_flag=asked.plain)
    words = [clean_input(word) for word in words]
    text = " ".join(words).strip()
    if not text:
        raise CliError("no question given: try upfaq ask \"can I interview on skype\", or '-' to read stdin")
    loaded, index = open_session(session, environment)
    mistyped = mistyped_command(words[0], commands, index)
    if mistyped:
        raise CliError(f"no command '{words[0]}'. Did you mean '{mistyped}'? (a question: upfaq ask ...)")
    result = session.search(text, asked.limit)
    with out.paged(asked.explain and not asked.no_pager):  # an explanation runs long
        out.answer(
            result, loaded.kb, index, asked.limit, batch=False, explain=asked.explain, full=asked.full or asked.explain
        )
    return ExitStatus.OK if result.answered else ExitStatus.NO_ANSWER


def mistyped_command(word: str, commands: Iterable[str], index: Index) -> str | None:
    """The command a question's first word stands for when it is one or two edits from one (`lsit`,
    `shwo`, `valdiate`) and no word the knowledge base uses ("lost", "shop"); else None."""
    commands = tuple(commands)
    if not commands or not word.isalpha() or word.lower() in STOP_WORDS or index.knows(word):
        return None
    from rapidfuzz.distance import OSA

    limit = typo_limit(word)
    distance, command = min((OSA.distance(word.lower(), name), name) for name in commands)
    return command if 0 < distance <= limit and len(command) > limit else None


FLAGS = {"--json": "json", "--plain": "plain", "--full": "full", "--explain": "explain", "--no-pager": "no_pager"}
"""The options of `upfaq ask` that a plain question may carry (flags, each an Asked field); with any
other option the Typer app parses the arguments."""


def plain_question(args: Sequence[str]) -> tuple[list[str], Asked, bool] | None:
    """A question asked with words and FLAGS only: its words, how it was asked, and whether it was
    asked unasked (`upfaq WORDS`, not `upfaq ask WORDS`); None for anything else, which the Typer
    app parses (other options, '-', '--', a command, `help`, `version`)."""
    words = [arg for arg in args if arg not in FLAGS]
    if not words or any(word.startswith("-") for word in words):
        return None
    asked = Asked(**dict.fromkeys((FLAGS[arg] for arg in args if arg in FLAGS), True))
    first = words[0]
    if first == "ask" and args[0] == "ask":
        return (words[1:], asked, False) if len(words) > 1 else None
    if args[0] != first or first in COMMANDS or first in WORDS_FOR_OPTIONS:
        return None
    return words, asked, True


# -- entry point -------------------------------------------------------------------------------


def main(argv: list[str] | None = None, prog_name: str = "upfaq", environment: Environment | None = None) -> int:
    """Run upfaq with argv (default: sys.argv[1:]) and return the exit status. Never raises.

    environment: the streams and variables to use (default: this process's own).
    """
    if environment is None:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None and hasattr(stream, "reconfigure"):
                stream.reconfigure(errors="replace")
        if sys.stdout is None:  # started with stdout closed (`upfaq list >&-`)
            return _fail("cannot write output: stdout is closed", ExitStatus.OUTPUT_ERROR, sys.stderr)
        environment = Environment.current()
    env = environment.env
    if env.get("UPFAQ_DEBUG"):
        import logging

        logging.basicConfig(level=logging.DEBUG, format="upfaq: debug: %(message)s", stream=environment.stderr)
    try:
        args = sys.argv[1:] if argv is None else argv
        question = None if env.get(COMPLETE_VAR) else plain_question(args)
        if question is None:
            from upfaq.commands import dispatch

            status = dispatch(args, prog_name, environment)
        else:
            words, asked, implied = question
            status = ask_once(Session(env=env), environment, words, asked, COMMANDS if implied else ())
        environment.stdout.flush()
        return int(status)
    except Exception as error:  # noqa: BLE001 - every failure becomes an exit status, in one place
        return exit_status(error, environment)
    except KeyboardInterrupt:
        return ExitStatus.INTERRUPTED


# -- failures ----------------------------------------------------------------------------------

Handler = Callable[[Any, Environment], int]


def _said(status: ExitStatus, message: Callable[[Any], str]) -> Handler:
    """A handler that reports message(error) on stderr and exits with status."""
    return lambda error, environment: _fail(message(error), status, environment.stderr)


def _reader_gone(_error: Any, environment: Environment) -> int:
    """The reader went away (`upfaq list | head -1`): stop quietly, and keep the interpreter from
    complaining when it flushes stdout at exit."""
    _silence(environment.stdout)
    return ExitStatus.OK


def _output_failed(error: OSError, environment: Environment) -> int:
    _silence(environment.stdout)
    if closed_pipe(error):
        return ExitStatus.OK
    return _fail(f"cannot write output: {error.strerror or error}", ExitStatus.OUTPUT_ERROR, environment.stderr)


def _internal(error: Exception, environment: Environment) -> int:
    if environment.env.get("UPFAQ_DEBUG"):
        raise error
    message = f"internal error: {type(error).__name__}: {error} (UPFAQ_DEBUG=1 shows more)"
    return _fail(message, ExitStatus.INTERNAL, environment.stderr)


FAILURES: tuple[tuple[type[Exception] | tuple[type[Exception], ...], Handler], ...] = (
    (CliError, lambda error, environment: _fail(str(error), error.status, environment.stderr)),
    (KBError, _said(ExitStatus.USAGE, str)),
    (UnknownEntry, _said(ExitStatus.NO_ANSWER, lambda error: render.plain_suggestions(error.wanted, error.close))),
    (UnknownTopic, _said(ExitStatus.NO_ANSWER, lambda e: f"no topic '{e.wanted}'; topics: {', '.join(e.topics)}")),
    (
        CacheChanged,
        _said(
            ExitStatus.USAGE,
            lambda _: "the cache file was cut short by another program while in use; run again to rebuild it",
        ),
    ),
    ((BrokenPipeError, ReaderGone), _reader_gone),
    (OSError, _output_failed),
    (Exception, _internal),
)
"""Each kind of failure, first match wins, and what it becomes: a message on stderr (upfaq: error:
...) and an exit status (status.ExitStatus; the README lists them). The Typer app turns the
framework's own (a usage error, an abort) into CliError and KeyboardInterrupt first."""


def exit_status(error: Exception, environment: Environment) -> int:
    """What error becomes: its message on stderr, and the exit status (FAILURES)."""
    for kinds, handle in FAILURES:
        if isinstance(error, kinds):
            return handle(error, environment)
    raise error  # pragma: no cover - Exception is the last kind


def closed_pipe(error: OSError, system: str = os.name) -> bool:
    """Whether a write failed because the reader went away: EPIPE, or EINVAL on Windows."""
    return error.errno == errno.EPIPE or (system == "nt" and error.errno == errno.EINVAL)


def _fail(message: str, status: ExitStatus, stderr: Any) -> int:
    try:
        stderr.write(f"upfaq: error: {printable(message)}\n")
        stderr.flush()
    except (OSError, ValueError, AttributeError):
        pass
    return status


def _silence(stdout: Any) -> None:
    """Point stdout's file descriptor at /dev/null, so nothing more is written to a gone reader."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stdout.fileno())
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        pass


def run() -> None:
    """The console-script entry point."""
    sys.exit(main())
