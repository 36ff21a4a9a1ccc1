"""Fixtures of the playback tests: small MIDI files and a recorder listening on a JACK port."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pretty_midi
import pytest

from engine.playback import ports


def make_midi(notes: int = 8, step: float = 0.05, program: int = 0) -> pretty_midi.PrettyMIDI:
    """A one-track PrettyMIDI with ``notes`` rising notes ``step`` seconds apart."""
    pm = pretty_midi.PrettyMIDI()
    instrument = pretty_midi.Instrument(program=program, name="melody")
    for i in range(notes):
        instrument.notes.append(pretty_midi.Note(90, 60 + i, i * step, i * step + step * 0.8))
    pm.instruments.append(instrument)
    return pm


@pytest.fixture
def midi_file(tmp_path: Path) -> Path:
    """A small MIDI file on disk."""
    path = tmp_path / "rising.mid"
    make_midi().write(str(path))
    return path


class Recorder:
    """Collects (message, arrival time) from an input port connected to a JACK output."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[int], float]] = []
        self._lock = threading.Lock()
        self.port: ports.InputPort | None = None

    def __call__(self, message: list[int], arrival: float) -> None:
        with self._lock:
            self.messages.append((message, arrival))

    def notes(self) -> list[tuple[str, int]]:
        """("on"|"off", pitch) in arrival order, ignoring controllers and programs."""
        out = []
        with self._lock:
            for msg, _ in self.messages:
                kind = msg[0] & 0xF0
                if kind == 0x90 and msg[2] > 0:
                    out.append(("on", msg[1]))
                elif kind in (0x80, 0x90):
                    out.append(("off", msg[1]))
        return out

    def settle(self, seconds: float = 0.1) -> None:
        """Wait for JACK to deliver what was sent (a few process cycles)."""
        time.sleep(seconds)


@pytest.fixture
def virtual_out():
    """The "Segue" virtual output port, closed after the test."""
    port = ports.open_virtual_output()
    yield port
    port.close()


@pytest.fixture
def recorder(virtual_out: ports.OutputPort):
    """A recorder listening to the virtual output port through JACK."""
    rec = Recorder()
    rec.port = ports.open_input(virtual_out.name, rec, client_name="segue-test-in")
    time.sleep(0.05)
    yield rec
    rec.port.close()


JACK_ATTEMPTS = 5  # plays of one delivery check: an xrun can drop a cycle's MIDI (see deliver)


def is_subsequence(part: list, whole: list) -> bool:
    """Tell whether ``part`` is ``whole`` with some items dropped, order kept."""
    it = iter(whole)
    return all(item in it for item in part)


class TeeSink:
    """A sink that keeps a copy of every message before handing it to the real JACK port."""

    def __init__(self, port: ports.OutputPort) -> None:
        self.port = port
        self.sent: list[list[int]] = []

    def send(self, message) -> None:
        """Record ``message`` and send it through the port."""
        self.sent.append(list(message))
        self.port.send(message)


def deliver(port: ports.OutputPort, recorder: Recorder, events: list, expected: list,
            attempts: int = JACK_ATTEMPTS) -> list:
    """Play ``events`` until the recorder gets exactly ``expected``; return every attempt.

    JACK's dummy driver without real-time scheduling on a loaded machine has xruns, and a
    client that misses a cycle loses or garbles that cycle's MIDI (see docs/playback.md; a CI
    run once saw a note-off arrive as a second note-on after an xrun). The scheduler must send
    exactly ``expected`` every time (checked on its own record of what it sent), and at least
    one attempt of ``attempts`` must arrive through JACK complete, in order, with the right
    pitches; the caller asserts that on the last attempt.
    """
    from engine.playback.scheduler import Scheduler

    seen = []
    for _ in range(attempts):
        recorder.messages.clear()
        tee = TeeSink(port)
        scheduler = Scheduler(tee)
        scheduler.play(events, start_delay=0.01)
        assert scheduler.wait(10)
        recorder.settle()
        sent = [("on" if m[0] & 0xF0 == 0x90 and m[2] > 0 else "off", m[1]) for m in tee.sent]
        assert sent == expected  # what Segue sent is exact, whatever JACK did with it
        assert scheduler.error == "" and scheduler.sounding() == []
        got = recorder.notes()
        seen.append(got)
        if got == expected:
            break
    return seen
