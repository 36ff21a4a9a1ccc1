"""`segue play` through the same scheduler: to a named JACK port, to the synth, and bad input."""

from __future__ import annotations

import time

import pytest

from engine.cli import main
from engine.playback import ports
from tests.engine.playback.conftest import JACK_ATTEMPTS, Recorder


@pytest.mark.jack
def test_segue_play_sends_a_file_to_a_named_port(midi_file) -> None:
    heard: list[list[int]] = []
    for _attempt in range(JACK_ATTEMPTS):  # a JACK xrun can drop a cycle's MIDI: one complete run is enough
        rec = Recorder()
        listener = ports.open_virtual_input("play-in", rec, client_name="segue-play-test")
        try:
            assert main(["play", str(midi_file), "--port", "segue-play-test:play-in"]) == 0
            rec.settle()
        finally:
            listener.close()
        heard.append([p for kind, p in rec.notes() if kind == "on"])
        if heard[-1] == list(range(60, 68)):
            break
    assert heard[-1] == list(range(60, 68)), heard


@pytest.mark.jack
def test_segue_play_through_the_synth(midi_file) -> None:
    started = time.monotonic()
    assert main(["play", str(midi_file), "--synth"]) == 0
    assert time.monotonic() - started >= 0.35  # it really played the 0.4 s file


def test_segue_play_missing_port_is_a_clean_error(midi_file, capsys) -> None:
    assert main(["play", str(midi_file), "--port", "no-such-port"]) == 2
    assert "no-such-port" in capsys.readouterr().err


def test_segue_play_unreadable_file_is_a_clean_error(tmp_path, capsys) -> None:
    bad = tmp_path / "bad.mid"
    bad.write_bytes(b"not midi")
    assert main(["play", str(bad), "--synth"]) == 2
    assert "bad.mid" in capsys.readouterr().err
