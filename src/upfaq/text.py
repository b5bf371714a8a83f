"""Text analysis shared by ranking and rendering: normalisation, tokens, stems, stop words.

Everything here is pure and deterministic. The same functions analyse knowledge-base text and
user queries, so a word is found exactly when both sides reduce it to the same term.
"""

import re
import unicodedata
from functools import lru_cache

# Words that carry no meaning for retrieval. Question words are here on purpose: "how do I"
# appears in half of all FAQ questions and says nothing about which one is meant.
STOP_WORDS = frozenset(
    """
    a about above after again against all am an and any are aren't as at be because been before
    being below between both but by can can't cannot could couldn't did didn't do does doesn't
    doing don't down during each few for from further get gets getting got had hadn't has hasn't
    have haven't having he her here hers herself him himself his how i i'm if in into is isn't it
    it's its itself just let's may me might more most must mustn't my myself need no nor not now
    of off ok okay on once only or other ought our ours ourselves out over own please same shall
    she should shouldn't so some such than that that's the their theirs them themselves then there
    there's these they this those through to too under until up upon us very via was wasn't we
    were weren't what what's when where which while who whom why will with won't would wouldn't
    yes you you'd you'll you're you've your yours yourself yourselves
    i'd i'll i've we'd we'll we're we've they'd they'll they're they've he'd he'll he's she'd
    she'll she's it'd it'll who's how's where's here's there'd that'll would've could've should've
    im ive dont cant whats doesnt didnt isnt arent wasnt werent hasnt havent hadnt shouldnt
    couldnt wouldnt youre youve theyre
    possible way ways want wants like know anyone someone somebody anybody somehow able
    thing things one also really still even much many well instead etc list go goes going went
    hi hello hey dear thanks thank appreciate kindly guys folks sir madam
    think thought wonder wondering curious explain clarify told
    saw seen read understand understood exactly actually basically literally currently recently
    today yesterday maybe perhaps probably though although however quite bit lot lots sure
    """.split()  # noqa: SIM905 - a word block is far easier to read and edit than a 200-item list
)
"""Contractions are listed with their apostrophe, and fold() keeps it for them alone: "I'd" is a
stop word, while "ID" stays a word; "doesnt" and friends, typed without one, are listed as typed."""

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)

CONTROL_CHARACTERS = "\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
"""C0 and C1 control characters, DEL, and the bidirectional overrides that can disguise text, as
a regular-expression class body. Tab and newline are not among them: they are layout."""
CONTROL = re.compile(f"[{CONTROL_CHARACTERS}]")
"""Any one control character: the one definition that display, JSON and validation share."""


