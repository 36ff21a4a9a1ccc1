"""A small lexicon of mutually exclusive aspects, for the contradiction check and the writer.

Four oppositions (the issue's list): instrumental vs sung, male vs female voice, slow vs fast,
acoustic vs electronic. A text (a paragraph, or a tag list) *asserts* a side when it contains one
of that side's stems; negated voice phrases ("no vocals", "without a singer") assert
*instrumental* and do not count as sung. A paragraph contradicts when, together with its tags,
it asserts both sides of an opposition.
"""

from __future__ import annotations

from engine.commentary.words import stem, stems

# opposition → (side A name, stems), (side B name, stems)
OPPOSITIONS: dict[str, tuple[tuple[str, frozenset[str]], tuple[str, frozenset[str]]]] = {
    "voice": (("instrumental", frozenset({"instrumental"})),
              ("sung", frozenset(stem(w) for w in ("sings", "singing", "singer", "vocal", "vocals",
                                                   "vocalist", "voice", "choir", "rap", "rapping",
                                                   "rapper", "sung", "lyrics", "vocalisation",
                                                   "vocalization", "chant", "chanting")))),
    "gender": (("male", frozenset(stem(w) for w in ("male", "man", "men", "boy", "boys"))),
               ("female", frozenset(stem(w) for w in ("female", "woman", "women", "girl", "girls")))),
    "tempo": (("slow", frozenset(stem(w) for w in ("slow", "slower", "slowly"))),
              ("fast", frozenset(stem(w) for w in ("fast", "faster", "uptempo", "quick", "rapid")))),
    "sound": (("acoustic", frozenset({stem("acoustic")})),
              ("electronic", frozenset({stem("electronic"), stem("electronically")}))),
}
_NEGATORS = frozenset({"no", "without", "not", "non", "lack", "absent", "absence", "zero"})
_VOICE_WINDOW = 3  # a negator this many words before a voice word negates it


def sides(text: str) -> set[str]:
    """The sides (``"instrumental"``, ``"sung"``, ``"male"``…) that ``text`` asserts."""
    words = stems(text)
    found: set[str] = set()
    sung = OPPOSITIONS["voice"][1][1]
    for i, word in enumerate(words):
        if word in sung and any(w in _NEGATORS for w in words[max(0, i - _VOICE_WINDOW):i]):
            found.add("instrumental")  # "no vocals", "without any singer"
            continue
        for (name_a, stems_a), (name_b, stems_b) in OPPOSITIONS.values():
            if word in stems_a:
                found.add(name_a)
            elif word in stems_b:
                found.add(name_b)
    return found


def conflicts(found: set[str]) -> list[str]:
    """The oppositions both of whose sides are in ``found``."""
    return [name for name, ((a, _), (b, _)) in OPPOSITIONS.items() if a in found and b in found]


def contradicts(text: str, tags: list[str]) -> bool:
    """Whether ``text`` with its ``tags`` asserts both sides of some opposition."""
    return bool(conflicts(sides(text) | sides(", ".join(tags))))


def opposite(side: str) -> str | None:
    """The other side of ``side``'s opposition (None for an unknown side)."""
    for (a, _), (b, _) in OPPOSITIONS.values():
        if side == a:
            return b
        if side == b:
            return a
    return None
