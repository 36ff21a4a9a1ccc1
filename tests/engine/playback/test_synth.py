"""The internal synth: the bundled SoundFont renders non-silent audio of the expected length."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pretty_midi
import pytest

from engine.playback.events import MidiLoadError, events_from_notes
from engine.playback.synth import SynthError, default_soundfont, render_events, render_midi
from tests.engine.playback.conftest import make_midi


@dataclass
class Note:
    start_beats: float
    end_beats: float
    pitch: int
    velocity: int
    track: str


def test_default_soundfont_is_the_one_pretty_midi_ships() -> None:
    path = default_soundfont()
    assert path.name == "TimGM6mb.sf2" and path.is_file()
    assert path.stat().st_size > 1_000_000


def test_render_midi_file_gives_non_silent_mono_float32(midi_file) -> None:
    audio = render_midi(midi_file, sample_rate=16000, tail_seconds=0.5)
    assert audio.dtype == np.float32 and audio.ndim == 1
    last_event = pretty_midi.PrettyMIDI(str(midi_file)).get_end_time()  # tick-quantised ~0.39 s
    assert len(audio) == math.ceil((last_event + 0.5) * 16000)
    assert float(np.sqrt(np.mean(audio ** 2))) > 1e-3
    assert float(np.max(np.abs(audio))) <= 1.0


def test_rendered_chain_notes_sound_where_the_notes_are() -> None:
    notes = [Note(b, b + 1, 60 + b, 100, "melody") for b in range(8)]
    notes += [Note(0, 8, 48, 80, "chords")]
    events = events_from_notes(notes, tempo=120, programs={"melody": 73, "chords": 0})
    audio = render_events(events, sample_rate=22050, tail_seconds=1.0)
    assert len(audio) == math.ceil((4.0 + 1.0) * 22050)  # 8 beats at 120 BPM + the tail
    playing = np.abs(audio[: 4 * 22050]).mean()
    last_tail = np.abs(audio[-2205:]).mean()  # the final 0.1 s, well after release
    assert playing > 10 * max(last_tail, 1e-6)


def test_unplayable_soundfont_raises_a_clear_error(tmp_path) -> None:
    bogus = tmp_path / "broken.sf2"
    bogus.write_bytes(b"RIFF not really a soundfont")
    with pytest.raises(SynthError, match="broken.sf2"):
        render_midi(make_midi(), soundfont=bogus)
    with pytest.raises(SynthError, match="not found"):
        render_midi(make_midi(), soundfont=tmp_path / "missing.sf2")


def test_unreadable_midi_file_names_the_file(tmp_path) -> None:
    bad = tmp_path / "bad.mid"
    bad.write_bytes(b"MThd garbage")
    with pytest.raises(MidiLoadError, match="bad.mid"):
        render_midi(bad)
