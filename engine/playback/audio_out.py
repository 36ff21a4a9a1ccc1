"""Live audio output of the internal synth: tinysoundfont rendered into a sounddevice stream.

:class:`SynthOutput` is a scheduler sink: ``send(message)`` feeds the synth, and a feeder thread
renders blocks and writes them to a blocking PortAudio stream. No Python runs on the audio
backend's real-time thread (JACK cancels that thread when a client closes, which would deadlock
the interpreter if it were waiting for the GIL there). Opening raises :class:`AudioError` with a
clear message when there is no PortAudio, no output device, or the SoundFont is unplayable.

:class:`RenderedPlayer` is the fallback when the chosen output cannot open: a whole
:class:`~engine.playback.outputs.Player` that renders the events offline (sample-exact, through
:func:`engine.playback.synth.render_blocks`) just ahead of a blocking stream at the device's
default latency, with no scheduler and no real-time timing to keep.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from engine.playback.events import Event
from engine.playback.synth import (
    DEFAULT_TAIL_SECONDS,
    SynthError,
    apply_message,
    load_synth,
    render_blocks,
    render_length,
)


class AudioError(RuntimeError):
    """The synth cannot play audio; the message is meant for the user as is."""


def _open_device(device: int | str | None) -> tuple[Any, dict]:
    """``(sounddevice module, output device info)``, or :class:`AudioError` saying why not."""
    try:
        import sounddevice
    except (ImportError, OSError) as exc:
        raise AudioError(f"no audio output: PortAudio unavailable ({exc})") from exc
    try:
        return sounddevice, dict(sounddevice.query_devices(device, "output"))
    except Exception as exc:  # noqa: BLE001 - PortAudio errors have no common base
        raise AudioError(f"no audio output device ({exc})") from exc


class SynthOutput:
    """A General MIDI synth playing through an audio device; close it when done."""

    def __init__(self, device: int | str | None = None, soundfont: Path | str | None = None,
                 sample_rate: int | None = None, blocksize: int = 256) -> None:
        sounddevice, info = _open_device(device)
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


class RenderedPlayer:
    """The synth rendered just ahead of an audio device: the fallback :class:`Player`.

    ``play`` starts a feeder thread that renders the events block by block and writes them to a
    blocking PortAudio stream (so playback starts at once, whatever the length); ``position()``
    is what has been heard (written minus the device's latency). ``start_delay`` is ignored.
    Raises :class:`AudioError` when there is no device or the SoundFont is unplayable.
    """

    def __init__(self, device: int | str | None = None, soundfont: Path | str | None = None,
                 sample_rate: int | None = None, block: int = 1024,
                 tail_seconds: float = DEFAULT_TAIL_SECONDS) -> None:
        sounddevice, info = _open_device(device)
        self.sample_rate = int(sample_rate or info.get("default_samplerate") or 48000)
        self._soundfont = soundfont
        try:
            load_synth(self.sample_rate, soundfont)  # refuse a bad SoundFont now, not at Play
        except SynthError as exc:
            raise AudioError(str(exc)) from exc
        self.name = f"{info.get('name', 'audio')} (internal synth)"
        self.block, self.tail_seconds = block, tail_seconds
        self.error = ""
        try:
            self._stream: Any = sounddevice.OutputStream(
                samplerate=self.sample_rate, channels=2, dtype="float32", device=device)
        except Exception as exc:  # noqa: BLE001 - busy, unplugged, unsupported rate
            raise AudioError(f"cannot open audio device {info.get('name')!r}: {exc}") from exc
        self._halt = threading.Event()
        self._thread: threading.Thread | None = None
        self._written = 0
        self._loop_seconds = 0.0
        self._closed = False

    def play(self, events: Sequence[Event], *, loop: bool = False,
             loop_length: float | None = None, start_delay: float = 0.05) -> None:
        """Start rendering and playing ``events`` (repeating every ``loop_length`` s with
        ``loop``)."""
        if self._closed:
            raise AudioError("audio output is closed")
        self.stop()
        self.error, self._written = "", 0
        length = max((e.time for e in events), default=0.0)
        self._loop_seconds = max(loop_length or length, 0.05) if loop else 0.0
        self._halt.clear()
        self._thread = threading.Thread(target=self._feed, args=(list(events),),
                                        name="segue-rendered-audio", daemon=True)
        self._thread.start()

    def _feed(self, events: list[Event]) -> None:
        rate = self.sample_rate
        try:
            synth = load_synth(rate, self._soundfont)
            if self._stream.stopped:
                self._stream.start()
            while not self._halt.is_set():
                total = (int(round(self._loop_seconds * rate)) if self._loop_seconds
                         else render_length(events, rate, self.tail_seconds))
                for block in render_blocks(synth, events, total, rate, self.block):
                    if self._halt.is_set():
                        return
                    self._stream.write(np.ascontiguousarray(block))
                    self._written += len(block)
                if not self._loop_seconds:
                    break
            if not self._halt.is_set():
                self._stream.stop()  # returns once the device has played what was written
        except Exception as exc:  # noqa: BLE001 - the device went away
            self.error = f"audio output {self.name!r} failed: {exc}"

    def stop(self) -> None:
        """Stop at once (the buffered audio is dropped)."""
        self._halt.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(2.0)
        try:
            if not self._stream.stopped:
                self._stream.abort()
        except Exception:  # noqa: BLE001 - a vanished device cannot stop twice
            pass

    def panic(self) -> None:
        """Stop (nothing rendered later sounds)."""
        self.stop()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until playback ends (or ``timeout``); True if it has ended."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return not self.playing

    @property
    def playing(self) -> bool:
        """Tell whether audio is still being rendered or played."""
        thread = self._thread
        return thread is not None and thread.is_alive()

    def position(self) -> float:
        """Seconds into the events that have been heard (wrapping when looping)."""
        if not self.playing:
            return 0.0
        heard = max(0.0, self._written / self.sample_rate - float(self._stream.latency or 0.0))
        return heard % self._loop_seconds if self._loop_seconds else heard

    def close(self) -> None:
        """Stop and close the audio device (idempotent)."""
        if self._closed:
            return
        self._closed = True
        self.stop()
        try:
            self._stream.close()
        except Exception:  # noqa: BLE001
            pass
