"""The `upfaq` command: parse, choose the output mode, call the library, print, exit.

Everything that decides an answer lives in kb, search and render; this module only wires them
to argv, the environment and the standard streams.
"""

import enum
import errno
import io
import os
import sys
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Annotated, Any, TextIO

import typer

from upfaq import __version__, kb, render
from upfaq._typer import ClickException, NoArgsIsHelpError, UsageError, completion_init, completion_script
from upfaq.kb import Entry, KnowledgeBase
from upfaq.output import Environment, ReaderGone, write, writer_for
from upfaq.search import Index, suggest_ids
from upfaq.status import ExitStatus
from upfaq.text import STOP_WORDS, clean_input, printable

COMPLETE_VAR = "_UPFAQ_COMPLETE"

BATCH_MEMORY = 10_000
"""How many distinct queries `ask -` remembers the output of: the most recently asked."""
BATCH_MEMORY_CHARS = 32 << 20
"""And how much of their output, in characters: a knowledge base of 10 MB answers stays bounded."""
MAX_LINE_CHARS = 64 << 10
"""The most of one line of `ask -` that is read; the rest of it is skipped (a query is cut at
search.MAX_QUERY_CHARS anyway), so an endless line (`< /dev/zero`) costs no memory."""

COMMAND_TYPO_LONG = 5
"""A first word of up to this many letters may be one edit from a command to be taken for it; a
longer one two (`valdiate`, `completoin`)."""


class Shell(enum.StrEnum):
    """Shells that `upfaq completion` writes a script for."""

    BASH = "bash"
    ZSH = "zsh"
    FISH = "fish"
    POWERSHELL = "powershell"


EPILOG = """\b
Exit status: 0 answered or found; 1 no confident answer, unknown id or topic, errors
found by validate (for 'ask -': at least one query unanswered); 2 usage error or unusable
input; 70 internal error (UPFAQ_DEBUG=1 shows the traceback); 74 output could not be
written; 130 interrupted."""


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


def _environment(ctx: typer.Context | None = None) -> Environment:
    """The environment main() was given (this process's own when the app is run another way)."""
    root = (ctx.find_root().obj if ctx is not None else None) or {}
    environment = root.get("environment")
    return environment if isinstance(environment, Environment) else Environment.current()


# -- loading -----------------------------------------------------------------------------------

KbOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--kb",
        metavar="PATH",
        help="A knowledge-base file, or a directory of *.toml, layered over the others (repeatable; later wins).",
        show_default=False,
    ),
]
NoBundled = Annotated[bool, typer.Option("--no-bundled", help="Leave out the bundled Upwork knowledge base.")]


def _load(ctx: typer.Context, kb_paths: list[Path] | None, no_bundled: bool) -> "tuple[kb.Loaded, Index]":
    """Every knowledge base in effect for this command, indexed: --kb before and after it,
    UPFAQ_KB, the user data directory, the bundled one; through the cache when it is fresh."""
    from upfaq.store import open_knowledge

    root = ctx.find_root().obj or {}
    environment = _environment(ctx)
    stderr = environment.stderr
    paths = [*root.get("kb", ()), *(kb_paths or ())]
    chain = kb.sources(paths, environment.env, bundled=not (no_bundled or root.get("no_bundled")))
    shown = False

    def tell(message: str) -> None:  # on a terminal only: scripts and logs get no progress chatter
        nonlocal shown
        if environment.stderr_isatty:
            stderr.write(f"upfaq: {printable(message)}")
            stderr.flush()
            shown = True

    try:
        loaded, index = open_knowledge(chain, env=environment.env, on_slow=tell)
    except kb.KBError as error:
        raise CliError(str(error)) from None
    finally:
        if shown:
            stderr.write("\r\x1b[2K")  # the notice is gone once the answer is ready
    for warning in loaded.warnings:
        stderr.write(f"upfaq: warning: {printable(warning)}\n")
    if not loaded.kb.entries:
        raise CliError("no knowledge base in effect: drop --no-bundled, or name one with --kb PATH")
    return loaded, index


