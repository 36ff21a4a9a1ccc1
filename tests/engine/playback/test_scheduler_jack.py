"""The scheduler through real JACK MIDI ports: order, pitches, stop, panic, vanished ports."""

from __future__ import annotations

import time

import pytest

from engine.playback import ports
from engine.playback.events import events_from_midi, note_off, note_on
from engine.playback.scheduler import Scheduler
from tests.engine.playback.conftest import JACK_ATTEMPTS, Recorder, deliver, make_midi

pytestmark = pytest.mark.jack


def rising(notes: int, step: float = 0.01) -> list:
    events = []
    for i in range(notes):
        events += [note_on(i * step, 0, 40 + i, 100), note_off(i * step + step / 2, 0, 40 + i)]
    return events


def test_every_note_arrives_in_order_with_the_right_pitch(virtual_out, recorder) -> None:
    expected = [(kind, 40 + i) for i in range(40) for kind in ("on", "off")]
    attempts = deliver(virtual_out, recorder, rising(40), expected)
    assert attempts[-1] == expected


def test_midi_file_events_arrive_through_the_virtual_port(virtual_out, recorder) -> None:
    events = events_from_midi(make_midi(notes=5, step=0.02))
    for _attempt in range(JACK_ATTEMPTS):  # a JACK xrun on a loaded machine can drop a cycle: see deliver()
        recorder.messages.clear()
        scheduler = Scheduler(virtual_out)
        scheduler.play(events, start_delay=0.01)
        assert scheduler.wait(5)
        recorder.settle()
        programs = [m for m, _ in recorder.messages if m[0] & 0xF0 == 0xC0]
        ons = [p for kind, p in recorder.notes() if kind == "on"]
        if programs == [[0xC0, 0]] and ons == [60, 61, 62, 63, 64]:
            break
    assert programs == [[0xC0, 0]]
    assert ons == [60, 61, 62, 63, 64]


def test_stop_mid_playback_leaves_no_note_hanging(virtual_out, recorder) -> None:
    long_notes = [note_on(0.0, 0, 60, 100), note_on(0.0, 1, 48, 100), note_off(5.0, 0, 60),
                  note_off(5.0, 1, 48), note_on(0.02, 0, 64, 100), note_off(4.0, 0, 64)]
    for _attempt in range(JACK_ATTEMPTS):  # JACK xruns on a loaded machine can drop a cycle: see deliver()
        recorder.messages.clear()
        scheduler = Scheduler(virtual_out)
        scheduler.play(sorted(long_notes, key=lambda e: e.time), start_delay=0.0)
        time.sleep(0.15)
        assert len(scheduler.sounding()) == 3
        scheduler.stop()
        assert not scheduler.playing and scheduler.sounding() == []
        recorder.settle()
        held: dict[int, int] = {}
        for kind, pitch in recorder.notes():
            held[pitch] = held.get(pitch, 0) + (1 if kind == "on" else -1)
        if sorted(held) == [48, 60, 64] and all(v == 0 for v in held.values()):
            break
    assert sorted(held) == [48, 60, 64] and all(v == 0 for v in held.values())


def test_panic_sends_all_notes_off_on_every_channel(virtual_out, recorder) -> None:
    scheduler = Scheduler(virtual_out)
    for _attempt in range(JACK_ATTEMPTS):
        recorder.messages.clear()
        scheduler.panic()
        recorder.settle()
        all_off = {m[0] & 0x0F for m, _ in recorder.messages
                   if m[0] & 0xF0 == 0xB0 and m[1] == 123}
        if all_off == set(range(16)):
            break
    assert all_off == set(range(16))


def test_loop_does_not_drift(virtual_out, recorder) -> None:
    scheduler = Scheduler(virtual_out, record=True)
    events = rising(5, step=0.02)  # last event at 0.09 s
    scheduler.play(events, loop=True, loop_length=0.1, start_delay=0.0)
    time.sleep(1.05)
    scheduler.stop()
    scheduler_start = scheduler.sent[0][0]
    dues = [due - scheduler_start for due, _ in scheduler.sent]
    assert len(dues) >= 90  # ten loops of ten events
    assert abs(dues[90] - 0.9) < 1e-9  # absolute schedule: loop 9 starts at exactly 0.9 s
    late = sorted(actual - due for due, actual in scheduler.sent)
    assert late[len(late) // 2] < 0.002  # the median send is on time, loop after loop


def test_the_listener_vanishing_mid_playback_is_survived(virtual_out) -> None:
    rec = Recorder()
    rec.port = ports.open_input(virtual_out.name, rec, client_name="segue-vanishing")
    time.sleep(0.05)
    scheduler = Scheduler(virtual_out)
    scheduler.play(rising(30, step=0.01), start_delay=0.0)
    time.sleep(0.1)
    rec.port.close()  # the DAW / synth on the other end goes away
    assert scheduler.wait(5)
    assert scheduler.error == ""  # the virtual port still exists: playback carries on
    assert 0 < len(rec.notes()) < 60


def test_our_output_port_disappearing_ends_playback_with_a_reason(recorder) -> None:
    port = ports.open_virtual_output("Segue-vanishing", client_name="Segue-vanishing")
    scheduler = Scheduler(port)
    scheduler.play(rising(100, step=0.01), start_delay=0.0)
    time.sleep(0.1)
    port.close()  # the device is unplugged under the scheduler's feet
    assert scheduler.wait(5)
    assert "closed" in scheduler.error
    scheduler.stop()  # note-offs to a dead port are skipped, not raised
    assert not scheduler.playing


def test_opening_a_missing_port_gives_a_clean_error() -> None:
    with pytest.raises(ports.PortError, match="no-such-synth"):
        ports.open_output("no-such-synth")


def test_an_existing_jack_input_port_can_be_opened_by_name() -> None:
    rec = Recorder()
    listener = ports.open_virtual_input("listen", rec, client_name="segue-listener")
    try:
        assert "segue-listener:listen" in ports.list_outputs()[0]
        with ports.open_output("segue-listener:listen") as out:
            time.sleep(0.05)
            for _attempt in range(JACK_ATTEMPTS):  # a JACK xrun can drop a cycle's MIDI: see deliver()
                rec.messages.clear()
                out.send([0x90, 61, 99])
                rec.settle()
                if rec.notes():
                    break
        assert rec.notes() == [("on", 61)]
        with pytest.raises(ports.PortError, match="closed"):
            out.send([0x80, 61, 0])
    finally:
        listener.close()
