"""Audio features in the spirit of bliss-rs, plus MFCC statistics and rhythm-pattern features.

One STFT of the decoded mono signal (about 11 kHz) feeds everything: tempo and onset-pattern
features from spectral flux, zero-crossing rate, spectral centroid / rolloff / flatness and
loudness (mean and deviation), a key-normalised chroma profile with chroma interval features,
13 MFCC means and deviations, and an onset periodicity spectrum (rhythm and metre).
:data:`FEATURE_NAMES` names each column of the vector.

Built on librosa where it provides the piece: the mel filter bank (``librosa.filters.mel``,
computed once per rate), framing (``librosa.util.frame``), the onset envelope
(``librosa.onset.onset_strength`` on the log-mel spectrogram) and MFCCs from that precomputed
spectrogram (``librosa.feature.mfcc``). Segue's own code remains where a benchmark measured a
reason (docs/library.md, "librosa"): the tempo estimate (``librosa.feature.tempo`` costs 158 ms
per minute of audio, against 8 ms), spectral centroid/rolloff/flatness (3-5x faster here) and
the chroma bank (librosa's makes the humpback clip look like music to the non-music rule).
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

from engine.library.analysis.decode import Decoded, decode

FEATURE_VERSION = 2
N_FFT = 1024
HOP = 256
N_MELS = 40
N_MFCC = 13
MEL_FMAX = 5000.0
RHYTHM_RATIOS = (0.5, 2 / 3, 1.5, 2.0, 3.0, 4.0)
RHYTHM_BINS = 48
RHYTHM_RANGE_HZ = (0.3, 12.0)  # periodicities from 18 to 720 per minute

FEATURE_NAMES: tuple[str, ...] = (
    ("tempo",)
    + tuple(
        f"{name}_{stat}"
        for name in ("zcr", "centroid", "rolloff", "flatness", "loudness")
        for stat in ("mean", "std")
    )
    + tuple(f"chroma_rel_{i}" for i in range(12))
    + tuple(f"chroma_interval_{k}" for k in range(1, 7))
    + tuple(f"mfcc_{i}_mean" for i in range(N_MFCC))
    + tuple(f"mfcc_{i}_std" for i in range(N_MFCC))
    + ("onset_mean", "onset_std", "pulse_clarity")
    + tuple(f"rhythm_{r:.2f}" for r in RHYTHM_RATIOS)
    + tuple(f"periodicity_{i}" for i in range(RHYTHM_BINS))
)
N_FEATURES = len(FEATURE_NAMES)

# Column groups and their weight in the embedding (each group is scaled to this share of the
# total variance whatever its size). The onset periodicity spectrum (rhythm and metre) counts
# most; spectral shape and MFCCs (timbre) next. Chosen on the *selection* split of
# `segue eval playlist` among 36 weightings (spectral, MFCC and periodicity weights from
# {0.3, 0.6, 1.0(, 1.5)}): 0.6/0.6/1.0 gave a mean selection P@10 of 0.304 through the
# autoencoder, against 0.281 for the former 0.3/0.3/1.0 (docs/library.md).
FEATURE_GROUPS: dict[str, tuple[slice, float]] = {
    "tempo_rhythm": (slice(0, 1), 0.3),
    "spectral": (slice(1, 11), 0.6),
    "chroma": (slice(11, 29), 0.3),
    "mfcc": (slice(29, 55), 0.6),
    "onset": (slice(55, 64), 0.3),
    "periodicity": (slice(64, 64 + RHYTHM_BINS), 1.0),
}


def feature_weights() -> np.ndarray:
    """Per-column weights applied after standardisation (see :data:`FEATURE_GROUPS`)."""
    weights = np.zeros(N_FEATURES, dtype=np.float32)
    for column_slice, weight in FEATURE_GROUPS.values():
        size = len(range(*column_slice.indices(N_FEATURES)))
        weights[column_slice] = weight / np.sqrt(size)
    return weights * np.float32(np.sqrt(len(FEATURE_GROUPS)))


@functools.lru_cache(maxsize=8)
def _filters(rate: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Window, librosa's mel and chroma filter banks and the bin frequencies (computed once).

    The mel bank is librosa's HTK-scale, area-normalised bank from 30 Hz to :data:`MEL_FMAX`
    (the same values as Segue's former hand-written bank); the chroma bank is Segue's own.
    """
    import librosa

    window = np.hanning(N_FFT).astype(np.float32)
    freqs = np.fft.rfftfreq(N_FFT, 1.0 / rate).astype(np.float32)
    mel = librosa.filters.mel(sr=rate, n_fft=N_FFT, n_mels=N_MELS, fmin=30.0,
                              fmax=min(MEL_FMAX, rate / 2.0), htk=True).astype(np.float32)
    return window, mel, chroma_filters(freqs), freqs


