"""Live audio output of the internal synth: tinysoundfont rendered into a sounddevice stream.

:class:`SynthOutput` is a scheduler sink: ``send(message)`` feeds the synth, and a feeder thread
renders blocks and writes them to a blocking PortAudio stream. No Python runs on the audio
backend's real-time thread (JACK cancels that thread when a client closes, which would deadlock
the interpreter if it were waiting for the GIL there). Opening raises :class:`AudioError` with a
clear message when there is no PortAudio, no output device, or the SoundFont is unplayable.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from engine.playback.synth import SynthError, apply_message, load_synth


class AudioError(RuntimeError):
    """The synth cannot play audio; the message is meant for the user as is."""


class SynthOutput:
    """A General MIDI synth playing through an audio device; close it when done."""

    def __init__(self, device: int | str | None = None, soundfont: Path | str | None = None,
                 sample_rate: int | None = None, blocksize: int = 256) -> None:
        try:
            import sounddevice
        except (ImportError, OSError) as exc:
            raise AudioError(f"no audio output: PortAudio unavailable ({exc})") from exc
        try:
            info = sounddevice.query_devices(device, "output")
        except Exception as exc:  # noqa: BLE001 - PortAudio errors have no common base
            raise AudioError(f"no audio output device ({exc})") from exc
        rate = int(sample_rate or info.get("default_samplerate") or 48000)
        try:
            self._synth: Any = load_synth(rate, soundfont)
        except SynthError as exc:
            raise AudioError(str(exc)) from exc
        self._lock = threading.Lock()
        self.name = str(info.get("name", "audio"))
        self.sample_rate = rate
        self.blocksize = blocksize
        self.error = ""
        try:
            self._stream: Any = sounddevice.OutputStream(
                samplerate=rate, channels=2, dtype="float32", device=device,
                blocksize=blocksize, latency="low")
            self._stream.start()
        except Exception as exc:  # noqa: BLE001
            raise AudioError(f"cannot open audio device {self.name!r}: {exc}") from exc
        self._running = threading.Event()
        self._running.set()
        self._thread = threading.Thread(target=self._feed, name="segue-synth-audio", daemon=True)
        self._thread.start()

    def _feed(self) -> None:
        while self._running.is_set():
            with self._lock:
                block = self._synth.generate_simple(self.blocksize)
            try:
                self._stream.write(np.frombuffer(block, dtype=np.float32).reshape(-1, 2))
            except Exception as exc:  # noqa: BLE001 - the device went away
                self.error = f"audio output {self.name!r} failed: {exc}"
                return

    def send(self, message: Sequence[int]) -> None:
        """Play one raw MIDI message now (it sounds from the next rendered block)."""
        if not self._running.is_set():
            raise AudioError("audio output is closed")
        if self.error:
            raise AudioError(self.error)
        with self._lock:
            apply_message(self._synth, message)

    def close(self) -> None:
        """Stop the feeder and the audio stream (idempotent)."""
        if not self._running.is_set():
            return
        self._running.clear()
        self._thread.join(2.0)
        self._stream.stop()
        self._stream.close()