def _for_completion(ctx: typer.Context) -> KnowledgeBase:
    """The knowledge bases the command being completed would use: its --kb and --no-bundled,
    before or after the command name, over the implicit ones; quietly, whatever fails."""
    root = ctx.find_root().params
    paths = [*(root.get("kb_paths") or ()), *(ctx.params.get("kb_paths") or ())]
    bundled = not (root.get("no_bundled") or ctx.params.get("no_bundled"))
    try:
        chain = kb.sources([Path(p) for p in paths], os.environ, bundled=bundled)
        return kb.load([source for source in chain if source.path is None or _readable(source)]).kb
    except (kb.KBError, OSError):
        return KnowledgeBase(())


def _readable(source: kb.Source) -> bool:
    try:
        kb.files_of(source)
    except kb.KBError:
        return False
    return True


def _complete_ids(ctx: typer.Context, incomplete: str) -> list[str]:
    return [e.id for e in _for_completion(ctx).entries if e.id.startswith(incomplete)]


def _complete_topics(ctx: typer.Context, incomplete: str) -> list[str]:
    # --topic ignores case, but shells keep only candidates that start with what was typed:
    # so complete "fe" to "feedback" and "Fe" to "Feedback".
    return [
        incomplete + topic[len(incomplete) :]
        for topic in _for_completion(ctx).topics
        if topic.casefold().startswith(incomplete.casefold())
    ]


# -- options shared by commands ----------------------------------------------------------------

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON (stable keys; see docs/output.md).")]
PlainFlag = Annotated[bool, typer.Option("--plain", help="Plain text even on a terminal: no colour, no boxes.")]
IdArgument = Annotated[
    str, typer.Argument(metavar="ID", help="The entry's id, as `upfaq list` shows it.", autocompletion=_complete_ids)
]
NoPager = Annotated[
    bool, typer.Option("--no-pager", help="Print long output straight to the terminal ($UPFAQ_PAGER or $PAGER).")
]


def _version(ctx: typer.Context, value: bool) -> None:
    if value:
        write(f"upfaq {__version__}\n", _environment(ctx).stdout)
        raise typer.Exit()


@app.callback(epilog=EPILOG)
def _root(
    ctx: typer.Context,
    kb_paths: KbOption = None,
    no_bundled: NoBundled = False,
    version: Annotated[
        bool, typer.Option("--version", "-V", is_eager=True, callback=_version, help="Print the version and exit.")
    ] = False,
) -> None:
    """Upwork freelancer policies, offline: answers with their sources, as curated on 2026-12-02.

    \b
    Examples:
      upfaq "can I interview on skype"      (the same as: upfaq ask ...)
      upfaq ask -n 3 feedback dispute --json
      upfaq list --topic feedback
      upfaq --kb team.toml ask vpn
      upfaq show interview-outside

    A first word that names no command starts a question; a question that starts with a
    command's name is asked with 'upfaq ask'.

    Knowledge bases, later ones overriding earlier ones by id: the bundled Upwork FAQ (unless
    --no-bundled), *.toml in the user data directory, UPFAQ_KB (paths separated by ':', or ';' on Windows), --kb.
    """
    ctx.obj = {**(ctx.obj or {}), "kb": kb_paths or [], "no_bundled": no_bundled}


# -- ask ---------------------------------------------------------------------------------------


