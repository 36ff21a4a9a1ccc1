"""Benchmark: each hand-written piece of ``features.py`` against its librosa equivalent, same run.

On one demo clip (Vibe Ace, 61 s, decoded as the scanner does), times Segue's code and librosa's
for the pieces librosa provides, and checks that the values agree. ``features.py`` uses
librosa where it is not materially slower, and keeps its own code where it is (the figures are
quoted in docs/library.md). Also measures the humpback clip's music score with librosa's chroma
bank, the reason Segue keeps its own.

    python bench/features_librosa.py [--quick]

``--quick`` (or ``SEGUE_BENCH_QUICK=1``): 2 timing rounds instead of 10 (``make test`` runs it so
the script never rots).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import librosa  # noqa: E402
from scipy import fft as sfft  # noqa: E402

from engine.library.analysis import features as F  # noqa: E402
from engine.library.analysis.decode import decode  # noqa: E402
from engine.library.analysis.nonmusic import music_score  # noqa: E402

ROUNDS = {"max": 10}  # at most this many timing rounds (2 in quick mode)


def timed(fn, rounds: int = 10) -> float:  # noqa: ANN001
    """Median milliseconds of ``fn()`` over ``rounds`` calls (after one warm-up)."""
    rounds = min(rounds, ROUNDS["max"])
    fn()
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return float(np.median(times))


def main() -> None:
    """Print one line per piece: Segue ms, librosa ms, ratio and the largest difference."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 timing rounds")
    if parser.parse_args().quick or os.environ.get("SEGUE_BENCH_QUICK", "") not in ("", "0"):
        ROUNDS["max"] = 2
    decoded = decode(REPO / "assets" / "audio" / "Kevin_MacLeod_-_Vibe_Ace.ogg")
    y, sr = decoded.samples, decoded.sample_rate
    window, mel_fb, chroma_fb, freqs = F._filters(sr)
    frames = F._frames(y)
    mag = np.abs(sfft.rfft(frames * window, axis=1, workers=1))
    power = mag**2
    mel = np.log(power @ mel_fb.T + 1e-6)
    onset = np.maximum(np.diff(mel, axis=0), 0).sum(axis=1)
    onset = onset / onset.max()

    def rolloff() -> np.ndarray:
        c = np.cumsum(mag, axis=1)
        return freqs[np.argmax(c >= 0.85 * c[:, -1:], axis=1)]

    def flatness() -> np.ndarray:
        return np.exp(np.log(power + 1e-10).mean(axis=1)) / (power.mean(axis=1) + 1e-10)

    pairs = [
        ("spectral centroid", lambda: (mag @ freqs) / (mag.sum(axis=1) + 1e-9),
         lambda: librosa.feature.spectral_centroid(S=mag.T, freq=freqs)[0]),
        ("spectral rolloff", rolloff,
         lambda: librosa.feature.spectral_rolloff(S=mag.T, freq=freqs, roll_percent=0.85)[0]),
        ("spectral flatness", flatness,
         lambda: librosa.feature.spectral_flatness(S=mag.T, amin=1e-10, power=2.0)[0]),
        ("onset envelope (flux)", lambda: np.maximum(np.diff(mel, axis=0), 0).sum(axis=1),
         lambda: librosa.onset.onset_strength(S=mel.T, lag=1, max_size=1, aggregate=np.sum,
                                              detrend=False, center=False)[1:]),
        ("MFCC from log-mel", lambda: sfft.dct(mel, type=2, norm="ortho", axis=1)[:, :13],
         lambda: librosa.feature.mfcc(S=mel.T, n_mfcc=13).T),
        ("tempo", lambda: np.asarray([F._tempo_and_rhythm(onset, sr / F.HOP)[0]]),
         lambda: librosa.feature.tempo(onset_envelope=onset, sr=sr, hop_length=F.HOP)),
    ]
    print(f"clip: {len(y) / sr:.1f} s at {sr} Hz, {len(frames)} frames")
    for name, own, lib in pairs:
        a, b = np.asarray(own(), dtype=np.float64), np.asarray(lib(), dtype=np.float64)
        diff = float(np.max(np.abs(a - b))) if a.shape == b.shape else float("nan")
        t_own, t_lib = timed(own), timed(lib, 3 if name == "tempo" else 10)
        print(f"{name:22s} Segue {t_own:7.2f} ms  librosa {t_lib:7.2f} ms  "
              f"librosa/Segue {t_lib / max(t_own, 1e-6):6.1f}x  max |diff| {diff:.3g}")
    humpback = decode(REPO / "assets" / "eval" / "nonmusic" / "glacier-bay-humpback.ogg")
    pulse = F.FEATURE_NAMES.index("pulse_clarity")
    vector, stability = F.analyse_samples(humpback.samples, humpback.sample_rate)
    lib_bank = librosa.filters.chroma(sr=humpback.sample_rate, n_fft=F.N_FFT).astype(np.float32)
    original = F._filters.__wrapped__(humpback.sample_rate)
    F._filters.cache_clear()
    try:
        F._filters = lambda rate: (*original[:2], lib_bank, original[3])  # type: ignore[assignment]
        lib_vector, lib_stability = F.analyse_samples(humpback.samples, humpback.sample_rate)
    finally:
        import importlib

        importlib.reload(F)
    print(f"humpback music score: Segue chroma bank {music_score(stability, vector[pulse]):.3f}, "
          f"librosa chroma bank {music_score(lib_stability, lib_vector[pulse]):.3f} "
          f"(below 0.4 = non-music)")


if __name__ == "__main__":
    main()
