"""Log-mel patches of a track for the spectrogram VAE (librosa), small enough to keep in the DB.

From the mono samples the scan already decoded (about 11 kHz; for long tracks, three 20 s
excerpts), :func:`mel_patches` takes :data:`N_PATCHES` evenly spaced windows of
:data:`N_FRAMES` frames (about 3 s each), each a :data:`N_MELS`-band mel power spectrogram up to
5 kHz (``librosa.filters.mel`` once per rate, ``librosa.stft`` per window) in dB relative to the
track's loudest band, mapped from [-80, 0] dB to [0, 1]. They are stored as float16:
4 × 64 × 64 × 2 bytes = 32 KiB per track.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator

import numpy as np

PATCH_VERSION = 1
N_MELS = 64
N_FRAMES = 64
N_PATCHES = 4
HOP_SECONDS = 512 / 11025  # about 46 ms
FMAX = 5000.0
TOP_DB = 80.0


def _sizes(sample_rate: int) -> tuple[int, int]:
    """``(n_fft, hop)`` for a sample rate: the hop is about 46 ms, the window twice that."""
    hop = max(16, int(round(sample_rate * HOP_SECONDS)))
    return 2 * hop, hop


@functools.lru_cache(maxsize=1)
def _controller():  # noqa: ANN202 - a threadpoolctl.ThreadpoolController, or None
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # pragma: no cover - threadpoolctl ships with scikit-learn
        return None
    return ThreadpoolController()


@contextlib.contextmanager
def _one_blas_thread() -> Iterator[None]:
    controller = _controller()
    limiter = controller.limit(limits=1, user_api="blas") if controller is not None else None
    try:
        yield
    finally:
        if limiter is not None:
            limiter.restore_original_limits()


@functools.lru_cache(maxsize=8)
def _mel_basis(sample_rate: int, n_fft: int) -> np.ndarray:
    import librosa

    fmax = min(FMAX, sample_rate / 2.0)
    return librosa.filters.mel(sr=sample_rate, n_fft=n_fft, n_mels=N_MELS, fmax=fmax).astype(
        np.float32)


def _patches(samples: np.ndarray, sample_rate: int, count: int | None) -> np.ndarray:
    """``count`` evenly spaced patches, or (``None``) every half-overlapping window."""
    import librosa

    n_fft, hop = _sizes(int(sample_rate))
    need = (N_FRAMES - 1) * hop + n_fft
    y = np.asarray(samples, dtype=np.float32).ravel()
    if y.size == 0:
        return np.zeros((count or 1, N_MELS, N_FRAMES), np.float16)
    if y.size < need:
        y = np.tile(y, int(np.ceil(need / y.size)))[:need]
    if count is None:
        starts = np.arange(0, y.size - need + 1, (N_FRAMES // 2) * hop, dtype=np.int64)
    else:
        starts = np.linspace(0, y.size - need, count).astype(np.int64)
    basis = _mel_basis(int(sample_rate), n_fft)
    segments = np.stack([y[start : start + need] for start in starts])  # one multichannel STFT
    spectrum = np.abs(librosa.stft(segments, n_fft=n_fft, hop_length=hop, center=False)) ** 2
    with _one_blas_thread():  # a 2-thread BLAS spins more than these small products cost
        mels = np.stack([basis @ spectrum[i, :, :N_FRAMES] for i in range(len(starts))])
    peak = float(mels.max())
    if peak <= 1e-10:
        return np.zeros(mels.shape, np.float16)
    db = librosa.power_to_db(mels, ref=peak, amin=1e-10, top_db=TOP_DB)
    return ((db + TOP_DB) / TOP_DB).clip(0.0, 1.0).astype(np.float16)


def mel_patches(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    """Return ``(N_PATCHES, N_MELS, N_FRAMES)`` float16 patches of a mono signal.

    Signals shorter than one patch are repeated to fill it; silence gives all-zero patches.
    """
    return _patches(samples, sample_rate, N_PATCHES)


def dense_patches(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    """Every half-overlapping patch of a signal (for training on a few files)."""
    return _patches(samples, sample_rate, None)


def patches_to_bytes(patches: np.ndarray) -> bytes:
    """Serialise patches (float16) for the ``track_patches`` table."""
    return np.ascontiguousarray(patches, dtype=np.float16).tobytes()


def patches_from_bytes(blob: bytes, count: int) -> np.ndarray:
    """Rebuild ``(count, N_MELS, N_FRAMES)`` float16 patches from the DB."""
    return np.frombuffer(blob, dtype=np.float16).reshape(count, N_MELS, N_FRAMES)


def patches_of_file(path: str) -> np.ndarray:
    """Decode ``path`` as the scan does and return its patches (for training on arbitrary files)."""
    from engine.library.analysis.decode import decode

    decoded = decode(path)
    return mel_patches(decoded.samples, decoded.sample_rate)
