"""Benchmark: the non-music detector on the clips Segue ships, against one-feature baselines.

Music: the five demo clips (``assets/audio``). Non-music: three LibriSpeech readings, a humpback
whale song and a robin (``tests/data/library``). Each clip is scored as a scan scores it (whole
clip, or 3 × 20 s excerpts), and also in 5-second windows (more, shorter samples). Precision and
recall are for the *non-music* class. The rule's threshold was chosen by looking at these same
clips (there is no held-out set this small), so the figures are in-sample: read them as "the rule
separates what we ship", not as a generalisation estimate.

    python bench/non_music.py [--quick]

``--quick`` (or ``SEGUE_BENCH_QUICK=1``): two clips of each kind (``make test`` runs it so the
script never rots; its figures mean little).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from engine.library.analysis.decode import decode  # noqa: E402
from engine.library.analysis.features import FEATURE_NAMES, analyse_samples  # noqa: E402
from engine.library.analysis.nonmusic import THRESHOLD, music_score  # noqa: E402

MUSIC = sorted((REPO / "assets" / "audio").glob("*.ogg"))
NON_MUSIC = [REPO / "tests" / "data" / "library" / name for name in
             ("198-209-0000.ogg", "3436-172162-0000.ogg", "5703-47212-0000.ogg",
              "glacier-bay-humpback.ogg", "robin.ogg")]
PULSE = FEATURE_NAMES.index("pulse_clarity")


def features(samples: np.ndarray, rate: int) -> tuple[float, float]:
    """(chroma stability, pulse clarity) of mono samples."""
    vector, stability = analyse_samples(samples, rate)
    return stability, float(vector[PULSE])


def report(name: str, truth: list[bool], flagged: list[bool]) -> str:
    """Precision and recall of the non-music flags."""
    tp = sum(t and f for t, f in zip(truth, flagged, strict=True))
    precision = tp / max(1, sum(flagged))
    recall = tp / max(1, sum(truth))
    return f"{name:34s} precision {precision:.2f}  recall {recall:.2f}  ({tp}/{sum(truth)} found)"


def main() -> None:
    """Score every clip and window; print the rule and the baselines."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="two clips of each kind")
    quick = parser.parse_args().quick or os.environ.get("SEGUE_BENCH_QUICK", "") not in ("", "0")
    music, non_music_clips = (MUSIC[:2], NON_MUSIC[:2]) if quick else (MUSIC, NON_MUSIC)
    clips, windows = [], []
    for path, non_music in [(p, False) for p in music] + [(p, True) for p in non_music_clips]:
        decoded = decode(path)
        stability, pulse = features(decoded.samples, decoded.sample_rate)
        clips.append((non_music, stability, pulse, path.name))
        step = 5 * decoded.sample_rate
        for start in range(0, len(decoded.samples) - step + 1, step):
            windows.append((non_music, *features(decoded.samples[start:start + step],
                                                 decoded.sample_rate)))
    print(f"{len(music)} music clips, {len(non_music_clips)} non-music clips; "
          f"{len(windows)} five-second windows")
    for label, rows in (("clips", clips), ("5 s windows", windows)):
        truth = [r[0] for r in rows]
        print(f"-- {label}")
        rule = [music_score(r[1], r[2]) < THRESHOLD for r in rows]
        print(report(f"rule: stability + 0.5 pulse < {THRESHOLD}", truth, rule))
        print(report("baseline: stability < 0.25", truth, [r[1] < 0.25 for r in rows]))
        print(report("baseline: pulse clarity < 0.2", truth, [r[2] < 0.2 for r in rows]))
    for non_music, stability, pulse, name in clips:
        kind = "non-music" if non_music else "music"
        print(f"  {kind:9s} score {music_score(stability, pulse):.3f}  {name}")


if __name__ == "__main__":
    main()
