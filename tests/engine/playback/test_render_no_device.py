"""No sound device, no MIDI backend: outputs list only what can open, opening says why (never a
traceback for the user), and the fallback synth plays through an audio device when one exists.

``no_device`` really takes the devices away (no mock of the output code): JACK clients and
PortAudio look for a JACK server nobody runs (``JACK_DEFAULT_SERVER``), PortAudio is started again
so it forgets the devices it saw, and ALSA needs ``/dev/snd`` (absent in CI). On a machine with a
sound card the no-device tests skip, saying so. tests/app/test_no_device.py uses the fixture too.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from engine.playback import audio_devices, outputs
from engine.playback.events import note_off, note_on

NO_SERVER = "segue-none"  # a JACK server name nobody runs


def restart_portaudio() -> None:
    """Start PortAudio again so it lists the devices there are now (it lists them when it starts)."""
    import sounddevice

    sounddevice._terminate()
    sounddevice._initialize()


@pytest.fixture
def no_device(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No JACK server reachable, no audio device, no MIDI backend (skip if the machine has one)."""
    monkeypatch.setenv("JACK_DEFAULT_SERVER", NO_SERVER)
    monkeypatch.setenv("JACK_NO_START_SERVER", "1")
    restart_portaudio()
    try:
        devices, _why = audio_devices.list_outputs()
        if devices or not outputs.midi_backend_problem():
            pytest.skip("this machine has a sound device or a MIDI sequencer: the no-device "
                        "tests need none")
        yield
    finally:
        monkeypatch.undo()
        restart_portaudio()  # the next tests see JACK's devices again


def test_without_devices_nothing_is_offered_and_every_backend_is_named(no_device: None) -> None:
    found, problems = outputs.list_outputs()
    assert found == []  # not even the virtual port: it needs a working MIDI backend
    text = "; ".join(problems)
    assert "internal synth unavailable" in text and "no working MIDI backend" in text
    assert "Jack" in text and "JACK server not running" in text


@pytest.mark.parametrize("output", [outputs.Output(outputs.VIRTUAL),
                                    outputs.Output(outputs.SYNTH),
                                    outputs.Output(outputs.PORT, "fluid")])
def test_opening_without_devices_returns_the_reason_instead_of_raising(
        no_device: None, output: outputs.Output, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO", logger="segue")
    opened = outputs.open_with_fallback(output)
    assert opened.player is None and not opened.fallback
    assert opened.problem.startswith(f"{output.label} cannot open")
    assert "Traceback" not in opened.problem and "\n" not in opened.problem
    if output.kind != outputs.SYNTH:
        assert "no audio device for the internal synth either" in opened.problem
    assert any(r.exc_info for r in caplog.records)  # the traceback is for the log file


@pytest.mark.jack
def test_a_midi_output_that_cannot_open_falls_back_to_the_rendered_synth() -> None:
    from engine.playback.audio_out import RenderedPlayer

    restart_portaudio()  # PortAudio may have started before the JACK server did
    if not audio_devices.list_outputs()[0]:
        pytest.skip("PortAudio sees no device through JACK here")
    opened = outputs.open_with_fallback(outputs.Output(outputs.PORT, "no-such-port"))
    try:
        assert isinstance(opened.player, RenderedPlayer) and opened.fallback
        assert "no-such-port" in opened.problem
        player = opened.player
        events = [note_on(0.0, 0, 60, 100), note_off(0.3, 0, 60), note_on(0.3, 0, 64, 100),
                  note_off(0.6, 0, 64)]
        player.play(events)
        deadline = time.monotonic() + 5
        while player.position() < 0.2 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert player.playing and player.position() >= 0.2
        assert player.wait(10) and player.error == ""
        player.play(events, loop=True, loop_length=0.6)
        time.sleep(0.3)
        player.stop()
        assert not player.playing
    finally:
        if opened.player is not None:
            opened.player.close()
