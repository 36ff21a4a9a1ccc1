"""The musicnn front end: 16 kHz audio → log-compressed 96-band mel patches of 187 frames (3 s).

Exactly musicnn's ``extractor.batch_data``: ``librosa.load(sr=16000)`` (mono, soxr), then
``librosa.feature.melspectrogram(n_fft=512, hop_length=256, n_mels=96)`` (Hann window, centred
frames, zero padding, Slaney mel filters, power 2), rounded to float16 as musicnn does, then
``log10(10000 x + 1)`` ("logC"). One deliberate difference: musicnn takes the logarithm *in*
float16, where ``10000 x`` overflows to infinity for any mel power above 6.55 (common in loud
music) and the network then answers NaN; here the float16-rounded power is compressed in
float32 (docs/tagger.md, "The float16 overflow").

Patches are musicnn's: non-overlapping, from frame 0, the tail shorter than a patch dropped.
:func:`patch_starts` picks a bounded number of them spread evenly over the track, and
:func:`mel_patches` computes the spectrogram of those patches only: each patch's frames come from
its own slice of the zero-padded signal, the very frames a whole-signal spectrogram would hold.
A clip shorter than one patch (but at least :data:`MIN_SECONDS`) is repeat-padded, as the models'
training did.

:func:`read_excerpts` decodes only the audio those patches need from a file libsndfile can seek
(WAV, FLAC, Ogg, MP3, …): each patch's stretch plus :data:`MARGIN_SECONDS` either side, read at
an offset on the 16 kHz grid and resampled like ``librosa.load`` (soxr HQ). The patch's samples
then equal the whole-file decode's to float32 rounding (measured: 2e-7), so a 4-minute track
costs about what 25 s of it would.
"""

from __future__ import annotations

import functools
import math
from pathlib import Path

import numpy as np

SAMPLE_RATE = 16000
N_FFT = 512
HOP = 256
N_MELS = 96
PATCH_FRAMES = 187  # librosa.time_to_frames(3 s) + 1, musicnn's input length
PATCH_SECONDS = PATCH_FRAMES * HOP / SAMPLE_RATE  # 2.99 s
PIECE = (PATCH_FRAMES - 1) * HOP + N_FFT  # samples of the zero-padded signal behind one patch
MARGIN_SECONDS = 0.25  # read either side of a patch: the resampler's edge effects stay outside
MIN_SECONDS = 1.0  # shorter audio is refused (repeat-padding it to 3 s would be mostly echo)
FLOAT16_MAX = float(np.finfo(np.float16).max)
MAX_WHOLE_SAMPLES = 64 * 1024 * 1024  # native frames decoded at once (256 MB mono): ~24 min at 44.1 kHz


class TooLong(ValueError):
    """A file too long to decode whole (its header says so; nothing was decoded)."""


def load_audio(path: str | Path, max_seconds: float | None = None) -> np.ndarray:
    """Decode ``path`` as musicnn does: mono float32 at 16 kHz (``librosa.load(sr=16000)``).

    A file libsndfile reads is decoded here with librosa's own steps (read float32, average the
    channels, :func:`resample`), in blocks, so librosa is not imported; one longer than
    :data:`MAX_WHOLE_SAMPLES` native samples raises :class:`TooLong` before any decoding. Other
    formats go through ``librosa.load`` (audioread), at most ``max_seconds`` from the start.
    Raises whatever the readers raise for an unreadable file (the caller words it).
    """
    import soundfile as sf

    try:
        handle = sf.SoundFile(str(path))
    except (sf.LibsndfileError, RuntimeError, TypeError):
        return _librosa_load(path, max_seconds)
    with handle:
        rate, frames = int(handle.samplerate), int(handle.frames)
        if frames > MAX_WHOLE_SAMPLES:
            raise TooLong(f"too long to decode whole ({frames / max(rate, 1) / 60:.0f} min at "
                          f"{rate} Hz)")
        parts = [block.mean(axis=1) if block.shape[1] > 1 else block[:, 0].copy()
                 for block in handle.blocks(blocksize=1 << 18, dtype="float32", always_2d=True,
                                            frames=MAX_WHOLE_SAMPLES + 1)]
    y = np.concatenate(parts) if parts else np.zeros(0, np.float32)
    if len(y) > MAX_WHOLE_SAMPLES:  # the header understated the length
        raise TooLong("too long to decode whole")
    return resample(y, rate) if rate != SAMPLE_RATE else y


