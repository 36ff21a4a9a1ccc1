"""The one MIDI entry point: everything else asks this module for ports; only it touches rtmidi.

Degrades gracefully: with no backend or no ports, the listing functions return empty lists and a
reason, and the opening functions raise :class:`PortError` with a message meant for the user.
An :class:`OutputPort` is safe to close from another thread while the scheduler sends through
it (rtmidi itself crashes on a send after ``delete()``); a send on a closed or failed port
raises :class:`PortError` instead.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

# A missing JACK server must never be auto-started behind the user's back.
os.environ.setdefault("JACK_NO_START_SERVER", "1")

VIRTUAL_PORT_NAME = "Segue"
CLIENT_NAME = "Segue"

InputCallback = Callable[[list[int], float], None]


class PortError(RuntimeError):
    """A MIDI port cannot be opened or used; the message is meant for the user as is."""


def _rtmidi() -> Any | None:
    try:
        import rtmidi
    except ImportError:
        return None
    return rtmidi


def available() -> bool:
    """Tell whether a MIDI backend (python-rtmidi) can be used at all."""
    return _rtmidi() is not None


def backend_names() -> list[str]:
    """Names of the compiled rtmidi APIs (e.g. ``ALSA``, ``Jack``)."""
    rtmidi = _rtmidi()
    if rtmidi is None:
        return []
    return [rtmidi.get_api_display_name(api) for api in rtmidi.get_compiled_api()]


def _apis() -> tuple[list[int], list[str]]:
    """Usable compiled APIs (``SEGUE_MIDI_API``, e.g. ``jack``, goes first) and skipped ones."""
    rtmidi = _rtmidi()
    if rtmidi is None:
        return [], ["python-rtmidi is not installed"]
    apis, problems = [], []
    for api in rtmidi.get_compiled_api():
        if api == rtmidi.API_LINUX_ALSA and not os.path.exists("/dev/snd/seq"):
            problems.append("ALSA: no sequencer device (/dev/snd/seq)")  # skip alsa-lib's noise
        else:
            apis.append(api)
    wanted = os.environ.get("SEGUE_MIDI_API", "").strip().lower()
    if wanted:
        apis.sort(key=lambda api: wanted not in rtmidi.get_api_display_name(api).lower())
    return apis, problems


def _client(kind: str, api: int, client_name: str) -> Any:
    rtmidi = _rtmidi()
    cls = rtmidi.MidiOut if kind == "out" else rtmidi.MidiIn
    return cls(api, name=client_name)


def _scan(kind: str) -> tuple[list[tuple[int, str]], list[str]]:
    """Return ``(api, port name)`` pairs of one kind over every working backend, and problems."""
    rtmidi = _rtmidi()
    apis, problems = _apis()
    found: list[tuple[int, str]] = []
    for api in apis:
        try:
            client = _client(kind, api, f"{CLIENT_NAME}-scan")
        except Exception as exc:  # noqa: BLE001 - a backend with no server raises SystemError
            problems.append(f"{rtmidi.get_api_display_name(api)}: {exc}")
            continue
        try:
            found.extend((api, name) for name in client.get_ports())
        finally:
            client.delete()
    return found, problems


def list_outputs() -> tuple[list[str], str]:
    """Return the MIDI output port names over every backend and, if none, why."""
    found, problems = _scan("out")
    return [name for _, name in found], "; ".join(problems)


def list_inputs() -> tuple[list[str], str]:
    """Return the MIDI input port names over every backend and, if none, why."""
    found, problems = _scan("in")
    return [name for _, name in found], "; ".join(problems)


def describe() -> dict[str, Any]:
    """Summarise backends and outputs for ``segue doctor``."""
    outputs, problem = list_outputs()
    return {"available": available(), "backends": backend_names(), "outputs": outputs,
            "problem": problem}


def _find(kind: str, name: str) -> tuple[int, int]:
    """Find a port by exact name, else by a unique case-insensitive substring: (api, index)."""
    found, problems = _scan(kind)
    if not found:
        why = f" ({'; '.join(problems)})" if problems else ""
        raise PortError(f"MIDI port {name!r} not found: there are no MIDI ports{why}")
    per_api: dict[int, int] = {}
    indexed = []
    for api, port in found:
        indexed.append((api, per_api.get(api, 0), port))
        per_api[api] = per_api.get(api, 0) + 1
    exact = [(api, i) for api, i, port in indexed if port == name]
    if exact:
        return exact[0]
    partial = [(api, i, port) for api, i, port in indexed if name.lower() in port.lower()]
    if len(partial) == 1:
        return partial[0][0], partial[0][1]
    names = ", ".join(port for _, _, port in indexed)
    if partial:
        raise PortError(f"MIDI port name {name!r} is ambiguous; choose one of: {names}")
    raise PortError(f"MIDI port {name!r} not found; available: {names}")


def _first_working(kind: str, client_name: str) -> Any:
    rtmidi = _rtmidi()
    if rtmidi is None:
        raise PortError("no MIDI backend: python-rtmidi is not installed")
    apis, problems = _apis()
    for api in apis:
        try:
            return _client(kind, api, client_name)
        except Exception as exc:  # noqa: BLE001
            problems.append(f"{rtmidi.get_api_display_name(api)}: {exc}")
    raise PortError("no working MIDI backend (" + "; ".join(problems) + ")")


class OutputPort:
    """An open MIDI output; ``send`` raw messages, ``close`` when done (idempotent, thread-safe)."""

    def __init__(self, midi_out: Any, name: str) -> None:
        self._out = midi_out
        self.name = name
        self._lock = threading.Lock()

    @property
    def is_open(self) -> bool:
        """Tell whether the port can still send."""
        return self._out is not None

    def send(self, message: Sequence[int]) -> None:
        """Send one raw MIDI message now; raise :class:`PortError` if the port is gone."""
        with self._lock:
            if self._out is None:
                raise PortError(f"MIDI port {self.name!r} is closed")
            try:
                self._out.send_message(message)
            except Exception as exc:  # noqa: BLE001 - rtmidi raises several kinds
                raise PortError(f"MIDI port {self.name!r} failed: {exc}") from exc

    def close(self) -> None:
        """Close the port and free the rtmidi client."""
        with self._lock:
            out, self._out = self._out, None
        if out is not None:
            try:
                out.close_port()
            finally:
                out.delete()

    def __enter__(self) -> OutputPort:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _open_named(direction: str, name: str, client_name: str) -> tuple[Any, str]:
    """Open the existing port called ``name`` for ``direction`` ("out"/"in"); return (client, port)."""
    api, index = _find(direction, name)
    try:
        client = _client(direction, api, client_name)
        port_name = client.get_ports()[index]
        client.open_port(index, direction)
    except Exception as exc:  # noqa: BLE001 - rtmidi raises bare SystemError/RuntimeError
        what = "port" if direction == "out" else "input"
        raise PortError(f"cannot open MIDI {what} {name!r}: {exc}") from exc
    return client, port_name


def open_output(name: str, client_name: str = CLIENT_NAME) -> OutputPort:
    """Open the existing output port called ``name`` (exact or a unique part of it)."""
    return OutputPort(*_open_named("out", name, client_name))


def open_virtual_output(name: str = VIRTUAL_PORT_NAME, client_name: str = CLIENT_NAME
                        ) -> OutputPort:
    """Create a virtual output port (default "Segue") that a DAW or soft-synth can record from."""
    midi_out = _first_working("out", client_name)
    try:
        midi_out.open_virtual_port(name)
    except Exception as exc:  # noqa: BLE001 - e.g. Windows MM has no virtual ports
        midi_out.delete()
        raise PortError(f"cannot create virtual MIDI port {name!r}: {exc}") from exc
    return OutputPort(midi_out, f"{client_name}:{name}")


class InputPort:
    """An open MIDI input calling ``callback(message, arrival)`` from a Segue polling thread.

    No Python runs on the backend's real-time thread (JACK cancels that thread when a client
    closes, which deadlocks the interpreter if it waits for the GIL there). ``arrival`` is in
    ``time.monotonic`` seconds: anchored when the first message is polled, then advanced by the
    backend's own timestamps, so intervals between messages are as exact as the backend's.
    """

    def __init__(self, midi_in: Any, name: str, callback: InputCallback,
                 poll_seconds: float = 0.0005) -> None:
        self._in = midi_in
        self.name = name
        self._callback = callback
        self._poll = poll_seconds
        self._running = threading.Event()
        self._running.set()
        midi_in.ignore_types(sysex=False, timing=True, active_sense=True)
        self._thread = threading.Thread(target=self._pump, name=f"midi-in {name}", daemon=True)
        self._thread.start()

    def _pump(self) -> None:
        arrival: float | None = None
        while self._running.is_set():
            event = self._in.get_message()
            if event is None:
                time.sleep(self._poll)
                continue
            message, delta = event
            arrival = time.monotonic() if arrival is None else arrival + delta
            self._callback(list(message), arrival)

    def close(self) -> None:
        """Stop listening and free the rtmidi client (idempotent)."""
        self._running.clear()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(1.0)
        midi_in, self._in = self._in, None
        if midi_in is not None:
            midi_in.close_port()
            midi_in.delete()


def open_input(name: str, callback: InputCallback, client_name: str = f"{CLIENT_NAME}-in"
               ) -> InputPort:
    """Listen to the output port called ``name`` (connecting a new input to it)."""
    return InputPort(*_open_named("in", name, client_name), callback)


def open_virtual_input(name: str, callback: InputCallback, client_name: str = f"{CLIENT_NAME}-in"
                       ) -> InputPort:
    """Create a virtual input port that other programs (or Segue's outputs) can send to."""
    midi_in = _first_working("in", client_name)
    try:
        midi_in.open_virtual_port(name)
    except Exception as exc:  # noqa: BLE001
        midi_in.delete()
        raise PortError(f"cannot create virtual MIDI input {name!r}: {exc}") from exc
    return InputPort(midi_in, f"{client_name}:{name}", callback)
