"""Writers: one class per output mode, the only code that puts results on a stream.

`writer_for` asks `render.choose_mode` (the one place that decides terminal, plain or JSON) and
returns the writer for that mode; commands call the same methods whatever the mode. A new
format (Markdown, say) is one more Mode and one more class here, not an edit in every command.
`render` holds the wording and drawing that the writers share.

The process's streams and environment variables come in as an `Environment` (httpie's model), so
tests can stand in for a terminal, a pipe or a set of variables without touching `sys`.
"""

import contextlib
import io
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, TextIO

from upfaq import render
from upfaq.kb import Entry, KnowledgeBase, Loaded
from upfaq.render import Mode
from upfaq.search import DEFAULT_THRESHOLD, Index, Result
from upfaq.text import printable, strip_control

if TYPE_CHECKING:
    import subprocess

    from rich.console import Console, RenderableType

    from upfaq.lint import Report


class Environment:
    """What a run of upfaq reads and writes besides files: its standard streams and variables.

    (A plain class: a dataclass would cost a millisecond of start-up to build.)
    """

    __slots__ = ("env", "stderr", "stdin", "stdout")

    def __init__(self, stdout: TextIO, stderr: TextIO, stdin: TextIO | None, env: Mapping[str, str]) -> None:
        self.stdout, self.stderr, self.stdin, self.env = stdout, stderr, stdin, env

    @classmethod
    def current(cls) -> "Environment":
        """This process's streams and environment."""
        return cls(sys.stdout, sys.stderr, sys.stdin, os.environ)

    @property
    def stdout_isatty(self) -> bool:
        """Whether stdout is a terminal (a closed stream is not)."""
        return isatty(self.stdout)

    @property
    def stderr_isatty(self) -> bool:
        """Whether stderr is a terminal (a closed stream is not)."""
        return isatty(self.stderr)


def isatty(stream: TextIO | None) -> bool:
    """Whether stream is an open terminal."""
    try:
        return bool(stream and stream.isatty())
    except ValueError:  # a closed stream
        return False


class ReaderGone(Exception):
    """The reader of stdout went away (`upfaq list | head -1`): time to stop, quietly."""


def _reader_gone() -> None:
    raise ReaderGone


MIN_COLUMNS = 20
"""The narrowest a panel is drawn, whatever COLUMNS says."""
DEFAULT_COLUMNS = 80
"""The width when COLUMNS says 0 or less."""
MAX_COLUMNS = 100
"""The widest a panel or table is drawn, however wide the terminal."""
NARROW_COLUMNS = 60
"""Below this a listing is a list (id, then the question indented under it), not a table."""


def write(text: str, stream: TextIO) -> None:
    """Write text; a closed pipe becomes ReaderGone, which no framework mistakes for an error."""
    try:
        stream.write(text)
    except BrokenPipeError:
        raise ReaderGone from None


class Writer:
    """Writes one kind of output to an environment's stdout (and messages to its stderr)."""

    mode: ClassVar[Mode]
    repeatable: ClassVar[bool] = True
    """Whether the same call always writes the same text, so that `ask -` may replay it."""

    def __init__(self, environment: Environment, stdout: TextIO | None = None, stderr: TextIO | None = None) -> None:
        self.environment = environment
        self.stdout = environment.stdout if stdout is None else stdout
        self.stderr = environment.stderr if stderr is None else stderr

    @contextlib.contextmanager
    def paged(self, enabled: bool = True) -> Iterator[None]:
        """Send what is written inside through a pager, where a person reads it (a terminal)."""
        yield

    def to(self, stream: TextIO) -> "Writer":
        """The same writer, writing its output and its messages to stream."""
        return type(self)(self.environment, stream, stream)

    def write(self, text: str, *, err: bool = False) -> None:
        """Write text, with no control character but newlines and tabs, whatever its origin."""
        write(self.safe(text), self.stderr if err else self.stdout)

    @staticmethod
    def safe(text: str) -> str:
        """text with no control character but newlines and tabs."""
        return strip_control(text)

    def text(self, text: str, *, err: bool = False) -> None:
        """Write text and a newline."""
        self.write(text + "\n", err=err)

    # What commands write; every mode implements each.

    def answer(
        self,
        result: Result,
        kb: KnowledgeBase,
        index: Index,
        limit: int,
        *,
        batch: bool,
        explain: bool,
        full: bool = False,
    ) -> None:
        """The answers to one query (up to limit in full, the rest as related), or why there is none."""
        raise NotImplementedError

    def entries(self, entries: Sequence[Entry], kb: KnowledgeBase, *, show_files: bool) -> None:
        """A listing of entries, grouped by topic."""
        raise NotImplementedError

    def entry(self, entry: Entry, kb: KnowledgeBase) -> None:
        """One entry in full."""
        raise NotImplementedError

    def layers(self, loaded: Loaded) -> None:
        """The knowledge-base files in effect."""
        self.text(render.plain_layers(loaded))

    def findings(self, report: "Report") -> None:
        """What `validate` found, one line each."""
        for finding in report.findings:
            self.text(printable(str(finding)))


