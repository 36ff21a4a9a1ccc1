"""Audio output devices through sounddevice (PortAudio); never raises when there are none."""

from __future__ import annotations

from typing import Any


def list_outputs() -> tuple[list[str], str]:
    """Return the names of audio output devices and, if none, why."""
    try:
        import sounddevice
    except (ImportError, OSError) as exc:
        return [], f"PortAudio unavailable: {exc}"
    try:
        devices = sounddevice.query_devices()
    except Exception as exc:  # noqa: BLE001 - PortAudio errors have no common base
        return [], f"cannot list audio devices: {exc}"
    names = [d["name"] for d in devices if d.get("max_output_channels", 0) > 0]
    return names, "" if names else "no audio output device"


def describe() -> dict[str, Any]:
    """Summarise audio outputs for ``segue doctor``."""
    outputs, problem = list_outputs()
    return {"outputs": outputs, "problem": problem}
