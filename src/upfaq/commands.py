"""The Typer app: the commands' signatures and help, each calling the library (through a Session)
and a writer. `cli.main` runs it for everything but a plain question; it turns the framework's own
errors into cli.CliError, so that cli.FAILURES is the one table from failure to exit status.
"""

import enum
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from upfaq import __version__, kb
from upfaq._typer import ClickException, NoArgsIsHelpError, UsageError, completion_init, completion_script
from upfaq.cli import COMPLETE_VAR, WORDS_FOR_OPTIONS, Asked, CliError, ask_once, open_session
from upfaq.kb import KnowledgeBase
from upfaq.output import Environment, write, writer_for
from upfaq.session import Replay, Session
from upfaq.status import ExitStatus
from upfaq.text import clean_input, printable

BATCH_MEMORY = 10_000
"""How many distinct queries `ask -` remembers the output of: the most recently asked."""
BATCH_MEMORY_CHARS = 32 << 20
"""And how much of their output, in characters: a knowledge base of 10 MB answers stays bounded."""
MAX_LINE_CHARS = 64 << 10
"""The most of one line of `ask -` that is read; the rest of it is skipped (a query is cut at
search.MAX_QUERY_CHARS anyway), so an endless line (`< /dev/zero`) costs no memory."""


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


def _session(ctx: typer.Context, kb_paths: list[Path] | None, no_bundled: bool) -> Session:
    """The knowledge bases this command uses: --kb before and after the command name, and
    --no-bundled in either place, over UPFAQ_KB, the user data directory and the bundled one."""
    root = ctx.find_root().obj or {}
    paths = [*root.get("kb", ()), *(kb_paths or ())]
    return Session(paths, bundled=not (no_bundled or root.get("no_bundled")), env=_environment(ctx).env)


def _load(ctx: typer.Context, kb_paths: list[Path] | None, no_bundled: bool) -> kb.Loaded:
    """Every knowledge base this command uses, opened (cli.open_session)."""
    return open_session(_session(ctx, kb_paths, no_bundled), _environment(ctx))[0]


def _for_completion(ctx: typer.Context) -> KnowledgeBase:
    """The knowledge bases the command being completed would use: its --kb and --no-bundled,
    before or after the command name, over the implicit ones; quietly, whatever fails."""
    root = ctx.find_root().params
    paths = [*(root.get("kb_paths") or ()), *(ctx.params.get("kb_paths") or ())]
    bundled = not (root.get("no_bundled") or ctx.params.get("no_bundled"))
    try:
        chain = Session([Path(p) for p in paths], bundled=bundled, env=_environment(ctx).env).sources()
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


LIMIT_HELP = "How many answers to show in full; when unsure, how many candidates (at least 3)."


@app.command(epilog=EPILOG)
def ask(
    ctx: typer.Context,
    query: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="QUERY...", help="Your question in your own words, or '-' to read one query per line from stdin."
        ),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, metavar="N", help=LIMIT_HELP)] = 1,
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
    environment, session = _environment(ctx), _session(ctx, kb_paths, no_bundled)
    asked = Asked(limit=limit, explain=explain, full=full, json=json_flag, plain=plain_flag, no_pager=no_pager)
    if query == ["-"]:
        raise typer.Exit(_ask_each_line(session, environment, asked))
    commands = (ctx.find_root().obj or {}).get("commands", ())
    raise typer.Exit(ask_once(session, environment, query or [], asked, commands))


def _ask_each_line(session: Session, environment: Environment, asked: Asked) -> ExitStatus:
    """`ask -`: answer each line of stdin as a query; OK when every one was answered."""
    out = writer_for(environment, json_flag=asked.json, plain_flag=asked.plain)
    loaded, index = open_session(session, environment)
    full = asked.full or asked.explain
    answered_all = True
    replay = Replay(BATCH_MEMORY, BATCH_MEMORY_CHARS)  # scripts repeat themselves: the same text again
    for line in _stdin_lines(environment):
        if not out.repeatable:
            result = session.search(line, asked.limit)
            out.answer(result, loaded.kb, index, asked.limit, batch=True, explain=asked.explain, full=full)
            answered_all &= result.answered
            continue
        done = replay.get(line)
        if done is None:
            buffer = io.StringIO()
            result = session.search(line, asked.limit)
            out.to(buffer).answer(result, loaded.kb, index, asked.limit, batch=True, explain=asked.explain, full=full)
            done = (buffer.getvalue(), result.answered)
            replay.keep(line, *done)
        out.write(done[0])
        answered_all &= done[1]
    return ExitStatus.OK if answered_all else ExitStatus.NO_ANSWER


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


def _entry(session: Session, entry_id: str, environment: Environment) -> "kb.Entry":
    """The entry with this id, or the one id within a typo of it (said on stderr); else
    session.UnknownEntry, naming the closest ids (exit 1)."""
    wanted = clean_input(entry_id)
    entry, guessed = session.entry(wanted)
    if guessed:
        said = f"no entry with id '{printable(wanted)}'; did you mean '{printable(entry.id)}'? Showing it."
        environment.stderr.write(f"upfaq: {said}\n")
    return entry


