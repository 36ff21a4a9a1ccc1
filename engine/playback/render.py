"""Offline rendering to an audio file: a MIDI file, a ``.segue`` project's chain, or the Composer's.

Everything plays through the internal synth (:mod:`engine.playback.synth`: tinysoundfont and the
bundled TimGM6mb.sf2, or ``soundfont``) with the chain's tempo and instruments and a short tail
for the last notes' release, so a machine without a sound card or a MIDI sequencer can still hear
what Segue made. The audio streams block by block into a WAV, FLAC or Ogg Vorbis file (chosen by
the file's extension, written with ``soundfile``) through :func:`engine.atomic.atomic_path`: a
cancelled or failed render leaves no file behind, and an existing file is replaced only by a
complete one. ``progress(fraction, message)`` is told as blocks are rendered and ``cancelled()``
is checked between blocks, so the GUI runs a render as a job with a progress bar and Cancel.

Bad input raises :class:`engine.errors.UserFacingError` naming the file and the problem before
anything is written: an unknown output extension, an unreadable MIDI file, a project without a
chain, a sample rate or tail that is not a finite positive number in range, an unwritable path.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from engine.errors import UserFacingError
from engine.jobs import CancelledFn, ProgressFn, check_cancelled, never_cancelled, no_progress
from engine.playback.events import NOTE_ON, Event

if TYPE_CHECKING:  # pragma: no cover
    from engine.dshl.chain import ChainState

# extension → (libsndfile format, subtype)
FORMATS: dict[str, tuple[str, str]] = {
    ".wav": ("WAV", "PCM_16"),
    ".flac": ("FLAC", "PCM_16"),
    ".ogg": ("OGG", "VORBIS"),
}
DEFAULT_SAMPLE_RATE = 44100
RATE_RANGE = (8000, 192000)
DEFAULT_TAIL_SECONDS = 1.0
MAX_TAIL_SECONDS = 60.0
MAX_SECONDS = 2 * 3600.0  # as long as the longest tune Segue reads
MIDI_SUFFIXES = (".mid", ".midi")
PROJECT_SUFFIX = ".segue"
TARGET_PEAK = 10 ** (-1.0 / 20)  # normalised to a -1 dBFS peak...
MAX_GAIN = 10 ** (30.0 / 20)  # ...raising a quiet render by 30 dB at most
_PROGRESS_STEPS = 200


class _Progress:
    """Tell ``progress`` about two passes over ``total`` frames, about 200 times in all."""

    def __init__(self, progress: ProgressFn, total: int, message: str) -> None:
        self.progress, self.total, self.message = progress, max(1, 2 * total), message
        self.done, self.step = 0, max(1, self.total // _PROGRESS_STEPS)
        progress(0.0, message)

    def advance(self, frames: int) -> None:
        """Count ``frames`` more rendered frames."""
        before, self.done = self.done, self.done + frames
        if self.done // self.step != before // self.step:
            self.progress(min(1.0, self.done / self.total), self.message)


def _synth(sample_rate: int, soundfont: str | Path | None) -> object:
    """A fresh synth (each pass starts from silence); a bad SoundFont is a one-line error."""
    from engine.playback.synth import SynthError, load_synth

    try:
        return load_synth(sample_rate, soundfont)
    except SynthError as exc:
        raise UserFacingError(str(exc)) from exc


@dataclass(frozen=True)
class Rendered:
    """What a render wrote: the file, its length, the music's length, rate, format and gain."""

    path: Path
    seconds: float  # length of the audio written (the music plus the tail)
    music_seconds: float  # from the start to the last event
    sample_rate: int
    format: str  # "WAV", "FLAC" or "OGG"
    gain_db: float  # the gain that brought the loudest sample to TARGET_PEAK


