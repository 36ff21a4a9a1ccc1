"""Offline rendering to audio files: duration, sound, onsets where the notes are, every format,
hostile input refused in one line with no file left behind, cancel, and `segue render`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pretty_midi
import pytest
import soundfile

from engine.errors import UserFacingError
from engine.jobs import Cancelled
from engine.playback import render
from engine.playback.events import events_from_midi
from engine.playback.synth import render_events
from engine.project.chain import state_from_project
from engine.project.files import save_project
from engine.project.model import Chain, ComposerSection, Note, Project, Segment

REPO = Path(__file__).resolve().parents[3]
TAIL = render.DEFAULT_TAIL_SECONDS


def piano_midi(path: Path, notes: int = 24, step: float = 0.4) -> pretty_midi.PrettyMIDI:
    """A piano line with a note every ``step`` seconds, pitches wandering over an octave."""
    pm = pretty_midi.PrettyMIDI(initial_tempo=150)
    piano = pretty_midi.Instrument(program=0, name="Piano")
    for i in range(notes):
        start = i * step
        piano.notes.append(pretty_midi.Note(96, 60 + (i * 5) % 13, start, start + step * 0.7))
    pm.instruments.append(piano)
    pm.write(str(path))
    return pretty_midi.PrettyMIDI(str(path))  # as written: times quantised to ticks


def chain_record(blocks: int = 4, tempo: float = 132.0) -> Chain:
    """A saved chain (no model needed): a flute melody on the beats over held piano chords."""
    notes = []
    for b in range(blocks):
        for k in range(4):
            beat = b * 4 + k
            notes.append(Note(beat, beat + 0.8, 62 + (beat * 7) % 12, 100, "melody"))
        notes += [Note(b * 4, b * 4 + 4, pitch, 70, "chords") for pitch in (50, 54, 57)]
    return Chain(segments=[Segment(i, "tune", i) for i in range(blocks)], notes=notes,
                 tempo=tempo, melody_program=73, chord_program=0)


def onset_recall(path: Path, onsets: list[float], tolerance: float = 0.05) -> float:
    """The share of ``onsets`` (seconds) that librosa finds in the audio file within
    ``tolerance``."""
    import librosa

    audio, rate = soundfile.read(str(path))  # float64: librosa's onset picking on it
    found = librosa.onset.onset_detect(y=audio.mean(axis=1), sr=rate, units="time")
    return float(np.mean([np.min(np.abs(found - t)) <= tolerance for t in onsets]))


def leftovers(folder: Path) -> list[str]:
    """Temporary files a render could leave beside its target."""
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_a_midi_file_renders_to_a_wav_of_its_length_with_its_onsets(tmp_path: Path) -> None:
    midi = piano_midi(tmp_path / "line.mid")
    out = tmp_path / "line.wav"
    done = render.render_file(tmp_path / "line.mid", out)
    audio, rate = soundfile.read(str(out))
    assert rate == 44100 and audio.shape[1] == 2 and done.format == "WAV"
    assert abs(len(audio) / rate - (midi.get_end_time() + TAIL)) < 1.0 / rate + 1e-9
    assert done.seconds == pytest.approx(len(audio) / rate)
    assert float(np.sqrt(np.mean(audio ** 2))) > 0.01  # not silent...
    assert 0.5 < float(np.max(np.abs(audio))) <= 1.0  # ...normalised, never clipped past full scale
    onsets = sorted({n.start for n in midi.instruments[0].notes})
    assert onset_recall(out, onsets) >= 0.9


def test_a_project_chain_renders_with_its_tempo_and_onsets(tmp_path: Path) -> None:
    record = chain_record()
    project = tmp_path / "tune.segue"
    save_project(Project(composer=ComposerSection(chain=record)), project)
    out = tmp_path / "tune.wav"
    done = render.render_file(project, out)
    seconds = 60.0 / record.tempo
    last_end = max(n.end for n in record.notes) * seconds
    audio, rate = soundfile.read(str(out))
    assert abs(len(audio) / rate - (last_end + TAIL)) < 2.0 / rate
    assert done.music_seconds == pytest.approx(last_end)
    onsets = sorted({n.start * seconds for n in record.notes})
    assert onset_recall(out, onsets) >= 0.9


def test_the_composers_chain_renders_as_play_plays_it(tmp_path: Path) -> None:
    state = state_from_project(chain_record(blocks=2))
    out = tmp_path / "chain.wav"
    progress: list[float] = []
    done = render.render_state(state, out, sample_rate=22050,
                               progress=lambda fraction, _message: progress.append(fraction))
    audio, rate = soundfile.read(str(out))
    assert rate == 22050 and done.path == out
    assert abs(len(audio) / rate - (state.total_beats * 60 / 132.0 + TAIL)) < 2.0 / rate
    assert progress[0] == 0.0 and progress[-1] == 1.0 and progress == sorted(progress)
    assert 10 <= len(progress) <= 250  # reported as it goes, not for every block


@pytest.mark.parametrize(("suffix", "kind"), [(".flac", "FLAC"), (".ogg", "OGG"), (".WAV", "WAV")])
def test_flac_and_ogg_are_readable_back(tmp_path: Path, suffix: str, kind: str) -> None:
    midi = piano_midi(tmp_path / "line.mid", notes=6)
    out = tmp_path / f"line{suffix}"
    render.render_file(tmp_path / "line.mid", out, sample_rate=32000)
    info = soundfile.info(str(out))
    assert info.format == kind and info.samplerate == 32000 and info.channels == 2
    audio, _rate = soundfile.read(str(out))
    assert abs(len(audio) / 32000 - (midi.get_end_time() + TAIL)) < 0.05  # Vorbis pads a little
    assert float(np.sqrt(np.mean(audio ** 2))) > 0.01


def test_an_existing_file_is_replaced_only_by_a_complete_render(tmp_path: Path) -> None:
    piano_midi(tmp_path / "line.mid", notes=4)
    out = tmp_path / "line.wav"
    out.write_bytes(b"the old take")
    with pytest.raises(Cancelled):
        render.render_file(tmp_path / "line.mid", out, cancelled=lambda: True)
    assert out.read_bytes() == b"the old take" and leftovers(tmp_path) == []
    render.render_file(tmp_path / "line.mid", out)
    assert soundfile.info(str(out)).format == "WAV"


def test_cancel_between_blocks_leaves_no_file(tmp_path: Path) -> None:
    piano_midi(tmp_path / "line.mid")
    out = tmp_path / "line.flac"
    checks = []

    def cancelled() -> bool:
        checks.append(1)
        return len(checks) > 30  # well into the render: the first pass is done, the file begun

    with pytest.raises(Cancelled):
        render.render_file(tmp_path / "line.mid", out, cancelled=cancelled)
    assert not out.exists() and leftovers(tmp_path) == []


def hostile_cases(tmp: Path) -> dict[str, tuple[dict, str]]:
    """name → (render_file keyword arguments, what the one-line error must say)."""
    good = tmp / "good.mid"
    piano_midi(good, notes=3)
    garbage = tmp / "garbage.mid"
    garbage.write_bytes(b"MThd not really a MIDI file")
    empty = tmp / "empty.mid"
    pretty_midi.PrettyMIDI().write(str(empty))
    no_chain = tmp / "no-chain.segue"
    save_project(Project(), no_chain)
    blocker = tmp / "a-file"
    blocker.write_text("not a folder")
    (tmp / "folder.wav").mkdir()
    return {
        "mp3": (dict(source=good, out=tmp / "out.mp3"), "out.mp3: unknown audio file extension"),
        "no extension": (dict(source=good, out=tmp / "out"), "use .wav, .flac or .ogg"),
        "garbage midi": (dict(source=garbage, out=tmp / "g.wav"), "garbage.mid"),
        "missing midi": (dict(source=tmp / "missing.mid", out=tmp / "m.wav"), "missing.mid"),
        "no notes": (dict(source=empty, out=tmp / "e.wav"), "empty.mid: no notes to render"),
        "text input": (dict(source=blocker, out=tmp / "t.wav"), "a-file: cannot render"),
        "no chain": (dict(source=no_chain, out=tmp / "n.wav"), "no Composer chain to render"),
        "nan rate": (dict(source=good, out=tmp / "r.wav", sample_rate=float("nan")),
                     "sample rate nan"),
        "zero rate": (dict(source=good, out=tmp / "r.wav", sample_rate=0), "sample rate 0"),
        "negative tail": (dict(source=good, out=tmp / "r.wav", tail_seconds=-1.0), "tail -1.0"),
        "nan tail": (dict(source=good, out=tmp / "r.wav", tail_seconds=float("nan")),
                     "tail nan"),
        "parent is a file": (dict(source=good, out=blocker / "x.wav"), "a-file/x.wav"),
        "target is a folder": (dict(source=good, out=tmp / "folder.wav"), "is a folder"),
        "bad soundfont": (dict(source=good, out=tmp / "s.wav", soundfont=tmp / "none.sf2"),
                          "none.sf2"),
    }


def test_hostile_inputs_give_one_clear_error_and_no_file(tmp_path: Path) -> None:
    for name, (kwargs, expected) in hostile_cases(tmp_path).items():
        before = sorted(p.name for p in tmp_path.iterdir())
        source, out = kwargs.pop("source"), kwargs.pop("out")
        with pytest.raises(UserFacingError) as caught:
            render.render_file(source, out, **kwargs)
        message = str(caught.value)
        assert expected in message and "\n" not in message, (name, message)
        assert sorted(p.name for p in tmp_path.iterdir()) == before, name


def test_a_chain_with_a_broken_tempo_is_refused() -> None:
    import dataclasses

    state = state_from_project(chain_record(blocks=1))
    for tempo in (float("nan"), 0.0, -120.0):
        request = dataclasses.replace(state.chain.request, tempo=tempo)
        broken = dataclasses.replace(state, chain=dataclasses.replace(state.chain, request=request))
        with pytest.raises(UserFacingError, match="tempo"):
            render.events_of_state(broken)


def test_render_events_reports_progress_cancels_and_renders_stereo(tmp_path: Path) -> None:
    piano_midi(tmp_path / "line.mid", notes=8)
    events = events_from_midi(tmp_path / "line.mid")
    seen: list[float] = []
    stereo = render_events(events, 16000, progress=lambda f, _m: seen.append(f), stereo=True)
    mono = render_events(events, 16000)
    assert stereo.shape == (len(mono), 2) and seen[-1] == 1.0
    assert np.allclose(stereo.mean(axis=1), mono, atol=1e-6)
    with pytest.raises(Cancelled):
        render_events(events, 16000, cancelled=lambda: True)


def cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "engine.cli", "render", *args], cwd=REPO,
                          env=env, capture_output=True, text=True, timeout=60)


def test_segue_render_writes_the_file_and_says_where(tmp_path: Path) -> None:
    piano_midi(tmp_path / "line.mid", notes=6)
    out = tmp_path / "line.ogg"
    done = cli(str(tmp_path / "line.mid"), "--out", str(out), "--rate", "22050", "--tail", "0.5")
    assert done.returncode == 0, done.stderr
    assert str(out) in done.stdout and "OGG" in done.stdout
    assert soundfile.info(str(out)).samplerate == 22050


@pytest.mark.parametrize(("args", "expected"), [
    (["{mid}", "--out", "{tmp}/x.mp3"], "x.mp3: unknown audio file extension"),
    (["{mid}", "--out", "{tmp}/x.wav", "--rate", "nan"], "--rate"),
    (["{mid}", "--out", "{tmp}/x.wav", "--tail", "-1"], "--tail"),
    (["{tmp}/missing.mid", "--out", "{tmp}/x.wav"], "missing.mid"),
])
def test_segue_render_refuses_bad_input_in_one_line(tmp_path: Path, args: list[str],
                                                   expected: str) -> None:
    piano_midi(tmp_path / "line.mid", notes=2)
    filled = [a.format(mid=tmp_path / "line.mid", tmp=tmp_path) for a in args]
    done = cli(*filled)
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2 and len(lines) == 1, done.stderr
    assert lines[0].startswith("segue: error:") and expected in lines[0]
    assert "Traceback" not in done.stderr and not (tmp_path / "x.wav").exists()


def run_cli(argv: list[str]) -> tuple[int, str]:
    """``segue`` in this process (as tests/hostile does); return (exit code, stderr)."""
    import contextlib
    import io

    from engine.cli import main

    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
    return int(code), err.getvalue()


def wav_targets(root: Path) -> dict[str, Path]:
    """Hostile places to write a .wav to (tests/hostile's output targets, as audio files)."""
    import stat

    root.mkdir()
    made = {"folder": root / "out-folder.wav", "device": root / "device-node.wav",
            "parent_is_file": root / "a-file" / "out.wav", "long_name": root / ("z" * 300 + ".wav"),
            "loop": root / "out-loop.wav"}
    made["folder"].mkdir()
    (root / "a-file").write_bytes(b"keep me")
    if os.geteuid() == 0:  # a private copy of /dev/full (char 1,7), never the real one
        os.mknod(made["device"], 0o666 | stat.S_IFCHR, os.makedev(1, 7))
    else:
        os.mkfifo(made["device"])
    os.symlink(root / "out-loop-b.wav", made["loop"])
    os.symlink(made["loop"], root / "out-loop-b.wav")
    return made


def test_segue_render_refuses_the_hostile_corpus_in_one_line(tmp_path: Path) -> None:
    from tests.hostile import corpus

    inputs = corpus.midi_inputs(tmp_path / "midi")
    targets = wav_targets(tmp_path / "outs")
    good = tmp_path / "good.mid"
    piano_midi(good, notes=2)
    runs = [[str(path), "--out", str(tmp_path / "out.wav")] for path in inputs.values()]
    runs += [[str(good), "--out", str(path)] for path in targets.values()]
    before = corpus.snapshot(tmp_path)
    for argv in runs:
        code, err = run_cli(["render", *argv])
        lines = err.strip().splitlines()
        assert code == 2 and len(lines) == 1 and lines[0].startswith("segue: error:"), (argv, err)
        assert "Traceback" not in err and "internal error" not in err, (argv, err)
    assert corpus.snapshot(tmp_path) == before and not (tmp_path / "out.wav").exists()
