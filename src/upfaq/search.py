"""Ranking: a query in, scored entries out. Pure: no I/O, no printing.

How an entry is scored (figures are 0-1 here, shown to users as 0-100):

- Every query word that is not a stop word becomes a *token* with alternatives: its own stem,
  the synonym groups it belongs to (the knowledge base's [synonyms] table), longer or shorter
  knowledge-base words it is part of (exe/executable, mail/email), and, when the word is
  unknown, knowledge-base words within a small edit distance (typos).
- Each token weighs its inverse document frequency, so a rare, telling word ("skype",
  "dispute") outweighs a common one ("upwork"); a word the knowledge base never uses weighs as
  much as its rarest word, because a query about something else should not be answered.
- *coverage*: the weighted share of the query's tokens an entry holds, each counted by the best
  field it is found in, weighted by FIELD_WEIGHTS.
- *closeness*: weighted overlap (Dice) of the query with the entry's closest phrasing: its
  question (also without its asides), one alias, or its tags read together. For a query longer
  than nearly every phrasing (CONTAINED_QUERY), the weighted share of the phrasing that the query
  holds.
- *resemblance*: shared three- and four-letter sequences with that phrasing, for the best
  candidates only.
- The score blends the three, less KIND_SHARE for an entry that asks another kind of question and
  CASE_FACTOR for one about the case the query excludes (before/after the contract, must/how).
- The confidence in the best entry is the probability that it is right, estimated from its score,
  its lead over the first different answer (the rival) and how curated the knowledge base is
  (calibrated, CALIBRATION). Below the threshold the tool abstains and shows candidates.

The index is an inverted index of compact integer arrays (term -> entries), so a query touches
only the entries that share a term with it; `state()` and `from_state()` turn it into plain data
and back, for the cache.
"""

import gc
import heapq
import math
import os
import re
import sys
from array import array
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import accumulate, chain
from typing import Any, NamedTuple

from upfaq.kb import Entry, KnowledgeBase
from upfaq.text import STOP_WORDS, opposite_case, question_cases, question_kinds, stem, verdict, word_spans, words

DEFAULT_THRESHOLD = 75.0
"""The confidence (the probability, in percent, that the first candidate is the right answer) from
which upfaq answers; below it, it says it is unsure and shows the candidates. Chosen by
benchmarks/calibrate.py: the lowest at which no labelled set is confidently wrong on more than 5% of
its queries, on out-of-fold probabilities with folds by query or by entry, under each of ten
shuffles of the folds (75 on 2026-12-02); then raised, if need be, until the blind set (short
queries written apart from the aliases) rejects at least 0.85 of its off-topic queries, the target
for short queries. Before the score-times-lead input (CALIBRATION) the bound was 77 and the blind
set needed 80 ("most profitable niche on upwork" and "is upwork better than fiverr", lone weak
matches, were answered below it); with it, 75 rejects 0.875 of them."""
ANSWER_FLOOR = 45.0
"""The score (0-100) from which further candidates of an answered query are shown too (-n, related
rows): below it they match too little of the question to be offered as answers."""

SUGGESTION_FLOOR = 30.0
"""Near misses below this are noise, not suggestions. Long questions score low, their words spread
over the whole knowledge base: at 35 the right entry was among the candidates shown for 0.50 of the
long forum questions (benchmarks/real-questions.jsonl), at 30 for 0.65, as at 20; the short-query sets
move by at most 0.012."""
UNTRUSTED_LEAD = 10.0
"""How far an untrusted answer must outscore every official one to be shown first: an official
answer that matches nearly as well is the one a reader should see first, in full."""
OFFICIAL_FLOOR = 12.0
"""An official answer that an untrusted best match contradicts leads when it scores this at least."""

FIELDS = ("question", "tags", "answer", "aliases")
FIELD_WEIGHTS = (1.0, 0.8, 0.5, 0.95)
"""How much a word found in each field counts, in the order of FIELDS. A word of the question
itself counts a little more than one of an alias: of two entries an alias makes equally likely,
the one whose own question holds the word is the one that is about it."""
SYNONYM_FACTOR = 0.9
PARTIAL_FACTOR = 0.6
PARTIAL_LIMIT = 6
WEIGHTS = (0.5, 0.2, 0.3)
"""How coverage, closeness and resemblance blend into the score."""
AUTHORITY_FACTORS = {"community": 0.97, "doubtful": 0.8}
"""Scores of entries that are not official are multiplied by these. A community answer ranks just
below an official one that matches as well; a doubtful one (probably wrong, e.g. describing
another marketplace) is given only when the question clearly asks for it: its score counts for less in the confidence
too."""
INFORMATIVE_WEIGHT = math.log(4 / 3)
"""The least weight a query's coverage is measured against: about that of a word found in three
entries out of four. A query made only of words nearly every entry holds ("how do I get more
clients") says too little to pick one, however fully it is covered."""
RESEMBLANCE_PHRASINGS = 6
"""Besides its question, the phrasings of an entry compared letter by letter: the closest by words."""
RERANK = 15
"""Only the best candidates by coverage and closeness are compared letter by letter."""
CANDIDATES = 5
MAX_QUERY_CHARS = 4000
MAX_QUERY_WORDS = 64
MAX_TYPO_LOOKUPS = 12
"""Past these a query is not a question: the rest is ignored, so time per query stays bounded."""
KIND_SHARE = 0.08
"""The share of the score that depends on asking the same kind of question (an amount, a time, a
reason...) as one of the entry's phrasings: siblings sharing every word ("When will I get a JSS?",
"What is the JSS?") are told apart by what they ask."""
CASE_FACTOR = 0.75
"""What the score of an entry about the case the query excludes is multiplied by: asked whether a
phone number may be shared before the contract, the entry saying "Yes" once it has started is not
the answer, however many words it shares with the question."""
MAX_PHRASINGS = 31
"""Phrasings (question, aliases, tags) per entry that closeness compares; more aliases still match."""
MAX_PHRASE_WORDS = 6
"""Synonym phrases longer than this are not matched (`upfaq validate` warns): every word of
every text is tried as the start of each phrase length, so long phrases cost time with the cube
of their length ("two-step verification code" is four words; no real synonym needs seven)."""
FUZZY_MIN_LENGTH = 4
"""Words shorter than this match exactly or through synonyms only: among three-letter words a
typo or a part of a word is nearly always another word (fee/few, tax/tab)."""
TYPO_PENALTY = 0.12
"""A word found as a typo counts 1 - TYPO_PENALTY for each edit: below an exact match, and below
a synonym (SYNONYM_FACTOR) at two edits. Set by hand; quality.py figures move by at most one
query on the bundled sets between 0.08 and 0.16."""
TYPO_LONG_WORD = 9
"""From this many letters a word may hold two typos (1 edit below it): long words are mistyped
more, and two edits rarely turn one long word into another. 8 to 10 give the same quality.py
figures on the bundled sets."""
TYPO_CANDIDATES = 5
"""The closest spellings a mistyped word may stand for."""
EXTRA_CANDIDATES = 3
"""Candidates ranked in full beyond those shown: room for related rows, for the rival that sets
the confidence, and for an official answer to move ahead of an untrusted one. 1 to 6 give the
same quality.py figures on the bundled sets; more costs time on every query."""
SUGGESTIONS = 3
"""Near misses offered when there is no confident answer."""
MAX_WORKERS = 4
"""Indexing processes at most: merging the parts costs more than a fifth worker saves."""
ID_SUGGESTION_CUTOFF = 60
"""How alike (rapidfuzz WRatio, 0-100) a known id must be to a mistyped one to be suggested."""