class PlainWriter(Writer):
    """Plain text: no colour, no boxes, one paragraph a line; for pipes, files and --plain."""

    mode = Mode.PLAIN

    def answer(
        self,
        result: Result,
        kb: KnowledgeBase,
        index: Index,
        limit: int,
        *,
        batch: bool,
        explain: bool,
        full: bool = False,
    ) -> None:
        shown, related = result.matches[:limit], result.matches[limit:]
        if batch:
            self.text(f"> {render.query_label(result.query)}")
        if not result.answered:
            self.text(render.plain_no_answer(result), err=not batch)
        for number, match in enumerate(shown):
            last = number == len(shown) - 1
            if number:
                self.text("---")
            self.text(
                render.plain_answer(
                    match, kb, related=related if last else (), notice=last, full=full, query=result.query
                )
            )
        if result.answered and len(shown) < limit:
            self.text("")
            self.text(render.fewer_answers(len(shown), limit))
        if explain:
            self.text("")
            self.text(render.plain_explain(result, DEFAULT_THRESHOLD))
        if batch:
            self.text("")

    def entries(self, entries: Sequence[Entry], kb: KnowledgeBase, *, show_files: bool) -> None:
        self.text(render.plain_list(entries, show_files=show_files))

    def entry(self, entry: Entry, kb: KnowledgeBase) -> None:
        self.text(render.plain_entry(entry, kb))


class RichWriter(Writer):
    """Panels, colour and highlighted words, for a person at a terminal."""

    mode = Mode.RICH
    repeatable = False  # drawn for the terminal's width at the time
    _capture: "tuple[int, str | None] | None" = None
    """While paging: the terminal's width and colours, to draw for them into a buffer."""

    @contextlib.contextmanager
    def paged(self, enabled: bool = True) -> Iterator[None]:
        command = pager_command(self.environment.env) if enabled and self.environment.stdout_isatty else None
        if command is None:
            yield
            return
        real = self._console(False)
        buffer, terminal = io.StringIO(), self.stdout
        self.stdout, self._capture = buffer, (real.width, real.color_system)
        try:
            yield
        finally:
            self.stdout, self._capture = terminal, None
        page(command, buffer.getvalue(), terminal, self.stderr)

    def answer(
        self,
        result: Result,
        kb: KnowledgeBase,
        index: Index,
        limit: int,
        *,
        batch: bool,
        explain: bool,
        full: bool = False,
    ) -> None:
        shown, related = result.matches[:limit], result.matches[limit:]
        if batch:
            from rich.rule import Rule

            self.rich(Rule(render.query_label(result.query), align="left"))
        if not result.answered:
            self.rich(render.rich_no_answer(result), err=not batch)
        for number, match in enumerate(shown):
            last = number == len(shown) - 1
            self.rich(
                render.rich_answer(
                    match,
                    kb,
                    related=related if last else (),
                    highlight=index.highlighter(match),
                    notice=last,
                    full=full,
                    query=result.query,
                )
            )
        if result.answered and len(shown) < limit:
            self.text(render.fewer_answers(len(shown), limit))
        if explain:
            self.text("")
            self.text(render.plain_explain(result, DEFAULT_THRESHOLD))

    def entries(self, entries: Sequence[Entry], kb: KnowledgeBase, *, show_files: bool) -> None:
        if self._console(False).width < NARROW_COLUMNS:
            self.rich(render.narrow_list(entries, show_files=show_files))
        else:
            self.rich(render.rich_list(entries, show_files=show_files))

    def entry(self, entry: Entry, kb: KnowledgeBase) -> None:
        self.rich(render.rich_entry(entry, kb))

    def rich(self, renderable: "RenderableType", *, err: bool = False) -> None:
        """Draw a Rich renderable. Lines are not cut at the terminal's width: everything else is
        wrapped to it, and a link, which must not be broken, runs on for the terminal to wrap."""
        try:
            self._console(err).print(renderable, crop=False)
        except BrokenPipeError:
            raise ReaderGone from None

    def _console(self, err: bool) -> "Console":
        from rich.console import Console

        stream = self.stderr if err else self.stdout
        # Rich reads the variables itself (NO_COLOR, FORCE_COLOR, COLUMNS...): give it ours.
        if self._capture is not None and not err:
            width, colours = self._capture
            console = Console(
                file=stream,
                highlight=False,
                markup=False,
                emoji=False,
                force_terminal=True,
                width=width,
                color_system=colours,  # type: ignore[arg-type]
            )
        else:
            console = Console(
                file=stream, highlight=False, markup=False, emoji=False, _environ=dict(self.environment.env)
            )
        if console.width < MIN_COLUMNS:  # COLUMNS=0 or nonsense: Rich would draw nothing at all
            console.width = DEFAULT_COLUMNS if console.width <= 0 else MIN_COLUMNS
        console.width = min(console.width, MAX_COLUMNS)  # lines past 100 columns are hard to read
        # Rich's own answer to a closed pipe is SystemExit(1); a reader that went away is no error.
        console.on_broken_pipe = _reader_gone  # type: ignore[method-assign]
        return console


