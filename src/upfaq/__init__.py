"""upfaq: instant, trustworthy answers to policy questions from a bundled knowledge base."""

__version__ = "0.1.0"

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from upfaq.api import answer, entries, entry

__all__ = ["__version__", "answer", "entries", "entry"]


def __getattr__(name: str) -> Any:
    """upfaq.answer, upfaq.entries and upfaq.entry, imported on first use: `import upfaq` stays free,
    and the command line never loads them."""
    if name in ("answer", "entries", "entry"):
        from upfaq import api

        return getattr(api, name)
    raise AttributeError(f"module 'upfaq' has no attribute {name!r}")