STATE_VERSION = 10
_STATE_TYPES: tuple[tuple[tuple[str, ...], type], ...] = (
    (("postings", "phrasing_postings"), Mapping),
    (("surface", "surface_stems", "reversed_surface"), list),
    (("offsets", "weights", "reversed_order", "authority"), bytes),
    (("synonym_words",), dict),
    (("synonym_phrases",), Mapping),
    (("phrase_starts",), list),
    (("max_phrase",), int),
)
"""What each part of state() is: a state read from elsewhere is checked against this before use."""
_FIELD_BITS = 2
_FIELD_MASK = (1 << _FIELD_BITS) - 1
"""A posting code is entry << _FIELD_BITS | field: its low bits say in which of FIELDS the term is."""
_PHRASING_BITS = 5
_PHRASING_MASK = (1 << _PHRASING_BITS) - 1
"""A phrasing code is entry << _PHRASING_BITS | phrasing: its low bits say which of the entry's phrasings."""
_CODE_BYTES = array("I").itemsize
"""The bytes of one code in a postings list: a term's postings hold this many bytes per entry."""
# ASCII punctuation (apostrophes aside) separates words: turning it into spaces first lets
# str.split do the bulk of tokenising in C; each distinct token is then analysed exactly once,
# by text.words (the one tokeniser), so the pieces are the words text.words finds in the text.
_SEPARATORS = str.maketrans(dict.fromkeys('!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~', " "))


class TermMatch(NamedTuple):
    """How one query word was found in an entry."""

    word: str
    term: str
    field: str
    kind: str  # "exact", "synonym", "partial" or "typo"
    weight: float
    strength: float


class Match(NamedTuple):
    """An entry with its score (0-100) and what the query matched in it."""

    entry: Entry
    score: float
    coverage: float
    closeness: float
    resemblance: float = 0.0
    terms: tuple[TermMatch, ...] = ()
    excluded: str = ""
    """The case the entry's question is about ("after-start", "how": see text.OPPOSITE_CASES) when
    the query names the opposite one and not this one; "" otherwise."""

    @property
    def matched_terms(self) -> frozenset[str]:
        """The index terms (stems and synonym groups) that matched, for highlighting."""
        return frozenset(t.term for t in self.terms)


class Result(NamedTuple):
    """The outcome of one query.

    confidence (0-100) is the estimated probability, in percent, that the best candidate is the right
    answer (calibrated: from its score, its lead over a rival answer and how curated the knowledge
    base is). The query is answered when confidence reaches the threshold; matches then holds the
    best candidate and the further ones that score ANSWER_FLOOR or more.
    Otherwise suggestions holds up to three near misses (or as many as the search asked for).
    """

    query: str
    confidence: float
    answered: bool
    matches: tuple[Match, ...]
    suggestions: tuple[Match, ...]
    candidates: tuple[Match, ...] = ()
    """The best-scoring entries whatever the threshold, best first (for --explain and benchmarks)."""
    unknown_words: tuple[str, ...] = ()
    """Query words that no entry holds, even as a typo, synonym or part of a word."""
    evidence: "Evidence | None" = None
    """What the confidence was estimated from (None when no entry matched at all)."""
    split: bool = False
    """Unanswered only because entries that answer different questions fit it nearly as well: the
    best alone, with no rival, would have been answered."""


class Evidence(NamedTuple):
    """What the confidence in the best candidate is estimated from, and what --explain tells of it."""

    score: float
    """The best candidate's score, 0-1."""
    gap: float
    """How far (0-1) the best outscores its rival; its score when it has none."""
    rival: str | None
    """The id of the first candidate that is a different answer and not linked to the best (the
    same answer, or `related` or `conflicts` either way, is no rival: either is right, or it is
    shown under the best): the entry that makes an answer a guess between two."""
    missed: float
    """The share of the query's weight in words the best candidate does not hold."""
    curation: float = 0.0
    """How many phrasings (question, aliases, tags) the knowledge base's entries have on average, as
    its log: 0 for one that holds only questions. The same score means more in a knowledge base of
    bare questions than in one whose every entry has twenty phrasings to match by chance."""


class _Alternative(NamedTuple):
    """A term that a query word may stand for, and how much finding it counts (0-1)."""

    term: str
    factor: float
    kind: str  # "exact", "synonym", "partial" or "typo"


class _Token(NamedTuple):
    """A content word of a query: what it may stand for, and its weight (IDF)."""

    word: str
    weight: float
    alternatives: list[_Alternative]


class _Vocabulary(dict[str, "str | tuple[str, ...]"]):
    """Every distinct token seen while indexing, analysed once: token -> term(s).

    A token maps to its one term (the usual case), to "" (a stop word), or to a tuple of
    several terms (a stem and its synonym groups). Looking tokens up is then a C-level map over
    a dict, and only the few tuples are unpacked afterwards.
    """

    def __init__(self, analyse: Callable[[str], tuple[str, ...]]) -> None:
        super().__init__()
        self._irregular: set[tuple[str, ...]] = set()
        self._analyse = analyse

    def __missing__(self, token: str) -> "str | tuple[str, ...]":
        found = self._analyse(token)
        value: str | tuple[str, ...] = found[0] if len(found) == 1 else found or ""
        if isinstance(value, tuple):
            self._irregular.add(value)
        self[token] = value
        return value

    def terms(self, text: str) -> set[str]:
        """The terms of a text's tokens (ASCII punctuation separates them)."""
        found: set[Any] = set(map(self.__getitem__, text.lower().translate(_SEPARATORS).split()))
        found.discard("")
        if self._irregular and not found.isdisjoint(self._irregular):
            odd = found.intersection(self._irregular)
            found.difference_update(odd)
            found.update(chain.from_iterable(odd))
        return found


def _synonym_term(group: str) -> str:
    return "~" + group