def audio_format(path: str | Path) -> tuple[str, str]:
    """The ``(format, subtype)`` that ``path``'s extension asks for; refuse any other extension."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        shown = f"'{suffix}'" if suffix else "none"
        raise UserFacingError(f"{path}: unknown audio file extension ({shown}): use .wav, .flac "
                              "or .ogg")
    return FORMATS[suffix]


def _check_numbers(sample_rate: object, tail_seconds: object) -> tuple[int, float]:
    """A sample rate in range and a finite tail from 0 to 60 s, else a one-line error."""
    low, high = RATE_RANGE
    if isinstance(sample_rate, bool) or not isinstance(sample_rate, (int, float, np.integer)) \
            or not math.isfinite(float(sample_rate)) or float(sample_rate) != int(sample_rate) \
            or not low <= int(sample_rate) <= high:
        raise UserFacingError(f"sample rate {sample_rate!r}: must be a whole number of Hz from "
                              f"{low} to {high}")
    if isinstance(tail_seconds, bool) or not isinstance(tail_seconds, (int, float, np.floating)) \
            or not math.isfinite(float(tail_seconds)) \
            or not 0.0 <= float(tail_seconds) <= MAX_TAIL_SECONDS:
        raise UserFacingError(f"tail {tail_seconds!r}: must be a number of seconds from 0 to "
                              f"{MAX_TAIL_SECONDS:g}")
    return int(sample_rate), float(tail_seconds)


def _check_events(events: Sequence[Event], source: str) -> float:
    """Refuse events with nothing to hear, a time that is not finite, or a length over the limit;
    return the music's length in seconds."""
    times = [e.time for e in events]
    if not all(math.isfinite(t) and t >= 0.0 for t in times):
        raise UserFacingError(f"{source}: an event time is not a finite, non-negative number")
    if not any(e.status == NOTE_ON for e in events):
        raise UserFacingError(f"{source}: no notes to render")
    length = max(times)
    if length > MAX_SECONDS:
        raise UserFacingError(f"{source}: lasts {length / 60:.0f} minutes; the limit is "
                              f"{MAX_SECONDS / 3600:g} hours")
    return length


def events_of_state(state: ChainState) -> list[Event]:
    """The events Play sends for the whole chain ``state`` (its tempo and instruments, no click)."""
    from engine.playback.outputs import span_events

    request = state.chain.request
    tempo = request.tempo
    if isinstance(tempo, bool) or not isinstance(tempo, (int, float)) \
            or not math.isfinite(float(tempo)) or tempo <= 0:
        raise UserFacingError(f"the chain's tempo {tempo!r} is not a positive number of BPM")
    programs = {"melody": request.melody_program, "chords": request.chord_program}
    events, _lead = span_events(state.notes, tempo, programs, 0.0, state.total_beats, state.meter)
    return events


def events_of_project(path: str | Path) -> list[Event]:
    """The events of the Composer chain saved in the ``.segue`` project at ``path`` (its saved
    notes, so no model or collection is needed)."""
    from engine.project.chain import state_from_project
    from engine.project.files import load_project

    project = load_project(path)
    record = project.composer.chain
    if record is None or not record.segments:
        raise UserFacingError(f"{path}: the project has no Composer chain to render")
    if not record.notes:
        raise UserFacingError(f"{path}: the project's chain holds no saved notes to render")
    try:
        return events_of_state(state_from_project(record))
    except UserFacingError as exc:
        raise UserFacingError(f"{path}: {exc}") from exc


def events_of_file(path: str | Path) -> list[Event]:
    """The events of a MIDI file (``.mid``/``.midi``) or a project's chain (``.segue``)."""
    from engine.playback.events import MidiLoadError, events_from_midi

    suffix = Path(path).suffix.lower()
    if suffix == PROJECT_SUFFIX:
        return events_of_project(path)
    if suffix not in MIDI_SUFFIXES:
        raise UserFacingError(f"{path}: cannot render this kind of file: give a .mid, .midi or "
                              ".segue file")
    try:
        return events_from_midi(path)
    except MidiLoadError as exc:
        raise UserFacingError(str(exc)) from exc