class JsonWriter(Writer):
    """JSON with stable keys for scripts: one document, or one line per query for `ask -`."""

    mode = Mode.JSON

    def answer(
        self,
        result: Result,
        kb: KnowledgeBase,
        index: Index,
        limit: int,
        *,
        batch: bool,
        explain: bool,
        full: bool = False,
    ) -> None:
        value = render.ask_object(result, kb)
        if explain:
            value["explain"] = render.explain_object(result, DEFAULT_THRESHOLD)
        self.json(value, lines=batch)

    def entries(self, entries: Sequence[Entry], kb: KnowledgeBase, *, show_files: bool) -> None:
        self.json([render.entry_object(e, kb) for e in entries])

    def entry(self, entry: Entry, kb: KnowledgeBase) -> None:
        self.json(render.entry_object(entry, kb))

    def layers(self, loaded: Loaded) -> None:
        self.json(render.layers_object(loaded))

    def findings(self, report: "Report") -> None:
        self.json(render.report_object(report))

    @staticmethod
    def safe(text: str) -> str:
        """JSON as render.to_json writes it holds no raw control character already."""
        return text

    def json(self, value: Any, *, lines: bool = False) -> None:
        """Write a JSON document (lines: one compact line, for JSON Lines)."""
        self.write(render.to_json(value, indent=None if lines else 2) + "\n")


DEFAULT_PAGER = "less -FRX"
"""As git and gh: -F quits when the text fits on one screen, -R keeps colours, -X the screen."""


def pager_command(env: Mapping[str, str]) -> str | None:
    """The pager to use: UPFAQ_PAGER, else PAGER, else less -FRX; None when set empty, or "cat"."""
    for variable in ("UPFAQ_PAGER", "PAGER"):
        if variable in env:
            command = env[variable].strip()
            return command if command and command != "cat" else None
    return DEFAULT_PAGER


def page(command: str, text: str, stdout: TextIO, stderr: TextIO | None = None) -> None:
    """Show text through the pager command (run by the shell, as git does), or write it as it is
    when the pager cannot be started; a command that cannot be read (an unbalanced quote) is said
    once on stderr."""
    import shlex
    import shutil
    import subprocess

    try:
        words = shlex.split(command, posix=os.name != "nt")
    except ValueError as error:  # "No closing quotation"
        if stderr is not None:
            write(
                f"upfaq: warning: the pager setting '{printable(command)}' cannot be read ({error}): not paging\n",
                stderr,
            )
        write(text, stdout)
        return
    if not words or shutil.which(words[0]) is None:
        write(text, stdout)
        return
    stdout.flush()
    # A simple command replaces the shell ("exec"), so that the process upfaq waits for, and ends on
    # SIGTERM, is the pager itself; a pipeline or the like stays the shell's to run.
    simple = os.name != "nt" and not any(character in command for character in "|&;<>()$`\n")
    try:
        pager = subprocess.Popen(f"exec {command}" if simple else command, shell=True, stdin=subprocess.PIPE)
    except OSError:
        write(text, stdout)
        return
    with _while_paging(pager):
        try:
            assert pager.stdin is not None
            pager.stdin.write(text.encode("utf-8", "replace"))
            pager.stdin.close()
        except OSError:  # the reader quit before reading it all (BrokenPipeError), as with git
            pass
        pager.wait()


@contextlib.contextmanager
def _while_paging(pager: "subprocess.Popen[bytes]") -> Iterator[None]:
    """While the pager runs, as git does: Ctrl-C is the pager's (it reaches the whole foreground
    group; upfaq ignores it and waits), and a SIGTERM to upfaq ends the pager first, so that none is
    left running with the terminal's echo off. Handlers are restored afterwards."""
    import signal

    def stop(number: int, _frame: object) -> None:
        pager.terminate()
        with contextlib.suppress(Exception):
            pager.wait(timeout=5)
        signal.signal(number, signal.SIG_DFL)
        os.kill(os.getpid(), number)

    # A Python handler, not SIG_IGN: the pager, started before, keeps the default disposition.
    previous = {signal.SIGINT: signal.signal(signal.SIGINT, lambda *_: None)}
    if hasattr(signal, "SIGTERM"):
        previous[signal.SIGTERM] = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


WRITERS: dict[Mode, type[Writer]] = {Mode.RICH: RichWriter, Mode.PLAIN: PlainWriter, Mode.JSON: JsonWriter}


def writer_for(environment: Environment, *, json_flag: bool, plain_flag: bool) -> Writer:
    """The writer for a command's --json and --plain flags in this environment."""
    mode = render.choose_mode(
        json_flag=json_flag, plain_flag=plain_flag, isatty=environment.stdout_isatty, env=environment.env
    )
    return WRITERS[mode](environment)
