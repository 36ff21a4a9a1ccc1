"""Name chords from the pitch classes that sound together: root plus quality, e.g. ``G7``, ``Am``."""

from __future__ import annotations

NOTE_NAMES = ["C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"]
QUALITIES: dict[str, tuple[int, ...]] = {
    "": (0, 4, 7),
    "m": (0, 3, 7),
    "7": (0, 4, 7, 10),
    "m7": (0, 3, 7, 10),
    "maj7": (0, 4, 7, 11),
    "dim": (0, 3, 6),
    "aug": (0, 4, 8),
    "6": (0, 4, 7, 9),
    "sus4": (0, 5, 7),
}


def chord_name(pitches: list[int] | set[int]) -> str | None:
    """Name the chord formed by MIDI ``pitches`` (``None`` for fewer than two pitch classes).

    The best template match wins: matched tones minus missing and extra ones; ties prefer the
    bass note as root, then the simpler quality (order of :data:`QUALITIES`).
    """
    classes = {p % 12 for p in pitches}
    if len(classes) < 2:
        return None
    bass = min(pitches) % 12
    best: tuple[float, str] | None = None
    for root in range(12):
        for rank, (quality, template) in enumerate(QUALITIES.items()):
            tones = {(root + i) % 12 for i in template}
            score = len(tones & classes) - len(tones - classes) - len(classes - tones)
            score += 0.5 * (root == bass) - 0.01 * rank
            if best is None or score > best[0]:
                best = (score, NOTE_NAMES[root] + quality)
    return best[1] if best else None


def chord_pitches(name: str, low: int = 48) -> list[int]:
    """Return a close root-position voicing of chord ``name`` starting at or above ``low``."""
    for root_name in sorted(NOTE_NAMES, key=len, reverse=True):
        if name.startswith(root_name) and name[len(root_name):] in QUALITIES:
            root = NOTE_NAMES.index(root_name)
            base = low + (root - low) % 12
            return [base + i for i in QUALITIES[name[len(root_name):]]]
    raise ValueError(f"unknown chord {name!r}")
