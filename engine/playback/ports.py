"""The one MIDI entry point: everything else asks this module for ports; only it touches rtmidi.

Degrades gracefully: with no backend or no ports, the functions return empty lists and a reason.
"""

from __future__ import annotations

import os
from typing import Any

# A missing JACK server must never be auto-started behind the user's back.
os.environ.setdefault("JACK_NO_START_SERVER", "1")


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


def list_outputs() -> tuple[list[str], str]:
    """Return the MIDI output port names over every backend and, if none, why."""
    rtmidi = _rtmidi()
    if rtmidi is None:
        return [], "python-rtmidi is not installed"
    names: list[str] = []
    problems: list[str] = []
    for api in rtmidi.get_compiled_api():
        try:
            midi_out = rtmidi.MidiOut(api)
        except Exception as exc:  # noqa: BLE001 - a backend with no server raises SystemError
            problems.append(f"{rtmidi.get_api_display_name(api)}: {exc}")
            continue
        try:
            names.extend(midi_out.get_ports())
        finally:
            midi_out.delete()
    return names, "; ".join(problems)


def describe() -> dict[str, Any]:
    """Summarise backends and outputs for ``segue doctor``."""
    outputs, problem = list_outputs()
    return {"available": available(), "backends": backend_names(), "outputs": outputs,
            "problem": problem}
