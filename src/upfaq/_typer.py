"""The parts of Typer that are not its documented API, in one place, each with a fallback.

upfaq needs Click's exception classes (to turn usage errors into one line and exit 2) and Typer's
shell-completion helpers. Typer 0.28 and 0.29 vendor Click as `typer._click` and keep the
completion helpers in `typer.completion`; older releases used the `click` package and
`typer._completion_shared`. When Typer moves them again, only this file changes; `.ci/run` runs
the test suite against the newest Typer to find out.
"""

try:
    from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError
except ImportError:  # a Typer built on the click package
    from click.exceptions import (  # type: ignore[import-not-found,no-redef,assignment,unused-ignore]
        ClickException,
        NoArgsIsHelpError,
        UsageError,
    )

__all__ = ["ClickException", "NoArgsIsHelpError", "UsageError", "completion_init", "completion_script"]


def completion_script(*, prog_name: str, complete_var: str, shell: str) -> str:
    """The completion script for shell, as `typer --install-completion` would write it."""
    try:
        from typer.completion import get_completion_script  # type: ignore[attr-defined,unused-ignore]
    except ImportError:  # pragma: no cover - older Typer
        from typer._completion_shared import get_completion_script
    script: str = get_completion_script(prog_name=prog_name, complete_var=complete_var, shell=shell)
    return script


def completion_init() -> None:
    """Register Typer's shells, so that a completion request can be answered."""
    try:
        from typer.completion import completion_init as init  # type: ignore[attr-defined,unused-ignore]
    except ImportError:  # pragma: no cover - older Typer
        from typer._completion_classes import completion_init as init
    init()
