"""Describe one audio file in words a person (or the Commentary room) can use: tags and evidence.

:func:`describe_file` is the engine function behind ``engine.library.service.derive_tags``: the
music tagger's tag probabilities (every tag of the scan's model, and the few it shows), the
track's kind (music / speech / other) and the measured evidence — tempo, loudness, key (the
Krumhansl–Schmuckler key profiles against the track's mean chroma) and chroma stability. A
library track's stored tags are reused by the service; this module hears files afresh.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

NOTES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
# Krumhansl & Kessler's probe-tone profiles (major, minor), from C
MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])


def mean_chroma(samples: np.ndarray, rate: int) -> np.ndarray:
    """The mean of the frames' chroma vectors (each scaled to its maximum), from C."""
    from scipy import fft as sfft

    from engine.library.analysis.features import _filters, _frames

    window, _, chroma_fb, _ = _filters(int(rate))
    frames = _frames(np.ascontiguousarray(samples, dtype=np.float32))
    power = np.abs(sfft.rfft(frames * window, axis=1, workers=1)) ** 2
    chroma = power @ chroma_fb.T
    chroma = chroma / (chroma.max(axis=1, keepdims=True) + 1e-9)
    return chroma.mean(axis=0)  # the bank's pitch classes are MIDI numbers mod 12: 0 is C


def estimate_key(chroma: np.ndarray) -> tuple[str, float]:
    """The best-correlated major or minor key of a mean chroma (from C), and its correlation."""
    best, name = -2.0, ""
    for tonic in range(12):
        for profile, mode in ((MAJOR, "major"), (MINOR, "minor")):
            r = float(np.corrcoef(chroma, np.roll(profile, tonic))[0, 1])
            if r > best:
                best, name = r, f"{NOTES[tonic]} {mode}"
    return name, best


def describe_file(path: str | Path) -> dict[str, object]:
    """Tags with probabilities and the measured evidence of an audio file (heard now).

    Raises :class:`engine.library.analysis.decode.DecodeError` for audio it cannot read.
    """
    from engine.library.analysis.decode import decode
    from engine.library.analysis.features import FEATURE_NAMES, analyse_samples
    from engine.library.analysis.kind import decide
    from engine.library.analysis.nonmusic import music_score
    from engine.library.analysis.tagging import parse_top
    from engine.library.analysis.track import tag_track

    decoded = decode(path, for_tagger=True)
    vector, stability = analyse_samples(decoded.samples, decoded.sample_rate)
    named = dict(zip(FEATURE_NAMES, vector.tolist(), strict=True))
    tags, _ = tag_track(decoded.tagger, decoded.tagger_rate)
    probs = np.frombuffer(tags["tag_probs"], np.float32) if tags.get("tag_probs") else None
    score = music_score(stability, named["pulse_clarity"])
    kind, p_music = decide(vector, stability, score, probs, str(tags.get("tag_model", "")))
    key, strength = estimate_key(mean_chroma(decoded.samples, decoded.sample_rate))
    names = tags.get("tag_names", ())
    return {
        "path": str(path),
        "model": str(tags.get("tag_model", "")),
        "tags": ({n: round(float(p), 4) for n, p in zip(names, probs, strict=True)}
                 if probs is not None else {}),
        "shown": parse_top(str(tags.get("tag_top", ""))),
        "kind": kind,
        "music_probability": round(p_music, 4),
        "evidence": evidence(named, stability, decoded.duration, key, strength),
        "source": "heard now",
    }


def evidence(named: dict[str, float], stability: float, duration: float, key: str = "",
             key_strength: float = 0.0) -> dict[str, object]:
    """Tempo, loudness, key and chroma stability as plain numbers (rounded)."""
    found: dict[str, object] = {
        "tempo_bpm": round(float(named.get("tempo", 0.0)), 1),
        "loudness_db": round(float(named.get("loudness_mean", 0.0)), 1),
        "loudness_range_db": round(float(named.get("loudness_std", 0.0)), 1),
        "pulse_clarity": round(float(named.get("pulse_clarity", 0.0)), 3),
        "chroma_stability": round(float(stability), 3),
        "duration_s": round(float(duration), 1),
    }
    if key:
        found["key"] = key
        found["key_strength"] = round(float(key_strength), 3)
    return found


def describe_stored(track: str | int | Path, library_path: str | Path | None = None
                    ) -> dict[str, object] | None:
    """:func:`describe_file`'s answer for an analysed library track, from what the scan stored
    (the key is measured from the audio); None when ``track`` is not one."""
    import json

    from engine.library.analysis.features import FEATURE_NAMES, FEATURE_VERSION
    from engine.library.analysis.nonmusic import PULSE_WEIGHT, is_music
    from engine.library.analysis.tagging import parse_top
    from engine.library.storage.reader import Reader

    text = str(track).strip()
    with Reader(library_path) as reader:
        if text.isdigit():
            where, value = "t.id = ?", int(text)
        else:
            where, value = "t.path = ?", reader.stored(str(Path(text).expanduser().resolve()))
        found = reader.execute(
            "SELECT t.id, t.path, t.duration, t.kind, t.music_score, f.vector, g.model, "
            "g.probabilities, g.top, v.tags FROM tracks t JOIN features f ON f.track_id = t.id "
            "LEFT JOIN track_tags g ON g.track_id = t.id LEFT JOIN tag_vocab v ON "
            f"v.model = g.model WHERE {where} AND t.status = 'analysed' AND f.version = ?",
            (value, FEATURE_VERSION)).fetchone()
    if found is None:
        return None
    track_id, stored, duration, kind, score, vector, model, probs, top, vocab = found
    path = Reader.path_of(stored)
    named = dict(zip(FEATURE_NAMES, np.frombuffer(vector, np.float32).tolist(), strict=True))
    stability = float(score) - PULSE_WEIGHT * named["pulse_clarity"]
    names = json.loads(vocab) if vocab else []
    probabilities = np.frombuffer(probs, np.float32) if probs else np.zeros(0, np.float32)
    key, strength = "", 0.0
    try:
        from engine.library.analysis.decode import decode

        decoded = decode(path)
        key, strength = estimate_key(mean_chroma(decoded.samples, decoded.sample_rate))
    except Exception:  # noqa: BLE001 - the key is a bonus: a moved or unreadable file has none
        pass
    return {
        "path": path, "track_id": int(track_id), "model": model or "",
        "tags": ({n: round(float(p), 4) for n, p in zip(names, probabilities, strict=True)}
                 if len(names) == len(probabilities) else {}),
        "shown": parse_top(top),
        "kind": kind or ("music" if is_music(float(score)) else "other"),
        "music_probability": None,
        "evidence": evidence(named, stability, float(duration), key, strength),
        "source": "library",
    }
