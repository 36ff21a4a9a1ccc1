"""The Library tab's play queue player: whole tracks through sounddevice, with pause and resume.

One track at a time streams from the file (libsndfile reads blocks as they are needed) into a
*blocking* PortAudio stream from a feeder thread, as :mod:`engine.library.preview` does, so no
Python runs on the audio backend's real-time thread. :func:`pause` stops the stream and keeps the
position; :func:`play` with ``start`` resumes there. :func:`status` tells the panel whether the
track is playing, paused, stopped or has ended (so it can go on to the next in the queue).
Without an audio device, :class:`engine.library.preview.PreviewError` says why.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from engine.jobs import CancelledFn, ProgressFn, never_cancelled, no_progress
from engine.library.preview import (
    BLOCK,
    PreviewError,
    _resample,
    _sounddevice,
    output_device,
    stop_preview,
)
from engine.library.storage.fspath import display, native

STOPPED, PLAYING, PAUSED, ENDED = "stopped", "playing", "paused", "ended"


@dataclass
class Status:
    """What the player is doing: ``state``, the track and the position in seconds."""

    state: str = STOPPED
    path: str = ""
    position: float = 0.0


class _Track:
    """One track streaming from its file into a started blocking output stream."""

    def __init__(self, path: str, start: float, stream: Any, handle: Any, target: int) -> None:
        self.path, self.stream, self.handle, self.target = path, stream, handle, target
        self.rate = int(handle.samplerate)
        self.frame = int(start * self.rate)
        self.stop_event = threading.Event()
        self.ended = False
        self.thread = threading.Thread(target=self._feed, name="segue-player", daemon=True)
        self.thread.start()

    def _feed(self) -> None:
        try:
            self.handle.seek(min(self.frame, max(0, self.handle.frames - 1)))
            chunk = max(BLOCK, int(BLOCK * self.rate / self.target))
            while not self.stop_event.is_set():
                data = self.handle.read(chunk, dtype="float32", always_2d=True)
                if len(data) == 0:
                    self.ended = True
                    break
                if data.shape[1] == 1:
                    data = np.repeat(data, 2, axis=1)
                self.stream.write(np.ascontiguousarray(
                    _resample(data[:, :2], self.rate, self.target)))
                self.frame += len(data)
        except Exception:  # noqa: BLE001 - device gone or file vanished: just stop
            self.ended = True
        finally:
            for close in (self.stream.stop, self.stream.close, self.handle.close):
                try:
                    close()
                except Exception:  # noqa: BLE001
                    pass

    def stop(self) -> float:
        self.stop_event.set()
        self.thread.join(timeout=2.0)
        return self.frame / float(self.rate)


_lock = threading.Lock()
_track: _Track | None = None
_paused: Status | None = None


def play(path: str | Path, start: float = 0.0, progress: ProgressFn = no_progress,
         cancelled: CancelledFn = never_cancelled) -> str:
    """Play ``path`` from ``start`` seconds (stopping whatever plays); return a status line."""
    global _track, _paused
    import soundfile as sf

    sd = _sounddevice()
    info = output_device(sd, "cannot play")
    stop()
    stop_preview()
    try:
        handle = sf.SoundFile(native(path))
    except Exception as exc:  # noqa: BLE001
        raise PreviewError(f"Cannot read {display(Path(path).name)}: {exc}") from exc
    target = int(info.get("default_samplerate") or handle.samplerate)
    try:
        stream = sd.OutputStream(samplerate=target, channels=2, dtype="float32")
        stream.start()
    except Exception as exc:  # noqa: BLE001 - device busy, unplugged...
        handle.close()
        raise PreviewError(f"Audio output failed: {exc}") from exc
    with _lock:
        _track, _paused = _Track(str(path), start, stream, handle, target), None
    return f"Playing {display(Path(path).name)}"


def pause(progress: ProgressFn = no_progress, cancelled: CancelledFn = never_cancelled) -> Status:
    """Pause the playing track, keeping its position; return the paused status."""
    global _track, _paused
    with _lock:
        track, _track = _track, None
    if track is not None:
        _paused = Status(PAUSED, track.path, track.stop())
    return _paused or Status()


def resume(path: str | Path, progress: ProgressFn = no_progress,
           cancelled: CancelledFn = never_cancelled) -> str:
    """Play ``path`` from where :func:`pause` left it (from the top if another track was paused).

    The engine, not the caller, remembers the position: a resume queued right behind a pause on
    the same lane starts where that pause stopped, however late the pause's result reaches the GUI.
    """
    with _lock:
        paused = _paused
    start = paused.position if paused is not None and paused.path == str(path) else 0.0
    return play(path, start, progress, cancelled)


def stop(progress: ProgressFn = no_progress, cancelled: CancelledFn = never_cancelled) -> None:
    """Stop and forget the position."""
    global _track, _paused
    with _lock:
        track, _track, _paused = _track, None, None
    if track is not None:
        track.stop()


def status() -> Status:
    """Playing, paused, stopped or ended (the track played to its end)."""
    with _lock:
        track = _track
        if track is None:
            return _paused or Status()
        state = ENDED if track.ended or not track.thread.is_alive() else PLAYING
        return Status(state, track.path, track.frame / float(track.rate))
