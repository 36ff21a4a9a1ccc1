"""Click-to-play previews with a fake sounddevice: played through a blocking stream, or refused."""

from __future__ import annotations

import time
import types

import numpy as np
import pytest

from engine.library import preview

from .conftest import CLIPS


class FakeStream:
    def __init__(self, samplerate: int, channels: int, dtype: str) -> None:
        self.samplerate, self.channels = samplerate, channels
        self.written: list[np.ndarray] = []
        self.started = self.closed = False

    def start(self) -> None:
        self.started = True

    def write(self, block: np.ndarray) -> None:
        self.written.append(block)

    def stop(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True


def fake_sounddevice(devices: dict | Exception) -> types.SimpleNamespace:
    streams: list[FakeStream] = []

    def query_devices(kind: str = "output") -> dict:
        if isinstance(devices, Exception):
            raise devices
        return devices

    def output_stream(**kwargs) -> FakeStream:  # noqa: ANN003
        streams.append(FakeStream(**kwargs))
        return streams[-1]

    return types.SimpleNamespace(query_devices=query_devices, OutputStream=output_stream,
                                 streams=streams)


def test_plays_resampled_stereo_through_a_blocking_stream(monkeypatch: pytest.MonkeyPatch) -> None:
    sd = fake_sounddevice({"name": "out", "max_output_channels": 2, "default_samplerate": 48000})
    monkeypatch.setattr(preview, "_sounddevice", lambda: sd)
    assert preview.play_preview(CLIPS / "trumpet.ogg") == "Playing trumpet.ogg"
    stream = sd.streams[0]
    deadline = time.monotonic() + 10
    while not stream.closed and time.monotonic() < deadline:
        time.sleep(0.05)
    assert stream.started and stream.closed and stream.samplerate == 48000
    audio = np.concatenate(stream.written)
    assert audio.shape[1] == 2 and audio.dtype == np.float32
    assert len(audio) / 48000 == pytest.approx(5.33, abs=0.05)  # 22.05 kHz clip, resampled
    preview.stop_preview()


def test_no_device_is_a_preview_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(preview, "_sounddevice",
                        lambda: fake_sounddevice(RuntimeError("Error querying device -1")))
    with pytest.raises(preview.PreviewError, match="No audio output device"):
        preview.play_preview(CLIPS / "trumpet.ogg")
    no_outputs = fake_sounddevice({"name": "in", "max_output_channels": 0})
    monkeypatch.setattr(preview, "_sounddevice", lambda: no_outputs)
    with pytest.raises(preview.PreviewError, match="No audio output device"):
        preview.play_preview(CLIPS / "trumpet.ogg")
