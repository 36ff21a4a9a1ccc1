"""The internal General MIDI synth: a SoundFont rendered by tinysoundfont.

``render_midi`` turns a MIDI file (or a ``pretty_midi.PrettyMIDI``, or a list of events) into a
mono float32 numpy array offline (``render_events`` with progress, cancel and stereo;
``render_blocks`` yields the same audio block by block, for :mod:`engine.playback.render`'s files
and the fallback player); :mod:`engine.playback.audio_out` uses the same helpers to play events
live through sounddevice. The default SoundFont is the TimGM6mb.sf2 that the pretty_midi
package ships (GPL-2.0, Tim Brechbill; see ``assets/soundfonts/NOTICE.TimGM6mb.txt``).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from engine.jobs import CancelledFn, ProgressFn, check_cancelled, never_cancelled, no_progress
from engine.playback.events import (
    CONTROL_CHANGE,
    DRUM_CHANNEL,
    NOTE_OFF,
    NOTE_ON,
    PITCH_BEND,
    PROGRAM_CHANGE,
    Event,
    events_from_midi,
)

DEFAULT_TAIL_SECONDS = 1.0
_BLOCK = 4096  # frames rendered per tinysoundfont call


class SynthError(RuntimeError):
    """The synth cannot run: a missing or unplayable SoundFont (the message names the file)."""


def default_soundfont() -> Path:
    """Path of the General MIDI SoundFont bundled with pretty_midi (TimGM6mb.sf2, GPL-2.0)."""
    import pretty_midi

    return Path(pretty_midi.__file__).resolve().parent / "TimGM6mb.sf2"


def load_synth(sample_rate: int = 22050, soundfont: Path | str | None = None,
               gain_db: float = -6.0) -> Any:
    """Create a ``tinysoundfont.Synth`` with ``soundfont`` loaded on every channel.

    Channel 10 (index 9) is set to the drum kit. Raises :class:`SynthError` naming the file when
    tinysoundfont is missing or the SoundFont is missing or unplayable.
    """
    try:
        import tinysoundfont
    except ImportError as exc:
        raise SynthError(f"the internal synth needs tinysoundfont: {exc}") from exc
    path = Path(soundfont) if soundfont is not None else default_soundfont()
    if not path.is_file():
        raise SynthError(f"SoundFont not found: {path}")
    synth = tinysoundfont.Synth(gain=gain_db, samplerate=int(sample_rate))
    try:
        sfid = synth.sfload(str(path))
    except Exception as exc:  # noqa: BLE001 - tinysoundfont raises RuntimeError/OSError
        raise SynthError(f"unplayable SoundFont {path}: {exc}") from exc
    for channel in range(16):
        try:
            synth.program_select(channel, sfid, 128 if channel == DRUM_CHANNEL else 0, 0,
                                 is_drums=channel == DRUM_CHANNEL)
        except RuntimeError:
            synth.program_select(channel, sfid, 0, 0)
    return synth


def apply_message(synth: Any, message: Sequence[int]) -> None:
    """Feed one raw MIDI message to a tinysoundfont synth (unknown kinds are ignored)."""
    if not message:
        return
    kind, channel = message[0] & 0xF0, message[0] & 0x0F
    try:
        if kind == NOTE_ON and len(message) >= 3 and message[2] > 0:
            synth.noteon(channel, message[1], message[2])
        elif kind in (NOTE_ON, NOTE_OFF) and len(message) >= 2:
            synth.noteoff(channel, message[1])
        elif kind == CONTROL_CHANGE and len(message) >= 3:
            synth.control_change(channel, message[1], message[2])
        elif kind == PROGRAM_CHANGE and len(message) >= 2:
            _program_change(synth, channel, message[1])
        elif kind == PITCH_BEND and len(message) >= 3:
            synth.pitchbend(channel, message[1] | (message[2] << 7))
    except Exception:  # noqa: BLE001 - a bad message must never stop playback
        return


def _program_change(synth: Any, channel: int, program: int) -> None:
    drums = channel == DRUM_CHANNEL
    try:
        synth.program_change(channel, 0 if drums else program, is_drums=drums)
    except RuntimeError:
        synth.program_change(channel, 0, is_drums=drums)  # preset missing: fall back to piano


def render_blocks(synth: Any, events: Sequence[Event], total: int, sample_rate: int,
                  block: int = _BLOCK) -> Iterator[np.ndarray]:
    """Yield ``total`` frames of ``synth`` playing ``events`` as stereo float32 blocks.

    Each block holds at most ``block`` frames (``(frames, 2)``) and each event is applied at its
    own frame, so note timing is sample-exact whatever the block size. Events due at or after
    ``total`` are applied after the last block (a looping player renders the next pass on the
    same synth). The offline render and the fallback audio player both render through here.
    """
    done = 0
    for event in [*events, None]:
        until = total if event is None else min(total, int(round(event.time * sample_rate)))
        while done < until:
            frames = min(block, until - done)
            yield np.frombuffer(synth.generate_simple(frames), dtype=np.float32).reshape(-1, 2)
            done += frames
        if event is not None:
            apply_message(synth, event.message)


def render_length(events: Sequence[Event], sample_rate: int,
                  tail_seconds: float = DEFAULT_TAIL_SECONDS) -> int:
    """Frames of a render of ``events``: ``ceil((last event + tail) * rate)``."""
    end = max((e.time for e in events), default=0.0) + max(0.0, tail_seconds)
    return int(math.ceil(end * sample_rate))


def render_events(events: Sequence[Event], sample_rate: int = 22050,
                  soundfont: Path | str | None = None,
                  tail_seconds: float = DEFAULT_TAIL_SECONDS, *,
                  progress: ProgressFn = no_progress, cancelled: CancelledFn = never_cancelled,
                  stereo: bool = False) -> np.ndarray:
    """Render sorted events to float32 audio of ``ceil((last + tail) * rate)`` frames.

    Mono by default (``(frames,)``), ``(frames, 2)`` with ``stereo``. ``progress(fraction,
    message)`` is told as blocks are rendered and ``cancelled()`` is checked between blocks
    (raising :class:`engine.jobs.Cancelled`).
    """
    synth = load_synth(sample_rate, soundfont)
    total = render_length(events, sample_rate, tail_seconds)
    out = np.zeros((total, 2), dtype=np.float32)
    done = 0
    for block in render_blocks(synth, events, total, sample_rate):
        check_cancelled(cancelled)
        out[done:done + len(block)] = block
        done += len(block)
        progress(done / max(1, total), "Rendering audio")
    return out if stereo else out.mean(axis=1).astype(np.float32)


def render_midi(midi: str | Path | Any, sample_rate: int = 22050,
                soundfont: Path | None = None,
                tail_seconds: float = DEFAULT_TAIL_SECONDS) -> np.ndarray:
    """Render a MIDI file or ``pretty_midi.PrettyMIDI`` to mono float32 audio at ``sample_rate``.

    The result lasts until the last event plus ``tail_seconds`` of release. Raises
    :class:`SynthError` for an unplayable SoundFont and
    :class:`engine.playback.events.MidiLoadError` for an unreadable MIDI file (both name the file).
    """
    return render_events(events_from_midi(midi), sample_rate, soundfont, tail_seconds)


def gm_program_names() -> list[str]:
    """The 128 General MIDI program names, index = program number (0 = Acoustic Grand Piano)."""
    from pretty_midi.constants import INSTRUMENT_MAP

    return list(INSTRUMENT_MAP)