def _librosa_load(path: str | Path, max_seconds: float | None) -> np.ndarray:
    """``librosa.load`` for what libsndfile cannot read (audioread: ffmpeg, GStreamer…)."""
    import warnings

    import librosa

    with warnings.catch_warnings():  # "PySoundFile failed. Trying audioread instead." and its
        warnings.simplefilter("ignore", UserWarning)  # deprecation: the fallback is expected
        warnings.simplefilter("ignore", FutureWarning)
        y, _ = librosa.load(str(path), sr=SAMPLE_RATE, mono=True, duration=max_seconds)
    return np.asarray(y, dtype=np.float32)


def resample(y: np.ndarray, sr: int) -> np.ndarray:
    """``librosa.resample(y, orig_sr=sr, target_sr=16000)`` (soxr HQ, then fixed to
    ``ceil(n · 16000 / sr)`` samples), without importing librosa."""
    import soxr

    out = soxr.resample(np.asarray(y, dtype=np.float32), sr, SAMPLE_RATE, quality="HQ")
    size = math.ceil(len(y) * SAMPLE_RATE / sr)
    if len(out) < size:
        out = np.pad(out, (0, size - len(out)))
    return np.asarray(out[:size], dtype=np.float32)


def to_model_rate(y: np.ndarray, sr: int) -> np.ndarray:
    """Mono float32 samples at 16 kHz from ``y`` (mono, or channels first) at ``sr``."""
    y = np.asarray(y, dtype=np.float32)
    if y.ndim > 1:
        y = y.mean(axis=0)
    return resample(y, sr) if sr != SAMPLE_RATE else y


def n_frames(n_samples: int) -> int:
    """Frames of a centred spectrogram of ``n_samples`` samples (librosa's count)."""
    return 1 + n_samples // HOP


def patch_starts(total_frames: int, max_patches: int | None) -> np.ndarray:
    """Start frames of the patches to tag: musicnn's grid, at most ``max_patches`` spread evenly.

    musicnn tags every non-overlapping patch from frame 0 (``None`` here); a bounded number
    keeps the first and last and spreads the rest evenly between them. An empty array means the
    audio is shorter than one patch.
    """
    count = (total_frames - PATCH_FRAMES) // PATCH_FRAMES + 1 if total_frames >= PATCH_FRAMES else 0
    grid = np.arange(count) * PATCH_FRAMES
    if max_patches is None or count <= max_patches:
        return grid
    if max_patches < 1:
        raise ValueError("max_patches must be at least 1")
    picks = np.unique(np.round(np.linspace(0, count - 1, max_patches)).astype(int))
    return grid[picks]


def log_compress(mel_power: np.ndarray) -> np.ndarray:
    """musicnn's "logC" on float16-rounded power: ``log10(10000 x + 1)``, computed in float32."""
    rounded = np.minimum(mel_power, FLOAT16_MAX).astype(np.float16).astype(np.float32)
    return np.log10(np.float32(10000.0) * rounded + np.float32(1.0))


def _hz_to_mel(hz: np.ndarray) -> np.ndarray:
    """Slaney's mel scale (librosa's default, ``htk=False``): linear below 1 kHz, log above."""
    hz = np.asarray(hz, dtype=np.float64)
    mel = hz / (200.0 / 3)
    log = hz >= 1000.0
    mel[log] = 15.0 + np.log(hz[log] / 1000.0) / (np.log(6.4) / 27.0)
    return mel


