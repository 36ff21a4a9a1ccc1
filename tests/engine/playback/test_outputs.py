"""The outputs entry point: listing, opening (the child-process player for MIDI), count-in/click."""

from __future__ import annotations

import pytest

from engine.playback import outputs
from engine.playback.events import DRUM_CHANNEL, NOTE_ON, note_off, note_on
from engine.playback.player_process import PlayerProcess


def _clicks(events):
    return [(round(e.time, 3), e.message[1]) for e in events
            if e.status == NOTE_ON and e.channel == DRUM_CHANNEL]


def test_count_in_shifts_the_music_and_clicks_each_beat() -> None:
    music = [note_on(0.0, 0, 60, 90), note_off(1.0, 0, 60)]
    events, lead = outputs.with_click(music, tempo=120, meter=(4, 4), count_in_bars=1)
    assert lead == 2.0
    assert _clicks(events) == [(0.0, outputs.CLICK_HIGH), (0.5, outputs.CLICK_LOW),
                               (1.0, outputs.CLICK_LOW), (1.5, outputs.CLICK_LOW)]
    assert [e.time for e in events if e.channel == 0] == [2.0, 3.0]


def test_metronome_follows_the_metre() -> None:
    music = [note_on(0.0, 0, 60, 90), note_off(3.0, 0, 60)]
    three, _ = outputs.with_click(music, tempo=60, meter=(3, 4), click=True)
    assert [p for _, p in _clicks(three)] == [76, 77, 77] and _clicks(three)[1][0] == 1.0
    six, _ = outputs.with_click(music, tempo=60, meter=(6, 8), click=True)
    assert _clicks(six) == [(0.0, 76), (1.5, 77)]  # two dotted-quarter beats per 6/8 bar
    none, lead = outputs.with_click(music, tempo=60)
    assert none == music and lead == 0.0


def test_outputs_have_plain_labels_and_bad_ones_are_refused() -> None:
    assert outputs.choose() == outputs.Output(outputs.SYNTH)
    assert outputs.choose(virtual=True).label == 'MIDI: virtual port "Segue"'
    assert outputs.choose("fluid").label == "MIDI: fluid"
    found, problems = outputs.list_outputs()
    assert all(isinstance(o, outputs.Output) for o in found)
    assert found or problems
    with pytest.raises(outputs.OutputError, match="unknown"):
        outputs.open_output(outputs.Output("tape"))
    with pytest.raises(outputs.OutputError, match="no-such-port"):
        outputs.open_output(outputs.Output(outputs.PORT, "no-such-port"))


@pytest.mark.jack
def test_midi_outputs_are_played_by_the_child_process() -> None:
    player = outputs.open_output(outputs.Output(outputs.VIRTUAL))
    try:
        assert isinstance(player, PlayerProcess) and player.pid > 0
        player.play([note_on(0.0, 0, 60, 90), note_off(0.1, 0, 60)])
        assert player.wait(5.0) and player.error == ""
    finally:
        player.close()
