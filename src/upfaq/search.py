"""Ranking: a query in, scored entries out. Pure: no I/O, no printing.

How an entry is scored (all figures are 0-1, shown to users as 0-100):

- Every query word that is not a stop word becomes a *token* with alternatives: its own stem,
  the synonym groups it belongs to (from the knowledge base's [synonyms] table), and, when the
  word is unknown, the knowledge-base words within a small edit distance (typos).
- Each token weighs its inverse document frequency, so a rare, telling word ("skype",
  "dispute") outweighs a common one ("upwork"); an unknown word weighs the most, because a query
  about something the knowledge base never mentions should not be answered.
- *coverage* is the weighted share of the query's tokens an entry holds, each counted by the
  best field it is found in (question and aliases above tags above answer).
- *closeness* compares the query with the entry's best phrasing (its question or one alias) as a
  weighted Jaccard overlap, so an entry asked the way the user asks wins over one that merely
  mentions the same words.
- The score blends the two. Below the threshold the tool abstains.
"""

import math
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import NamedTuple

from upfaq.kb import Entry, KnowledgeBase
from upfaq.text import STOP_WORDS, stem, word_spans, words

DEFAULT_THRESHOLD = 45.0
"""Confidence (0-100) below which no answer is given."""

SUGGESTION_FLOOR = 12.0
"""Near misses below this are not worth suggesting."""

FIELD_WEIGHTS = {"question": 1.0, "tags": 0.8, "answer": 0.6}
SYNONYM_FACTOR = 0.9
PARTIAL_FACTOR = 0.6
PARTIAL_LIMIT = 6
WEIGHTS = (0.5, 0.2, 0.3)
"""How coverage, closeness and resemblance blend into the score."""
RERANK = 30
MARGIN = 10.0
"""A runner-up closer than this to the best score lowers the confidence by the difference."""
CANDIDATES = 5
MAX_QUERY_CHARS = 4000
MAX_QUERY_WORDS = 64
MAX_TYPO_LOOKUPS = 12
"""Past these a query is not a question; the rest is ignored so that time per query stays bounded."""
"""Only the best candidates by coverage and closeness are compared letter by letter."""
UNTRUSTED_FACTOR = 0.97
"""Community and doubtful answers rank just below an official one that matches as well."""


class TermMatch(NamedTuple):
    """How one query word was found in an entry."""

    word: str
    term: str
    field: str
    kind: str  # "exact", "synonym" or "typo"
    weight: float
    strength: float


class Match(NamedTuple):
    """An entry with its confidence (0-100) and what the query matched in it."""

    entry: Entry
    score: float
    coverage: float
    closeness: float
    resemblance: float = 0.0
    terms: tuple[TermMatch, ...] = ()

    @property
    def matched_terms(self) -> frozenset[str]:
        """The index terms (stems and synonym groups) that matched, for highlighting."""
        return frozenset(t.term for t in self.terms)