def _mel_to_hz(mel: np.ndarray) -> np.ndarray:
    """Inverse of :func:`_hz_to_mel`."""
    mel = np.asarray(mel, dtype=np.float64)
    hz = mel * (200.0 / 3)
    log = mel >= 15.0
    hz[log] = 1000.0 * np.exp((np.log(6.4) / 27.0) * (mel[log] - 15.0))
    return hz


def mel_bank(sr: int = SAMPLE_RATE, n_fft: int = N_FFT, n_mels: int = N_MELS) -> np.ndarray:
    """``librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels)`` ``(n_mels, 1 + n_fft/2)``:
    triangles between Slaney-mel-spaced edges from 0 Hz to ``sr/2``, area-normalised
    ("slaney"), built the way librosa builds them (the test compares the two)."""
    fft_hz = np.fft.rfftfreq(n_fft, 1.0 / sr)
    edges = _mel_to_hz(np.linspace(_hz_to_mel(np.array([0.0]))[0],
                                   _hz_to_mel(np.array([sr / 2.0]))[0], n_mels + 2))
    widths = np.diff(edges)
    ramps = np.subtract.outer(edges, fft_hz)
    bank = np.zeros((n_mels, len(fft_hz)), dtype=np.float32)
    for i in range(n_mels):
        bank[i] = np.maximum(0, np.minimum(-ramps[i] / widths[i], ramps[i + 2] / widths[i + 1]))
    bank *= (2.0 / (edges[2: n_mels + 2] - edges[:n_mels]))[:, None]
    return bank


@functools.lru_cache(maxsize=1)
def _filters() -> tuple[np.ndarray, np.ndarray]:
    """The periodic Hann window and the mel bank (float32, transposed), built once."""
    n = np.arange(N_FFT)
    window = (0.5 - 0.5 * np.cos(2.0 * np.pi * n / N_FFT)).astype(np.float32)
    return window, np.ascontiguousarray(mel_bank().T)


def _frames_power(padded: np.ndarray, first: int, count: int) -> np.ndarray:
    """Mel power ``(count, 96)`` of frames ``first…first+count-1`` of the zero-padded signal.

    librosa's ``melspectrogram`` computed directly (``|rfft(frame · hann)|² @ mel bank``): the
    same numbers to float32 rounding (relative 2e-7), without rebuilding the mel bank per call
    or importing librosa (whose first use costs seconds).
    """
    from scipy import fft as sfft

    window, bank = _filters()
    piece = padded[first * HOP: first * HOP + (count - 1) * HOP + N_FFT]
    frames = np.lib.stride_tricks.sliding_window_view(piece, N_FFT)[::HOP]
    spectrum = sfft.rfft(frames * window, axis=1, workers=1)
    power = spectrum.real * spectrum.real + spectrum.imag * spectrum.imag
    return (power @ bank).astype(np.float32)


