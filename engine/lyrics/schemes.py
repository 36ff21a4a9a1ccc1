"""Rhyme schemes and metres: which earlier line a line rhymes with, how many syllables it wants.

Torch-free (the panel imports it at start-up). :class:`LineGoal` is what the constrained decoder
(:mod:`engine.lyrics.constrained`) is asked to achieve for one line.
"""

from __future__ import annotations

from dataclasses import dataclass, field

RHYMES = ("none", "AABB", "ABAB", "ABCB")
METRES: dict[str, tuple[int, ...]] = {
    "free": (), "common": (8, 6, 8, 6), "long": (8, 8, 8, 8), "short": (6, 6, 8, 6),
}


def normalise_rhyme(scheme: str) -> str:
    """Accept ``none``/``free``/``AABB``/``ABAB``/``ABCB`` in any case; raise ValueError otherwise."""
    s = scheme.strip().upper()
    if s in ("NONE", "FREE", "", "OFF"):
        return "none"
    if s in RHYMES:
        return s
    raise ValueError(f"unknown rhyme scheme '{scheme}' (choose none, AABB, ABAB or ABCB)")


def normalise_metre(metre: str) -> str:
    """Accept a metre name (free, common, long, short) in any case; raise ValueError otherwise."""
    m = metre.strip().lower().split(" ")[0]
    if m in METRES:
        return m
    raise ValueError(f"unknown metre '{metre}' (choose {', '.join(METRES)})")


def rhyme_partner(index: int, scheme: str) -> int | None:
    """The earlier line that line ``index`` must rhyme with under ``scheme`` (stanzas of four)."""
    pos = index % 4
    partner = {"AABB": {1: 0, 3: 2}, "ABAB": {2: 0, 3: 1}, "ABCB": {3: 1}}.get(scheme, {}).get(pos)
    return None if partner is None else index - pos + partner


def opens_rhyme(index: int, scheme: str) -> bool:
    """Whether a later line of the stanza will have to rhyme with line ``index``."""
    return any(rhyme_partner(index - index % 4 + p, scheme) == index for p in range(4))


def syllable_target(index: int, metre: str) -> int | None:
    """Syllables line ``index`` should have under ``metre`` (None when free)."""
    pattern = METRES[metre]
    return pattern[index % len(pattern)] if pattern else None


@dataclass
class LineGoal:
    """What one line must do: rhyme with a word, have a syllable count, use real words."""

    rhyme_with: str | None = None
    syllables: int | None = None
    opens_rhyme: bool = False
    real_words: bool = True
    avoid: set[str] = field(default_factory=set)