class Result(NamedTuple):
    """The outcome of one query.

    confidence (0-100) says how sure the best candidate is the answer: its score, lowered when
    the runner-up scores nearly as well. The query is answered when confidence reaches the
    threshold; matches then holds the best candidate and the others that also reach it.
    Otherwise suggestions holds up to three near misses.
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


class _Token(NamedTuple):
    word: str
    weight: float
    alternatives: list[tuple[str, float, str]]  # (term, factor, kind)


def _synonym_term(group: str) -> str:
    return "~" + group


class Index:
    """A knowledge base prepared for searching. Build once, query many times."""

    def __init__(self, kb: KnowledgeBase) -> None:  # noqa: PLR0912 - one pass builds every posting list
        self.kb = kb
        self.entries = kb.entries
        self._single: dict[str, list[str]] = defaultdict(list)
        self._phrases: dict[tuple[str, ...], list[str]] = defaultdict(list)
        for group, members in kb.synonyms.items():
            for member in members:
                stems = tuple(stem(w) for w in words(member))
                if len(stems) == 1:
                    self._single[stems[0]].append(_synonym_term(group))
                elif stems:
                    self._phrases[stems].append(_synonym_term(group))
        self._max_phrase = max((len(p) for p in self._phrases), default=1)

        # term -> {entry index: best field weight}; term -> [(entry, phrasing)]
        self._fields: dict[str, dict[int, float]] = defaultdict(dict)
        self._phrasing_postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        phrasing_terms: list[list[set[str]]] = []
        self._surface: dict[str, str] = {}
        for index, entry in enumerate(self.entries):
            phrasings = [self._terms(p) for p in (entry.question, *entry.aliases)]
            if entry.tags:
                # The tags together read as one more, terse, way of asking.
                phrasings.append(self._terms(" ; ".join(entry.tags)))
            phrasing_terms.append([set(p) for p in phrasings])
            fields = {
                "question": set().union(*phrasings),
                "tags": set(self._terms(" ; ".join((*entry.tags, entry.topic)))),
                "answer": set(self._terms(entry.answer)),
            }
            for name, found in fields.items():
                weight = FIELD_WEIGHTS[name]
                postings = self._fields
                for term in found:
                    if postings[term].get(index, 0.0) < weight:
                        postings[term][index] = weight
            for number, found in enumerate(phrasing_terms[-1]):
                for term in found:
                    self._phrasing_postings[term].append((index, number))
        for members in kb.synonyms.values():
            for member in members:
                self._add_surface(member)
        for entry in self.entries:
            for text in (entry.question, *entry.aliases, *entry.tags, entry.answer):
                self._add_surface(text)
        self._surface_words = list(self._surface)
        self._sorted_surface = sorted(self._surface)
        self._sorted_reversed = sorted(w[::-1] for w in self._surface)

        count = len(self.entries)
        self._idf = {term: math.log(1 + (count - len(p) + 0.5) / (len(p) + 0.5)) for term, p in self._fields.items()}
        self._unseen_idf = math.log(1 + (count - 0.5) / 1.5)
        self._phrasing_weight = [
            [sum(self._idf[t] for t in found) for found in per_entry] for per_entry in phrasing_terms
        ]

    def _add_surface(self, text: str) -> None:
        for word in words(text):
            if word not in STOP_WORDS and len(word) >= 4 and word.isalpha():
                self._surface.setdefault(word, stem(word))

    def _terms(self, text: str) -> list[str]:
        """Stems of text's content words plus the synonym groups they belong to."""
        stems = [stem(w) for w in words(text) if w not in STOP_WORDS]
        found = list(stems)
        for position, term in enumerate(stems):
            found.extend(self._single.get(term, ()))
            for length in range(2, self._max_phrase + 1):
                groups = self._phrases.get(tuple(stems[position : position + length]))
                if groups:
                    found.extend(groups)
        return found

    def _tokens(self, query: str) -> list[_Token]:  # noqa: PLR0912 - exact, synonym, typo: each its own branch
        tokens: list[_Token] = []
        seen: set[str] = set()
        typo_lookups = 0
        folded = words(query[:MAX_QUERY_CHARS])
        content = [w for w in folded if w not in STOP_WORDS][:MAX_QUERY_WORDS]
        stems = [stem(w) for w in content]
        phrase_groups: dict[int, list[str]] = defaultdict(list)
        for position in range(len(stems)):
            for length in range(2, self._max_phrase + 1):
                for group in self._phrases.get(tuple(stems[position : position + length]), ()):
                    for covered in range(position, min(position + length, len(stems))):
                        phrase_groups[covered].append(group)
        for position, (word, term) in enumerate(zip(content, stems, strict=True)):
            if term in seen:
                continue
            seen.add(term)
            alternatives: list[tuple[str, float, str]] = []
            if term in self._fields:
                alternatives.append((term, 1.0, "exact"))
            groups = [*self._single.get(term, ()), *phrase_groups.get(position, ())]
            for group in dict.fromkeys(groups):
                if group in self._fields:
                    alternatives.append((group, SYNONYM_FACTOR, "synonym"))
            if PARTIAL_FACTOR:
                known = {t for t, _, _ in alternatives}
                for candidate in self._partials(word):
                    candidate_stem = self._surface[candidate]
                    if candidate_stem != term and candidate_stem in self._fields and candidate_stem not in known:
                        known.add(candidate_stem)
                        alternatives.append((candidate_stem, PARTIAL_FACTOR, "partial"))
            if not alternatives and not groups and typo_lookups < MAX_TYPO_LOOKUPS:
                typo_lookups += 1
                for candidate, distance in self._typos(word):
                    factor = 1.0 - 0.12 * distance
                    candidate_stem = self._surface[candidate]
                    if candidate_stem in self._fields:
                        alternatives.append((candidate_stem, factor, "typo"))
                    for group in self._single.get(candidate_stem, ()):
                        if group in self._fields:
                            alternatives.append((group, factor * SYNONYM_FACTOR, "typo"))
            if alternatives:
                weight = max(self._idf[t] for t, _, _ in alternatives)
                if alternatives[0][2] == "exact":
                    weight = self._idf[term]
            else:
                weight = self._unseen_idf
            tokens.append(_Token(word, weight, alternatives))
        return tokens

    def _partials(self, word: str) -> list[str]:
        """Known words that extend, or are embedded in, this one: exe/executable, mail/email, unfriend/friend."""
        found: list[str] = []
        if not word.isalpha() or len(word) < 3:
            return found
        for ordered, key in ((self._sorted_surface, word), (self._sorted_reversed, word[::-1])):
            if len(key) < 4:
                continue
            start = bisect_left(ordered, key)
            for candidate in ordered[start : start + PARTIAL_LIMIT]:
                if not candidate.startswith(key):
                    break
                if candidate != key:
                    found.append(candidate if ordered is self._sorted_surface else candidate[::-1])
        for length in range(4, len(word)):
            for piece in (word[:length], word[-length:]):
                if piece in self._surface:
                    found.append(piece)
        return found

    def _typos(self, word: str) -> list[tuple[str, int]]:
        """Known words within a small edit distance of an unknown one: 1 edit from 4 letters, 2 from 9."""
        if len(word) < 4 or not word.isalpha():
            return []
        from rapidfuzz import process  # only unknown words need it: keep it off the start-up path
        from rapidfuzz.distance import OSA

        limit = 1 if len(word) < 9 else 2
        found = process.extract(word, self._surface_words, scorer=OSA.distance, score_cutoff=limit, limit=5)
        # People rarely mistype the first letter; requiring it keeps "tell" from becoming "well".
        return [(candidate, int(distance)) for candidate, distance, _ in found if candidate[0] == word[0]]

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

    def _resemblance(self, query_grams: frozenset[str], entry: Entry) -> float:
        """How alike the query and the entry's closest phrasing are as strings (3- and 4-letter pieces)."""
        if not query_grams:
            return 0.0
        best = 0.0
        for phrasing in (entry.question, *entry.aliases):
            grams = _grams(w for w in words(phrasing) if w not in STOP_WORDS)
            if grams:
                best = max(best, 2 * len(query_grams & grams) / (len(query_grams) + len(grams)))
        return best

    def search(self, query: str, limit: int = 5, threshold: float = DEFAULT_THRESHOLD) -> Result:
        """Rank entries against query: matches at or above threshold, and up to 3 near misses."""
        tokens = self._tokens(query)
        total = sum(token.weight for token in tokens)
        unknown = tuple(token.word for token in tokens if not token.alternatives)
        if not total:
            return Result(query, 0.0, False, (), (), (), unknown)

        # entry -> token position -> (strength, term, field, kind)
        best: dict[int, dict[int, tuple[float, str, str, str]]] = defaultdict(dict)
        phrasing_hits: dict[tuple[int, int], dict[int, float]] = defaultdict(dict)
        for position, token in enumerate(tokens):
            for term, factor, kind in token.alternatives:
                for index, field_weight in self._fields[term].items():
                    strength = factor * field_weight
                    previous = best[index].get(position)
                    if previous is None or previous[0] < strength:
                        best[index][position] = (strength, term, _field_name(field_weight), kind)
                for key in self._phrasing_postings.get(term, ()):
                    if phrasing_hits[key].get(position, 0.0) < factor:
                        phrasing_hits[key][position] = factor

        closeness: dict[int, float] = defaultdict(float)
        for (index, number), hits in phrasing_hits.items():
            matched = sum(tokens[p].weight * f for p, f in hits.items())
            own = self._phrasing_weight[index][number]
            overlap = 2 * matched / max(total + own, 1e-9)
            closeness[index] = max(closeness[index], min(overlap, 1.0))

        preliminary = sorted(
            best, key=lambda i: -(sum(tokens[p].weight * h[0] for p, h in best[i].items()) / total + closeness[i])
        )
        query_grams = _grams(token.word for token in tokens)
        matches: list[Match] = []
        for rank, index in enumerate(preliminary):
            hits = best[index]
            coverage = sum(tokens[p].weight * hit[0] for p, hit in hits.items()) / total
            entry = self.entries[index]
            resemblance = self._resemblance(query_grams, entry) if rank < RERANK else 0.0
            score = WEIGHTS[0] * coverage + WEIGHTS[1] * closeness[index] + WEIGHTS[2] * resemblance
            if not entry.trusted:
                score *= UNTRUSTED_FACTOR
            found = tuple(
                TermMatch(tokens[p].word, hit[1], hit[2], hit[3], tokens[p].weight, hit[0])
                for p, hit in sorted(hits.items())
            )
            matches.append(Match(entry, round(100 * score, 1), coverage, closeness[index], resemblance, found))
        matches.sort(key=lambda m: (-m.score, m.entry.id))

        matches = _prefer_official(matches, threshold)
        confidence = _confidence(matches)
        candidates = tuple(matches[: max(limit, CANDIDATES)])
        if matches and confidence >= threshold:
            confident = tuple(m for m in matches if m.score >= threshold)[: max(limit, 1)]
            return Result(query, confidence, True, confident or (matches[0],), (), candidates, unknown)
        near = tuple(m for m in matches if m.score >= SUGGESTION_FLOOR)[:3]
        return Result(query, confidence, False, (), near, candidates, unknown)