def chroma_filters(freqs: np.ndarray) -> np.ndarray:
    """Map FFT bins (55 Hz..4 kHz) to 12 pitch classes with triangular weights.

    Kept instead of ``librosa.filters.chroma``: with librosa's octave-Gaussian bank the humpback
    whale clip scores 0.76 as music instead of 0.35, and the non-music rule misses it (docs/library.md).
    """
    bank = np.zeros((12, len(freqs)), dtype=np.float32)
    usable = (freqs >= 55.0) & (freqs <= 4000.0)
    pitch = 12.0 * np.log2(np.maximum(freqs, 1e-3) / 440.0) + 69.0
    for pc in range(12):
        distance = np.abs(((pitch - pc + 6.0) % 12.0) - 6.0)
        bank[pc] = np.where(usable, np.maximum(0.0, 1.0 - distance), 0.0)
    return bank


def _frames(samples: np.ndarray) -> np.ndarray:
    """Cut the signal into overlapping frames (``librosa.util.frame``: a strided view, no copy)."""
    import librosa

    if len(samples) < N_FFT:
        samples = np.pad(samples, (0, N_FFT - len(samples)))
    return librosa.util.frame(samples, frame_length=N_FFT, hop_length=HOP, axis=0)


def _tempo_and_rhythm(onset: np.ndarray, frame_rate: float) -> tuple[float, list[float]]:
    """Estimate tempo from the onset autocorrelation; return it and rhythm-pattern strengths."""
    envelope = onset - onset.mean()
    n = len(envelope)
    if n < 8 or not np.any(envelope):
        return 0.0, [0.0] * (1 + len(RHYTHM_RATIOS))
    spectrum = np.fft.rfft(envelope, 2 * n)
    ac = np.fft.irfft(spectrum * np.conj(spectrum))[:n]
    ac = ac / (ac[0] + 1e-9)
    lags = np.arange(n, dtype=np.float64)
    bpm = np.where(lags > 0, 60.0 * frame_rate / np.maximum(lags, 1), 0.0)
    valid = (bpm >= 40) & (bpm <= 240)
    prior = np.exp(-0.5 * (np.log2(np.maximum(bpm, 1e-3) / 120.0) / 1.0) ** 2)
    score = np.where(valid, ac * prior, -np.inf)
    best = int(np.argmax(score))
    if not np.isfinite(score[best]):
        return 0.0, [0.0] * (1 + len(RHYTHM_RATIOS))
    tempo = float(bpm[best])

    def at(lag: float) -> float:
        index = int(round(lag))
        if index <= 0 or index >= n:
            return 0.0
        low, high = max(1, index - 1), min(n, index + 2)
        return float(ac[low:high].max())

    clarity = at(best)
    return tempo, [clarity] + [at(best * ratio) for ratio in RHYTHM_RATIOS]


def periodicity_spectrum(flux: np.ndarray, frame_rate: float) -> np.ndarray:
    """Log spectrum of the onset envelope at log-spaced periodicities, z-normalised per track.

    A fluctuation-pattern-like rhythm descriptor: peaks sit at the note, beat and bar rates, so
    metres (6/8, 9/8, 3/4, 4/4) differ whatever the instrument.
    """
    envelope = np.log1p(10.0 * flux)
    envelope = envelope - envelope.mean()
    size = max(8192, 1 << int(np.ceil(np.log2(max(2, len(envelope))))))
    spectrum = np.abs(np.fft.rfft(envelope * np.hanning(len(envelope)), size))
    freqs = np.fft.rfftfreq(size, 1.0 / frame_rate)
    grid = np.geomspace(RHYTHM_RANGE_HZ[0], RHYTHM_RANGE_HZ[1], RHYTHM_BINS)
    low = np.searchsorted(freqs, grid * 0.97)
    high = np.maximum(np.searchsorted(freqs, grid * 1.03, side="right"), low + 1)
    pooled = np.array([spectrum[a:b].max() if a < len(spectrum) else 0.0
                       for a, b in zip(low, high, strict=True)])
    values = np.log(pooled / (pooled.sum() + 1e-9) + 1e-4)
    return (values - values.mean()) / (values.std() + 1e-9)


def features_from_samples(samples: np.ndarray, rate: int) -> np.ndarray:
    """Compute the feature vector (float32, :data:`N_FEATURES` long) of mono ``samples``."""
    return analyse_samples(samples, rate)[0]


