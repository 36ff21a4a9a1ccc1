"""The playback scheduler: sends timed MIDI events to a sink from its own thread, on time.

Timing: every event's due time is ``start + loop_index * loop_length + event.time`` against
``time.monotonic`` (absolute, so a long loop never drifts); the thread sleeps most of the wait
and spins the last ``spin_seconds`` (~1 ms). While playing it shortens the interpreter's GIL
switch interval (so a CPU-heavy Python thread cannot hold the GIL for the default 5 ms) and,
with ``realtime=True``, asks for real-time priority for its thread (best effort; in a process
with other busy Python threads that makes things worse: priority inversion on the GIL). Another
busy Python thread in the same process can still delay a send by an OS time slice (the GIL
holder may itself be descheduled), so MIDI ports are played from a separate process: see
:mod:`engine.playback.player_process`.

Safety: every note-on sent is tracked; ``stop()`` sends a note-off for each sounding note, and
``panic()`` sends all-notes-off on all 16 channels. A sink that fails mid-playback (a port that
disappears) ends playback cleanly with ``error`` set; nothing is raised on the GUI's side.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Protocol

from engine.playback.events import NOTE_OFF, NOTE_ON, Event, all_notes_off

DEFAULT_SPIN_SECONDS = 0.001
DEFAULT_SWITCH_INTERVAL = 0.001
_MAX_SLEEP = 0.02  # wake at least this often to notice stop()

_switch_lock = threading.Lock()
_switch_users = 0
_switch_saved = 0.005


class Sink(Protocol):
    """Anything that sends raw MIDI now: a port hub ``OutputPort`` or the synth's audio output."""

    def send(self, message: Sequence[int]) -> None:
        """Send one raw MIDI message immediately."""


def _claim_switch_interval(interval: float | None) -> bool:
    global _switch_users, _switch_saved
    if not interval:
        return False
    with _switch_lock:
        if _switch_users == 0:
            _switch_saved = sys.getswitchinterval()
            sys.setswitchinterval(min(interval, _switch_saved))
        _switch_users += 1
    return True


def _release_switch_interval() -> None:
    global _switch_users
    with _switch_lock:
        _switch_users -= 1
        if _switch_users == 0:
            sys.setswitchinterval(_switch_saved)


def _try_realtime_priority() -> bool:
    """Ask for SCHED_FIFO for the calling thread (Linux, needs the privilege); never raises."""
    try:
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(10))
    except (AttributeError, OSError, PermissionError):
        return False
    return True


def wait_until(due: float, stop: threading.Event | None = None,
               spin_seconds: float = DEFAULT_SPIN_SECONDS) -> bool:
    """Sleep until ``spin_seconds`` before the monotonic time ``due``, then spin; False if stopped."""
    while True:
        remaining = due - time.monotonic()
        if remaining <= 0:
            return True
        if remaining > spin_seconds:
            pause = min(remaining - spin_seconds, _MAX_SLEEP)
            if stop is not None:
                if stop.wait(pause):
                    return False
            else:
                time.sleep(pause)
        elif stop is not None and stop.is_set():
            return False


