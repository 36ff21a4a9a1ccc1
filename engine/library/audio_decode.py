"""Decode an audio file once, to mono at a reduced sample rate, reading only what analysis needs.

soundfile (libsndfile: WAV, FLAC, Ogg Vorbis/Opus, MP3, AIFF...) reads the file; other formats
(M4A/AAC, WMA) fall back to audioread. Long tracks are read as a few evenly spaced
excerpts, so a 4-minute track costs about as much as one minute of audio.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.library.fspath import native

TARGET_RATE = 11025
EXCERPT_SECONDS = 20.0
EXCERPTS = 3
MAX_FILE_BYTES = 2 * 1024**3  # "huge" files are skipped, never read


class DecodeError(Exception):
    """The file cannot be analysed; the message is the skip reason shown to the user."""


@dataclass
class Decoded:
    """Mono samples at ``sample_rate`` and the whole file's duration in seconds."""

    samples: np.ndarray
    sample_rate: int
    duration: float


def _windows(frames: int, rate: int) -> list[tuple[int, int]]:
    """Return (start, length) frame windows: the whole file, or evenly spaced excerpts."""
    length = int(EXCERPT_SECONDS * rate)
    if frames <= length * (EXCERPTS + 0.5):
        return [(0, frames)]
    starts = np.linspace(0.1 * frames, 0.9 * frames - length, EXCERPTS)
    return [(int(s), length) for s in starts]


def _downmix_decimate(block: np.ndarray, factor: int) -> np.ndarray:
    """Average the channels and decimate by an integer factor with a box filter."""
    usable = len(block) // factor * factor
    channels = block.shape[1]
    flat = np.ascontiguousarray(block[:usable]).reshape(-1, factor * channels)
    out = flat[:, 0].copy()
    for column in range(1, factor * channels):  # column adds beat a reduce over a short axis
        out += flat[:, column]
    return out * np.float32(1.0 / (factor * channels))


def decode(path: str | Path) -> Decoded:
    """Decode ``path`` for analysis; raise :class:`DecodeError` with a reason if it cannot."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except PermissionError as exc:
        raise DecodeError("permission denied") from exc
    except OSError as exc:
        raise DecodeError(f"cannot read: {exc.strerror or exc}") from exc
    if size == 0:
        raise DecodeError("empty file (0 bytes)")
    if size > MAX_FILE_BYTES:
        raise DecodeError(f"too big ({size / 1024**3:.1f} GB)")
    try:
        decoded = _decode_soundfile(path)
    except PermissionError as exc:
        raise DecodeError("permission denied") from exc
    except DecodeError:
        raise
    except Exception:  # noqa: BLE001 - libsndfile refuses: try audioread before giving up
        decoded = _decode_audioread(path)
    if decoded.samples.size < decoded.sample_rate // 2:
        raise DecodeError("too short or no audio frames (truncated?)")
    if not np.all(np.isfinite(decoded.samples)):
        raise DecodeError("corrupt audio (non-finite samples)")
    return decoded


def _decode_soundfile(path: Path) -> Decoded:
    import soundfile as sf

    with sf.SoundFile(native(path)) as handle:
        rate = int(handle.samplerate)
        frames = int(handle.frames)
        if rate <= 0:
            raise DecodeError("no sample rate")
        factor = max(1, round(rate / TARGET_RATE))
        parts = []
        for start, length in _windows(frames, rate):
            if start:
                handle.seek(start)
            block = handle.read(length, dtype="float32", always_2d=True)
            parts.append(_downmix_decimate(block, factor))
        samples = np.concatenate(parts) if parts else np.zeros(0, np.float32)
    duration = frames / rate if frames > 0 else 0.0
    return Decoded(samples, rate // factor, duration)


def _decode_audioread(path: Path) -> Decoded:
    """Decode formats libsndfile lacks (M4A/AAC, WMA) through audioread (ffmpeg/GStreamer)."""
    try:
        import audioread
    except ImportError as exc:
        raise DecodeError("not a readable audio file (no decoder for this format)") from exc
    try:
        with audioread.audio_open(str(path)) as handle:
            rate, channels = int(handle.samplerate), max(1, int(handle.channels))
            blocks = [np.frombuffer(buf, dtype="<i2") for buf in handle]
    except PermissionError as exc:
        raise DecodeError("permission denied") from exc
    except Exception as exc:  # noqa: BLE001 - audioread backends raise many kinds
        raise DecodeError("not a readable audio file (no decoder could open it)") from exc
    data = np.concatenate(blocks) if blocks else np.zeros(0, dtype="<i2")
    data = data[: len(data) // channels * channels].reshape(-1, channels)
    factor = max(1, round(rate / TARGET_RATE)) if rate > 0 else 1
    samples = _downmix_decimate(data.astype(np.float32) / 32768.0, factor)
    return Decoded(samples, rate // factor, len(data) / float(max(rate, 1)))