@app.command(epilog=EPILOG)
def ask(
    ctx: typer.Context,
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
    full: Annotated[
        bool,
        typer.Option("--full", help="Show every part: the curator's note, the full history, id, topic and score."),
    ] = False,
    json_flag: JsonFlag = False,
    plain_flag: PlainFlag = False,
    no_pager: NoPager = False,
    kb_paths: KbOption = None,
    no_bundled: NoBundled = False,
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
    environment = _environment(ctx)
    out = writer_for(environment, json_flag=json_flag, plain_flag=plain_flag)
    words = [clean_input(word) for word in query or []]
    if words == ["-"]:
        loaded, index = _load(ctx, kb_paths, no_bundled)
        merged = loaded.kb
        answered_all = True
        # Scripts repeat themselves: the text for a query seen recently is written again as it was.
        written: OrderedDict[str, tuple[str, bool]] = OrderedDict()
        size = 0
        for line in _stdin_lines(environment):
            if not out.repeatable:
                result = index.search(line, limit=limit + render.RELATED)
                answered_all &= result.answered
                out.answer(result, merged, index, limit, batch=True, explain=explain, full=full or explain)
                continue
            done = written.get(line)
            if done is None:
                buffer = io.StringIO()
                result = index.search(line, limit=limit + render.RELATED)
                out.to(buffer).answer(result, merged, index, limit, batch=True, explain=explain, full=full or explain)
                done = written[line] = (buffer.getvalue(), result.answered)
                size += len(line) + len(done[0])
                while written and (len(written) > BATCH_MEMORY or size > BATCH_MEMORY_CHARS):
                    old, (text, _) = written.popitem(last=False)  # the least recently asked
                    size -= len(old) + len(text)
            else:
                written.move_to_end(line)
            out.write(done[0])
            answered_all &= done[1]
        raise typer.Exit(ExitStatus.OK if answered_all else ExitStatus.NO_ANSWER)
    text = " ".join(words).strip()
    if not text:
        raise CliError("no question given: try upfaq ask \"can I interview on skype\", or '-' to read stdin")
    loaded, index = _load(ctx, kb_paths, no_bundled)
    mistyped = _mistyped_command(words[0], (ctx.find_root().obj or {}).get("commands", ()), index)
    if mistyped:
        raise CliError(f"no command '{words[0]}'. Did you mean '{mistyped}'? (a question: upfaq ask ...)")
    result = index.search(text, limit=limit + render.RELATED)
    with out.paged(explain and not no_pager):  # an explanation runs long
        out.answer(result, loaded.kb, index, limit, batch=False, explain=explain, full=full or explain)
    raise typer.Exit(ExitStatus.OK if result.answered else ExitStatus.NO_ANSWER)


def _stdin_lines(environment: Environment) -> Iterator[str]:
    stream = environment.stdin
    if stream is None or stream.closed:
        raise CliError("cannot read queries: stdin is closed")
    if hasattr(stream, "reconfigure"):
        stream.reconfigure(errors="replace")
    try:
        while raw := stream.readline(MAX_LINE_CHARS):
            if len(raw) == MAX_LINE_CHARS and not raw.endswith("\n"):
                # An overlong line: the query is its start; read past the rest, a piece at a time.
                while (rest := stream.readline(MAX_LINE_CHARS)) and not rest.endswith("\n"):
                    pass
            line = clean_input(raw).strip()
            if line:
                yield line
    except OSError as error:
        raise CliError(f"cannot read queries from stdin: {error.strerror or error}") from None


# -- list, show, open --------------------------------------------------------------------------


def _entry(merged: KnowledgeBase, entry_id: str, stderr: TextIO | None = None) -> Entry:
    """The entry with this id, or the one id within a typo of it (said on stderr); else an error naming
    the closest ids (exit 1)."""
    wanted = clean_input(entry_id)
    entry = merged.get(wanted)
    if entry is None:
        close = suggest_ids(merged, wanted)
        meant = _within_a_typo(wanted, close)
        entry = merged.get(meant) if meant else None
        if entry is None:
            raise CliError(render.plain_suggestions(wanted, close), ExitStatus.NO_ANSWER)
        if stderr is not None:
            said = f"no entry with id '{printable(wanted)}'; did you mean '{printable(entry.id)}'? Showing it."
            stderr.write(f"upfaq: {said}\n")
    return entry


SHELL_CHARACTERS = "`$();|<>'\"\\&!*{}[]~"
"""Characters a shell gives a meaning to: percent-encoded in a link handed to a browser, since a
BROWSER setting may pass it through a shell (common on WSL)."""


def shell_safe(url: str) -> str:
    """url with every character a shell reads as syntax percent-encoded (`$` as %24, `(` as %28...)."""
    return "".join(f"%{ord(c):02X}" if c in SHELL_CHARACTERS else c for c in url)


def _typo_limit(word: str) -> int:
    """How many edits a typed word may be from a name to stand for it: one, two from six letters on."""
    return 1 if len(word) <= COMMAND_TYPO_LONG else 2


def _within_a_typo(word: str, names: Iterable[str]) -> str | None:
    """The one name one edit from word (two from six letters on), ignoring case; None when there is
    none, or more than one: a guess between two is no answer."""
    from rapidfuzz.distance import OSA

    limit = _typo_limit(word)
    near = {name for name in names if OSA.distance(word.casefold(), name.casefold()) <= limit}
    return near.pop() if len(near) == 1 else None


@app.command("list", epilog=EPILOG)
def list_entries(
    ctx: typer.Context,
    topic: Annotated[
        str | None,
        typer.Option("--topic", "-t", help="Only this topic (case-insensitive).", autocompletion=_complete_topics),
    ] = None,
    json_flag: JsonFlag = False,
    plain_flag: PlainFlag = False,
    no_pager: NoPager = False,
    kb_paths: KbOption = None,
    no_bundled: NoBundled = False,
) -> None:
    """List every entry, grouped by topic.

    \b
    Examples:
      upfaq list
      upfaq list --topic feedback
      upfaq list --json | jq -r '.[].id'
    """
    out = writer_for(_environment(ctx), json_flag=json_flag, plain_flag=plain_flag)
    loaded, _ = _load(ctx, kb_paths, no_bundled)
    merged = loaded.kb
    entries = list(merged.entries)
    if topic is not None:
        wanted = clean_input(topic).casefold()
        chosen = [e for e in entries if e.topic.casefold() == wanted]
        if not chosen:
            meant = _within_a_typo(wanted, merged.topics)
            if meant is None:
                topics = ", ".join(merged.topics)
                raise CliError(f"no topic '{clean_input(topic)}'; topics: {topics}", ExitStatus.NO_ANSWER)
            _environment(ctx).stderr.write(
                f"upfaq: no topic '{printable(clean_input(topic))}'; did you mean '{printable(meant)}'? Listing it.\n"
            )
            chosen = [e for e in entries if e.topic == meant]
        entries = chosen
    with out.paged(not no_pager):
        out.entries(entries, merged, show_files=len(loaded.layers) > 1)


@app.command(epilog=EPILOG)
def show(
    ctx: typer.Context,
    entry_id: IdArgument,
    json_flag: JsonFlag = False,
    plain_flag: PlainFlag = False,
    no_pager: NoPager = False,
    kb_paths: KbOption = None,
    no_bundled: NoBundled = False,
) -> None:
    """Show one entry in full, with its provenance and search aids.

    \b
    Examples:
      upfaq show interview-outside
      upfaq show share-email --json
    """
    out = writer_for(_environment(ctx), json_flag=json_flag, plain_flag=plain_flag)
    merged = _load(ctx, kb_paths, no_bundled)[0].kb
    entry = _entry(merged, entry_id, _environment(ctx).stderr)
    with out.paged(not no_pager):
        out.entry(entry, merged)


@app.command("open", epilog=EPILOG)
def open_source(
    ctx: typer.Context,
    entry_id: IdArgument,
    kb_paths: KbOption = None,
    no_bundled: NoBundled = False,
) -> None:
    """Open the page an entry's answer comes from, in the browser.

    \b
    Examples:
      upfaq open interview-outside
      upfaq open service-fee | xclip    # piped: the link is printed, not opened

    On a terminal with a browser it opens the entry's link; piped, or with no browser to open
    it, it prints the link. Exit status 1 for an unknown id or an entry with no link.
    """
    environment = _environment(ctx)
    merged = _load(ctx, kb_paths, no_bundled)[0].kb
    entry = _entry(merged, entry_id, _environment(ctx).stderr)
    if not entry.url:
        raise CliError(
            f"entry '{entry.id}' names no source link (its source: {entry.source or 'none'})", ExitStatus.NO_ANSWER
        )
    problem = kb.link_problem(entry.url)  # checked when loaded too; a cache of an older upfaq was not
    if problem:
        raise CliError(f"entry '{entry.id}': its link {problem}; not opening it")
    shown = printable(entry.url)  # the link is data: no control or bidi character reaches the terminal
    if environment.stdout_isatty:
        try:
            import webbrowser

            opened = webbrowser.open(shell_safe(entry.url))
        except ValueError as error:  # a BROWSER setting with an unbalanced quote
            environment.stderr.write(f"upfaq: warning: the BROWSER setting cannot be read ({error}): not opening\n")
            opened = False
        if opened:
            write(f"Opened {shown}\n", environment.stdout)
            return
    write(shown + "\n", environment.stdout)


# -- knowledge bases: kb, validate, init -------------------------------------------------------


@app.command("kb", epilog=EPILOG)
def kb_files(
    ctx: typer.Context,
    json_flag: JsonFlag = False,
    plain_flag: PlainFlag = False,
    kb_paths: KbOption = None,
    no_bundled: NoBundled = False,
) -> None:
    """List the knowledge-base files in effect, with entry counts.

    \b
    Examples:
      upfaq kb
      upfaq --kb team.toml kb --json
      UPFAQ_KB=~/faq:~/team.toml upfaq kb

    Highest precedence first: an entry in a file higher in the list replaces an entry with the
    same id lower down.
    """
    out = writer_for(_environment(ctx), json_flag=json_flag, plain_flag=plain_flag)
    out.layers(_load(ctx, kb_paths, no_bundled)[0])


@app.command(epilog=EPILOG)
def validate(
    ctx: typer.Context,
    paths: Annotated[
        list[Path] | None,
        typer.Argument(metavar="[PATH]...", help="Files or directories to check (default: every file in effect)."),
    ] = None,
    json_flag: JsonFlag = False,
    kb_paths: KbOption = None,
    no_bundled: NoBundled = False,
) -> None:
    """Check knowledge-base files for errors and warnings.

    \b
    Examples:
      upfaq validate team.toml
      upfaq validate                       # everything in effect, bundled included
      upfaq validate ~/faq --json | jq '.findings[] | select(.level == "error")'

    One 'file:line: level: message' line per problem. Errors: bad TOML, missing or mistyped
    fields, duplicate ids, conflicts or related ids that no knowledge base defines. Warnings:
    empty or very short answers, near-duplicate questions, an alias that is another entry's
    question or alias, control characters.
    Exit status: 0 no errors (warnings allowed), 1 errors found, 2 a path could not be read.
    """
    from upfaq import lint

    environment = _environment(ctx)
    out = writer_for(environment, json_flag=json_flag, plain_flag=True)
    root = ctx.find_root().obj or {}
    bundled = not (no_bundled or root.get("no_bundled"))
    chain = kb.sources([*root.get("kb", ()), *(kb_paths or ())], environment.env, bundled=bundled)
    report = lint.validate_sources(chain, paths or ())
    out.findings(report)
    warnings = len(report.findings) - report.errors
    out.text(f"upfaq: {report.files} file(s) checked: {report.errors} error(s), {warnings} warning(s)", err=True)
    if report.unusable:
        raise typer.Exit(ExitStatus.USAGE)
    raise typer.Exit(ExitStatus.NO_ANSWER if report.errors else ExitStatus.OK)


@app.command(epilog=EPILOG)
def init(
    ctx: typer.Context,
    path: Annotated[
        Path | None,
        typer.Argument(help="Where to write it: a file, or a directory to put faq.toml in (default: user data dir)."),
    ] = None,
) -> None:
    """Write an example knowledge base to start from.

    \b
    Examples:
      upfaq init                      # into the user data directory: in effect at once
      upfaq init team.toml            # anywhere; then: upfaq --kb team.toml ask ...

    Two commented entries, a synonym and every optional field. Never overwrites a file.
    """
    target = path if path is not None else kb.user_data_dir(_environment(ctx).env)
    if target is None:
        raise CliError("no home directory to find the user data directory in: name a path, e.g. upfaq init team.toml")
    if target.is_dir() or path is None:
        target = target / "faq.toml"
    if path is not None and not target.parent.is_dir():  # as touch: a path into nowhere is an error
        raise CliError(f"cannot write {target}: no such directory {target.parent}")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)  # only the user data directory is made
        with target.open("xb") as handle:
            handle.write(kb.EXAMPLE_PATH.read_bytes())
    except FileExistsError:
        raise CliError(f"{target} already exists; not overwriting it (name another path)") from None
    except OSError as error:
        raise CliError(f"cannot write {target}: {error.strerror or error}") from None
    write(
        f"Wrote {target}\n"
        "Its entries are examples and answer nothing yet: edit them, delete 'example = true' from [meta],\n"
        f"then check it with: upfaq validate {target}\n",
        _environment(ctx).stdout,
    )


