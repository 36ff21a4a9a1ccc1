"""The player process: the scheduler and its port in a child process, driven over a pipe."""

from __future__ import annotations

import time

import pytest

from engine.playback import ports
from engine.playback.events import note_off, note_on
from engine.playback.player_process import PlayerError, PlayerProcess
from tests.engine.playback.conftest import JACK_ATTEMPTS, Recorder

pytestmark = pytest.mark.jack


@pytest.fixture
def player():
    """A player process owning a virtual port, and a recorder listening to it."""
    process = PlayerProcess(virtual="Segue-test-player", client_name="Segue-test-player",
                            record=True)
    rec = Recorder()
    rec.port = ports.open_input(process.name, rec, client_name="segue-player-rec")
    time.sleep(0.05)
    yield process, rec
    rec.port.close()
    process.close()


def test_player_process_plays_every_note_in_order(player) -> None:
    process, rec = player
    events = []
    for i in range(20):
        events += [note_on(i * 0.01, 0, 50 + i, 100), note_off(i * 0.01 + 0.005, 0, 50 + i)]
    expected = [(kind, 50 + i) for i in range(20) for kind in ("on", "off")]
    for _attempt in range(JACK_ATTEMPTS):  # a JACK xrun on a loaded machine can drop a cycle
        rec.messages.clear()
        process.play(events, start_delay=0.02)
        assert process.playing
        assert process.wait(5) and not process.playing and process.error == ""
        rec.settle()
        if rec.notes() == expected:
            break
    assert rec.notes() == expected
    sent = process.sent
    assert len(sent) == 40 and all(actual >= due for due, actual in sent)


def test_player_process_stop_releases_held_notes(player) -> None:
    process, rec = player
    for _attempt in range(JACK_ATTEMPTS):  # a JACK xrun on a loaded machine can drop a cycle
        rec.messages.clear()
        process.play([note_on(0.0, 2, 70, 100), note_off(9.0, 2, 70)], start_delay=0.0)
        time.sleep(0.2)
        assert process.sounding() == [(2, 70)]
        assert 0.1 < process.position() < 1.0
        process.stop()
        assert not process.playing and process.sounding() == []
        rec.settle()
        if ("off", 70) in rec.notes():
            break
    assert ("off", 70) in rec.notes()


def test_player_process_missing_port_is_a_clean_error() -> None:
    with pytest.raises(PlayerError, match="no-such-port"):
        PlayerProcess(port="no-such-port")