def _confidence(matches: list[Match]) -> float:
    """The best score, less up to MARGIN points when a rival is within MARGIN of it.

    A rival is the next entry that is not the same answer (duplicates: either is right) and not
    in a recorded conflict with the best one (that is the same question, answered differently,
    and is shown as a warning, not counted as doubt about which question was asked).
    """
    if not matches:
        return 0.0
    best = matches[0]
    for rival in matches[1:]:
        if rival.entry.answer == best.entry.answer or _in_conflict(best.entry, rival.entry):
            continue
        shortfall = max(0.0, MARGIN - max(0.0, best.score - rival.score))
        return round(max(0.0, best.score - shortfall), 1)
    return best.score


def _in_conflict(a: Entry, b: Entry) -> bool:
    return a.id in b.conflicts or b.id in a.conflicts


def _prefer_official(matches: list[Match], threshold: float) -> list[Match]:
    """Put an official answer first when the top one is untrusted and conflicts with it.

    When sources disagree and both match confidently, the official one is the answer; the
    untrusted one stays in the list, where it is shown with its warning.
    """
    if not matches or matches[0].entry.trusted:
        return matches
    top = matches[0].entry
    for position, match in enumerate(matches[1:], 1):
        if match.score < threshold:
            break
        entry = match.entry
        if entry.trusted and _in_conflict(top, entry):
            return [match, *matches[:position], *matches[position + 1 :]]
    return matches


def _grams(content: Iterable[str]) -> frozenset[str]:
    """The 3- and 4-letter pieces of words, with word boundaries marked: typo- and compound-tolerant."""
    found: set[str] = set()
    for word in content:
        padded = f" {word} "
        for size in (3, 4):
            found.update(padded[i : i + size] for i in range(len(padded) - size + 1))
    return frozenset(found)


def _field_name(weight: float) -> str:
    for name, value in FIELD_WEIGHTS.items():
        if value == weight:
            return name
    return "answer"


def suggest_ids(kb: KnowledgeBase, word: str, limit: int = 3) -> list[str]:
    """The ids closest to a mistyped or half-remembered one, best first."""
    from rapidfuzz import fuzz, process

    ids = [entry.id for entry in kb.entries]
    found = process.extract(word.casefold(), ids, scorer=fuzz.WRatio, limit=limit, score_cutoff=60)
    return [candidate for candidate, _, _ in found]