# -- completion --------------------------------------------------------------------------------


@app.command()
def completion(
    ctx: typer.Context,
    shell: Annotated[
        Shell | None,
        typer.Argument(metavar="[SHELL]", help="bash, zsh, fish or powershell (default: the one $SHELL names)."),
    ] = None,
) -> None:
    """Print the shell completion script.

    \b
    Examples:
      upfaq completion bash > ~/.local/share/bash-completion/completions/upfaq
      upfaq completion zsh > ~/.zfunc/_upfaq
      upfaq completion fish > ~/.config/fish/completions/upfaq.fish

    Make the directory first if it does not exist (mkdir -p).

    It completes commands, options, entry ids and topics. It is written to stdout only: no shell
    start-up file is edited.
    """
    environment = _environment(ctx)
    chosen = shell.value if shell else Path(environment.env.get("SHELL", "")).name
    if chosen not in {s.value for s in Shell}:
        raise CliError("cannot tell the shell from $SHELL: name it, e.g. upfaq completion bash")
    write(completion_script(prog_name="upfaq", complete_var=COMPLETE_VAR, shell=chosen) + "\n", environment.stdout)


# -- entry point -------------------------------------------------------------------------------


def main(  # noqa: PLR0911, PLR0912 - one exit per failure kind
    argv: list[str] | None = None, prog_name: str = "upfaq", environment: Environment | None = None
) -> int:
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
    stdout, stderr, env = environment.stdout, environment.stderr, environment.env
    if env.get("UPFAQ_DEBUG"):
        import logging

        logging.basicConfig(level=logging.DEBUG, format="upfaq: debug: %(message)s", stream=stderr)
    if env.get(COMPLETE_VAR):
        # The shell is asking for completions; typer registers its shells only when asked to.
        completion_init()
    try:
        args = sys.argv[1:] if argv is None else argv
        if _empty_kb(args):
            raise CliError("--kb was given an empty path: name a knowledge-base file or directory")
        command = typer.main.get_command(app)
        commands = set(getattr(command, "commands", {}))
        implied = False
        if not env.get(COMPLETE_VAR):
            args, implied = _question_first(args, commands)
        # A first word taken for a question may be a mistyped command: ask() decides, once it knows
        # whether the knowledge base uses the word.
        obj = {"environment": environment, "commands": commands if implied else set()}
        status: Any = command.main(args=args, prog_name=prog_name, standalone_mode=False, obj=obj)
        stdout.flush()
        return int(status or 0)
    except CliError as error:
        return _fail(str(error), error.status, stderr)
    except NoArgsIsHelpError as error:
        stdout.write(error.format_message() + "\n")
        return ExitStatus.OK
    except UsageError as error:
        hint = f" (see '{error.ctx.command_path} --help')" if error.ctx else ""
        return _fail(f"{error.format_message()}{hint}", ExitStatus.USAGE, stderr)
    except ClickException as error:
        return _fail(error.format_message(), ExitStatus.USAGE, stderr)
    except (KeyboardInterrupt, typer.Abort):
        return ExitStatus.INTERRUPTED
    except (BrokenPipeError, ReaderGone):
        # The reader went away (`upfaq list | head -1`): stop quietly, and keep the interpreter
        # from complaining when it flushes stdout at exit.
        _silence(stdout)
        return ExitStatus.OK
    except OSError as error:
        _silence(stdout)
        if closed_pipe(error):
            return ExitStatus.OK
        return _fail(f"cannot write output: {error.strerror or error}", ExitStatus.OUTPUT_ERROR, stderr)
    except Exception as error:
        from upfaq.store import CacheChanged

        if isinstance(error, CacheChanged):
            message = "the cache file was cut short by another program while in use; run again to rebuild it"
            return _fail(message, ExitStatus.USAGE, stderr)
        if env.get("UPFAQ_DEBUG"):
            raise
        message = f"internal error: {type(error).__name__}: {error} (UPFAQ_DEBUG=1 shows more)"
        return _fail(message, ExitStatus.INTERNAL, stderr)


