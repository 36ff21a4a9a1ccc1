"""Decode an audio file once, to mono at a reduced sample rate, reading only what analysis needs.

soundfile (libsndfile: WAV, FLAC, Ogg Vorbis/Opus, MP3, AIFF...) reads the file; other formats
(M4A/AAC, WMA) fall back to audioread. Long tracks are read as a few evenly spaced
excerpts, so a 4-minute track costs about as much as one minute of audio.

What a file claims is checked before it costs memory: a sample rate outside
:data:`MIN_SAMPLE_RATE`..:data:`MAX_SAMPLE_RATE` is refused, and samples are read in blocks of at
most :data:`READ_BYTES` and decimated as they come, so the samples kept are bounded by the
excerpts' duration at the target rate whatever the header says.

``decode(path, for_tagger=True)`` also keeps each excerpt for the music tagger, mixed to mono at
the file's own rate (:attr:`Decoded.tagger_rate`): the tagger resamples only the few seconds it
hears to its 16 kHz (:mod:`engine.library.analysis.tagging`), so it gets its front end's full
bandwidth (up to 8 kHz), not the ~11 kHz analysis samples.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from engine.library.storage.fspath import native

TARGET_RATE = 11025
EXCERPT_SECONDS = 20.0
EXCERPTS = 3
MAX_FILE_BYTES = 2 * 1024**3  # "huge" files are skipped, never read
MIN_SAMPLE_RATE = 1_000
MAX_SAMPLE_RATE = 768_000  # the highest rate recorders and converters offer
READ_BYTES = 4 * 1024 * 1024  # float32 samples read at once, whatever the channel count


class DecodeError(Exception):
    """The file cannot be analysed; the message is the skip reason shown to the user."""


@dataclass
class Decoded:
    """Mono samples at ``sample_rate`` and the whole file's duration in seconds."""

    samples: np.ndarray
    sample_rate: int
    duration: float
    tagger: list[np.ndarray] = field(default_factory=list)  # mono excerpts at tagger_rate
    tagger_rate: int = 0  # the file's own sample rate (for_tagger only)


def _check_rate(rate: int) -> None:
    """Raise DecodeError for a sample rate no real recording has (a hostile or broken header)."""
    if not MIN_SAMPLE_RATE <= rate <= MAX_SAMPLE_RATE:
        raise DecodeError(f"implausible sample rate ({rate} Hz; expected {MIN_SAMPLE_RATE} to "
                          f"{MAX_SAMPLE_RATE} Hz): corrupt or not audio")


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


def _mono(block: np.ndarray) -> np.ndarray:
    """Channels averaged (float32; column adds: ``mean(axis=1)`` over two channels is 30x
    slower)."""
    out = block[:, 0].copy()
    for column in range(1, block.shape[1]):
        out += block[:, column]
    if block.shape[1] > 1:
        out *= np.float32(1.0 / block.shape[1])
    return out


def decode(path: str | Path, for_tagger: bool = False) -> Decoded:
    """Decode ``path`` for analysis; raise :class:`DecodeError` with a reason if it cannot.

    ``for_tagger``: also fill :attr:`Decoded.tagger` (mono excerpts at the file's rate)."""
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
        decoded = _decode_soundfile(path, for_tagger)
    except PermissionError as exc:
        raise DecodeError("permission denied") from exc
    except DecodeError:
        raise
    except Exception:  # noqa: BLE001 - libsndfile refuses: try audioread before giving up
        decoded = _decode_audioread(path, for_tagger)
    if decoded.samples.size < decoded.sample_rate // 2:
        raise DecodeError("too short or no audio frames (truncated?)")
    if not np.all(np.isfinite(decoded.samples)):
        raise DecodeError("corrupt audio (non-finite samples)")
    return decoded


def _block_frames(channels: int, factor: int) -> int:
    """Frames per read: at most :data:`READ_BYTES` of float32, a multiple of ``factor``."""
    frames = READ_BYTES // (4 * max(1, channels)) // factor * factor
    return max(factor, frames)