def strip_control(text: str) -> str:
    """Remove terminal control characters (ESC, NUL, C1, bidi overrides) from display text.

    Line ends of every kind (CR LF, CR, U+2028, U+2029) become plain newlines.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n")
    return CONTROL.sub("", text)


@lru_cache(maxsize=65536)
def fold(word: str) -> str:
    """Case-fold a word and drop accents and apostrophes: "Café's" -> "cafes".

    A contraction that is a stop word keeps a plain apostrophe ("I’d" -> "i'd"), so that it is
    not mistaken for the word it would spell without one ("id", "ill", "shed").
    """
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    if "'" not in plain and "’" not in plain:
        return plain
    contraction = plain.replace("’", "'")
    return contraction if contraction in STOP_WORDS else contraction.replace("'", "")


def words(text: str) -> list[str]:
    """Split text into folded words, stop words included."""
    return list(map(fold, _WORD.findall(text)))


def word_spans(text: str) -> list[tuple[int, int, str]]:
    """Each word of text as (start, end, folded word), for highlighting."""
    return [(m.start(), m.end(), fold(m.group())) for m in _WORD.finditer(text)]


_SUFFIXES = (
    # (suffix, replacement, shortest stem left); longest first, the first that fits wins.
    ("ational", "ate", 3),
    ("ations", "", 3),
    ("ation", "", 3),
    ("ments", "", 4),
    ("ment", "", 4),
    ("ness", "", 4),
    ("ingly", "", 3),
    ("ings", "", 3),
    ("ing", "", 3),
    ("ies", "y", 2),
    ("ied", "y", 2),
    ("ers", "", 4),
    ("er", "", 4),
    ("edly", "", 3),
    ("ed", "", 3),
    ("ly", "", 4),
    ("ates", "", 4),
    ("ate", "", 4),
    ("al", "", 4),
    ("es", "", 4),
    ("e", "", 3),
    ("s", "", 3),
)
_KEPT = frozenset({"hourly", "daily", "weekly", "monthly", "quarterly", "yearly"})
"""Words a suffix rule would wrongly merge: an hourly rate is not a matter of hours."""
_OWN_STEMS = {
    # A suffix rule would meet another word here: a rating (stars) is not a rate (price), a
    # banner is not a ban, and a site is not a sit. Each group keeps a stem of its own. Found by
    # listing every stem the bundled knowledge base's words share and reading the groups.
    **dict.fromkeys(("rating", "ratings", "rated"), "rating"),
    **dict.fromkeys(("banner", "banners"), "banner"),
    **dict.fromkeys(("site", "sites"), "site"),
    **dict.fromkeys(("center", "centers", "centre", "centres"), "center"),
    **dict.fromkeys(("customer", "customers"), "customer"),
    **dict.fromkeys(("letter", "letters"), "letter"),
    **dict.fromkeys(("come", "comes", "coming"), "come"),
    **dict.fromkeys(("state", "states", "stated"), "state"),
    **dict.fromkeys(("statement", "statements"), "statement"),
    **dict.fromkeys(("accounting", "accountant", "accountants"), "accounting"),
    **dict.fromkeys(("general", "generally"), "general"),
    # Too short for the suffix rules to meet at all.
    **dict.fromkeys(("use", "used", "uses", "using"), "use"),
    "done": "done",
    "mine": "mine",
    "news": "news",
    "none": "none",
    "digital": "digital",
    "postal": "postal",
}


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Reduce a folded word to a light stem so inflections meet: "interviews" -> "interview".

    Deliberately conservative (no Porter step tables): it only has to make the common English
    inflections of one word agree, and it must never merge unrelated words.
    """
    if len(word) <= 3 or not word.isalpha() or word in _KEPT:
        return word
    if word in _OWN_STEMS:
        return _OWN_STEMS[word]
    if word.endswith(("ss", "us", "is")):
        return word
    for suffix, replacement, shortest in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= shortest:
            base = word[: len(word) - len(suffix)] + replacement
            # "running" -> "runn" -> "run": undouble a final consonant left by a suffix.
            if (
                not replacement
                and suffix[0] in "ie"
                and len(base) >= 4
                and base[-1] == base[-2]
                and base[-1] not in "aeiouls"
            ):
                base = base[:-1]
            # "communicating" -> "communicat" -> "communic", to meet "communicate".
            if suffix in ("ing", "ed") and base.endswith("at") and len(base) >= 6:
                base = base[:-2]
            # "registered" -> "register" -> "regist", to meet "register" (the "er" rule).
            if suffix in ("ing", "ed", "ings", "ingly", "edly") and base.endswith("er") and len(base) >= 6:
                base = base[:-2]
            # "taxes" -> "taxe" -> "tax", "rates" -> "rate" -> "rat": a plural meets its singular.
            return stem(base) if suffix == "s" else base
    return word


def terms(text: str) -> list[str]:
    """The searchable terms of text: folded, stop words removed, stemmed."""
    return [stem(w) for w in words(text) if w not in STOP_WORDS]


_LINE_CONTROL = re.compile(f"[{CONTROL_CHARACTERS}\t\n\u0085\u2028\u2029]")


def printable(text: str) -> str:
    """Text from anywhere (a file name, a key, an id, a query) made safe to print on one line.

    Undecodable bytes become U+FFFD and every control character, line ends and tabs included,
    a visible escape: a file named "evil<ESC>]0;X<BEL>.toml" prints as "evil\\x1b]0;X\\x07.toml",
    which says what is there and cannot re-title the terminal.
    """
    return _LINE_CONTROL.sub(_escape, clean_input(text))