ROOT_OPTIONS_WITH_VALUES = frozenset({"--kb"})
ROOT_OPTIONS = frozenset({*ROOT_OPTIONS_WITH_VALUES, "--no-bundled", "-V", "--version", "-h", "--help"})


def _question_first(args: list[str], commands: set[str]) -> tuple[list[str], bool]:  # noqa: PLR0911 - one return per form
    """`upfaq can I interview on skype` means `upfaq ask can I interview on skype`.

    The first word after the global options that names no command starts a question. A question
    that starts with a command's name ("list of fees") is asked with `upfaq ask`. `upfaq help
    [COMMAND]` and `upfaq version` mean --help and --version (as words, not commands: every
    command Typer registers costs start-up time at every run).

    Returns the arguments, and whether a first word was taken for a question unasked (it may be a
    mistyped command; `upfaq -- WORDS` and `upfaq ask WORDS` say it is a question).
    """
    number = 0
    while number < len(args):
        arg = args[number]
        if arg == "--":
            return ([*args[:number], "ask", *args[number:]] if number + 1 < len(args) else args), False
        if not arg.startswith("-") or arg == "-":
            if arg in commands:
                return args, False
            if arg == "version" and number == len(args) - 1:
                return [*args[:number], "--version"], False
            if arg == "help" and len(args) - number <= 2:  # upfaq help [COMMAND]
                return [*args[:number], *args[number + 1 :], "--help"], False
            return [*args[:number], "ask", *args[number:]], arg != "-"
        if arg.split("=", 1)[0] not in ROOT_OPTIONS:  # an option of ask's: `upfaq -n 3 fees`
            return [*args[:number], "ask", *args[number:]], False
        number += 2 if arg in ROOT_OPTIONS_WITH_VALUES else 1
    return args, False


def _mistyped_command(word: str, commands: Iterable[str], index: Index) -> str | None:
    """The command a question's first word stands for when it is one or two edits from one (`lsit`,
    `shwo`, `valdiate`) and no word the knowledge base uses ("lost", "shop"); else None."""
    if not commands or not word.isalpha() or word.lower() in STOP_WORDS or index.knows(word):
        return None
    from rapidfuzz.distance import OSA

    limit = _typo_limit(word)
    distance, command = min((OSA.distance(word.lower(), name), name) for name in commands)
    return command if 0 < distance <= limit and len(command) > limit else None


def _empty_kb(args: list[str]) -> bool:
    """Whether --kb is given "" (which a path type would silently read as the current directory)."""
    for number, arg in enumerate(args):
        if arg == "--":
            return False
        if arg == "--kb" and number + 1 < len(args) and not args[number + 1].strip():
            return True
        if arg.startswith("--kb=") and not arg[len("--kb=") :].strip():
            return True
    return False


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
