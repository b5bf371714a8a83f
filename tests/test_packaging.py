"""Packaging and docs: the wheel carries the knowledge base, and the docs describe what exists."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

from upfaq import __version__
from upfaq.commands import EPILOG, app
from upfaq.status import ExitStatus

from .conftest import ROOT


def test_wheel_contains_the_bundled_knowledge_base(tmp_path: Path) -> None:
    """A built wheel ships data/faq.toml next to the code, byte for byte, and its index (hatch_build.py)."""
    subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(tmp_path)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=120,
    )
    (wheel,) = tmp_path.glob("upfaq-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        shipped = archive.read("upfaq/data/faq.toml")
        names = archive.namelist()
        assert {"upfaq/cli.py", "upfaq/py.typed", "upfaq/data/faq.idx"} <= set(names)  # the index, built
        assert any(name.endswith(".dist-info/licenses/LICENSE") for name in names), names
    assert shipped == (ROOT / "src/upfaq/data/faq.toml").read_bytes()


def test_readme_documents_every_command_and_exit_status() -> None:
    """Every CLI command and every exit status appears in the README, the front page."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for command in app.registered_commands:
        name = command.name or command.callback.__name__
        assert f"upfaq {name}" in readme, name
    for status in ExitStatus:
        assert re.search(rf"^\| `?{int(status)}`? \|", readme, re.MULTILINE), status


def test_help_documents_every_exit_status() -> None:
    """The epilog of every command's --help names every exit status."""
    for status in ExitStatus:
        assert re.search(rf"\b{int(status)} ", EPILOG), status


def test_ci_runs_exactly_the_readme_commands() -> None:
    """.ci/run installs and tests with the very commands the README gives."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci/run").read_text(encoding="utf-8")
    test_command = re.search(r"^(python3 -m venv .*pytest.*)$", readme, re.MULTILINE)
    assert test_command, "README has no one-line test command"
    assert test_command.group(1) in ci


def test_changelog_has_this_version() -> None:
    """CHANGELOG.md follows Keep a Changelog and names the current version with an ISO date."""
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "## [Unreleased]" in changelog
    assert re.search(rf"^## \[{re.escape(__version__)}\] - \d{{4}}-\d{{2}}-\d{{2}}$", changelog, re.MULTILINE)


def _modules_after(*argv: str) -> set[str]:
    """The modules a real upfaq process has loaded once it has run argv (output piped)."""
    code = (
        "import sys, io\n"
        "from upfaq.cli import main\n"
        "out = sys.stdout\n"
        "sys.stdout = io.StringIO()\n"
        f"main({list(argv)!r})\n"
        "out.write(' '.join(sorted(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    return set(done.stdout.split())


def test_a_piped_ask_loads_nothing_heavy() -> None:
    """A piped ask, cache warm, loads no Typer, Rich, pydantic, numpy, rapidfuzz, tomli, JSON or OpenSSL."""
    _modules_after("ask", "skype")  # fills the cache (writing it needs tempfile)
    loaded = _modules_after("ask", "can I interview on skype")
    heavy = {"typer", "click", "rich", "pydantic", "numpy", "rapidfuzz", "tomli", "json", "_hashlib", "upfaq.lint"}
    assert not loaded & heavy, loaded & heavy
    assert {"upfaq.search", "upfaq.store"} <= loaded


def test_rich_is_loaded_only_to_draw_for_a_terminal() -> None:
    """JSON output loads json but not Rich (nor Typer, for a plain question)."""
    assert not {"rich", "typer"} & _modules_after("ask", "--json", "skype")
    assert "json" in _modules_after("ask", "--json", "skype")


def test_readme_transcript_is_real_output() -> None:
    """The transcript on the README's first screen is what upfaq prints today."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = readme.split('$ upfaq ask "can I interview on skype"\n', 1)[1].split("\n$ ", 1)[0]
    done = subprocess.run(
        [sys.executable, "-m", "upfaq", "ask", "can I interview on skype"], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == shown.strip()


def test_readme_states_the_field_weights_the_ranking_uses() -> None:
    """The documentation's account of scoring (docs/ranking.md) gives each field's weight as
    search.FIELD_WEIGHTS has it."""
    from upfaq.search import FIELD_WEIGHTS, FIELDS

    readme = " ".join((ROOT / "docs" / "ranking.md").read_text(encoding="utf-8").split())
    for field, weight in zip(FIELDS, FIELD_WEIGHTS, strict=True):
        assert re.search(rf"{field}( \([^)]*\))? {weight:g}\b", readme), (field, weight)


def test_the_readme_is_a_front_page_whose_links_lead_somewhere() -> None:
    """The README stays a front page (about 250 lines at most) and every docs/ file it links exists."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 260
    linked = set(re.findall(r"\]\((docs/[^)]+\.md)\)", readme))
    assert linked and all((ROOT / path).is_file() for path in linked), linked
    assert linked == {f"docs/{path.name}" for path in (ROOT / "docs").glob("*.md")}
