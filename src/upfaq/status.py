"""Exit statuses, one meaning each. Documented in the README and in `upfaq --help`."""

from enum import IntEnum


class ExitStatus(IntEnum):
    """What upfaq's exit code means."""

    OK = 0
    """An answer was found (ask), the entry exists (show), the listing was printed."""
    NO_ANSWER = 1
    """No confident answer, an unknown id or topic; for `ask -`, at least one query unanswered."""
    USAGE = 2
    """A usage error or unusable input (bad option, empty query, broken knowledge-base file)."""
    OUTPUT_ERROR = 74
    """Output could not be written (disk full, closed stdout)."""
    INTERNAL = 70
    """A bug in upfaq; set UPFAQ_DEBUG=1 to see the traceback."""
    INTERRUPTED = 130
    """Interrupted by Ctrl-C."""