def _escape(match: "re.Match[str]") -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def clean_input(text: str) -> str:
    """Make user input printable: undecodable bytes (surrogate escapes) become U+FFFD."""
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:  # a surrogate that no byte was escaped into
        return text.encode("utf-8", "replace").decode("utf-8")


# What kind of answer a question asks for, read from its question words: "how much does Upwork
# charge" wants an amount, "when will I get a JSS" a time, "what is the JSS" a definition. The
# words themselves are stop words (they appear in every FAQ), but the kind tells siblings apart.
_AFTER_HOW = {"much": "amount", "many": "amount", "long": "amount", "often": "amount", "soon": "amount"}
_AFTER_WHAT = {
    "percentage": "amount",
    "percent": "amount",
    "day": "time",
    "date": "time",
    "time": "time",
    "happens": "consequence",
    "happened": "consequence",
    "if": "consequence",
}
_ALONE = {"when": "time", "why": "reason", "where": "place"}
_FIRST = {"can": "permission", "may": "permission", "could": "permission"}
_LEADING_HOW = frozenset(("do", "does", "can", "should", "to", "would"))
_ALLOWED = frozenset(("ok", "okay", "allowed", "fine", "legal"))


def question_kinds(text: str) -> frozenset[str]:
    """The kinds of answer a question asks for (amount, time, reason, definition, ...); often none."""
    said = words(text)
    found = {kind for number in range(len(said)) if (kind := _kind_at(said, number))}
    if said:
        found.update(_leading_kind(said))
    return frozenset(found)


def _kind_at(said: list[str], number: int) -> str | None:  # noqa: PLR0911 - one return per pattern, top to bottom
    """The kind of question the words from said[number] ask anywhere in a sentence, if any."""
    word = said[number]
    following = said[number + 1] if number + 1 < len(said) else ""
    if word in _ALONE:
        return _ALONE[word]
    if word == "how":
        return _AFTER_HOW.get(following)
    if word == "what":
        if following in _AFTER_WHAT:
            return _AFTER_WHAT[following]
        if following == "will" and "happen" in said[number + 2 : number + 3]:
            return "consequence"
        if (following in ("is", "are") and number == 0) or (following == "does" and "mean" in said[number:]):
            return "definition"
    if (word in ("what's", "whats") and number == 0) or (word == "meaning" and following == "of"):
        return "definition"
    if word == "steps" and following == "to":
        return "steps"
    return None


def _leading_kind(said: list[str]) -> set[str]:
    """The kind a question's first words ask: "how do I" wants steps, "can I" permission."""
    first, rest = said[0], said[1:4]
    if first == "how" and rest[:1] and rest[0] in _LEADING_HOW:
        return {"steps"}
    if first in _FIRST or (rest[:1] == ["it"] and first == "is" and rest[1:2] and rest[1] in _ALLOWED):
        return {"permission"}
    if first == "am" and rest[:2] == ["i", "allowed"]:
        return {"permission"}
    return set()