def render_events_to_file(events: Sequence[Event], out: str | Path, *,
                          sample_rate: int = DEFAULT_SAMPLE_RATE,
                          soundfont: str | Path | None = None,
                          tail_seconds: float = DEFAULT_TAIL_SECONDS, source: str = "the music",
                          progress: ProgressFn = no_progress,
                          cancelled: CancelledFn = never_cancelled) -> Rendered:
    """Render sorted ``events`` through the synth into the audio file ``out`` (stereo, atomic).

    ``source`` names the music in error messages. Raises :class:`UserFacingError` before writing
    anything for bad input, and :class:`engine.jobs.Cancelled` (leaving no file) when
    ``cancelled()`` says so between blocks.
    """
    import soundfile

    from engine.atomic import atomic_path
    from engine.playback.synth import render_blocks, render_length

    out = Path(out)
    kind, subtype = audio_format(out)
    rate, tail = _check_numbers(sample_rate, tail_seconds)
    music = _check_events(events, source)
    total = render_length(events, rate, tail)
    report = _Progress(progress, total, f"Rendering {out.name}")
    try:
        with atomic_path(out) as tmp:  # the target is checked before the work, removed on cancel
            peak = 0.0
            for block in render_blocks(_synth(rate, soundfont), events, total, rate):  # the peak
                check_cancelled(cancelled)
                peak = max(peak, float(np.max(np.abs(block))))
                report.advance(len(block))
            gain = min(TARGET_PEAK / peak, MAX_GAIN) if peak > 0.0 else 1.0
            with soundfile.SoundFile(str(tmp), "w", samplerate=rate, channels=2, format=kind,
                                     subtype=subtype) as sink:
                for block in render_blocks(_synth(rate, soundfont), events, total, rate):
                    check_cancelled(cancelled)
                    sink.write(np.clip(block * gain, -1.0, 1.0))
                    report.advance(len(block))
    except UserFacingError:
        raise
    except OSError as exc:
        raise UserFacingError(f"{out}: cannot write: {exc.strerror or exc}") from exc
    except (RuntimeError, ValueError) as exc:  # libsndfile: no such encoder, bad parameters
        raise UserFacingError(f"{out}: cannot write {kind} audio: {exc}") from exc
    progress(1.0, f"Rendered {out.name}")
    return Rendered(out, total / rate, music, rate, kind, 20.0 * math.log10(gain))


def render_file(source: str | Path, out: str | Path, *, sample_rate: int = DEFAULT_SAMPLE_RATE,
                soundfont: str | Path | None = None,
                tail_seconds: float = DEFAULT_TAIL_SECONDS, progress: ProgressFn = no_progress,
                cancelled: CancelledFn = never_cancelled) -> Rendered:
    """Render a MIDI file or a ``.segue`` project's chain to the audio file ``out`` (``segue
    render``)."""
    audio_format(out)  # an unknown extension is refused before the input is read
    _check_numbers(sample_rate, tail_seconds)
    events = events_of_file(source)
    return render_events_to_file(events, out, sample_rate=sample_rate, soundfont=soundfont,
                                 tail_seconds=tail_seconds, source=str(source),
                                 progress=progress, cancelled=cancelled)


def render_state(state: ChainState, out: str | Path, *, sample_rate: int = DEFAULT_SAMPLE_RATE,
                 soundfont: str | Path | None = None,
                 tail_seconds: float = DEFAULT_TAIL_SECONDS, progress: ProgressFn = no_progress,
                 cancelled: CancelledFn = never_cancelled) -> Rendered:
    """Render the Composer's chain ``state`` (as Play plays it) to the audio file ``out``."""
    audio_format(out)
    return render_events_to_file(events_of_state(state), out, sample_rate=sample_rate,
                                 soundfont=soundfont, tail_seconds=tail_seconds,
                                 source="the chain", progress=progress, cancelled=cancelled)
