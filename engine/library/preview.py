"""Preview a library track through sounddevice (the map's click-to-play); never crashes the caller.

:func:`play_preview` decodes up to 30 seconds from a third of the way in and starts playback
without blocking; :func:`stop_preview` stops it. With no audio device (or no PortAudio) they
raise :class:`PreviewError` whose message is meant for the status bar.
"""

from __future__ import annotations

from pathlib import Path

PREVIEW_SECONDS = 30.0


class PreviewError(RuntimeError):
    """The preview cannot play; the message says why, for the user."""


def _sounddevice():  # noqa: ANN202 - the module, imported lazily
    try:
        import sounddevice
    except (ImportError, OSError) as exc:
        raise PreviewError(f"No audio output: {exc}") from exc
    return sounddevice


def play_preview(path: str | Path, seconds: float = PREVIEW_SECONDS) -> str:
    """Start playing ``seconds`` of ``path``; return a status line. Raises PreviewError."""
    import soundfile as sf

    sd = _sounddevice()
    try:
        outputs = [d for d in sd.query_devices() if d.get("max_output_channels", 0) > 0]
    except Exception as exc:  # noqa: BLE001 - PortAudio errors vary by platform
        raise PreviewError(f"No audio output: {exc}") from exc
    if not outputs:
        raise PreviewError("No audio output device: cannot play the preview.")
    try:
        with sf.SoundFile(str(path)) as handle:
            rate = handle.samplerate
            handle.seek(int(handle.frames / 3) if handle.frames > rate * seconds else 0)
            data = handle.read(int(rate * seconds), dtype="float32", always_2d=True)
    except Exception as exc:  # noqa: BLE001 - unreadable file: say so
        raise PreviewError(f"Cannot read {Path(path).name}: {exc}") from exc
    try:
        sd.stop()
        try:
            sd.play(data, rate)
        except sd.PortAudioError:  # the device refuses this rate: resample to its default
            import numpy as np

            target = int(sd.query_devices(kind="output")["default_samplerate"])
            positions = np.arange(0, len(data), rate / target)
            data = np.stack([np.interp(positions, np.arange(len(data)), data[:, c])
                             for c in range(data.shape[1])], axis=1).astype("float32")
            sd.play(data, target)
    except Exception as exc:  # noqa: BLE001 - device busy, unplugged...
        raise PreviewError(f"Audio output failed: {exc}") from exc
    return f"Playing {Path(path).name}"


def stop_preview() -> None:
    """Stop a running preview (no-op without audio)."""
    try:
        _sounddevice().stop()
    except Exception:  # noqa: BLE001 - nothing to stop
        pass