def chroma_stability(chroma: np.ndarray, frame_rate: float) -> float:
    """Mean correlation of the (centred) chroma vectors a quarter of a second apart.

    Held notes and chords keep their pitch classes; speech glides and noise do not (see
    ``engine/library/analysis/nonmusic.py``).
    """
    lag = max(1, int(round(frame_rate / 4)))
    if len(chroma) <= lag:
        return 0.0
    a, b = chroma[:-lag], chroma[lag:]
    a = a - a.mean(axis=1, keepdims=True)
    b = b - b.mean(axis=1, keepdims=True)
    norms = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1) + 1e-9
    return float(np.mean((a * b).sum(axis=1) / norms))


def analyse_samples(samples: np.ndarray, rate: int) -> tuple[np.ndarray, float]:
    """The feature vector of mono ``samples`` and their chroma stability (one STFT for both)."""
    window, mel_fb, chroma_fb, freqs = _filters(int(rate))
    frames = _frames(np.ascontiguousarray(samples, dtype=np.float32))
    signs = np.signbit(frames)
    zcr = np.count_nonzero(signs[:, 1:] != signs[:, :-1], axis=1) / float(N_FFT)
    rms = np.sqrt(np.mean(frames.astype(np.float32) ** 2, axis=1) + 1e-12)
    loudness = 20.0 * np.log10(rms + 1e-6)
    import librosa
    from scipy import fft as sfft

    magnitude = np.abs(sfft.rfft(frames * window, axis=1, workers=1))
    power = magnitude**2
    # centroid, rolloff and flatness stay hand-written: librosa.feature.spectral_* took 51, 73
    # and 17 ms against 11, 36 and 10 ms here on a 61 s clip (bench in docs/library.md)
    total = magnitude.sum(axis=1) + 1e-9
    centroid = (magnitude @ freqs) / total
    cumulative = np.cumsum(magnitude, axis=1)
    rolloff = freqs[np.argmax(cumulative >= 0.85 * cumulative[:, -1:], axis=1)]
    log_power = np.log(power + 1e-10)
    flatness = np.exp(log_power.mean(axis=1)) / (power.mean(axis=1) + 1e-10)

    mel = np.log(power @ mel_fb.T + 1e-6)
    mfcc = librosa.feature.mfcc(S=mel.T, n_mfcc=N_MFCC, dct_type=2, norm="ortho").T

    chroma = power @ chroma_fb.T
    stability = chroma_stability(chroma, rate / HOP)
    chroma = chroma / (chroma.max(axis=1, keepdims=True) + 1e-9)
    profile = chroma.mean(axis=0)
    profile = np.roll(profile, -int(np.argmax(profile)))
    profile = profile / (profile.sum() + 1e-9)
    energy = (chroma**2).sum(axis=1) + 1e-9
    intervals = [
        float(np.mean((chroma * np.roll(chroma, -k, axis=1)).sum(axis=1) / energy))
        for k in range(1, 7)
    ]

    # spectral flux of the log-mel spectrogram (librosa pads the first frame: dropped)
    flux = librosa.onset.onset_strength(S=mel.T, lag=1, max_size=1, aggregate=np.sum,
                                        detrend=False, center=False)[1:]
    onset = flux / (flux.max() + 1e-9) if flux.size else np.zeros(1)
    tempo, rhythm = _tempo_and_rhythm(onset, rate / HOP)
    periodicity = (periodicity_spectrum(flux, rate / HOP) if flux.size > 16
                   else np.zeros(RHYTHM_BINS))

    def stats(values: np.ndarray) -> list[float]:
        return [float(np.mean(values)), float(np.std(values))]

    vector = (
        [tempo]
        + stats(zcr)
        + stats(centroid)
        + stats(rolloff)
        + stats(flatness)
        + stats(loudness)
        + profile.tolist()
        + intervals
        + mfcc.mean(axis=0).tolist()
        + mfcc.std(axis=0).tolist()
        + stats(onset)
        + rhythm
        + periodicity.tolist()
    )
    out = np.asarray(vector, dtype=np.float32)
    return np.nan_to_num(out, nan=0.0, posinf=0.0, neginf=0.0), stability


def analyse_decoded(decoded: Decoded) -> np.ndarray:
    """Feature vector of already decoded audio."""
    return features_from_samples(decoded.samples, decoded.sample_rate)


def analyse_file(path: str | Path) -> tuple[np.ndarray, float]:
    """Decode ``path`` once and return ``(feature vector, duration in seconds)``.

    Raises :class:`engine.library.analysis.decode.DecodeError` with the skip reason.
    """
    decoded = decode(path)
    return analyse_decoded(decoded), decoded.duration