class Scheduler:
    """Plays a list of :class:`Event` into a :class:`Sink` on a background thread.

    Poll ``playing``, ``position()`` and ``error`` from any thread (the GUI uses a timer); the
    optional ``on_finished`` callback runs on the scheduler thread when playback ends.
    ``sent`` records ``(scheduled, actual)`` monotonic times when ``record`` is set (benchmarks).
    """

    def __init__(self, sink: Sink, *, spin_seconds: float = DEFAULT_SPIN_SECONDS,
                 switch_interval: float | None = DEFAULT_SWITCH_INTERVAL,
                 realtime: bool = False, record: bool = False,
                 on_finished: Callable[[], None] | None = None) -> None:
        self.sink = sink
        self.spin_seconds = spin_seconds
        self.switch_interval = switch_interval
        self.realtime = realtime
        self.record = record
        self.on_finished = on_finished
        self.sent: list[tuple[float, float]] = []
        self.error: str = ""
        self._sounding: Counter[tuple[int, int]] = Counter()
        self._lock = threading.Lock()  # guards sink sends and _sounding
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._start = 0.0
        self._loop_length = 0.0
        self._length = 0.0
        self._loop = False
        self._sink_ok = True

    # -- control ---------------------------------------------------------------------------
    def play(self, events: Sequence[Event], *, loop: bool = False,
             loop_length: float | None = None, start_delay: float = 0.05,
             start_at: float | None = None) -> None:
        """Start playing ``events`` (sorted) after ``start_delay`` seconds, replacing any playback.

        ``start_at`` (a ``time.monotonic`` time) overrides ``start_delay``. With ``loop`` the
        events repeat every ``loop_length`` seconds (default: the last event's time) until
        :meth:`stop`.
        """
        self.stop()
        events = list(events)
        length = max((e.time for e in events), default=0.0)
        self._length = length
        self._loop_length = max(loop_length if loop_length else length, 0.05)
        self._loop = loop
        self.error = ""
        self._sink_ok = True
        self.sent = []
        self._stop.clear()
        self._start = start_at if start_at is not None else time.monotonic() + start_delay
        self._thread = threading.Thread(target=self._run, args=(events,), name="segue-scheduler",
                                        daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        """Stop playback and send a note-off for every note still sounding."""
        thread = self._thread
        self._stop.set()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
        self._thread = None
        self._release_all()

    def panic(self) -> None:
        """Stop, then send sustain-off / all-sound-off / all-notes-off on all 16 channels."""
        self.stop()
        with self._lock:
            for channel in range(16):
                for event in all_notes_off(channel):
                    self._send(event.message)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until playback ends (or ``timeout``); True if it has ended."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
            return not thread.is_alive()
        return True

    # -- state -----------------------------------------------------------------------------
    @property
    def playing(self) -> bool:
        """Tell whether the scheduler thread is running."""
        return self._thread is not None and self._thread.is_alive()

    def position(self) -> float:
        """Seconds into the events (wrapping when looping); 0 when not playing."""
        if not self.playing:
            return 0.0
        elapsed = max(0.0, time.monotonic() - self._start)
        if self._loop:
            return elapsed % self._loop_length
        return min(elapsed, self._length)

    def sounding(self) -> list[tuple[int, int]]:
        """The ``(channel, pitch)`` notes currently held on."""
        with self._lock:
            return sorted(key for key, count in self._sounding.items() if count > 0)

    # -- internals -------------------------------------------------------------------------
    def _send(self, message: Sequence[int]) -> bool:
        if not self._sink_ok:
            return False
        try:
            self.sink.send(message)
        except Exception as exc:  # noqa: BLE001 - a vanished port must not kill playback
            self._sink_ok = False
            self.error = str(exc) or type(exc).__name__
            return False
        return True

    def _track(self, message: Sequence[int]) -> None:
        kind, key = message[0] & 0xF0, (message[0] & 0x0F, message[1] if len(message) > 1 else 0)
        if kind == NOTE_ON and len(message) > 2 and message[2] > 0:
            self._sounding[key] += 1
        elif kind in (NOTE_ON, NOTE_OFF) and self._sounding[key] > 0:
            self._sounding[key] -= 1

    def _release_all(self) -> None:
        with self._lock:
            for (channel, pitch), count in list(self._sounding.items()):
                for _ in range(count):
                    self._send((NOTE_OFF | channel, pitch, 0))
            self._sounding.clear()

    def _run(self, events: list[Event]) -> None:
        claimed = _claim_switch_interval(self.switch_interval)
        if self.realtime:
            _try_realtime_priority()
        try:
            self._play_loop(events)
        finally:
            if claimed:
                _release_switch_interval()
            if not self._stop.is_set():
                self._release_all()
            if self.on_finished is not None:
                self.on_finished()

    def _play_loop(self, events: list[Event]) -> None:
        base = self._start
        while True:
            for event in events:
                due = base + event.time
                if not wait_until(due, self._stop, self.spin_seconds):
                    return
                with self._lock:
                    if self._stop.is_set():
                        return
                    sent_at = time.monotonic()
                    ok = self._send(event.message)
                    if ok:
                        self._track(event.message)
                if self.record:
                    self.sent.append((due, sent_at))
                if not ok:
                    return
            if not self._loop or not events:
                return
            base += self._loop_length