SHELL_CHARACTERS = "`$();|<>'\"\\&!*{}[]~"
"""Characters a shell gives a meaning to: percent-encoded in a link handed to a browser, since a
BROWSER setting may pass it through a shell (common on WSL)."""


def shell_safe(url: str) -> str:
    """url with every character a shell reads as syntax percent-encoded (`$` as %24, `(` as %28...)."""
    return "".join(f"%{ord(c):02X}" if c in SHELL_CHARACTERS else c for c in url)


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
    environment, session = _environment(ctx), _session(ctx, kb_paths, no_bundled)
    out = writer_for(environment, json_flag=json_flag, plain_flag=plain_flag)
    loaded = open_session(session, environment)[0]
    entries = list(loaded.kb.entries)
    if topic is not None:
        wanted = clean_input(topic)
        entries, meant = session.topic(wanted)
        if meant is not None:
            said = f"no topic '{printable(wanted)}'; did you mean '{printable(meant)}'? Listing it."
            environment.stderr.write(f"upfaq: {said}\n")
    with out.paged(not no_pager):
        out.entries(entries, loaded.kb, show_files=len(loaded.layers) > 1)


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
    environment, session = _environment(ctx), _session(ctx, kb_paths, no_bundled)
    out = writer_for(environment, json_flag=json_flag, plain_flag=plain_flag)
    open_session(session, environment)
    entry = _entry(session, entry_id, environment)
    with out.paged(not no_pager):
        out.entry(entry, session.loaded.kb)


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
    environment, session = _environment(ctx), _session(ctx, kb_paths, no_bundled)
    open_session(session, environment)
    entry = _entry(session, entry_id, environment)
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
    out.layers(_load(ctx, kb_paths, no_bundled))


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

    out = writer_for(_environment(ctx), json_flag=json_flag, plain_flag=True)
    report = lint.validate_sources(_session(ctx, kb_paths, no_bundled).sources(), paths or ())
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


def dispatch(args: list[str], prog_name: str, environment: Environment) -> int:
    """Run the Typer app on args and return its exit status; the framework's errors become CliError
    (or KeyboardInterrupt), for cli.FAILURES."""
    if environment.env.get(COMPLETE_VAR):
        # The shell is asking for completions; typer registers its shells only when asked to.
        completion_init()
    if _empty_kb(args):
        raise CliError("--kb was given an empty path: name a knowledge-base file or directory")
    command = typer.main.get_command(app)
    commands = set(getattr(command, "commands", {}))
    implied = False
    if not environment.env.get(COMPLETE_VAR):
        args, implied = question_first(args, commands, RootOptions.of(command))
    # A first word taken for a question may be a mistyped command: ask() decides, once it knows
    # whether the knowledge base uses the word.
    obj = {"environment": environment, "commands": commands if implied else set()}
    try:
        status: Any = command.main(args=args, prog_name=prog_name, standalone_mode=False, obj=obj)
    except NoArgsIsHelpError as error:
        environment.stdout.write(error.format_message() + "\n")
        return ExitStatus.OK
    except UsageError as error:
        hint = f" (see '{error.ctx.command_path} --help')" if error.ctx else ""
        raise CliError(f"{error.format_message()}{hint}", ExitStatus.USAGE) from None
    except ClickException as error:
        raise CliError(error.format_message(), ExitStatus.USAGE) from None
    except typer.Abort:
        raise KeyboardInterrupt from None
    return int(status or 0)


class RootOptions:
    """The options the app itself takes (before a command name), as its root callback declares them."""

    __slots__ = ("names", "with_values")

    def __init__(self, names: frozenset[str], with_values: frozenset[str]) -> None:
        self.names, self.with_values = names, with_values

    @classmethod
    def of(cls, command: Any) -> "RootOptions":
        """Read from the built group: its parameters and its help option's names."""
        names: set[str] = set(command.context_settings.get("help_option_names", ("--help",)))
        with_values: set[str] = set()
        for param in command.params:
            spelled = {*param.opts, *param.secondary_opts}
            names |= spelled
            if not getattr(param, "is_flag", True):
                with_values |= spelled
        return cls(frozenset(names), frozenset(with_values))


def question_first(args: list[str], commands: set[str], options: RootOptions) -> tuple[list[str], bool]:  # noqa: PLR0911 - one return per form
    """`upfaq can I interview on skype` means `upfaq ask can I interview on skype`.

    The first word after the app's own options that names no command starts a question. A question
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
            if arg == WORDS_FOR_OPTIONS[1] and number == len(args) - 1:
                return [*args[:number], "--version"], False
            if arg == WORDS_FOR_OPTIONS[0] and len(args) - number <= 2:  # upfaq help [COMMAND]
                return [*args[:number], *args[number + 1 :], "--help"], False
            return [*args[:number], "ask", *args[number:]], arg != "-"
        if arg.split("=", 1)[0] not in options.names:  # an option of ask's: `upfaq -n 3 fees`
            return [*args[:number], "ask", *args[number:]], False
        number += 2 if arg in options.with_values else 1
    return args, False


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
