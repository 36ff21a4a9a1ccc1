"""Live audio output of the internal synth: tinysoundfont rendered into a sounddevice stream.

:class:`SynthOutput` is a scheduler sink: ``send(message)`` feeds the synth, and PortAudio's
callback renders audio blocks from it. Opening raises :class:`AudioError` with a clear message
when there is no PortAudio, no output device, or the SoundFont is unplayable.
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
                 sample_rate: int | None = None, blocksize: int = 512) -> None:
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
            self._synth = load_synth(rate, soundfont)
        except SynthError as exc:
            raise AudioError(str(exc)) from exc
        self._lock = threading.Lock()
        self.name = str(info.get("name", "audio"))
        self.sample_rate = rate
        try:
            self._stream = sounddevice.OutputStream(
                samplerate=rate, channels=2, dtype="float32", device=device,
                blocksize=blocksize, latency="low", callback=self._callback)
            self._stream.start()
        except Exception as exc:  # noqa: BLE001
            raise AudioError(f"cannot open audio device {self.name!r}: {exc}") from exc

    def _callback(self, outdata: np.ndarray, frames: int, _time: Any, _status: Any) -> None:
        with self._lock:
            block = self._synth.generate_simple(frames)
        outdata[:] = np.frombuffer(block, dtype=np.float32).reshape(frames, 2)

    def send(self, message: Sequence[int]) -> None:
        """Play one raw MIDI message now (it sounds from the next audio block)."""
        if self._stream is None:
            raise AudioError("audio output is closed")
        with self._lock:
            apply_message(self._synth, message)

    def close(self) -> None:
        """Stop the audio stream (idempotent)."""
        stream, self._stream = self._stream, None
        if stream is not None:
            stream.stop()
            stream.close()
