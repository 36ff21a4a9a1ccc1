"""Tap tempo: the Composer's "Tap" button and T key turn taps into beats per minute.

:class:`TapTempo` is plain Python (no Qt, no clock of its own): feed it the time of each tap in
seconds and it returns the tempo once there are two taps: 60 over the mean interval of the
last 2–8 taps. A pause of more than two seconds (or a clock that goes back) starts a new run;
``run`` counts the runs, so the panel makes the taps of one run one undoable change.
"""

from __future__ import annotations

RESET_AFTER = 2.0  # seconds without a tap that start a new run
MOST_TAPS = 8  # taps averaged at most (7 intervals)


class TapTempo:
    """Beats per minute from the times of taps (see the module docstring)."""

    def __init__(self, reset_after: float = RESET_AFTER, most: int = MOST_TAPS) -> None:
        self.reset_after = reset_after
        self.most = max(2, most)
        self.times: list[float] = []
        self.run = 0

    def tap(self, now: float) -> float | None:
        """Record a tap at ``now`` (seconds); return the tempo in BPM, None after a first tap."""
        if self.times and not 0.0 < now - self.times[-1] <= self.reset_after:
            self.times = []
        if not self.times:
            self.run += 1
        self.times = [*self.times, now][-self.most:]
        return self.bpm()

    def bpm(self) -> float | None:
        """The tempo of the taps so far (None with fewer than two)."""
        if len(self.times) < 2:
            return None
        return 60.0 * (len(self.times) - 1) / (self.times[-1] - self.times[0])

    @property
    def count(self) -> int:
        """Taps in the current run (at most ``most``)."""
        return len(self.times)
