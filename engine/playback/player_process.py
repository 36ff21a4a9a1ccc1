"""A MIDI player in its own process, so the GUI's or the engine's Python work cannot delay sends.

Within one process every Python thread shares the GIL: while the engine composes or trains, the
thread holding the GIL can be descheduled by the OS for several milliseconds and the scheduler
waits with it. :class:`PlayerProcess` runs the :class:`~engine.playback.scheduler.Scheduler` and
the port (opened through :mod:`engine.playback.ports`) in a child Python process at real-time
priority when allowed, and offers the same interface as the in-process scheduler: ``play``,
``stop``, ``panic``, ``wait``, ``playing``, ``position()``, ``error``, ``sent``.

The two processes talk in JSON lines over the child's stdin/stdout. ``time.monotonic`` is the
system-wide monotonic clock on Linux and macOS, so the parent's playhead matches the child.
Run as ``python -m engine.playback.player_process`` (the parent does this for you).
"""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from typing import Any

from engine.playback.events import Event


class PlayerError(RuntimeError):
    """The player process cannot start or open its port; the message is meant for the user."""


class PlayerProcess:
    """Plays events into a MIDI port owned by a child process.

    ``port`` opens an existing output port by name; otherwise a virtual port ``virtual``
    (default "Segue") is created. Raises :class:`PlayerError` with the port hub's message
    when the port cannot be opened. Close it when done.
    """

    def __init__(self, port: str | None = None, virtual: str = "Segue",
                 client_name: str = "Segue", record: bool = False,
                 timeout: float = 15.0) -> None:
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "engine.playback.player_process"], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, text=True, bufsize=1)
        self._replies: queue.Queue[dict] = queue.Queue()
        self._write_lock = threading.Lock()
        self._finished = threading.Event()
        self._finished.set()
        self._play_id = 0
        self._start = 0.0
        self._length = 0.0
        self._loop_length = 0.0
        self._loop = False
        self.error = ""
        self._reader = threading.Thread(target=self._read, name="segue-player-reader",
                                        daemon=True)
        self._reader.start()
        reply = self._call({"cmd": "open", "port": port, "virtual": virtual,
                            "client": client_name, "record": record}, timeout)
        if "error" in reply:
            self.close()
            raise PlayerError(reply["error"])
        self.name: str = reply["name"]

    @property
    def pid(self) -> int:
        """The child process's id (e.g. to watch it, or to test what happens when it dies)."""
        return self._proc.pid

    # -- plumbing --------------------------------------------------------------------------
    def _read(self) -> None:
        assert self._proc.stdout is not None
        for line in self._proc.stdout:
            try:
                message = json.loads(line)
            except ValueError:
                continue
            if message.get("event") == "finished":
                if message.get("play_id") == self._play_id:
                    self.error = message.get("error", "")
                    self._finished.set()
            else:
                self._replies.put(message)
        if not self._finished.is_set():
            self.error = "the MIDI player process has stopped"
        self._finished.set()
        self._replies.put({"error": "the MIDI player process has stopped"})

    def _post(self, message: dict) -> None:
        with self._write_lock:
            if self._proc.poll() is not None or self._proc.stdin is None:
                raise PlayerError("the MIDI player process has stopped")
            self._proc.stdin.write(json.dumps(message) + "\n")
            self._proc.stdin.flush()

    def _call(self, message: dict, timeout: float = 5.0) -> dict:
        try:
            self._post(message)
            return self._replies.get(timeout=timeout)
        except (OSError, PlayerError) as exc:
            return {"error": str(exc)}
        except queue.Empty:
            return {"error": "the MIDI player process did not answer"}

    # -- the scheduler's interface ---------------------------------------------------------
    def play(self, events: Sequence[Event], *, loop: bool = False,
             loop_length: float | None = None, start_delay: float = 0.05) -> None:
        """Start playing ``events`` after ``start_delay`` seconds (see ``Scheduler.play``)."""
        self._play_id += 1
        self._length = max((e.time for e in events), default=0.0)
        self._loop_length = max(loop_length if loop_length else self._length, 0.05)
        self._loop = loop
        self._start = time.monotonic() + start_delay
        self.error = ""
        self._finished.clear()
        reply = self._call({"cmd": "play", "play_id": self._play_id, "loop": loop,
                            "loop_length": loop_length, "start_at": self._start,
                            "events": [[float(e.time), [int(b) for b in e.message]]
                                       for e in events]})
        if "error" in reply:
            self.error = reply["error"]
            self._finished.set()

    def stop(self) -> None:
        """Stop playback; the child sends a note-off for every sounding note before answering."""
        if self._proc.poll() is None:
            self._call({"cmd": "stop"})
        self._finished.set()

    def panic(self) -> None:
        """Stop and send all-notes-off on all 16 channels."""
        if self._proc.poll() is None:
            self._call({"cmd": "panic"})
        self._finished.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until playback ends (or ``timeout``); True if it has ended."""
        return self._finished.wait(timeout)

    @property
    def playing(self) -> bool:
        """Tell whether the child is playing."""
        return not self._finished.is_set()

    def position(self) -> float:
        """Seconds into the events (wrapping when looping); 0 when not playing."""
        if not self.playing:
            return 0.0
        elapsed = max(0.0, time.monotonic() - self._start)
        return elapsed % self._loop_length if self._loop else min(elapsed, self._length)

    @property
    def sent(self) -> list[tuple[float, float]]:
        """``(scheduled, actual)`` send times of the last playback (when opened with ``record``)."""
        reply = self._call({"cmd": "sent"})
        return [tuple(pair) for pair in reply.get("sent", [])]

    def sounding(self) -> list[tuple[int, int]]:
        """The ``(channel, pitch)`` notes the child holds on."""
        return [tuple(pair) for pair in self._call({"cmd": "sounding"}).get("sounding", [])]

    def close(self) -> None:
        """Stop playback, close the port and end the child process (idempotent)."""
        if self._proc.poll() is None:
            self._call({"cmd": "close"}, timeout=3.0)
            try:
                self._proc.wait(3.0)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        for pipe in (self._proc.stdin, self._proc.stdout):
            if pipe is not None:
                try:
                    pipe.close()
                except OSError:
                    pass
        self._finished.set()


def _serve(stdin: Any, stdout: Any) -> None:
    """The child's loop: one JSON command per line in, one JSON reply per line out."""
    from engine.playback import ports
    from engine.playback.scheduler import Scheduler, _try_realtime_priority

    lock = threading.Lock()
    state: dict[str, Any] = {"port": None, "scheduler": None, "play_id": 0}

    def reply(message: dict) -> None:
        with lock:
            stdout.write(json.dumps(message) + "\n")
            stdout.flush()

    def finished() -> None:
        scheduler = state["scheduler"]
        reply({"event": "finished", "play_id": state["play_id"], "error": scheduler.error})

    _try_realtime_priority()
    for line in stdin:
        command = json.loads(line)
        cmd = command.get("cmd")
        scheduler = state["scheduler"]
        if cmd == "close":
            break
        if cmd == "open":
            try:
                if command.get("port"):
                    port = ports.open_output(command["port"], client_name=command["client"])
                else:
                    port = ports.open_virtual_output(command["virtual"], command["client"])
            except ports.PortError as exc:
                reply({"error": str(exc)})
                continue
            state["port"] = port
            state["scheduler"] = Scheduler(port, record=command.get("record", False),
                                           switch_interval=None, realtime=True,
                                           on_finished=finished)
            reply({"name": port.name})
        elif scheduler is None:
            reply({"error": "no port is open"})
        elif cmd == "play":
            scheduler.stop()
            state["play_id"] = command["play_id"]
            events = [Event(float(t), tuple(m)) for t, m in command["events"]]
            scheduler.play(events, loop=command["loop"], loop_length=command["loop_length"],
                           start_at=command["start_at"])
            reply({"ok": True})
        elif cmd == "stop":
            scheduler.stop()
            reply({"ok": True})
        elif cmd == "panic":
            scheduler.panic()
            reply({"ok": True})
        elif cmd == "sent":
            reply({"sent": scheduler.sent})
        elif cmd == "sounding":
            reply({"sounding": scheduler.sounding()})
    if state["scheduler"] is not None:
        state["scheduler"].stop()
    if state["port"] is not None:
        state["port"].close()
    reply({"ok": True})


if __name__ == "__main__":
    _serve(sys.stdin, sys.stdout)