# The case a question is about, where sibling entries answer opposite cases: before or after the
# contract starts (or ends), and "must I" (is it required?) against "how do I" (the steps). Each
# side is read from the same words, so an entry's question and a query meet on the same cues.
_BEFORE = frozenset(("before", "prior", "until", "pre", "precontract"))
_AFTER = frozenset(("after", "once", "since", "post"))
_ENDS = frozenset(("end", "ends", "ended", "ending", "close", "closed", "closes", "closing", "finish", "finished"))
_STARTS = frozenset(
    (
        *("contract", "contracts", "hire", "hired", "hires", "hiring", "offer", "offers", "start", "starts"),
        *("started", "starting", "begin", "begins", "began", "accept", "accepts", "accepted", "accepting"),
    )
)
CASE_WINDOW = 4
"""How many words after "before" or "after" may name the event it places the question around."""
_NEEDED = frozenset(("have", "has", "need", "needs"))
_REQUIRED = frozenset(("required", "obligated", "obliged", "forced", "mandatory", "compulsory", "obligatory"))
_ASKING = frozenset(("do", "does", "did", "am", "is", "are", "will", "would", "must", "should"))
"""A "have to" or "required" asks whether one must only after one of these ("do I have to", "am I
required to"): "I need to send a file" says what the asker wants, not whether it is required."""
_NOT_OBLIGATION = frozenset(("how", "long", "much", "many", "old", "often", "why", "what", "when"))
_PERSONS = frozenset(("i", "we", "you", "it", "they", "he", "she", "freelancers", "clients", "the", "my", "client"))
_STEPS_AFTER_HOW = frozenset(("do", "can", "to", "should", "would"))
OPPOSITE_CASES = {
    "before-start": "after-start",
    "after-start": "before-start",
    "before-end": "after-end",
    "after-end": "before-end",
    "must": "how",
    "how": "must",
}
"""Each case a question can name, and the one that excludes it; besides these, "done:" and "undone:"
followed by an action (see _action): "a payment that was already released" is done:releas, "my
client won't release the milestone" undone:releas, and each excludes the other."""
_NEGATIONS = frozenset(
    (
        *("not", "never", "won't", "wont", "didn't", "didnt", "hasn't", "hasnt", "haven't", "havent"),
        *("doesn't", "doesnt", "isn't", "isnt", "wasn't", "wasnt", "can't", "cant", "cannot"),
        *("refuse", "refuses", "refused", "refusing"),
    )
)
_IRREGULAR = {
    "paid": "pay",
    "withdrawn": "withdraw",
    "withdrew": "withdraw",
    "sent": "send",
    "given": "give",
    "gave": "give",
}


def _action(word: str) -> str:
    """What a verb does, whatever its form: released and release are releas, paid is pay."""
    return _IRREGULAR.get(word) or stem(word)


def opposite_case(case: str) -> str:
    """The case that excludes this one (see OPPOSITE_CASES)."""
    kind, _, action = case.partition(":")
    if action:
        return f"{'undone' if kind == 'done' else 'done'}:{action}"
    return OPPOSITE_CASES[case]


def _asks_whether(before: list[str]) -> bool:
    """Whether the words before "have to", "required" or "mandatory" ask it: "do I", "is it", "will the client"."""
    return any(w in _ASKING for w in before) and not _NOT_OBLIGATION & set(before)


def question_cases(text: str) -> frozenset[str]:
    """The cases a question names (see OPPOSITE_CASES): "before I'm hired" is before-start, "once the
    contract has ended" after-end, "do I have to" must, "how do I" how; often none."""
    said = words(text)
    found: set[str] = set()
    for number, word in enumerate(said):
        following = said[number + 1 : number + 1 + CASE_WINDOW]
        if word in _BEFORE or word in _AFTER:
            side = "before" if word in _BEFORE else "after"
            if any(w in _ENDS for w in following):
                found.add(f"{side}-end")
            elif any(w in _STARTS for w in following):
                found.add(f"{side}-start")
        elif word == "how" and following[:1] and following[0] in _STEPS_AFTER_HOW:
            found.add("how")
        elif (word in _NEEDED and following[:1] == ["to"]) or word in _REQUIRED:
            if _asks_whether(said[max(0, number - 3) : number]):
                found.add("must")
        elif word == "must" and following[:1] and following[0] in _PERSONS:
            found.add("must")
        if word == "already" or word in _NEGATIONS:
            done = next((w for w in following[:3] if w not in STOP_WORDS and w not in _NEGATIONS), None)
            if done is not None:
                found.add(f"{'done' if word == 'already' else 'undone'}:{_action(done)}")
    return frozenset(found)


_VERDICT = re.compile(r"(?:yes|no)\b[.,:;!]?\s*", re.IGNORECASE)


def verdict(answer: str) -> str:
    """The "Yes." or "No." an answer opens with (as written, with its punctuation), or ""."""
    found = _VERDICT.match(answer.lstrip())
    return found.group() if found else ""


SENTENCE_END = re.compile(r"(?<=[.!?;])(?<!\.[A-Za-z]\.)(?<!\b[A-Z]\.)\s+|\n+")
"""Where a sentence (or a bullet, or a clause after a semicolon) ends: not after an abbreviation such
as U.S., e.g. or a middle initial."""


def sentences(text: str) -> list[str]:
    """The sentences of text, stripped, empty ones left out."""
    return [part.strip() for part in SENTENCE_END.split(text) if part.strip()]
