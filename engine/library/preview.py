"""Preview a library track through sounddevice (the map's click-to-play); never crashes the caller.

:func:`play_preview` decodes up to 30 seconds from a third of the way in, opens a *blocking*
PortAudio output stream and hands it to a feeder thread, so no Python runs on the audio
backend's real-time thread (JACK cancels that thread when a client closes; see
``engine/playback/audio_out.py``). :func:`stop_preview` stops and closes it (also at exit).
Without an audio device, or without PortAudio, :class:`PreviewError` carries a message meant
for the status bar.
"""

from __future__ import annotations

import atexit
import threading
from pathlib import Path
from typing import Any

import numpy as np

from engine.library.storage.fspath import display, native

PREVIEW_SECONDS = 30.0
BLOCK = 2048


class PreviewError(RuntimeError):
    """The preview cannot play; the message says why, for the user."""


_exit_hook = False


def _sounddevice() -> Any:
    global _exit_hook
    try:
        import sounddevice
    except (ImportError, OSError) as exc:
        raise PreviewError(f"No audio output: {exc}") from exc
    if not _exit_hook:
        # registered after sounddevice's own hook, so it runs first (atexit is LIFO): the stream
        # is closed before PortAudio terminates, which would otherwise deadlock the feeder
        atexit.register(stop_preview)
        _exit_hook = True
    return sounddevice


class _Player:
    """One preview: a started blocking stream and the thread that writes to it."""

    def __init__(self, stream: Any, audio: np.ndarray) -> None:
        self.stream = stream
        self.audio = audio
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._feed, name="segue-preview", daemon=True)
        self.thread.start()

    def _feed(self) -> None:
        try:
            for start in range(0, len(self.audio), BLOCK):
                if self.stop_event.is_set():
                    break
                self.stream.write(self.audio[start : start + BLOCK])
        except Exception:  # noqa: BLE001 - device gone: just stop
            pass
        finally:
            try:
                self.stream.stop()
                self.stream.close()
            except Exception:  # noqa: BLE001
                pass

    def stop(self) -> None:
        self.stop_event.set()
        self.thread.join(timeout=2.0)


_current: _Player | None = None
_lock = threading.Lock()


def _read_excerpt(path: str | Path, seconds: float) -> tuple[np.ndarray, int]:
    import soundfile as sf

    try:
        with sf.SoundFile(native(path)) as handle:
            rate = handle.samplerate
            handle.seek(int(handle.frames / 3) if handle.frames > rate * seconds else 0)
            data = handle.read(int(rate * seconds), dtype="float32", always_2d=True)
    except Exception as exc:  # noqa: BLE001 - unreadable file: say so
        raise PreviewError(f"Cannot read {display(Path(path).name)}: {exc}") from exc
    if data.shape[1] == 1:
        data = np.repeat(data, 2, axis=1)
    return np.ascontiguousarray(data[:, :2]), int(rate)


def _resample(data: np.ndarray, rate: int, target: int) -> np.ndarray:
    if rate == target or len(data) == 0:
        return data
    positions = np.arange(0, len(data), rate / target)
    return np.stack([np.interp(positions, np.arange(len(data)), data[:, c]) for c in range(2)],
                    axis=1).astype(np.float32)


def output_device(sd: Any, what: str) -> dict:
    """The default output device's info from the ``sounddevice`` module ``sd``; raise
    :class:`PreviewError` ("No audio output device: ``what``.") when there is none."""
    try:
        info = sd.query_devices(kind="output")
    except Exception as exc:  # noqa: BLE001 - PortAudio errors have no common base
        raise PreviewError(f"No audio output device ({exc})") from exc
    if not info or int(info.get("max_output_channels", 0)) < 1:
        raise PreviewError(f"No audio output device: {what}.")
    return info


def play_preview(path: str | Path, seconds: float = PREVIEW_SECONDS) -> str:
    """Start playing ``seconds`` of ``path``; return a status line. Raises PreviewError."""
    global _current
    sd = _sounddevice()
    info = output_device(sd, "cannot play the preview")
    data, rate = _read_excerpt(path, seconds)
    target = int(info.get("default_samplerate") or rate)
    data = _resample(data, rate, target)
    stop_preview()
    try:
        stream = sd.OutputStream(samplerate=target, channels=2, dtype="float32")
        stream.start()
    except Exception as exc:  # noqa: BLE001 - device busy, unplugged...
        raise PreviewError(f"Audio output failed: {exc}") from exc
    with _lock:
        _current = _Player(stream, data)
    return f"Playing {display(Path(path).name)}"


def stop_preview() -> None:
    """Stop a running preview (no-op when none plays)."""
    global _current
    with _lock:
        player, _current = _current, None
    if player is not None:
        player.stop()