def _decode_soundfile(path: Path, for_tagger: bool = False) -> Decoded:
    """Decode through libsndfile, reading each excerpt in bounded blocks."""
    import soundfile as sf

    with sf.SoundFile(native(path)) as handle:
        rate = int(handle.samplerate)
        frames = int(handle.frames)
        if rate <= 0:
            raise DecodeError("no sample rate")
        _check_rate(rate)
        factor = max(1, round(rate / TARGET_RATE))
        block = _block_frames(handle.channels, factor)
        parts, tagger = [], []
        for start, length in _windows(frames, rate):
            if start:
                handle.seek(start)
            left, raw = length, []
            while left > 0:
                chunk = handle.read(min(block, left), dtype="float32", always_2d=True)
                if not len(chunk):
                    break
                parts.append(_downmix_decimate(chunk, factor))
                if for_tagger:
                    raw.append(_mono(chunk))
                left -= len(chunk)
            if raw:
                tagger.append(np.concatenate(raw))
        samples = np.concatenate(parts) if parts else np.zeros(0, np.float32)
    duration = frames / rate if frames > 0 else 0.0
    return Decoded(samples, rate // factor, duration, tagger, rate if for_tagger else 0)


class _Excerpt:
    """One excerpt being decoded from a stream: decimated as frames arrive (the remainder of
    fewer than ``factor`` frames waits for the next block)."""

    def __init__(self, start: int, length: int, factor: int, keep_raw: bool = False) -> None:
        self.start, self.end, self.factor = start, start + length, factor
        self.parts: list[np.ndarray] = []
        self.pending: np.ndarray | None = None
        self.raw: list[np.ndarray] | None = [] if keep_raw else None  # mono, full rate

    def add(self, block: np.ndarray) -> None:
        """Take ``block`` (frames, channels) of float32 samples that lie inside this excerpt."""
        if self.raw is not None:
            self.raw.append(_mono(block))
        if self.pending is not None and len(self.pending):
            block = np.concatenate([self.pending, block])
        usable = len(block) // self.factor * self.factor
        if usable:
            self.parts.append(_downmix_decimate(block[:usable], self.factor))
        self.pending = block[usable:]


def _stream_excerpts(buffers, channels: int, excerpts: list[_Excerpt], count_all: bool) -> int:
    """Feed 16-bit interleaved ``buffers`` into ``excerpts``; return the frames seen (all of
    them if ``count_all``, else up to the end of the last excerpt)."""
    position, current, carry = 0, 0, np.zeros(0, dtype="<i2")
    for buf in buffers:
        data = np.concatenate([carry, np.frombuffer(buf, dtype="<i2")])
        n = len(data) // channels
        data, carry = data[:n * channels], data[n * channels:]
        block = data.reshape(n, channels)
        while current < len(excerpts) and excerpts[current].start < position + n:
            excerpt = excerpts[current]
            a, b = max(excerpt.start, position) - position, min(excerpt.end, position + n) - position
            if b > a:
                excerpt.add(block[a:b].astype(np.float32) / np.float32(32768.0))
            if excerpt.end > position + n:
                break
            current += 1
        position += n
        if current >= len(excerpts) and not count_all:
            break
    return position


def _decode_audioread(path: Path, for_tagger: bool = False) -> Decoded:
    """Decode formats libsndfile lacks (M4A/AAC, WMA) through audioread (ffmpeg/GStreamer).

    The stream is decimated as it is decoded and only the excerpts are kept (the first
    ``EXCERPTS + 0.5`` excerpt lengths when the duration is unknown), so memory stays bounded.
    """
    try:
        import audioread
    except ImportError as exc:
        raise DecodeError("not a readable audio file (no decoder for this format)") from exc
    try:
        with audioread.audio_open(str(path)) as handle:
            rate, channels = int(handle.samplerate), max(1, int(handle.channels))
            _check_rate(rate)
            factor = max(1, round(rate / TARGET_RATE))
            known = int(float(handle.duration or 0) * rate)
            windows = _windows(known, rate) if known > 0 else []
            if len(windows) < 2:  # short or of unknown length: its start, up to the whole budget
                windows = [(0, int(EXCERPT_SECONDS * (EXCERPTS + 0.5) * rate))]
            excerpts = [_Excerpt(start, length, factor, for_tagger) for start, length in windows]
            frames = _stream_excerpts(handle, channels, excerpts, count_all=known <= 0)
    except PermissionError as exc:
        raise DecodeError("permission denied") from exc
    except DecodeError:
        raise
    except Exception as exc:  # noqa: BLE001 - audioread backends raise many kinds
        raise DecodeError("not a readable audio file (no decoder could open it)") from exc
    parts = [part for excerpt in excerpts for part in excerpt.parts]
    samples = np.concatenate(parts) if parts else np.zeros(0, np.float32)
    duration = max(frames, known) / float(rate)
    tagger = [np.concatenate(e.raw) for e in excerpts if e.raw]
    return Decoded(samples, rate // factor, duration, tagger, rate if for_tagger else 0)