def mel_power(y16: np.ndarray) -> np.ndarray:
    """Mel power spectrogram ``(frames, 96)`` of 16 kHz samples, centred frames (musicnn's)."""
    y16 = np.asarray(y16, dtype=np.float32)
    return _frames_power(np.pad(y16, N_FFT // 2), 0, n_frames(len(y16)))


def mel_patches(y16: np.ndarray, max_patches: int | None = None
                ) -> tuple[np.ndarray, np.ndarray]:
    """Log-mel patches ``(P, 187, 96)`` float32 and their start times in seconds.

    ``y16``: mono float32 at 16 kHz, at least :data:`MIN_SECONDS` long (checked by the caller).
    Only the chosen patches' frames are computed (:func:`patch_starts`). Audio shorter than one
    patch gives one patch: its whole spectrogram repeated to 187 frames.
    """
    y16 = np.asarray(y16, dtype=np.float32)
    starts = patch_starts(n_frames(len(y16)), max_patches)
    if len(starts) == 0:
        power = mel_power(y16)
        reps = -(-PATCH_FRAMES // len(power))
        patch = np.tile(power, (reps, 1))[:PATCH_FRAMES]
        return log_compress(patch)[None], np.zeros(1)
    padded = np.pad(y16, N_FFT // 2)  # librosa's centring (pad_mode "constant")
    power = np.stack([_frames_power(padded, int(s), PATCH_FRAMES) for s in starts])
    return log_compress(power), starts * HOP / SAMPLE_RATE


def pieces_to_patches(pieces: np.ndarray) -> np.ndarray:
    """Log-mel patches ``(P, 187, 96)`` from :func:`read_excerpts`' pieces ``(P, PIECE)``."""
    power = np.stack([_frames_power(piece, 0, PATCH_FRAMES) for piece in pieces])
    return log_compress(power)


def read_excerpts(path: str | Path, max_patches: int
                  ) -> tuple[np.ndarray, np.ndarray, float] | None:
    """Decode only the patches :func:`patch_starts` picks from ``path``.

    Returns ``(pieces, starts, duration)``: for each patch the :data:`PIECE` samples of the
    zero-padded 16 kHz signal its frames are computed from (zeros beyond the file's ends, as
    librosa's centring pads), the patches' start frames, and the file's duration in seconds.
    Returns ``None`` when a whole decode is the better way: libsndfile cannot read or seek the
    file (M4A, …: ``librosa.load`` falls back to audioread), or the track is short enough that
    the patches would cover much of it. Raises ``ValueError`` for an implausible header or a
    file that ends early (truncated), and libsndfile's errors for unreadable data.
    """
    import soundfile as sf

    try:
        handle = sf.SoundFile(str(path))
    except (sf.LibsndfileError, RuntimeError, TypeError):
        return None
    with handle:
        rate, frames = int(handle.samplerate), int(handle.frames)
        if frames <= 0 or not handle.seekable():
            return None
        if not 1000 <= rate <= 768_000:
            raise ValueError(f"implausible sample rate ({rate} Hz): corrupt or not audio")
        total = math.ceil(frames * SAMPLE_RATE / rate)  # librosa.load's sample count
        starts = patch_starts(n_frames(total), max_patches)
        if len(starts) == 0 or len(starts) * PATCH_FRAMES * HOP * 2 > total:
            return None
        pieces = np.zeros((len(starts), PIECE), dtype=np.float32)
        for i, start in enumerate(starts):
            pieces[i] = _read_piece(handle, rate, frames, total, int(start))
    return pieces, starts, frames / rate


def _read_piece(handle: object, rate: int, frames: int, total: int, start: int) -> np.ndarray:
    """The :data:`PIECE` samples of the padded 16 kHz signal for the patch at frame ``start``."""
    import soxr

    first = start * HOP - N_FFT // 2  # first 16 kHz sample of the patch's frames (may be < 0)
    margin = int(MARGIN_SECONDS * SAMPLE_RATE)
    step = rate // math.gcd(rate, SAMPLE_RATE)  # native frames between shared grid points
    begin = max(0, (first - margin) * rate // SAMPLE_RATE // step * step)
    end = min(frames, math.ceil((first + PIECE + margin) * rate / SAMPLE_RATE) + 1)
    handle.seek(begin)  # type: ignore[attr-defined]
    block = handle.read(end - begin, dtype="float32", always_2d=True)  # type: ignore[attr-defined]
    if len(block) < end - begin:
        raise ValueError(f"the file ends early (truncated?) near {begin / rate:.1f} s")
    mono = block.mean(axis=1) if block.shape[1] > 1 else block[:, 0]
    y16 = soxr.resample(mono, rate, SAMPLE_RATE, quality="HQ") if rate != SAMPLE_RATE else mono
    offset = begin * SAMPLE_RATE // rate  # exact: begin is on the shared grid
    lo, hi = max(first, 0), min(first + PIECE, total, offset + len(y16))
    piece = np.zeros(PIECE, dtype=np.float32)
    piece[lo - first: hi - first] = y16[lo - offset: hi - offset]
    return piece
