"""A PortAudio stand-in for the library's players: tests that need no sound card share it."""

from __future__ import annotations

import time


class SlowStream:
    """An output stream that takes a little time per block, like a device (about half real time)."""

    def __init__(self, samplerate: int, channels: int, dtype: str) -> None:
        self.blocks = 0

    def start(self) -> None:
        pass

    def write(self, block) -> None:  # noqa: ANN001
        self.blocks += 1
        time.sleep(0.02)

    def stop(self) -> None:
        pass

    def close(self) -> None:
        pass
