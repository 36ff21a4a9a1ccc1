"""The `non_music` part of `segue eval playlist`: the detector on a labelled mix, held out.

The mix: 5-second windows of the shippable non-music clips (three LibriSpeech readings, a
humpback whale song, a robin; ``assets/eval/nonmusic``) and of the demo music clips
(``assets/audio``), plus the rendered tunes and drum beats of the playlist eval as the scanner
analysed them. The rule (``engine/library/analysis/nonmusic.py``) has two parameters, the pulse weight
and the threshold. With so few non-music sources, every real clip is held out in turn
(leave-one-source-out): the parameters are chosen on the other clips plus the *selection*
renders (maximising min(precision, recall) of the non-music class), then that clip's windows
are judged; the *test* renders are judged by parameters chosen on all clips plus the selection
renders. Precision and recall pool those held-out judgements; ``shipped`` is the rule Segue
ships, on the same samples.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine import paths

WINDOW_SECONDS = 5.0
WEIGHTS = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0)
THRESHOLDS = tuple(float(t) for t in np.round(np.arange(0.10, 1.20, 0.01), 2))


@dataclass(frozen=True)
class Sample:
    """One analysed piece of audio: its two cues, whether it is non-music, source and split."""

    stability: float
    pulse: float
    non_music: bool
    source: str
    split: str  # "clip" (real clips: held out in turn), "selection" or "test" (renders)


def clip_samples() -> list[Sample]:
    """Analyse 5 s windows of the shippable music and non-music clips."""
    from engine.library.analysis.decode import decode
    from engine.library.analysis.features import FEATURE_NAMES, analyse_samples

    pulse = FEATURE_NAMES.index("pulse_clarity")
    music = sorted((paths.assets_dir() / "audio").glob("*.ogg"))
    other = sorted((paths.assets_dir() / "eval" / "nonmusic").glob("*.ogg"))
    samples = []
    for path, non_music in [(p, False) for p in music] + [(p, True) for p in other]:
        decoded = decode(path)
        step = int(WINDOW_SECONDS * decoded.sample_rate)
        for start in range(0, max(1, len(decoded.samples) - step + 1), step):
            vector, stability = analyse_samples(decoded.samples[start:start + step],
                                                decoded.sample_rate)
            samples.append(Sample(stability, float(vector[pulse]), non_music, path.stem,
                                  "clip"))
    return samples


def flags(samples: list[Sample], weight: float, threshold: float) -> np.ndarray:
    """True where the rule calls a sample non-music."""
    score = np.asarray([s.stability + weight * s.pulse for s in samples])
    return score < threshold


def precision_recall(samples: list[Sample], flagged: np.ndarray) -> tuple[float, float]:
    """Precision and recall of the non-music flags."""
    truth = np.asarray([s.non_music for s in samples], dtype=bool)
    flagged = np.asarray(flagged, dtype=bool)
    hits = int(np.sum(flagged & truth))
    precision = hits / int(flagged.sum()) if flagged.any() else 1.0
    recall = hits / int(truth.sum()) if truth.any() else 1.0
    return precision, recall


def choose(samples: list[Sample]) -> tuple[float, float]:
    """(weight, threshold) maximising min(precision, recall), then their sum, on ``samples``."""
    best, best_key = (WEIGHTS[0], THRESHOLDS[0]), (-1.0, -1.0)
    for weight in WEIGHTS:
        for threshold in THRESHOLDS:
            p, r = precision_recall(samples, flags(samples, weight, threshold))
            key = (round(min(p, r), 9), round(p + r, 9))
            if key > best_key:
                best, best_key = (weight, threshold), key
    return best


def evaluate_non_music(rendered: list[Sample]) -> dict[str, object]:
    """Leave-one-source-out judgements of every clip, held-out judgements of the test renders."""
    from engine.library.analysis.nonmusic import PULSE_WEIGHT, THRESHOLD

    clips = clip_samples()
    selection = [s for s in rendered if s.split == "selection"]
    test_renders = [s for s in rendered if s.split == "test"]
    judged: list[Sample] = []
    verdicts: list[bool] = []
    chosen_per_fold: dict[str, list[float]] = {}
    for source in sorted({s.source for s in clips}):
        held = [s for s in clips if s.source == source]
        weight, threshold = choose([s for s in clips if s.source != source] + selection)
        chosen_per_fold[source] = [weight, threshold]
        judged += held
        verdicts += flags(held, weight, threshold).tolist()
    weight, threshold = choose(clips + selection)
    judged += test_renders
    verdicts += flags(test_renders, weight, threshold).tolist()
    precision, recall = precision_recall(judged, np.asarray(verdicts))
    shipped = precision_recall(judged, flags(judged, PULSE_WEIGHT, THRESHOLD))
    missed = sorted({s.source for s, v in zip(judged, verdicts, strict=True)
                     if s.non_music and not v})
    false_alarms = sorted({s.source for s, v in zip(judged, verdicts, strict=True)
                           if v and not s.non_music})
    return {
        "precision": round(precision, 4), "recall": round(recall, 4),
        "chosen": {"pulse_weight": weight, "threshold": threshold},
        "chosen_per_held_out_clip": chosen_per_fold,
        "shipped": {"pulse_weight": PULSE_WEIGHT, "threshold": THRESHOLD,
                    "precision": round(shipped[0], 4), "recall": round(shipped[1], 4)},
        "samples": {"music": sum(not s.non_music for s in judged),
                    "non_music": sum(s.non_music for s in judged),
                    "non_music_sources": len({s.source for s in judged if s.non_music})},
        "missed": missed, "false_alarms": false_alarms,
    }


def rendered_samples(features: np.ndarray, scores: list[float], splits: list[str],
                     names: list[str]) -> list[Sample]:
    """The eval's renders (music) as analysed by the scanner; the fit split is left out.

    The scanner stores ``stability + PULSE_WEIGHT × pulse``; the pulse is a feature column,
    so the stability is recovered exactly.
    """
    from engine.library.analysis.features import FEATURE_NAMES
    from engine.library.analysis.nonmusic import PULSE_WEIGHT

    column = FEATURE_NAMES.index("pulse_clarity")
    out = []
    for row, score, split, name in zip(features, scores, splits, names, strict=True):
        if split in ("selection", "test") and score >= -0.5:
            pulse = float(row[column])
            out.append(Sample(float(score) - PULSE_WEIGHT * pulse, pulse, False, name, split))
    return out
