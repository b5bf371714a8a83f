"""One run's knowledge: which knowledge bases are in effect, loaded once through the cache, and what
is looked up in them (an entry by id, a topic, a question with room for its related rows).

The command line and `upfaq.answer` both go through a Session, so they find the same files, read
the same environment (the one passed in, never os.environ behind its back) and make the same
guesses about a mistyped id or topic. It prints nothing and never imports the command line: a
failure is one of the library's errors (kb.KBError, UnknownEntry, UnknownTopic), which the caller
turns into a message and an exit status.
"""

from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

from upfaq import kb, render
from upfaq.kb import Entry, Loaded
from upfaq.search import SUGGESTIONS, Index, Result

TYPO_LONG = 5
"""A name typed with more letters than this may be two edits from the one meant, else one."""


class NoKnowledge(kb.KBError):
    """No knowledge base is in effect (--no-bundled and nothing else)."""

    def __init__(self) -> None:
        super().__init__("", "no knowledge base in effect: drop --no-bundled, or name one with --kb PATH")

    def __str__(self) -> str:
        return self.message


class UnknownEntry(LookupError):
    """No entry has the id asked for, and no single id is within a typo of it."""

    def __init__(self, wanted: str, close: Sequence[str]) -> None:
        super().__init__(wanted)
        self.wanted = wanted
        self.close = tuple(close)
        """The ids most like the one asked for, closest first (may be empty)."""


class UnknownTopic(LookupError):
    """No entry has the topic asked for, and no single topic is within a typo of it."""

    def __init__(self, wanted: str, topics: Sequence[str]) -> None:
        super().__init__(wanted)
        self.wanted = wanted
        self.topics = tuple(topics)


class Session:
    """The knowledge bases in effect for one run, as the command line finds them: the bundled one
    (unless bundled is False), the user data directory, UPFAQ_KB in env, then paths (--kb)."""

    def __init__(
        self,
        paths: Iterable[Path] = (),
        *,
        bundled: bool = True,
        env: Mapping[str, str],
        on_slow: Callable[[str], None] | None = None,
    ) -> None:
        self.paths = tuple(paths)
        self.bundled = bundled
        self.env = env
        self.on_slow = on_slow
        """Told before a large knowledge base is parsed and indexed (see store.open_knowledge)."""
        self._opened: tuple[Loaded, Index] | None = None

    def sources(self) -> list[kb.Source]:
        """Where the knowledge bases in effect come from, lowest precedence first."""
        return kb.sources(list(self.paths), self.env, bundled=self.bundled)

    def open(self) -> tuple[Loaded, Index]:
        """Every knowledge base in effect, merged and indexed (once; through the cache when it is
        fresh). Raises kb.KBError for a named file that cannot be used, NoKnowledge when none is in effect."""
        if self._opened is None:
            from upfaq.store import open_knowledge

            loaded, index = open_knowledge(self.sources(), env=self.env, on_slow=self.on_slow)
            if not loaded.kb.entries:
                raise NoKnowledge
            self._opened = loaded, index
        return self._opened

    @property
    def loaded(self) -> Loaded:
        return self.open()[0]

    @property
    def index(self) -> Index:
        return self.open()[1]

    def search(self, query: str, limit: int = 1) -> Result:
        """The answers to query: limit of them, with room for the related rows shown under them; when
        none is confident, up to three candidates, or limit if more (asked for five answers, a person
        is shown five candidates)."""
        return self.index.search(query, limit=limit + render.RELATED, suggestions=max(limit, SUGGESTIONS))

    def entry(self, entry_id: str) -> tuple[Entry, bool]:
        """The entry with this id, or the one id within a typo of it; and whether it was a guess.
        Raises UnknownEntry (with the closest ids) when there is neither."""
        from upfaq.search import suggest_ids

        merged = self.loaded.kb
        found = merged.get(entry_id)
        if found is not None:
            return found, False
        close = suggest_ids(merged, entry_id)
        meant = within_a_typo(entry_id, close)
        found = merged.get(meant) if meant else None
        if found is None:
            raise UnknownEntry(entry_id, close)
        return found, True

    def topic(self, topic: str) -> tuple[list[Entry], str | None]:
        """The entries of a topic (case ignored), or of the one topic within a typo of it; and that
        topic when it was a guess (None when the name matched). Raises UnknownTopic."""
        merged = self.loaded.kb
        wanted = topic.casefold()
        chosen = [e for e in merged.entries if e.topic.casefold() == wanted]
        if chosen:
            return chosen, None
        meant = within_a_typo(wanted, merged.topics)
        if meant is None:
            raise UnknownTopic(topic, merged.topics)
        return [e for e in merged.entries if e.topic == meant], meant


def typo_limit(word: str) -> int:
    """How many edits a typed word may be from a name to stand for it: one, two from six letters on."""
    return 1 if len(word) <= TYPO_LONG else 2


def within_a_typo(word: str, names: Iterable[str]) -> str | None:
    """The one name one edit from word (two from six letters on), ignoring case; None when there is
    none, or more than one: a guess between two is no answer."""
    from rapidfuzz.distance import OSA

    limit = typo_limit(word)
    near = {name for name in names if OSA.distance(word.casefold(), name.casefold()) <= limit}
    return near.pop() if len(near) == 1 else None


class Replay:
    """What was written for the queries seen most recently, to write again when one repeats (`ask -`:
    scripts repeat themselves). Bounded by count and by size, the least recently asked going first."""

    def __init__(self, count: int, chars: int) -> None:
        self.count, self.chars = count, chars
        self._written: OrderedDict[str, tuple[str, bool]] = OrderedDict()
        self._size = 0

    def get(self, query: str) -> tuple[str, bool] | None:
        """The text written for query and whether it was answered, if it is remembered."""
        done = self._written.get(query)
        if done is not None:
            self._written.move_to_end(query)
        return done

    def keep(self, query: str, text: str, answered: bool) -> None:
        """Remember what was written for query, forgetting the oldest past the bounds."""
        self._written[query] = (text, answered)
        self._size += len(query) + len(text)
        while self._written and (len(self._written) > self.count or self._size > self.chars):
            old, (written, _) = self._written.popitem(last=False)
            self._size -= len(old) + len(written)

    def __len__(self) -> int:
        return len(self._written)
