"""Word-level normalisation shared by the tag lexicon, the mention detector and the evaluation.

A tag and a sentence are compared through *stems*: lower-case ``[a-z0-9]`` runs (``&`` inside a
word becomes ``n``, so "R&B" and "rnb" meet), with a light suffix stripper (plural ``-s/-es/-ies``,
``-ing``, ``-ed``, a final ``-e``) so that "calm" and "calming", "pads" and "pad", "distorted" and
"distort" share a stem. A tag's *key* is its stems joined without spaces, so "hip hop", "Hip-Hop"
and "hiphop" are one tag. Generic head words ("music", "song", …) are optional when a tag is
looked for in text ("hip hop music" is mentioned by "a hip hop beat").
"""

from __future__ import annotations

import functools
import hashlib
import re

STOP = frozenset("""a an the and or of in on with to for is are be by at as it its this that
from into over under very some has have there their while which who can may could would than
then also but so any all out up down off one two""".split())
GENERIC = frozenset({"music", "song", "sound", "track", "tune", "piece", "recording", "style"})
PUNCTUATION = frozenset({",", ";", ":"})

_RUN = re.compile(r"[a-z0-9]+")
_VOWEL = re.compile(r"[aeiouy]")


@functools.lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    """A light stem: plural, ``-ing``/``-ed`` and a final ``-e`` removed (``calming`` → ``calm``)."""
    w = word.lower()
    if len(w) > 4 and w.endswith("ies"):
        w = w[:-3] + "y"
    elif len(w) > 3 and w.endswith("es") and w[-3] in "sxz" and not w.endswith("ses"):
        w = w[:-2]
    elif len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is", "ues")):
        w = w[:-1]
    for suffix in ("ing", "ed"):
        rest = w[:-len(suffix)]
        if w.endswith(suffix) and len(rest) >= 3 and _VOWEL.search(rest):
            w = rest[:-1] if len(rest) > 3 and rest[-1] == rest[-2] and rest[-1] not in "lsz" else rest
            break
    if len(w) > 3 and w.endswith("e"):
        w = w[:-1]
    return w


def runs(text: str) -> list[str]:
    """Lower-case alphanumeric runs of ``text`` (``&`` inside a word → ``n``; other marks split)."""
    text = re.sub(r"(?<=\w)&(?=\w)", "n", text.lower()).replace("&", " and ")
    return _RUN.findall(text)


def stems(text: str) -> list[str]:
    """Stems of every alphanumeric run of ``text``, in order."""
    return [stem(w) for w in runs(text)]


def tag_key(tag: str) -> str:
    """The identity of a tag: its stems joined (``Hip-Hop`` = ``hip hop`` = ``hiphop``)."""
    return "".join(stems(tag))


def content_stems(tag: str) -> tuple[str, ...]:
    """The stems a text must contain to mention ``tag`` (stop words, then generic words, dropped)."""
    kept = [stem(w) for w in runs(tag) if w not in STOP]
    core = [s for s in kept if s not in _GENERIC_STEMS]
    return tuple(core or kept)


_GENERIC_STEMS = frozenset(stem(w) for w in GENERIC)


def text_stems(tokens: list[str]) -> set[str]:
    """The set of stems of a tokenised sentence or paragraph (hyphenated words also split)."""
    out: set[str] = set()
    for token in tokens:
        if token in PUNCTUATION:
            continue
        parts = runs(token)
        out.update(stem(p) for p in parts)
        if len(parts) > 1:
            out.add(stem("".join(parts)))
    return out


def sentence_hash(tokens: list[str]) -> int:
    """A stable 63-bit hash of a sentence's words (punctuation ignored): the verbatim-copy test."""
    words = " ".join(t for t in tokens if t not in PUNCTUATION)
    return int.from_bytes(hashlib.blake2b(words.encode(), digest_size=8).digest(), "big") >> 1


def trigrams(text: str) -> set[str]:
    """Character 3-grams of a tag's letters (spelling similarity for suggestions)."""
    letters = "".join(runs(text))
    padded = f"^{letters}$"
    return {padded[i:i + 3] for i in range(len(padded) - 2)}


def spelling_similarity(a: str, b: str) -> float:
    """Jaccard similarity of two tags' character 3-grams."""
    x, y = trigrams(a), trigrams(b)
    return len(x & y) / max(1, len(x | y))