class Index:
    """A knowledge base prepared for searching. Build once (or load from the cache), query many times."""

    def __init__(self, kb: KnowledgeBase, state: dict[str, Any] | None = None, workers: int | None = None) -> None:
        """Index kb, or take a state() saved earlier; workers: processes to index with (default: by size)."""
        self.kb = kb
        self.entries: Sequence[Entry] = kb.entries
        self._single: dict[str, list[str]] = {}
        self._phrases: Mapping[tuple[str, ...], list[str]] = {}
        if state is not None and "synonym_words" in state:
            # Analysed once when the index was built: a cached index does not stem them again.
            self._single, self._phrases = state["synonym_words"], state["synonym_phrases"]
        else:
            for group, members in kb.synonyms.items():
                for member in members:
                    # A phrase keeps its stop words: "turn down" is not "turn".
                    stems = tuple(stem(w) for w in words(member))
                    if len(stems) == 1:
                        self._single.setdefault(stems[0], []).append(_synonym_term(group))
                    elif 1 < len(stems) <= MAX_PHRASE_WORDS:  # longer ones: see MAX_PHRASE_WORDS
                        self._phrases.setdefault(stems, []).append(_synonym_term(group))
        if state is not None and "phrase_starts" in state:
            # Kept in the state, so that the phrases themselves are read only by a query that may
            # hold one (a cache may keep them aside until then).
            self._phrase_starts: set[str] = set(state["phrase_starts"])
            self._max_phrase: int = state["max_phrase"]
        else:
            self._max_phrase = max((len(p) for p in self._phrases), default=1)
            self._phrase_starts = {p[0] for p in self._phrases}
        if state is None:
            state = self._build(workers)
        self._load(state)

    # -- building ------------------------------------------------------------------------------

    def _build(self, workers: int | None) -> dict[str, Any]:
        """Analyse every entry once and return the index as plain data (see state())."""
        enabled = gc.isenabled()
        gc.disable()  # millions of small allocations, none of them cyclic: the collector only slows this
        try:
            return self._build_state(workers)
        finally:
            if enabled:
                gc.enable()

    def _build_state(self, workers: int | None) -> dict[str, Any]:
        count = len(self.entries)
        parts = self._build_parts(count, workers)
        # Merging the parts in order gives exactly what one pass over every entry would.
        postings: dict[str, list[bytes]] = {}
        phrasing_postings: dict[str, list[bytes]] = {}
        phrasing_counts = array("B")
        tokens: dict[str, None] = {}
        for part in parts:
            for merged, lists in ((postings, part["postings"]), (phrasing_postings, part["phrasing_postings"])):
                for term, codes in lists.items():
                    merged.setdefault(term, []).append(codes)
            phrasing_counts.frombytes(part["phrasing_counts"])
            tokens.update(dict.fromkeys(part["tokens"]))
        joined = {term: b"".join(pieces) for term, pieces in postings.items()}
        joined_phrasings = {term: b"".join(pieces) for term, pieces in phrasing_postings.items()}
        idf = {term: _idf(count, len(raw) // _CODE_BYTES) for term, raw in joined.items()}
        offsets = array("I", [0, *accumulate(phrasing_counts)])
        weights = array("d", bytes(8 * offsets[-1]))
        for term, raw in joined_phrasings.items():
            weight = idf[term]
            codes = array("I")
            codes.frombytes(raw)
            for code in codes:
                weights[offsets[code >> _PHRASING_BITS] + (code & _PHRASING_MASK)] += weight

        # Every word as it is spelt in the knowledge base, for typos and parts of words.
        surface = sorted(
            {
                word
                for text in chain(chain.from_iterable(self.kb.synonyms.values()), tokens)
                for word in words(text)
                if word not in STOP_WORDS and len(word) >= FUZZY_MIN_LENGTH and word.isalpha()
            }
        )
        backwards = sorted(range(len(surface)), key=lambda i: surface[i][::-1])
        return {
            "version": STATE_VERSION,
            "count": count,
            "postings": joined,
            "phrasing_postings": joined_phrasings,
            "offsets": offsets.tobytes(),
            "weights": weights.tobytes(),
            "surface": surface,
            "surface_stems": [stem(word) for word in surface],
            "reversed_surface": [surface[i][::-1] for i in backwards],
            "reversed_order": array("I", backwards).tobytes(),
            "authority": bytes(_AUTHORITY_CODES.get(entry.authority or "official", 0) for entry in self.entries),
            "synonym_words": self._single,
            "synonym_phrases": self._phrases,
            "phrase_starts": sorted(self._phrase_starts),
            "max_phrase": self._max_phrase,
        }

    def _build_parts(self, count: int, workers: int | None = None) -> list[dict[str, Any]]:
        """Index the entries in consecutive ranges: in parallel processes when it pays, else in one pass."""
        workers = workers if workers is not None else _workers(count)
        if workers > 1:
            try:
                return _parallel_parts(self, count, workers)
            except ParallelUnavailable as reason:
                # One pass does the same work. Any other error is a bug, and is not hidden.
                import logging

                logging.getLogger(__name__).debug("indexing %d entries in one pass: %s", count, reason)
        return [self._build_range(0, count)]

    def _build_range(self, start: int, end: int) -> dict[str, Any]:
        """Posting lists (as bytes), phrasings per entry and tokens seen, for entries start to end."""
        analysed = _Vocabulary(self._analyse)
        postings: defaultdict[str, list[int]] = defaultdict(list)
        phrasing_postings: defaultdict[str, list[int]] = defaultdict(list)
        phrasing_counts = array("B")
        for index in range(start, end):
            phrasings, tags, answer = self._entry_terms(self.entries[index], analysed)
            question = phrasings[0]
            said = phrasings[1 : len(phrasings) - bool(self.entries[index].tags)]
            aliases = set().union(*said) - question
            # Each term is posted once per entry, in the best field it is found in.
            named = question | aliases
            fields = (question, tags - named, answer - named - tags, aliases)
            _post(postings, fields, index << _FIELD_BITS)
            _post(phrasing_postings, phrasings, index << _PHRASING_BITS)
            phrasing_counts.append(len(phrasings))
        return {
            "postings": {t: array("I", codes).tobytes() for t, codes in postings.items()},
            "phrasing_postings": {t: array("I", codes).tobytes() for t, codes in phrasing_postings.items()},
            "phrasing_counts": phrasing_counts.tobytes(),
            "tokens": list(analysed),
        }

    def _entry_terms(self, entry: Entry, analysed: _Vocabulary) -> tuple[list[set[str]], set[str], set[str]]:
        """An entry's phrasings (question, aliases, the tags read together), tags field and answer, as term sets."""
        texts = list(_said(entry)[: MAX_PHRASINGS - 1])
        if entry.tags:
            texts.append(" ; ".join(entry.tags))
        phrasings = [self._term_set(text, analysed) for text in texts]
        topic = self._term_set(entry.topic, analysed)
        tags = phrasings[-1] | topic if entry.tags else topic
        # What changed over time is searchable with the answer: "why does upwork take 20%" finds
        # the fee entry whose history holds the old 20% tier.
        answer = " ; ".join((entry.answer, *(change.fact for change in entry.history)))
        return phrasings, tags, self._term_set(answer, analysed)

    def _term_set(self, text: str, analysed: _Vocabulary) -> set[str]:
        """The terms of text: stems of its content words and the synonym groups and phrases they belong to."""
        found = analysed.terms(text)
        if self._phrase_starts:
            stems = [stem(w) for w in words(text)]
            found.update(group for _, _, group in self._phrase_groups(stems))
        return found

    def _analyse(self, token: str) -> tuple[str, ...]:
        stems = [stem(w) for w in words(token) if w not in STOP_WORDS]
        return (*stems, *chain.from_iterable(self._single.get(s, ()) for s in stems))

    def _phrase_groups(self, stems: Sequence[str]) -> list[tuple[int, int, str]]:
        """The synonym phrases in a sequence of stems (stop words included): (start, end, group)."""
        found: list[tuple[int, int, str]] = []
        for position, term in enumerate(stems):
            if term in self._phrase_starts:
                for length in range(2, self._max_phrase + 1):
                    for group in self._phrases.get(tuple(stems[position : position + length]), ()):
                        found.append((position, position + length, group))
        return found

    # -- state ---------------------------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        """The index as plain data (dicts, strings, bytes, numbers) for marshal and the cache."""
        return self._state

    def _load(self, state: dict[str, Any]) -> None:
        """Take a state as state() gives it (from the cache, say), checked before use: TypeError or
        ValueError when it is not one."""
        if not isinstance(state, dict):
            raise TypeError("bad index state")
        if state.get("version") != STATE_VERSION or state.get("count") != len(self.entries):
            raise ValueError("index state does not fit this knowledge base")
        for names, kind in _STATE_TYPES:
            for name in names:
                if not isinstance(state.get(name), kind):
                    raise TypeError(f"bad index state: {name}")
        self._state = state
        self._count = state["count"]
        self._raw_postings: Mapping[str, bytes | memoryview] = state["postings"]
        self._raw_phrasings: Mapping[str, bytes | memoryview] = state["phrasing_postings"]
        self._offsets = array("I")
        self._offsets.frombytes(state["offsets"])
        self._weights = array("d")
        self._weights.frombytes(state["weights"])
        self._surface: list[str] = state["surface"]
        self._surface_stems: list[str] = state["surface_stems"]
        self._reversed_surface: list[str] = state["reversed_surface"]
        self._reversed_order = array("I")
        self._reversed_order.frombytes(state["reversed_order"])
        if not len(self._surface) == len(self._surface_stems) == len(self._reversed_order):
            raise ValueError("index state does not fit together")
        self._unseen_idf = _idf(self._count, 1)
        self._authority: bytes = state["authority"]
        if len(self._authority) != self._count:
            raise ValueError("index state does not fit together")

    def _curation(self) -> float:
        """Evidence.curation: the log of the mean number of phrasings (question, aliases, tags) an
        entry has, at most MAX_PHRASINGS (past the knowledge bases it was fitted on, it counts no more)."""
        return math.log(min(max(self._offsets[-1] / max(self._count, 1), 1.0), MAX_PHRASINGS))

    def _postings(self, term: str) -> "array[int]":
        codes = array("I")
        codes.frombytes(self._raw_postings[term])
        return codes

    def _phrasing_codes(self, term: str) -> "array[int]":
        codes = array("I")
        codes.frombytes(self._raw_phrasings.get(term, b""))
        return codes

    def _idf(self, term: str) -> float:
        return _idf(self._count, len(self._raw_postings[term]) // _CODE_BYTES)

    # -- query analysis ------------------------------------------------------------------------

    def _tokens(self, query: str) -> list[_Token]:
        """The query's content words (stop words out, a repeated word once), each with the terms it may
        stand for and its weight."""
        every = words(query[:MAX_QUERY_CHARS])
        # Each content word keeps its place in the query, to know which phrases cover it.
        places = [i for i, w in enumerate(every) if w not in STOP_WORDS][:MAX_QUERY_WORDS]
        phrases = self._phrases_at(every, places)
        tokens: list[_Token] = []
        seen: set[str] = set()
        typo_lookups = 0
        for position, place in enumerate(places):
            word = every[place]
            term = stem(word)
            if term in seen:
                continue
            seen.add(term)
            groups = [*self._single.get(term, ()), *phrases.get(position, ())]
            alternatives = self._alternatives(word, term, groups)
            if not alternatives and not groups and typo_lookups < MAX_TYPO_LOOKUPS:
                typo_lookups += 1
                alternatives = self._typo_alternatives(word)
            tokens.append(_Token(word, self._token_weight(term, alternatives), alternatives))
        return tokens

    def _phrases_at(self, every: Sequence[str], places: Sequence[int]) -> dict[int, list[str]]:
        """The synonym groups of the phrases ("two-step verification") covering each content word,
        by its position among the content words (places: where they are among every word)."""
        if not self._phrase_starts or not places:
            return {}
        spans = self._phrase_groups([stem(w) for w in every[: places[-1] + 1]])
        covering: dict[int, list[str]] = {}
        for position, place in enumerate(places):
            for start, end, group in spans:
                if start <= place < end:
                    covering.setdefault(position, []).append(group)
        return covering

    def _alternatives(self, word: str, term: str, groups: Sequence[str]) -> list[_Alternative]:
        """What a query word stands for in the knowledge base: its own term, its synonym groups, and
        known words it is part of or that are part of it."""
        known = self._raw_postings
        alternatives = [_Alternative(term, 1.0, "exact")] if term in known else []
        alternatives.extend(
            _Alternative(group, SYNONYM_FACTOR, "synonym") for group in dict.fromkeys(groups) if group in known
        )
        taken = {alternative.term for alternative in alternatives}
        for candidate in self._partials(word):
            candidate_stem = self._surface_stems[candidate]
            if candidate_stem != term and candidate_stem in known and candidate_stem not in taken:
                taken.add(candidate_stem)
                alternatives.append(_Alternative(candidate_stem, PARTIAL_FACTOR, "partial"))
        return alternatives

    def _typo_alternatives(self, word: str) -> list[_Alternative]:
        """What an unknown word may be a typo of: known words (and their synonym groups) a few edits
        away, each counting less for every edit."""
        known = self._raw_postings
        alternatives: list[_Alternative] = []
        for candidate, distance in self._typos(word):
            factor = 1.0 - TYPO_PENALTY * distance
            candidate_stem = self._surface_stems[candidate]
            if candidate_stem in known:
                alternatives.append(_Alternative(candidate_stem, factor, "typo"))
            alternatives.extend(
                _Alternative(group, factor * SYNONYM_FACTOR, "typo")
                for group in self._single.get(candidate_stem, ())
                if group in known
            )
        return alternatives

    def _token_weight(self, term: str, alternatives: Sequence[_Alternative]) -> float:
        """A query word's weight: the IDF of its own term when the knowledge base holds it, else of
        the rarest term it may stand for, else that of a word no entry holds."""
        if not alternatives:
            return self._unseen_idf
        if alternatives[0].kind == "exact":
            return self._idf(term)
        return max(self._idf(alternative.term) for alternative in alternatives)

    def _spelt(self, word: str) -> int | None:
        """The position of word among the knowledge base's spellings, or None."""
        position = bisect_left(self._surface, word)
        return position if position < len(self._surface) and self._surface[position] == word else None

    def _partials(self, word: str) -> list[int]:
        """Known words that extend, or are embedded in, this one: exe/executable, mail/email, unfriend/friend.

        Returns positions among the knowledge base's spellings.
        """
        found: list[int] = []
        if not word.isalpha() or len(word) < FUZZY_MIN_LENGTH:
            return found
        start = bisect_left(self._surface, word)
        for position in range(start, min(start + PARTIAL_LIMIT, len(self._surface))):
            if not self._surface[position].startswith(word):
                break
            if self._surface[position] != word:
                found.append(position)
        backwards = word[::-1]
        start = bisect_left(self._reversed_surface, backwards)
        for position in range(start, min(start + PARTIAL_LIMIT, len(self._reversed_surface))):
            if not self._reversed_surface[position].startswith(backwards):
                break
            if self._reversed_surface[position] != backwards:
                found.append(self._reversed_order[position])
        for length in range(FUZZY_MIN_LENGTH, len(word)):
            for piece in (word[:length], word[-length:]):
                spelt = self._spelt(piece)
                if spelt is not None:
                    found.append(spelt)
        return found

    def _typos(self, word: str) -> list[tuple[int, int]]:
        """Known words within a small edit distance of an unknown one: 1 edit from 4 letters, 2 from 9."""
        if len(word) < FUZZY_MIN_LENGTH or not word.isalpha():
            return []
        from rapidfuzz import process  # only unknown words need it: keep it off the start-up path
        from rapidfuzz.distance import OSA

        limit = 1 if len(word) < TYPO_LONG_WORD else 2
        # People rarely mistype the first letter; requiring it keeps "tell" from becoming "well",
        # and confines the search to the spellings that start with it.
        start = bisect_left(self._surface, word[0])
        end = bisect_left(self._surface, chr(ord(word[0]) + 1))
        found = process.extract(
            word, self._surface[start:end], scorer=OSA.distance, score_cutoff=limit, limit=TYPO_CANDIDATES
        )
        return [(start + position, int(distance)) for _, distance, position in found]

    def knows(self, word: str) -> bool:
        """Whether the knowledge base uses this word, in any form (its stem, or as it is spelt)."""
        folded = word.lower()
        return stem(folded) in self._raw_postings or self._spelt(folded) is not None

    def highlighter(self, match: Match) -> Callable[[str], list[tuple[int, int]]]:
        """A function giving the spans of the words in a text that the match's query found."""
        wanted = match.matched_terms

        def spans(text: str) -> list[tuple[int, int]]:
            found = []
            for start, end, word in word_spans(text):
                term = stem(word)
                if term in wanted or any(g in wanted for g in self._single.get(term, ())):
                    found.append((start, end))
            return found

        return spans

    @staticmethod
    def _resemblance(query_grams: frozenset[str], phrasings: Sequence[str]) -> float:
        """How alike the query and the closest of some phrasings are as strings (3- and 4-letter pieces)."""
        if not query_grams:
            return 0.0
        best = 0.0
        for phrasing in phrasings:
            grams = _grams(w for w in words(phrasing) if w not in STOP_WORDS)
            if grams:
                best = max(best, 2 * len(query_grams & grams) / (len(query_grams) + len(grams)))
        return best

    # -- searching -----------------------------------------------------------------------------

    def search(
        self, query: str, limit: int = 5, threshold: float = DEFAULT_THRESHOLD, suggestions: int = SUGGESTIONS
    ) -> Result:
        """Rank entries against query: up to limit confident matches, or up to `suggestions` near misses."""
        tokens = self._tokens(query)
        total = sum(token.weight for token in tokens)
        unknown = tuple(token.word for token in tokens if not token.alternatives)
        if not total:
            return Result(query, 0.0, False, (), (), (), unknown)
        found, coverage, matched = self._gather(tokens)
        closeness = self._closeness(matched, total, len(tokens) > CONTAINED_QUERY)
        measure = max(total, INFORMATIVE_WEIGHT) * _length_allowance(len(tokens))
        keep = max(limit, CANDIDATES) + EXTRA_CANDIDATES
        asked = (question_kinds(query[:MAX_QUERY_CHARS]), question_cases(query[:MAX_QUERY_CHARS]))
        matches = self._rank(tokens, found, coverage, (closeness, matched), measure, keep, asked)
        if matches and not matches[0].entry.trusted:
            # Ranked deeper, so that an official answer the untrusted one contradicts is found.
            deeper = self._rank(tokens, found, coverage, (closeness, matched), measure, keep + RERANK, asked)
            matches = _prefer_official(deeper)[:keep]
        broad = bool(matches) and _broad(tokens) and self._about(matches[0])
        evidence = _evidence(matches, tokens, total, broad)._replace(curation=self._curation()) if matches else None
        confidence = calibrated(evidence) if evidence else 0.0
        candidates = tuple(matches[: max(limit, CANDIDATES)])
        if (
            matches
            and confidence >= threshold
            and matches[0].score >= SUGGESTION_FLOOR
            and not _answers_another_case(matches[0])
        ):
            further = (m for m in matches[1:] if m.score >= ANSWER_FLOOR and not m.excluded)
            confident = (matches[0], *further)[: max(limit, 1)]
            return Result(query, confidence, True, confident, (), candidates, unknown, evidence)
        near = tuple(m for m in matches if m.score >= SUGGESTION_FLOOR)[:suggestions]
        split = (
            evidence is not None
            and evidence.rival is not None
            and calibrated(evidence._replace(gap=evidence.score)) >= threshold
        )
        return Result(query, confidence, False, (), near, candidates, unknown, evidence, split and len(near) > 1)

    def _gather(
        self, tokens: list[_Token]
    ) -> tuple[list[dict[int, tuple[float, int, int]]], dict[int, float], dict[int, float]]:
        """Walk the postings of every token's alternatives once.

        Returns, per token, entry -> (strength, alternative, field) of its best alternative there;
        the weighted coverage sum per entry; and the weighted matches per phrasing code.
        """
        found: list[dict[int, tuple[float, int, int]]] = []
        coverage: dict[int, float] = {}
        matched: dict[int, float] = {}
        # A synonym group found in an entry stands for one of the query's words there, not for
        # each: "star rating" must not count twice in an entry that only says "feedback", or
        # it outranks the entry that holds both words.
        credited: set[tuple[int, str]] = set()
        for token in tokens:
            best: dict[int, tuple[float, int, int]] = {}
            phrased: dict[int, float] = {}
            for number, (term, factor, _) in enumerate(token.alternatives):
                strengths = [factor * w for w in FIELD_WEIGHTS]
                grouped = term.startswith("~")
                for code in self._postings(term):
                    entry = code >> _FIELD_BITS
                    if grouped and (entry, term) in credited:
                        continue
                    strength = strengths[code & _FIELD_MASK]
                    previous = best.get(entry)
                    if previous is None or previous[0] < strength:
                        best[entry] = (strength, number, code & _FIELD_MASK)
                for code in self._phrasing_codes(term):
                    if phrased.get(code, 0.0) < factor:
                        phrased[code] = factor
            weight = token.weight
            for entry, (strength, number, _) in best.items():
                coverage[entry] = coverage.get(entry, 0.0) + weight * strength
                if token.alternatives[number].term.startswith("~"):
                    credited.add((entry, token.alternatives[number].term))
            for code, factor in phrased.items():
                matched[code] = matched.get(code, 0.0) + weight * factor
            found.append(best)
        return found, coverage, matched

    def _closeness(self, matched: dict[int, float], total: float, contained: bool = False) -> dict[int, float]:
        """Per entry, the best Dice overlap between the query and one of its phrasings; when contained
        (a long query, see CONTAINED_QUERY), the best share of a phrasing's weight the query holds."""
        closeness: dict[int, float] = {}
        offsets, weights = self._offsets, self._weights
        least = self._unseen_idf
        for code, hits in matched.items():
            entry = code >> _PHRASING_BITS
            own = weights[offsets[entry] + (code & _PHRASING_MASK)]
            # Contained: the share of the phrasing the query holds; else Dice of the two.
            shared = hits / max(own, least) if contained else 2 * hits / max(total + own, 1e-9)
            overlap = min(shared, 1.0)
            if overlap > closeness.get(entry, 0.0):
                closeness[entry] = overlap
        return closeness

    def _about(self, match: Match) -> bool:
        """Whether the entry is about the telling words it matched: holds them in its question, tags
        or topic, not only in an alias or its answer. "safe" in an alias of the entry on re-verifying
        your identity does not make that entry the answer to a subject "safe"."""
        entry = match.entry
        own = self._term_set(" ; ".join((entry.question, entry.topic, *entry.tags)), _Vocabulary(self._analyse))
        return all(t.term in own for t in match.terms if t.weight >= INFORMATIVE_WEIGHT)

    def _nearest(self, entry: int, matched: dict[int, float]) -> list[int]:
        """The numbers of an entry's RESEMBLANCE_PHRASINGS phrasings that share most with the query."""
        base = entry << _PHRASING_BITS
        count = self._offsets[entry + 1] - self._offsets[entry]
        shared = [(matched[base | n], -n) for n in range(count) if base | n in matched]
        return [-n for _, n in heapq.nlargest(RESEMBLANCE_PHRASINGS, shared)]

    def _rank(
        self,
        tokens: list[_Token],
        found: list[dict[int, tuple[float, int, int]]],
        coverage: dict[int, float],
        closest: tuple[dict[int, float], dict[int, float]],
        measure: float,
        keep: int,
        asked: tuple[frozenset[str], frozenset[str]] = (frozenset(), frozenset()),
    ) -> list[Match]:
        """The best `keep` entries as Matches, best first; only they are ever looked at in full.

        measure is the query weight that coverage is a share of; asked holds the kinds of answer
        (text.question_kinds) and the cases (text.question_cases) the query asks for.
        """
        closeness, matched = closest
        kinds, cases = asked
        query_grams = _grams(token.word for token in tokens)
        reranked = set(
            heapq.nsmallest(RERANK, coverage, key=lambda e: (-(coverage[e] / measure + closeness.get(e, 0.0)), e))
        )
        scores: dict[int, float] = {}
        resemblances: dict[int, float] = {}
        excluded = _excluded_cases(cases, {index: self.entries[index].question for index in reranked}) if cases else {}
        for index, covered in coverage.items():
            score = WEIGHTS[0] * covered / measure + WEIGHTS[1] * closeness.get(index, 0.0)
            if index in reranked:
                # The question and the phrasings closest by words: comparing every alias of every
                # candidate would cost more than all the rest of a search.
                phrasings = _closest_phrasings(self.entries[index], self._nearest(index, matched))
                resemblances[index] = self._resemblance(query_grams, phrasings)
                score += WEIGHTS[2] * resemblances[index]
                if kinds and not any(kinds & question_kinds(phrasing) for phrasing in phrasings):
                    score *= 1 - KIND_SHARE
                if index in excluded:
                    score *= CASE_FACTOR
            scores[index] = score * _FACTORS_BY_CODE[self._authority[index]]
        # Only the entries that can be shown are decoded; a few more settle ties by id.
        matches = []
        for index in heapq.nsmallest(keep + TIE_MARGIN, scores, key=lambda e: (-scores[e], e)):
            entry = self.entries[index]
            matches.append(
                Match(
                    entry,
                    round(100 * scores[index], 1),
                    coverage[index] / measure,
                    closeness.get(index, 0.0),
                    resemblances.get(index, 0.0),
                    self._term_matches(index, tokens, found),
                    excluded.get(index, ""),
                )
            )
        matches.sort(key=lambda m: (-m.score, m.entry.id))
        return matches[:keep]

    def _term_matches(
        self, index: int, tokens: list[_Token], found: list[dict[int, tuple[float, int, int]]]
    ) -> tuple[TermMatch, ...]:
        matches = []
        for token, best in zip(tokens, found, strict=True):
            hit = best.get(index)
            if hit is not None:
                strength, number, field = hit
                term, _, kind = token.alternatives[number]
                matches.append(TermMatch(token.word, term, FIELDS[field], kind, token.weight, strength))
        return tuple(matches)


PARALLEL_MIN = 20_000
"""Knowledge bases at least this large are indexed by several processes, when the machine has cores."""
_building: "Index | None" = None


def _workers(count: int) -> int:
    # Only Linux forks safely here: macOS's system libraries may not survive a fork, and Windows
    # has none. Elsewhere one process indexes.
    if count < PARALLEL_MIN or not sys.platform.startswith("linux"):
        return 1
    return max(
        1, min(MAX_WORKERS, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
    )


class ParallelUnavailable(Exception):
    """Indexing in several processes cannot run here: no fork, no room for a process, or a worker
    died (killed, out of memory). Indexing in one pass does the same work."""


def _parallel_parts(index: "Index", count: int, workers: int) -> list[dict[str, Any]]:
    """Index consecutive ranges of entries in forked processes, which share the parsed entries.

    Raises ParallelUnavailable when processes cannot do it; an error inside a worker's indexing
    is raised as it is.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    try:
        context = multiprocessing.get_context("fork")
    except ValueError as error:
        raise ParallelUnavailable(f"no fork on this system ({error})") from error
    global _building  # noqa: PLW0603 - forked workers find the index here, instead of being sent a copy
    _building = index
    try:
        bounds = [count * n // workers for n in range(workers + 1)]
        with ProcessPoolExecutor(
            workers - 1, mp_context=context, initializer=_worker_start, initargs=(os.getpid(),)
        ) as pool:
            # This process takes the first range itself rather than wait: one fewer result to copy back.
            others = pool.map(_build_range, bounds[1:-1], bounds[2:])
            first = index._build_range(bounds[0], bounds[1])
            return [first, *others]
    except (OSError, BrokenProcessPool) as error:
        raise ParallelUnavailable(f"{type(error).__name__}: {error}") from error
    finally:
        _building = None


def _worker_start(parent: int) -> None:
    """Tie an indexing worker to upfaq: it dies with it, and never holds the caller's pipes.

    A worker that outlived a killed upfaq (SIGKILL, a caller's timeout) would keep indexing and
    keep `upfaq ... | cat` from ever ending, since it inherited the write end of the pipe.
    """
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        pr_set_pdeathsig = 1
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL)
    if os.getppid() != parent:  # upfaq died before the signal was asked for
        os._exit(1)


def _build_range(start: int, end: int) -> dict[str, Any]:
    assert _building is not None
    return _building._build_range(start, end)


def _post(postings: defaultdict[str, list[int]], groups: Iterable[set[str]], base: int) -> None:
    """Append base | n to the posting list of every term of the n-th group."""
    for number, found in enumerate(groups):
        code = base | number
        for term in found:
            postings[term].append(code)


LONG_QUERY = 6
"""Queries of more content words than this are questions with context ("I submitted the work a
week ago and the client has not approved it, how long do I wait?"): not all of their words are
expected in the answer."""
LONG_QUERY_EXPONENT = 0.5
CONTAINED_QUERY = 7
"""Queries of more content words than this (longer than 97% of the bundled knowledge base's phrasings)
are compared with a phrasing by how much of it they hold, not by Dice: Dice divides by the query's
whole weight, so for a pasted post it mostly measures the context around the question, and an entry
whose question the post contains in full scores little more than one sharing two words with it. A
phrasing counts at least the weight of the rarest word (a one-word tag is not "contained" by every
query that says it). On benchmarks/real-questions.jsonl top-1 0.438 -> 0.521 (4 queries gained,
none lost), MRR@5 0.553 -> 0.619; the short bundled sets are unchanged (queries-problems +1),
StackFAQ +4/-3 and stackfaq-oos +4/-1 queries at top-1. From 6 words StackFAQ lost 10 queries for 5
gained; from 8 real-questions gained 3. A Dice blend (0.5 or 0.7 containment), or Dice against the
query's length-allowed weight, gained less."""


def _length_allowance(count: int) -> float:
    """The share of a query's weight that coverage is measured against: 1 up to LONG_QUERY words, then less."""
    return 1.0 if count <= LONG_QUERY else (LONG_QUERY / count) ** LONG_QUERY_EXPONENT


def _idf(count: int, frequency: int) -> float:
    return math.log(1 + (count - frequency + 0.5) / (frequency + 0.5))


BROAD_QUERY = 1
"""Queries of at most this many content words name a subject ("fees", "skype"): see _rival."""
BROAD_WEIGHT = math.log(3)
"""The least weight of a subject's word: one held by at most a third of the entries. A word that
most entries hold ("clients") names no subject."""


def _rival(matches: Sequence[Match], broad: bool = False) -> Match | None:
    """The first candidate after the best that is a different answer and not linked to it.

    For a broad query (see _broad), a candidate that holds the same telling query words as the best
    is no rival either: "fees" names a subject, not one question; its best entry is the answer and
    the others are listed under it.
    """
    best = matches[0].entry
    held = _telling_words(matches[0])
    for match in matches[1:]:
        if match.entry.answer == best.answer or _linked(best, match.entry):
            continue
        if broad and _telling_words(match) == held:
            continue
        return match
    return None


def _broad(tokens: Sequence[_Token]) -> bool:
    """Whether a query names a subject rather than asks a question: at most BROAD_QUERY telling
    content words, each at least BROAD_WEIGHT. A word that weighs less than INFORMATIVE_WEIGHT
    (held by three entries in four or more: "upwork" in the bundled knowledge base) tells nothing
    of the subject: "what is the upwork fee" names fees as "fees" does."""
    telling = [token for token in tokens if token.weight >= INFORMATIVE_WEIGHT]
    return 0 < len(telling) <= BROAD_QUERY and all(token.weight >= BROAD_WEIGHT for token in telling)


def _telling_words(match: Match) -> set[str]:
    """The query words a candidate holds, less those too common to tell anything (see _broad)."""
    return {t.word for t in match.terms if t.weight >= INFORMATIVE_WEIGHT}


def _evidence(matches: Sequence[Match], tokens: Sequence[_Token], total: float, broad: bool = False) -> Evidence:
    """What the confidence in matches[0] is estimated from; broad: whether the query names a subject
    the best entry is about (see _rival)."""
    best = matches[0]
    rival = _rival(matches, broad)
    held = {t.word for t in best.terms}
    missed = sum(token.weight for token in tokens if token.word not in held)
    return Evidence(
        score=best.score / 100,
        gap=(best.score - (rival.score if rival else 0.0)) / 100,
        rival=rival.entry.id if rival else None,
        missed=missed / total,
    )


CALIBRATION = (-1.706, 1.495, 11.5, -0.7588, 0.943, -0.78, 13.42)
"""A logistic regression from calibration_inputs to the probability that the best candidate is right:
the intercept, then one coefficient per input. Fitted by benchmarks/calibrate.py (L2 penalty 1 on
standardised inputs) on every labelled query set of the bundled knowledge base in benchmarks/ (but
queries-problems-3.jsonl, held out to measure it: at the threshold it is confidently wrong on 0.033) and
on two public sets of an uncurated one (StackFAQ, questions only, with and without out-of-scope
queries), checked by 5-fold cross-validation by query and by entry. The inputs are the best score,
its lead over the rival, and how curated the knowledge base is (Evidence.curation), alone and with
each of the other two: a score of 45 is a likely answer among bare questions and a weak one among
entries with twenty phrasings each; and the score times the lead: a lead means more under a strong
score than under a weak one, so a lone weak match (score 45, no rival) is no longer trusted as much
as its lead alone would say. Without the curation inputs, one threshold for both kinds of
knowledge base answered right 0.36 of StackFAQ; with them, 0.56, the bundled sets unchanged within a
query. The score-times-lead input (2026-12-02) raised answered-right out of fold on every set at
once (worst of ten shuffles: topics 0.741 -> 0.754, dev 0.705 -> 0.727, bundled 0.739 -> 0.768,
problems 0.669 -> 0.692, StackFAQ 0.543 -> 0.566, real questions 0.229 -> 0.250) and lowered the
threshold from 80 to 75; its square terms (score or lead squared) did not. Each further input
tried (the lead over the second candidate whatever it is, over the first candidate not even a
neighbour's neighbour, coverage, closeness, resemblance, query length, words no
entry holds or the best does not, typos, the best entry's own number of phrasings, whether the best
also leads on coverage, closeness and resemblance, and its margins there over the rival) lowered
answered-right at the 5% bound out of fold; capping the lead at GAP_CAP did better than at 0.1,
0.15, 0.25, 0.3 or not at all (checked again with the score-times-lead input: 0.15, 0.25 and 0.3
each lost on most sets). Refit with that script when the ranking changes."""
GAP_CAP = 0.2
"""A lead over the rival counts up to this (0-1): past it, the rival is no longer a candidate answer."""


def calibration_inputs(evidence: Evidence) -> tuple[float, ...]:
    """The evidence as the numbers CALIBRATION weighs, in the order of its coefficients: the score,
    the lead (capped), the curation, the curation times each of the first two, and the score times
    the lead."""
    score, lead, curation = evidence.score, min(evidence.gap, GAP_CAP), evidence.curation
    return (score, lead, curation, score * curation, lead * curation, score * lead)


def calibrated(evidence: Evidence) -> float:
    """The confidence, 0-100: the fitted probability (in percent) that the best candidate is right."""
    intercept, *coefficients = CALIBRATION
    value = intercept + sum(c * x for c, x in zip(coefficients, calibration_inputs(evidence), strict=True))
    return round(100 / (1 + math.exp(-max(-30.0, min(30.0, value)))), 1)


_AUTHORITY_CODES = {authority: code for code, authority in enumerate(("official", *AUTHORITY_FACTORS))}
"""How an entry's authority is kept in the index: one byte an entry (0 for official or unset)."""
_FACTORS_BY_CODE = (1.0, *AUTHORITY_FACTORS.values())
TIE_MARGIN = 5


def authority_factor(entry: Entry) -> float:
    """What an entry's score is multiplied by for its authority (1 for official answers)."""
    return 1.0 if entry.authority is None else AUTHORITY_FACTORS.get(entry.authority, 1.0)


def _in_conflict(a: Entry, b: Entry) -> bool:
    return a.id in b.conflicts or b.id in a.conflicts


def _linked(a: Entry, b: Entry) -> bool:
    """Whether either entry names the other as related or conflicting."""
    return a.id in b.related or b.id in a.related or _in_conflict(a, b)


def _prefer_official(matches: list[Match]) -> list[Match]:
    """Put an official answer first when the top one is untrusted and conflicts with it.

    When sources disagree and the official one matches at all (at least as well as a suggestion),
    the official one is the answer, confident or not; the untrusted one stays in the list, where
    it is shown with its warning. A community answer is never the first thing shown over the
    official rule it contradicts.
    """
    if not matches or matches[0].entry.trusted:
        return matches
    top = matches[0]
    for position, match in enumerate(matches[1:], 1):
        if match.score < OFFICIAL_FLOOR:
            break
        if match.entry.trusted and (_in_conflict(top.entry, match.entry) or match.score >= top.score - UNTRUSTED_LEAD):
            return [match, *matches[:position], *matches[position + 1 :]]
    return matches


def _answers_another_case(match: Match) -> bool:
    """Whether the best candidate, about a case the query excludes, would answer another question:
    it is about another time (before or after the contract), or its answer opens with a "Yes." or
    "No." for its own case. A "how do I" entry may still answer "do I have to": its steps say what
    there is to do."""
    return bool(match.excluded) and (match.excluded not in ("must", "how") or bool(verdict(match.entry.answer)))


def _excluded_cases(cases: frozenset[str], questions: Mapping[int, str]) -> dict[int, str]:
    """The candidates (number -> question) whose question is about a case the query's cases exclude,
    each with that case.

    Before and after the contract are different situations, so an entry about the other one is
    excluded whatever else is found. "Must I" and "how do I" are told apart only when a candidate
    is about the case asked: asked "do I have to give a refund", the entry that says it is your
    choice beats the one with the steps; with no such entry, the steps are what there is to say.
    """
    own = {index: question_cases(question) for index, question in questions.items()}
    present = frozenset().union(*own.values())
    found: dict[int, str] = {}
    for index, named in own.items():
        for case in sorted(named - cases):
            asked = opposite_case(case)
            if asked in cases and (case not in ("must", "how") or asked in present):
                found[index] = case
                break
    return found


_ASIDE = re.compile(r"\s*(?:\([^)]*\)|,\s*(?:for example|e\.g\.|such as)\b[^.?!]*)")
"""An aside in a question: "(the freelancer service fee)", ", for example by PayPal or bank transfer"."""


def _said(entry: Entry) -> tuple[str, ...]:
    """The phrasings of an entry, numbered as the index numbers them: its question, the question
    without its asides when it has some (their extra words would make a query that asks just the
    question look far from it), then its aliases."""
    core = _ASIDE.sub("", entry.question)
    return (entry.question, *((core,) if core != entry.question else ()), *entry.aliases)


def _closest_phrasings(entry: Entry, near: Sequence[int]) -> list[str]:
    """The entry's question and the phrasings numbered in near (aliases; the tags are not one)."""
    said = _said(entry)
    return [said[number] for number in dict.fromkeys((0, *near)) if number < len(said)]


def _grams(content: Iterable[str]) -> frozenset[str]:
    """The 3- and 4-letter pieces of words, with word boundaries marked: typo- and compound-tolerant."""
    found: set[str] = set()
    for word in content:
        padded = f" {word} "
        for size in (3, 4):
            found.update(padded[i : i + size] for i in range(len(padded) - size + 1))
    return frozenset(found)


def suggest_ids(kb: KnowledgeBase, word: str, limit: int = 3) -> list[str]:
    """The ids closest to a mistyped or half-remembered one, best first."""
    from rapidfuzz import fuzz, process

    ids = [entry.id for entry in kb.entries]
    found = process.extract(word.casefold(), ids, scorer=fuzz.WRatio, limit=limit, score_cutoff=ID_SUGGESTION_CUTOFF)
    return [candidate for candidate, _, _ in found]
